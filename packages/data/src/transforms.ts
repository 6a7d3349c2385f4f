// Per-image preprocessing and augmentation from `stage.transforms`: channel mapping, one affine
// resampling pass (resize bilinear/nearest, centre crop, zero-pad, flip, rotation, random-resized
// crop), brightness/contrast, then normalisation. Random choices come from the caller's Rng.
import { ConfigError, ImageSplit, MedtransferError, Rng, TransformsConfig } from '@medtransfer/core';

/** Per-channel mean and std in units of x/255 (length = channels the model sees). */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** torchvision / timm ImageNet statistics (RGB). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
// ITU-R BT.601 luma, as PIL's convert('L') and tf.image.rgbToGrayscale use.
export const LUMA = [0.299, 0.587, 0.114];

/** Writes image pixels (uint8, C channels) as floats 0..255 with `channels` channels: gray → 3 repeats, RGB → luma. */
export function mapChannels(px: ArrayLike<number>, pixels: number, C: number, channels: number, dst: Float32Array, base = 0): void {
  for (let p = 0; p < pixels; p++) {
    if (C === channels) {
      for (let k = 0; k < C; k++) dst[base + p * C + k] = px[p * C + k];
    } else if (C === 1) {
      const g = px[p];
      dst[base + 3 * p] = g;
      dst[base + 3 * p + 1] = g;
      dst[base + 3 * p + 2] = g;
    } else {
      dst[base + p] = LUMA[0] * px[3 * p] + LUMA[1] * px[3 * p + 1] + LUMA[2] * px[3 * p + 2];
    }
  }
}

/** Per-channel mean/std of x/255 over a split, after mapping to `channels` (the `normalize: dataset` preset). */
export function channelStats(split: ImageSplit, channels: 1 | 3): Normalization {
  const per = split.height * split.width * split.channels;
  return channelStatsOf(split.count, split.height * split.width, split.channels, channels, (i) => split.images.subarray(i * per, (i + 1) * per));
}

/** channelStats over images fetched one at a time by `imageAt(i)` (a disk-cached split streams them). */
export function channelStatsOf(count: number, pixels: number, C: number, channels: 1 | 3, imageAt: (i: number) => Uint8Array): Normalization {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  const tmp = new Float32Array(pixels * channels);
  for (let i = 0; i < count; i++) {
    mapChannels(imageAt(i), pixels, C, channels, tmp);
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < channels; k++) {
        const v = tmp[p * channels + k] / 255;
        sum[k] += v;
        sq[k] += v * v;
      }
    }
  }
  const n = Math.max(1, count * pixels);
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(s / n - mean[k] ** 2, 0)) || 1);
  return { mean, std };
}

/** The normalisation a config asks for; `dataset` needs the training split's statistics (`train`). */
export function resolveNormalization(t: TransformsConfig | undefined, channels: 1 | 3, train?: ImageSplit): Normalization {
  const n = t?.normalize ?? 'medmnist';
  const fill = (v: number[], what: string): number[] => {
    if (v.length === channels) return v;
    if (v.length === 1) return Array(channels).fill(v[0]);
    if (channels === 1 && v.length === 3) return [LUMA.reduce((a, w, k) => a + w * v[k], 0)];
    throw new ConfigError(`transforms.normalize.${what}`, `has ${v.length} values but the model sees ${channels} channel(s); give 1 or ${channels}`);
  };
  if (n === 'medmnist') return { mean: fill([0.5], 'mean'), std: fill([0.5], 'std') };
  if (n === 'imagenet') return { mean: fill(IMAGENET_MEAN, 'mean'), std: fill(IMAGENET_STD, 'std') };
  if (n === 'dataset') {
    if (!train) throw new MedtransferError('transforms.normalize: dataset needs a training split to compute statistics from');
    return channelStats(train, channels);
  }
  return { mean: fill(n.mean, 'mean'), std: fill(n.std, 'std') };
}

/** u = a·x + b·y + c, v = d·x + e·y + f: output edge coordinates → source edge coordinates (pixel i spans [i, i+1]). */
export type Affine = [number, number, number, number, number, number];

/** (first ∘ second): apply `second`, then `first`. */
function compose(first: Affine, second: Affine): Affine {
  const [a, b, c, d, e, f] = first;
  const [A, B, C, D, E, F] = second;
  return [a * A + b * D, a * B + b * E, a * C + b * F + c, d * A + e * D, d * B + e * E, d * C + e * F + f];
}

/**
 * Samples `src` (h × w × c floats) at the source points of every output pixel centre. Points
 * outside the image are 0 (padding, rotation corners); inside, neighbours clamp to the edge, which
 * makes a pure scale identical to half-pixel-centre bilinear resizing (PyTorch align_corners=False).
 * Nearest takes floor(u), PIL's NEAREST rule.
 */
export function sampleAffine(
  src: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  m: Affine,
  nearest: boolean,
  out: Float32Array,
  offset = 0,
): void {
  const [a, b, cc, d, e, f] = m;
  const eps = 1e-6;
  for (let oy = 0; oy < outH; oy++) {
    const y = oy + 0.5;
    for (let ox = 0; ox < outW; ox++) {
      const x = ox + 0.5;
      const u = a * x + b * y + cc;
      const v = d * x + e * y + f;
      const o = offset + (oy * outW + ox) * c;
      if (u < -eps || v < -eps || u > w + eps || v > h + eps) {
        for (let k = 0; k < c; k++) out[o + k] = 0;
        continue;
      }
      if (nearest) {
        const ix = Math.min(Math.max(Math.floor(u), 0), w - 1);
        const iy = Math.min(Math.max(Math.floor(v), 0), h - 1);
        for (let k = 0; k < c; k++) out[o + k] = src[(iy * w + ix) * c + k];
        continue;
      }
      const sx = Math.min(Math.max(u - 0.5, 0), w - 1);
      const sy = Math.min(Math.max(v - 0.5, 0), h - 1);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const tx = sx - x0;
      const ty = sy - y0;
      for (let k = 0; k < c; k++) {
        const top = src[(y0 * w + x0) * c + k] * (1 - tx) + src[(y0 * w + x1) * c + k] * tx;
        const bottom = src[(y1 * w + x0) * c + k] * (1 - tx) + src[(y1 * w + x1) * c + k] * tx;
        out[o + k] = top * (1 - ty) + bottom * ty;
      }
    }
  }
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** torchvision RandomResizedCrop.get_params: 10 tries at a random area and aspect ratio, else the centred box clamped to `ratio`. */
export function randomResizedBox(W: number, H: number, scale: [number, number], ratio: [number, number], rng: Rng): Box {
  const area = W * H;
  const [lr0, lr1] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let t = 0; t < 10; t++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(lr0, lr1));
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= W && h <= H) return { x: rng.int(W - w + 1), y: rng.int(H - h + 1), w, h };
  }
  const r = W / H;
  const [w, h] = r < ratio[0] ? [W, Math.round(W / ratio[0])] : r > ratio[1] ? [Math.round(H * ratio[1]), H] : [W, H];
  return { x: Math.floor((W - w) / 2), y: Math.floor((H - h) / 2), w, h };
}

export interface Preprocessor {
  /** Floats per output image (size² × channels). */
  readonly outLen: number;
  /** The deterministic pipeline for image `i` of the split, normalised, into `out` at `offset`. */
  prepare(i: number, out: Float32Array, offset: number): void;
  /** The same with the random augmentations, drawing from `rng`. */
  augment(i: number, out: Float32Array, offset: number, rng: Rng): void;
}

/** Builds the pipeline for one split; `norm` comes from resolveNormalization (training statistics for `dataset`). */
export function createPreprocessor(split: ImageSplit, size: number, channels: 1 | 3, t: TransformsConfig, norm: Normalization): Preprocessor {
  const { height: H, width: W, channels: C } = split;
  const pixels = H * W;
  const outLen = size * size * channels;
  const nearest = t.interpolation === 'nearest';
  const tmp = new Float32Array(pixels * channels);
  const per = pixels * C;

  // The source box after centerCrop, in edge coordinates.
  let box: Box = { x: 0, y: 0, w: W, h: H };
  if (t.centerCrop !== undefined) {
    if (t.centerCrop > W || t.centerCrop > H) {
      throw new ConfigError('transforms.centerCrop', `is ${t.centerCrop} but the images are ${H}×${W}; use at most ${Math.min(H, W)}`);
    }
    box = { x: Math.floor((W - t.centerCrop) / 2), y: Math.floor((H - t.centerCrop) / 2), w: t.centerCrop, h: t.centerCrop };
  }
  const fit = t.fit;
  if (fit === 'pad' && (box.w > size || box.h > size)) {
    throw new ConfigError('transforms.fit', `is "pad" but the images (${box.h}×${box.w}) are larger than imageSize ${size}; use fit "resize" or "crop", or raise imageSize`);
  }
  if (fit === 'crop' && (box.w < size || box.h < size)) {
    throw new ConfigError('transforms.fit', `is "crop" but the images (${box.h}×${box.w}) are smaller than imageSize ${size}; use fit "resize" or "pad", or lower imageSize`);
  }
  /** Output edge coords → source edge coords for a box under the configured fit (resize for random crops). */
  const boxMap = (b: Box, mode: typeof fit): Affine => {
    if (mode === 'resize') return [b.w / size, 0, b.x, 0, b.h / size, b.y];
    // pad and crop: no scaling, box centred on the output with integer offsets (pixels stay exact);
    // an odd difference puts the extra row/column after the image (pad) or after the crop (crop).
    const shift = (n: number) => (mode === 'pad' ? -Math.floor((size - n) / 2) : Math.floor((n - size) / 2));
    return [1, 0, b.x + shift(b.w), 0, 1, b.y + shift(b.h)];
  };
  const base = boxMap(box, fit);
  const identity = base[0] === 1 && base[1] === 0 && base[2] === 0 && base[3] === 0 && base[4] === 1 && base[5] === 0 && size === W && size === H;

  const normalise = (out: Float32Array, offset: number) => {
    for (let p = 0; p < size * size; p++) {
      for (let k = 0; k < channels; k++) {
        const o = offset + p * channels + k;
        out[o] = (out[o] / 255 - norm.mean[k]) / norm.std[k];
      }
    }
  };
  const load = (i: number) => mapChannels(split.images.subarray(i * per, (i + 1) * per), pixels, C, channels, tmp);

  const aug = t.augment;
  return {
    outLen,
    prepare(i, out, offset) {
      load(i);
      if (identity) out.set(tmp, offset);
      else sampleAffine(tmp, H, W, channels, size, size, base, nearest, out, offset);
      normalise(out, offset);
    },
    augment(i, out, offset, rng) {
      if (!aug) return this.prepare(i, out, offset);
      load(i);
      // Output-space moves first (flip, rotation about the centre), then the box mapping.
      let m: Affine = [1, 0, 0, 0, 1, 0];
      const flipX = (aug.flip === 'horizontal' || aug.flip === 'both') && rng.next() < 0.5;
      const flipY = (aug.flip === 'vertical' || aug.flip === 'both') && rng.next() < 0.5;
      if (flipX) m = compose([-1, 0, size, 0, 1, 0], m);
      if (flipY) m = compose([1, 0, 0, 0, -1, size], m);
      if (aug.rotate > 0) {
        const th = (rng.uniform(-aug.rotate, aug.rotate) * Math.PI) / 180;
        const [cs, sn, h] = [Math.cos(th), Math.sin(th), size / 2];
        m = compose([cs, -sn, h - cs * h + sn * h, sn, cs, h - sn * h - cs * h], m);
      }
      const rrc = aug.randomResizedCrop;
      const map = rrc ? boxMap(randomResizedBox(box.w, box.h, rrc.scale, rrc.ratio, rng), 'resize') : base;
      const shifted: Affine = rrc ? [map[0], map[1], map[2] + box.x, map[3], map[4], map[5] + box.y] : map;
      sampleAffine(tmp, H, W, channels, size, size, compose(shifted, m), nearest, out, offset);
      const n = size * size * channels;
      if (aug.brightness > 0) {
        const fb = rng.uniform(Math.max(0, 1 - aug.brightness), 1 + aug.brightness);
        for (let k = 0; k < n; k++) out[offset + k] = Math.min(255, out[offset + k] * fb);
      }
      if (aug.contrast > 0) {
        const fc = rng.uniform(Math.max(0, 1 - aug.contrast), 1 + aug.contrast);
        let mean = 0;
        for (let p = 0; p < size * size; p++) {
          if (channels === 1) mean += out[offset + p];
          else mean += LUMA[0] * out[offset + 3 * p] + LUMA[1] * out[offset + 3 * p + 1] + LUMA[2] * out[offset + 3 * p + 2];
        }
        mean /= size * size;
        for (let k = 0; k < n; k++) out[offset + k] = Math.min(255, Math.max(0, mean + fc * (out[offset + k] - mean)));
      }
      normalise(out, offset);
    },
  };
}
