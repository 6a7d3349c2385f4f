import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { Batch, DataFormatError, ImageDataset, Rng } from '@medtransfer/core';
import { createBatchSource } from './batches';
import { resizeBilinear } from './resize';
import { thrown } from './test-fixtures';

/** A dataset whose image i has pixel values pixel(i, k) and labels that identify it. */
function makeDs(count: number, size: number, channels: number, pixel: (i: number, k: number) => number, labelWidth = 1): ImageDataset {
  const px = size * size * channels;
  const images = Uint8Array.from({ length: count * px }, (_v, j) => pixel(Math.floor(j / px), j % px));
  const labels = Int32Array.from({ length: count * labelWidth }, (_v, j) => (labelWidth === 1 ? j : Math.floor(j / labelWidth) * 10 + (j % labelWidth)));
  return {
    name: 'test/ids',
    task: labelWidth === 1 ? 'multi-class' : 'multi-label',
    numClasses: labelWidth === 1 ? count : labelWidth,
    splits: { train: { images, labels, count, height: size, width: size, channels, labelWidth } },
    fingerprint: 'x',
    source: 'test-ids.npz',
  };
}

const collect = (it: Iterable<Batch>) => [...it];

describe('createBatchSource', () => {
  it('yields NHWC float batches covering the split once, the last one smaller', () => {
    const src = createBatchSource(makeDs(10, 4, 1, (i) => i), 'train', { imageSize: 4, channels: 1 });
    expect([src.count, src.numClasses, src.labelWidth]).to.deep.equal([10, 10, 1]);
    const batches = collect(src.epoch(4));
    expect(batches.map((b) => b.size)).to.deep.equal([4, 4, 2]);
    expect(batches[0].shape).to.deep.equal([4, 4, 4, 1]);
    expect(batches[2].shape).to.deep.equal([2, 4, 4, 1]);
    expect(batches[2].x.length).to.equal(2 * 16);
    expect(batches.flatMap((b) => [...b.labels])).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('normalises as (x/255 − mean)/std, by default mean 0.5 and std 0.5', () => {
    const values = [0, 255, 51, 102];
    const ds = makeDs(4, 2, 1, (i) => values[i]);
    const [b] = collect(createBatchSource(ds, 'train', { imageSize: 2, channels: 1 }).epoch(4));
    expect(b.x[0]).to.equal(-1);
    expect(b.x[4]).to.equal(1);
    expect(b.x[8]).to.be.closeTo(-0.6, 1e-6);
    const [c] = collect(createBatchSource(ds, 'train', { imageSize: 2, channels: 1, mean: 0.2, std: 0.1 }).epoch(4));
    expect(c.x[8]).to.be.closeTo(0, 1e-6);
    expect(c.x[12]).to.be.closeTo(2, 1e-6);
  });

  it('repeats gray to three channels and turns RGB into luminance', () => {
    const gray = makeDs(2, 3, 1, (i, k) => 10 * i + k);
    const [g] = collect(createBatchSource(gray, 'train', { imageSize: 3, channels: 3 }).epoch(2));
    expect(g.shape).to.deep.equal([2, 3, 3, 3]);
    for (let p = 0; p < 18; p++) {
      const v = ((10 * Math.floor(p / 9) + (p % 9)) / 255 - 0.5) / 0.5;
      for (let c = 0; c < 3; c++) expect(g.x[3 * p + c]).to.be.closeTo(v, 1e-6);
    }
    const rgb = makeDs(1, 2, 3, (_i, k) => [200, 100, 50][k % 3]);
    const [r] = collect(createBatchSource(rgb, 'train', { imageSize: 2, channels: 1, mean: 0, std: 1 }).epoch(1));
    expect(r.shape).to.deep.equal([1, 2, 2, 1]);
    expect(r.x[3]).to.be.closeTo((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, 1e-6);
  });

  it('resizes bilinearly with half-pixel centres, matching a hand-computed 2×2 → 4×4 example', () => {
    // Source [[0, 100], [200, 40]]. Output row/col o samples source (o + 0.5)/2 − 0.5, clamped:
    // 0, 0.25, 0.75, 1. E.g. out[1][2]: rows 0..1 at 0.25, cols 0..1 at 0.75:
    // top = 0·0.25 + 100·0.75 = 75, bottom = 200·0.25 + 40·0.75 = 80, value = 75·0.75 + 80·0.25 = 76.25.
    const out = resizeBilinear([0, 100, 200, 40], 2, 2, 1, 4, 4);
    expect(out[1 * 4 + 2]).to.be.closeTo(76.25, 1e-4);
    expect([...out.subarray(0, 4)]).to.deep.equal([0, 25, 75, 100]);
    expect([...out.subarray(12, 16)]).to.deep.equal([200, 160, 80, 40]);
    // Legacy (tfjs default, no half-pixel): sources 0, 0.5, 1, 1.5 → clamped at the last pixel.
    const legacy = resizeBilinear([0, 100, 200, 40], 2, 2, 1, 4, 4, undefined, 0, false);
    expect([...legacy.subarray(0, 4)]).to.deep.equal([0, 50, 100, 100]);
    // Through a batch source: 255 and 0 map to ±1 after normalisation; 76.25 to 76.25/127.5 − 1.
    const ds = makeDs(1, 2, 1, (_i, k) => [0, 100, 200, 40][k]);
    const [b] = collect(createBatchSource(ds, 'train', { imageSize: 4, channels: 1 }).epoch(1));
    expect(b.x[6]).to.be.closeTo(76.25 / 127.5 - 1, 1e-6);
  });

  it('agrees with tf.image.resizeBilinear in both sampling modes, up and down', () => {
    const rng = new Rng(11);
    const src = Float32Array.from({ length: 28 * 28 * 3 }, () => rng.int(256));
    for (const [outSize, halfPixel] of [
      [64, true],
      [64, false],
      [14, true],
      [17, false],
    ] as [number, boolean][]) {
      const ours = resizeBilinear(src, 28, 28, 3, outSize, outSize, undefined, 0, halfPixel);
      const theirs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(src, [1, 28, 28, 3]), [outSize, outSize], false, halfPixel).dataSync());
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
      expect(maxDiff, `${outSize} half-pixel=${halfPixel}`).to.be.below(1e-3);
    }
  });

  it('caches resized images: epochs agree with each other and with the uncached path', () => {
    const ds = makeDs(5, 8, 1, (i, k) => (i * 37 + k * 11) % 256);
    const cached = createBatchSource(ds, 'train', { imageSize: 12, channels: 3 });
    const uncached = createBatchSource(ds, 'train', { imageSize: 12, channels: 3, cacheLimitBytes: 0 });
    const a = collect(cached.epoch(2, 1));
    const b = collect(cached.epoch(2, 1));
    const c = collect(uncached.epoch(2, 1));
    for (let i = 0; i < a.length; i++) {
      expect([...a[i].x]).to.deep.equal([...b[i].x]);
      expect([...a[i].x]).to.deep.equal([...c[i].x]);
    }
  });

  it('shuffles deterministically by seed, as a permutation of the split', () => {
    const src = createBatchSource(makeDs(23, 2, 1, (i) => i), 'train', { imageSize: 2, channels: 1 });
    const order = (seed?: number) => collect(src.epoch(5, seed)).flatMap((b) => [...b.labels]);
    const o1 = order(1);
    expect(o1).to.deep.equal(order(1));
    expect(o1).to.deep.equal([...new Rng(1).permutation(23)]);
    expect(o1).to.not.deep.equal(order(2));
    expect([...o1].sort((p, q) => p - q)).to.deep.equal(Array.from({ length: 23 }, (_v, i) => i));
    // Pixels travel with their labels.
    for (const b of collect(src.epoch(5, 3))) {
      for (let k = 0; k < b.size; k++) expect(b.x[k * 4]).to.be.closeTo((b.labels[k] / 255 - 0.5) / 0.5, 1e-6);
    }
  });

  it('keeps multi-label rows together', () => {
    const src = createBatchSource(makeDs(4, 2, 1, (i) => i, 3), 'train', { imageSize: 2, channels: 1 });
    const [b] = collect(src.epoch(4, 9));
    expect(b.labelWidth).to.equal(3);
    for (let k = 0; k < 4; k++) {
      const row = [...b.labels.subarray(3 * k, 3 * k + 3)];
      expect(row[1] - row[0]).to.equal(1);
      expect(row[2] - row[0]).to.equal(2);
    }
  });

  it('names the missing keys when the split is absent, and rejects bad batch sizes', () => {
    const ds = makeDs(2, 2, 1, () => 0);
    const err = thrown(() => createBatchSource(ds, 'val', { imageSize: 2, channels: 1 }));
    expect(err).to.be.instanceOf(DataFormatError);
    expect(err.message).to.equal('test-ids.npz: reading the "val" split needs val_images, val_labels, which this file lacks (it has train_images, train_labels)');
    const src = createBatchSource(ds, 'train', { imageSize: 2, channels: 1 });
    expect(() => collect(src.epoch(0))).to.throw(/batchSize must be a positive integer, received 0/);
  });
});
