import { expect } from 'chai';
import { ImageDataset, ImageSplit, Rng, TransformsConfig, transformsSchema } from '@medtransfer/core';
import { createBatchSource } from './batches';
import { resizeBilinear } from './resize';
import { createStageSources } from './stage-sources';
import { IMAGENET_MEAN, IMAGENET_STD, channelStats, createPreprocessor, resolveNormalization } from './transforms';

const split = (values: number[][], h: number, w: number, channels = 1): ImageSplit => ({
  images: Uint8Array.from(values.flat()),
  labels: Int32Array.from(values.map((_v, i) => i % 2)),
  count: values.length,
  height: h,
  width: w,
  channels,
  labelWidth: 1,
});
const cfg = (t: Record<string, unknown>): TransformsConfig => transformsSchema.parse(t);
/** Identity normalisation, so outputs are raw 0..255 pixel values. */
const RAW = { mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] };
const run = (s: ImageSplit, size: number, t: TransformsConfig, channels: 1 | 3 = 1, i = 0): number[] => {
  const p = createPreprocessor(s, size, channels, t, RAW);
  const out = new Float32Array(p.outLen);
  p.prepare(i, out, 0);
  return Array.from(out, (v) => Math.round(v * 1000) / 1000);
};
/** Rng whose every draw is at its upper end: flips happen, angles and factors are maximal, offsets 0. */
const maxRng = { next: () => 0, uniform: (_lo: number, hi: number) => hi, int: () => 0 } as unknown as Rng;
const augmented = (s: ImageSplit, size: number, t: TransformsConfig, rng: Rng = maxRng): number[] => {
  const p = createPreprocessor(s, size, 1, t, RAW);
  const out = new Float32Array(p.outLen);
  p.augment(0, out, 0, rng);
  return Array.from(out, (v) => Math.round(v * 1000) / 1000);
};

describe('transforms', () => {
  const img2 = split([[10, 20, 30, 40]], 2, 2);

  it('nearest resize repeats pixels (PIL NEAREST); bilinear matches the half-pixel-centre resize', () => {
    expect(run(img2, 4, cfg({ interpolation: 'nearest' }))).to.deep.equal([10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40]);
    const img3 = split([[0, 50, 100, 150, 200, 250, 30, 60, 90]], 3, 3);
    const want = Array.from(resizeBilinear(Array.from(img3.images), 3, 3, 1, 5, 5), (v) => Math.round(v * 1000) / 1000);
    expect(run(img3, 5, cfg({}))).to.deep.equal(want);
    // Downsampling by 2 with bilinear at half-pixel centres averages each 2×2 block.
    const img4 = split([[0, 4, 8, 12, 4, 8, 12, 16, 20, 24, 28, 32, 24, 28, 32, 36]], 4, 4);
    expect(run(img4, 2, cfg({}))).to.deep.equal([4, 12, 24, 32]);
  });

  it('zero-pads to size, centred (MedMNIST+), and centre-crops', () => {
    expect(run(img2, 4, cfg({ fit: 'pad' }))).to.deep.equal([0, 0, 0, 0, 0, 10, 20, 0, 0, 30, 40, 0, 0, 0, 0, 0]);
    expect(run(img2, 3, cfg({ fit: 'pad' }))).to.deep.equal([10, 20, 0, 30, 40, 0, 0, 0, 0]);
    const img4 = split([Array.from({ length: 16 }, (_v, i) => i)], 4, 4);
    expect(run(img4, 2, cfg({ fit: 'crop' }))).to.deep.equal([5, 6, 9, 10]);
    expect(run(img4, 4, cfg({ centerCrop: 2, interpolation: 'nearest' }))).to.deep.equal([5, 5, 6, 6, 5, 5, 6, 6, 9, 9, 10, 10, 9, 9, 10, 10]);
    expect(() => run(img4, 2, cfg({ fit: 'pad' }))).to.throw(/transforms.fit: is "pad" but the images \(4×4\) are larger than imageSize 2/);
    expect(() => run(img2, 4, cfg({ fit: 'crop' }))).to.throw(/smaller than imageSize 4/);
    expect(() => run(img2, 2, cfg({ centerCrop: 3 }))).to.throw(/centerCrop: is 3 but the images are 2×2/);
  });

  it('maps gray → RGB by repeating and RGB → gray by BT.601 luma', () => {
    expect(run(img2, 2, cfg({}), 3)).to.deep.equal([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
    const rgb = split([[255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100]], 2, 2, 3);
    expect(run(rgb, 2, cfg({}), 1)).to.deep.equal([76.245, 149.685, 29.07, 100]);
  });

  it('normalisation presets: 0.5/0.5, ImageNet mean/std, dataset statistics, explicit values', () => {
    const rgb = split([[255, 0, 51, 0, 0, 0, 0, 0, 0, 0, 0, 0]], 2, 2, 3);
    const t = (normalize: unknown) => {
      const c = cfg({ normalize });
      const p = createPreprocessor(rgb, 2, 3, c, resolveNormalization(c, 3, rgb));
      const out = new Float32Array(p.outLen);
      p.prepare(0, out, 0);
      return Array.from(out.subarray(0, 3));
    };
    expect(t('medmnist')).to.deep.equal([1, -1, 51 / 255 / 0.5 - 1].map(Math.fround));
    const inet = t('imagenet');
    expect(inet[0]).to.be.closeTo((1 - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 1e-5);
    expect(inet[1]).to.be.closeTo(-IMAGENET_MEAN[1] / IMAGENET_STD[1], 1e-5);
    expect(t({ mean: [0.2], std: [0.4] })[2]).to.be.closeTo((0.2 - 0.2) / 0.4, 1e-6);
    // Channel R over the split: values 1, 0, 0, 0 → mean 0.25, std √(0.25 − 0.0625).
    const stats = channelStats(rgb, 3);
    expect(stats.mean[0]).to.be.closeTo(0.25, 1e-9);
    expect(stats.std[0]).to.be.closeTo(Math.sqrt(0.1875), 1e-9);
    expect(t('dataset')[0]).to.be.closeTo((1 - 0.25) / Math.sqrt(0.1875), 1e-5);
    expect(() => resolveNormalization(cfg({ normalize: { mean: [0.1, 0.2], std: [1] } }), 3)).to.throw(/normalize.mean: has 2 values but the model sees 3/);
  });

  it('augments: flip, rotation, random-resized crop, brightness and contrast, with exact pixels', () => {
    expect(augmented(img2, 2, cfg({ augment: { flip: 'horizontal' } }))).to.deep.equal([20, 10, 40, 30]);
    expect(augmented(img2, 2, cfg({ augment: { flip: 'vertical' } }))).to.deep.equal([30, 40, 10, 20]);
    expect(augmented(img2, 2, cfg({ augment: { rotate: 90 } }))).to.deep.equal([20, 40, 10, 30]);
    const img4 = split([Array.from({ length: 16 }, (_v, i) => i * 10)], 4, 4);
    // scale 0.25, ratio 1 → a 2×2 box at (0, 0), nearest-resized to 4×4.
    expect(augmented(img4, 4, cfg({ interpolation: 'nearest', augment: { randomResizedCrop: { scale: [0.25, 0.25], ratio: [1, 1] } } }))).to.deep.equal([
      0, 0, 10, 10, 0, 0, 10, 10, 40, 40, 50, 50, 40, 40, 50, 50,
    ]);
    expect(augmented(img2, 2, cfg({ augment: { brightness: 0.5 } }))).to.deep.equal([15, 30, 45, 60]);
    // contrast ×1.5 about the mean 25.
    expect(augmented(img2, 2, cfg({ augment: { contrast: 0.5 } }))).to.deep.equal([2.5, 17.5, 32.5, 47.5]);
  });

  it('augments training batches only, seeded by the epoch seed; other splits stay deterministic', () => {
    const imgs = Array.from({ length: 8 }, (_v, i) => [i, i + 100, i + 50, i + 150]);
    const s = split(imgs, 2, 2);
    const ds: ImageDataset = { name: 't', task: 'binary', numClasses: 2, splits: { train: s, val: s }, fingerprint: 'f', source: 'mem' };
    const transforms = cfg({ augment: { flip: 'horizontal' } });
    const src = createStageSources(ds, ['train', 'val'], { imageSize: 2, channels: 1, transforms });
    const first = (split: 'train' | 'val', seed: number) => Array.from([...src[split].epoch(8, seed)][0].x);
    expect(first('train', 3)).to.deep.equal(first('train', 3));
    expect(first('train', 3)).to.not.deep.equal(first('train', 4));
    // Unshuffled, unaugmented validation equals the plain pipeline.
    const plain = createBatchSource(ds, 'val', { imageSize: 2, channels: 1 });
    expect(Array.from([...src.val.epoch(8)][0].x)).to.deep.equal(Array.from([...plain.epoch(8)][0].x));
    // Some training images are flipped, some not: the shuffled order differs between seeds but each row is one of the two.
    const rows = [...src.train.epoch(8, 5)][0];
    let flipped = 0;
    for (let b = 0; b < 8; b++) {
      const r = Array.from(rows.x.subarray(b * 4, b * 4 + 4));
      if (r[0] > r[1]) flipped++;
    }
    expect(flipped).to.be.within(1, 7);
  });
});
