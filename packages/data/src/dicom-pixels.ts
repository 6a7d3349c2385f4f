// Decoded DICOM samples → 8-bit gray or RGB: stored values (masked to Bits Stored, sign-extended),
// Modality LUT (Rescale Slope/Intercept), VOI window (PS3.3 C.11.2.1.2), MONOCHROME1 inversion,
// and the colour models RGB, YBR_FULL, YBR_FULL_422 and PALETTE COLOR (PS3.3 C.7.6.3.1.2).
import type { DecodedImage } from './image-decode';

export interface VoiWindow {
  center: number;
  width: number;
  /** VOI LUT Function (0028,1056); LINEAR when absent. */
  fn?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
}

/** The Image Pixel module attributes that decide how samples become pixels. */
export interface PixelModule {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  photometric: string;
  slope: number;
  intercept: number;
  /** Red, green, blue palettes (PALETTE COLOR), entries scaled to 0…255, and the first stored value they map. */
  palette?: { first: number; red: Uint8Array; green: Uint8Array; blue: Uint8Array };
}

/** How to map gray values to 0…255: the given window, or (undefined) each image's own min…max. */
export interface GrayMapping {
  window?: VoiWindow;
}

/** Samples as the frame decoder left them: pixel-interleaved stored bit patterns (or signed values). */
export interface FrameSamples {
  samples: ArrayLike<number>;
  /** The values are already signed (no sign extension needed). */
  signed: boolean;
  /** The codec turned YBR into RGB itself (JPEG, JPEG 2000). */
  rgbFromCodec: boolean;
}

/** Native pixel bytes → samples: byte order, 8/16 bits, planar configuration and YBR_FULL_422 pairs undone. */
export function nativeSamples(data: Uint8Array, mod: PixelModule, bigEndian: boolean, planar: boolean): Uint16Array | Uint8Array {
  const plane = mod.rows * mod.cols;
  const spp = mod.samplesPerPixel;
  if (mod.photometric === 'YBR_FULL_422' && spp === 3) {
    // PS3.3 C.7.6.3.1.2: Y1 Y2 Cb Cr per horizontal pair of pixels
    const out = new Uint8Array(plane * 3);
    for (let i = 0, o = 0; i < plane && o + 4 <= data.length; i += 2, o += 4) {
      const [y1, y2, cb, cr] = [data[o], data[o + 1], data[o + 2], data[o + 3]];
      out.set([y1, cb, cr], 3 * i);
      if (i + 1 < plane) out.set([y2, cb, cr], 3 * (i + 1));
    }
    return out;
  }
  const n = plane * spp;
  let out: Uint16Array | Uint8Array;
  if (mod.bitsAllocated === 8) out = data.subarray(0, n);
  else {
    out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = bigEndian ? (data[2 * i] << 8) | data[2 * i + 1] : data[2 * i] | (data[2 * i + 1] << 8);
  }
  if (planar && spp > 1) {
    const inter = new (out.constructor as new (k: number) => Uint16Array | Uint8Array)(n);
    for (let c = 0; c < spp; c++) for (let i = 0; i < plane; i++) inter[i * spp + c] = out[c * plane + i];
    out = inter;
  }
  return out;
}

/** Stored value → signed or unsigned integer: bits above Bits Stored dropped, two's complement when signed. */
function storedValue(mod: PixelModule, frame: FrameSamples): (v: number) => number {
  if (frame.signed) return (v) => v;
  const bits = mod.bitsStored;
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  return mod.signed ? (v) => ((v & mask) >= signBit ? (v & mask) - 2 ** bits : v & mask) : (v) => v & mask;
}

/** PS3.3 C.11.2.1.2: the VOI LUT functions, as a map from a modality value to 0…1. */
function voiFunction(w: VoiWindow): (x: number) => number {
  const { center: c, width } = w;
  if (w.fn === 'SIGMOID') return (x) => 1 / (1 + Math.exp((-4 * (x - c)) / width));
  if (w.fn === 'LINEAR_EXACT') return (x) => (x - c) / width + 0.5;
  return (x) => (x <= c - 0.5 - (width - 1) / 2 ? 0 : x > c - 0.5 + (width - 1) / 2 ? 1 : (x - (c - 0.5)) / (width - 1) + 0.5);
}

/** A monochrome frame → 8-bit gray: rescale, window (or min…max), MONOCHROME1 inverted last. */
function grayImage(mod: PixelModule, frame: FrameSamples, map: GrayMapping): DecodedImage {
  const n = mod.rows * mod.cols;
  const stored = storedValue(mod, frame);
  const values = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const m = stored(frame.samples[i]) * mod.slope + mod.intercept;
    values[i] = m;
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }
  const f = map.window ? voiFunction(map.window) : (x: number) => (hi > lo ? (x - lo) / (hi - lo) : 0);
  const invert = mod.photometric === 'MONOCHROME1';
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.round(Math.min(1, Math.max(0, f(values[i]))) * 255);
    out[i] = invert ? 255 - g : g;
  }
  return { width: mod.cols, height: mod.rows, channels: 1, data: out };
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** A colour frame → 8-bit RGB (no rescale or window: they are defined for monochrome images only). */
function colourImage(mod: PixelModule, frame: FrameSamples): DecodedImage {
  const n = mod.rows * mod.cols;
  const out = new Uint8Array(n * 3);
  const s = frame.samples;
  if (mod.photometric === 'PALETTE COLOR') {
    const p = mod.palette!;
    const stored = storedValue({ ...mod, signed: false }, frame);
    const last = p.red.length - 1;
    for (let i = 0; i < n; i++) {
      const k = Math.min(last, Math.max(0, stored(s[i]) - p.first)); // values outside the table take its first or last entry
      out[3 * i] = p.red[k];
      out[3 * i + 1] = p.green[k];
      out[3 * i + 2] = p.blue[k];
    }
    return { width: mod.cols, height: mod.rows, channels: 3, data: out };
  }
  const scale = mod.bitsStored > 8 ? 255 / (2 ** mod.bitsStored - 1) : 1;
  for (let i = 0; i < 3 * n; i++) out[i] = scale === 1 ? s[i] & 0xff : clamp8(s[i] * scale);
  const ybr = (mod.photometric === 'YBR_FULL' || mod.photometric === 'YBR_FULL_422') && !frame.rgbFromCodec;
  if (ybr) {
    for (let i = 0; i < n; i++) {
      const [y, cb, cr] = [out[3 * i], out[3 * i + 1] - 128, out[3 * i + 2] - 128];
      out[3 * i] = clamp8(y + 1.402 * cr);
      out[3 * i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
      out[3 * i + 2] = clamp8(y + 1.772 * cb);
    }
  }
  return { width: mod.cols, height: mod.rows, channels: 3, data: out };
}

/** Photometric interpretations turned into pixels here. */
export const PHOTOMETRIC = ['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT'];

/** Decoded frame samples → an 8-bit image (gray for MONOCHROME1/2, RGB otherwise). */
export function frameImage(mod: PixelModule, frame: FrameSamples, map: GrayMapping): DecodedImage {
  return mod.photometric.startsWith('MONOCHROME') ? grayImage(mod, frame, map) : colourImage(mod, frame);
}
