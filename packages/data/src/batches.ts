// Batches for training and evaluation: uint8 NHWC → float32, resized, channel-adapted and
// normalised as (x/255 − mean)/std (MedMNIST recipe: mean 0.5, std 0.5), in a seeded order.
import { Batch, BatchSource, ImageDataset, ImageSplit, MedtransferError, Rng, SplitName, TaskType, TransformsConfig } from '@medtransfer/core';
import { requireSplits } from './medmnist';
import { resizeBilinear } from './resize';
import { Normalization, createPreprocessor, mapChannels, resolveNormalization } from './transforms';

export interface BatchOptions {
  /** Side of the square images the model sees. */
  imageSize: number;
  /** Channels the model sees: gray is repeated to 3; RGB becomes luminance for 1. */
  channels: 1 | 3;
  mean?: number;
  std?: number;
  /** Bilinear sampling grid: half-pixel centres (default) or the legacy tfjs `resizeBilinear` default. */
  halfPixelCenters?: boolean;
  /** Resized images are cached when they fit in this many bytes (default 1 GiB); otherwise resized per batch. */
  cacheLimitBytes?: number;
  /** `stage.transforms`: geometry, interpolation, normalisation preset, augmentation (replaces mean/std/halfPixelCenters). */
  transforms?: TransformsConfig;
  /** Apply `transforms.augment` to this source's batches (training only), seeded by the epoch's shuffle seed. */
  augment?: boolean;
  /** Normalisation for `transforms` (default: resolved from the preset; `dataset` uses this split's statistics). */
  normalization?: Normalization;
}

/** A BatchSource that also exposes what it produces, for models and evaluation. */
export interface ImageBatchSource extends BatchSource {
  readonly split: SplitName;
  readonly imageSize: number;
  readonly channels: 1 | 3;
  readonly labelWidth: number;
  /** All labels of the split, in stored order (`count × labelWidth`). */
  readonly labels: Int32Array;
}

export function createBatchSource(ds: ImageDataset, split: SplitName, opts: BatchOptions): ImageBatchSource {
  const s: ImageSplit = requireSplits(ds, [split], ds.source, `reading the "${split}" split`)[split];
  const { imageSize, channels } = opts;
  const mean = opts.mean ?? 0.5;
  const std = opts.std ?? 0.5;
  if (!Number.isInteger(imageSize) || imageSize < 1) throw new MedtransferError(`imageSize must be a positive integer, received ${imageSize}`);
  if (channels !== 1 && channels !== 3) throw new MedtransferError(`channels must be 1 or 3, received ${String(channels)}`);
  if (!(std > 0)) throw new MedtransferError(`std must be positive, received ${std}`);
  if (s.channels !== 1 && s.channels !== 3) throw new MedtransferError(`${ds.name}: ${split} images have ${s.channels} channels; only 1 or 3 are supported`);

  const { height: H, width: W, channels: C } = s;
  const resize = H !== imageSize || W !== imageSize;
  const inPix = H * W;
  const outLen = imageSize * imageSize * channels;
  const halfPixel = opts.halfPixelCenters ?? true;

  // Normalisation folded into a lookup table for the no-resize path (x/255 − mean)/std.
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean) / std;
  const tmp = new Float32Array(inPix * channels);

  /** Writes image `i`, fully preprocessed, into `out` at `offset`. */
  const basic = (i: number, out: Float32Array, offset: number): void => {
    const px = s.images.subarray(i * inPix * C, (i + 1) * inPix * C);
    if (!resize && C === channels) {
      for (let k = 0; k < outLen; k++) out[offset + k] = lut[px[k]];
      return;
    }
    // Channel mapping at the stored size (values 0..255), then resize, then normalise.
    const target = resize ? tmp : null;
    const dst = target ?? out;
    const base = target ? 0 : offset;
    mapChannels(px, inPix, C, channels, dst, base);
    if (target) resizeBilinear(target, H, W, channels, imageSize, imageSize, out, offset, halfPixel);
    for (let k = 0; k < outLen; k++) out[offset + k] = (out[offset + k] / 255 - mean) / std;
  };

  // With transforms, one resampling pass per image does geometry and normalisation (see transforms.ts).
  const t = opts.transforms;
  const pre = t ? createPreprocessor(s, imageSize, channels, t, opts.normalization ?? resolveNormalization(t, channels, s)) : null;
  const prepare = pre ? pre.prepare : basic;
  const augmenting = !!(pre && opts.augment && t?.augment);

  // Resizing is the costly step, so resized images are kept (filled lazily, once each).
  const cacheBytes = s.count * outLen * 4;
  const useCache = (resize || !!pre) && !augmenting && cacheBytes <= (opts.cacheLimitBytes ?? 2 ** 30);
  const cache = useCache ? new Float32Array(s.count * outLen) : null;
  const ready = useCache ? new Uint8Array(s.count) : null;

  const fill = (i: number, out: Float32Array, offset: number): void => {
    if (!cache || !ready) return prepare(i, out, offset);
    if (!ready[i]) {
      prepare(i, cache, i * outLen);
      ready[i] = 1;
    }
    out.set(cache.subarray(i * outLen, (i + 1) * outLen), offset);
  };

  const lw = s.labelWidth;
  const task: TaskType = ds.task;
  return {
    count: s.count,
    task,
    numClasses: ds.numClasses,
    split,
    imageSize,
    channels,
    labelWidth: lw,
    labels: s.labels,
    *epoch(batchSize: number, shuffleSeed?: number): Generator<Batch> {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new MedtransferError(`batchSize must be a positive integer, received ${batchSize}`);
      const order = shuffleSeed === undefined ? null : new Rng(shuffleSeed).permutation(s.count);
      // Augmentation draws from its own stream, so it does not shift the order.
      const augRng = augmenting ? new Rng(shuffleSeed ?? 0).fork('augment') : null;
      for (let start = 0; start < s.count; start += batchSize) {
        const size = Math.min(batchSize, s.count - start);
        const x = new Float32Array(size * outLen);
        const labels = new Int32Array(size * lw);
        for (let b = 0; b < size; b++) {
          const i = order ? order[start + b] : start + b;
          if (pre && augRng) pre.augment(i, x, b * outLen, augRng);
          else fill(i, x, b * outLen);
          labels.set(s.labels.subarray(i * lw, (i + 1) * lw), b * lw);
        }
        yield { x, shape: [size, imageSize, imageSize, channels], labels, labelWidth: lw, size };
      }
    },
  };
}
