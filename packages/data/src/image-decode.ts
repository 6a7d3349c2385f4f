// One image file → 8-bit gray or RGB pixels: PNG (pngjs), JPEG (jpeg-js), DICOM (dicom.ts), chosen
// by the file's magic bytes; resizing to a fixed size with the package's bilinear resize.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { DataFormatError } from '@medtransfer/core';
import { decodeDicom, isDicom, type DicomOptions } from './dicom';
import { resizeBilinear } from './resize';

/** Decoded pixels, HWC uint8, 1 (gray) or 3 (RGB) channels. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** File extensions a folder dataset picks up (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.dcm', '.dicom'];

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

export interface DecodeOptions extends DicomOptions {
  /** 16-bit PNGs: `full` maps 0…65535 to 0…255 (the PNG meaning); `minmax` stretches each image's own range. */
  png16?: 'full' | 'minmax';
}

const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** True when every pixel of an RGB(A) buffer has R = G = B (gray JPEGs decode to RGB). */
function allGray(data: Uint8Array, stride: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    if (data[o] !== data[o + 1] || data[o] !== data[o + 2]) return false;
  }
  return true;
}

/** Keeps channel 0 (gray) or channels 0–2 (RGB) of an interleaved buffer, dropping alpha. */
function pick(data: ArrayLike<number>, stride: number, n: number, channels: 1 | 3, map: (v: number) => number = (v) => v): Uint8Array {
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = map(data[i * stride + c]);
  return out;
}

function decodePng(bytes: Uint8Array, opts: DecodeOptions): DecodedImage {
  const sixteen = bytes[24] === 16; // IHDR bit depth
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { skipRescale: sixteen });
  const { width, height } = png;
  const n = width * height;
  // colour types 0 (gray) and 4 (gray + alpha) are gray; palettes may be gray too
  const gray = png.colorType === 0 || png.colorType === 4 || allGray(png.data, 4, n);
  const channels = gray ? 1 : 3;
  if (!sixteen) return { width, height, channels, data: pick(png.data, 4, n, channels) };
  const d16 = png.data as unknown as ArrayLike<number>;
  let lo = 0;
  let hi = 65535;
  if (opts.png16 === 'minmax') {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) {
      const v = d16[i * 4 + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi <= lo) hi = lo + 1;
  }
  const scale = 255 / (hi - lo);
  return { width, height, channels, data: pick(d16, 4, n, channels, (v) => Math.round((v - lo) * scale)) };
}

function decodeJpeg(bytes: Uint8Array): DecodedImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
  const n = img.width * img.height;
  const gray = allGray(img.data, 3, n);
  return { width: img.width, height: img.height, channels: gray ? 1 : 3, data: gray ? pick(img.data, 3, n, 1) : img.data };
}

/** Decodes PNG, JPEG or DICOM bytes (by magic number); a failure is a DataFormatError naming `file`. */
export function decodeImage(bytes: Uint8Array, file: string, opts: DecodeOptions = {}): DecodedImage {
  if (isDicom(bytes)) return decodeDicom(bytes, file, opts);
  const kind = isPng(bytes) ? 'PNG' : isJpeg(bytes) ? 'JPEG' : undefined;
  if (!kind) {
    throw new DataFormatError(file, `not a PNG, JPEG or DICOM Part-10 file (first bytes ${Buffer.from(bytes.subarray(0, 8)).toString('hex')}); remove it from the dataset folder or convert it`);
  }
  try {
    const img = kind === 'PNG' ? decodePng(bytes, opts) : decodeJpeg(bytes);
    if (img.width === 0 || img.height === 0) throw new Error('image has no pixels');
    return img;
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(file, `unreadable ${kind} (${err instanceof Error ? err.message : String(err)}); the file may be truncated or corrupt — re-export it or remove it`);
  }
}

export function readImageFile(file: string, opts: DecodeOptions = {}): DecodedImage {
  return decodeImage(readFileSync(file), file, opts);
}

/**
 * Converts a decoded image to `channels` (gray → repeated, RGB → BT.601 luminance) and resizes it
 * bilinearly (half-pixel centres) to outH × outW, writing uint8 into `out` at `offset`.
 */
export function fitImage(img: DecodedImage, outH: number, outW: number, channels: 1 | 3, out: Uint8Array, offset: number): void {
  let src: Uint8Array = img.data;
  const n = img.width * img.height;
  if (img.channels !== channels) {
    src = new Uint8Array(n * channels);
    if (channels === 3) for (let i = 0; i < n; i++) src[3 * i] = src[3 * i + 1] = src[3 * i + 2] = img.data[i];
    else for (let i = 0; i < n; i++) src[i] = Math.round(0.299 * img.data[3 * i] + 0.587 * img.data[3 * i + 1] + 0.114 * img.data[3 * i + 2]);
  }
  if (img.width === outW && img.height === outH) {
    out.set(src, offset);
    return;
  }
  const resized = resizeBilinear(src, img.height, img.width, channels, outH, outW);
  for (let i = 0; i < resized.length; i++) out[offset + i] = Math.min(255, Math.max(0, Math.round(resized[i])));
}
