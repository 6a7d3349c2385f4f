import { expect } from 'chai';
import { FRACTAL_DEFAULTS, FractalParams, generateFractalDataset } from './fractal';

const small: FractalParams = { ...FRACTAL_DEFAULTS, classes: 6, perClass: 4, valPerClass: 2, testPerClass: 1, seed: 7 };

describe('synthetic/fractal', () => {
  it('is byte-identical for the same seed and differs for another seed', () => {
    const a = generateFractalDataset(small);
    const b = generateFractalDataset(small);
    const c = generateFractalDataset({ ...small, seed: 8 });
    for (const split of ['train', 'val', 'test'] as const) {
      expect(Buffer.from(a.splits[split]!.images).equals(Buffer.from(b.splits[split]!.images)), split).to.equal(true);
      expect(Buffer.from(a.splits[split]!.images).equals(Buffer.from(c.splits[split]!.images)), split).to.equal(false);
    }
    expect(a.fingerprint).to.equal(b.fingerprint);
    expect(a.fingerprint).to.not.equal(c.fingerprint);
  });

  it('has the requested classes, counts and shapes, balanced in every split', () => {
    const ds = generateFractalDataset(small);
    expect(ds.task).to.equal('multi-class');
    expect(ds.numClasses).to.equal(6);
    expect(ds.labelNames).to.have.length(6);
    const expected = { train: 24, val: 12, test: 6 };
    for (const [split, n] of Object.entries(expected)) {
      const s = ds.splits[split as 'train']!;
      expect([s.count, s.height, s.width, s.channels, s.labelWidth]).to.deep.equal([n, 28, 28, 3, 1]);
      expect(s.images.length).to.equal(n * 28 * 28 * 3);
      const perClass = new Array(6).fill(0);
      for (const l of s.labels) perClass[l]++;
      expect(perClass).to.deep.equal(new Array(6).fill(n / 6));
    }
  });

  it('draws non-empty, non-saturated images that vary within a class', () => {
    const ds = generateFractalDataset(small);
    const s = ds.splits.train!;
    const px = 28 * 28 * 3;
    for (let i = 0; i < s.count; i++) {
      const img = s.images.subarray(i * px, (i + 1) * px);
      const lit = img.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / px;
      expect(lit, `image ${i}`).to.be.within(0.03, 0.9);
    }
    // Images 0 and 6 are both class 0 but different instances.
    expect(Buffer.from(s.images.subarray(0, px)).equals(Buffer.from(s.images.subarray(6 * px, 7 * px)))).to.equal(false);
  });

  it('omits empty splits and renders grayscale when asked', () => {
    const ds = generateFractalDataset({ ...small, channels: 1, valPerClass: 0, testPerClass: 0, size: 32 });
    expect(Object.keys(ds.splits)).to.deep.equal(['train']);
    expect(ds.splits.train!.channels).to.equal(1);
    expect(ds.splits.train!.images.length).to.equal(24 * 32 * 32);
  });

  it('generates the default 16 classes × 120 images at 28 px quickly', () => {
    const t0 = process.hrtime.bigint();
    const ds = generateFractalDataset({ ...FRACTAL_DEFAULTS, seed: 1 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(ds.splits.train!.count + ds.splits.val!.count + ds.splits.test!.count).to.equal(1920);
    // Measured about 0.4–0.6 s on a loaded 2-core machine; the bound leaves room for slow CI.
    expect(ms).to.be.below(4000);
  });
});
