// Test fixtures for compressed DICOM: codestreams made with the encoders of the same codec packages
// (CharLS, OpenJPEG, OpenJPH), baseline JPEG from jpeg-js, and an RLE encoder written from
// DICOM PS3.5 G.3.1. Not exported from the package.
import * as jpeg from 'jpeg-js';
import { loadEmscriptenSync, type EmbindCoder, type EmscriptenModule } from './dicom-codecs';

export interface RawFrame {
  width: number;
  height: number;
  /** Bits per sample (2…16). */
  bits: number;
  components: 1 | 3;
  /** Pixel-interleaved samples (8-bit in a Uint8Array, more in a Uint16Array; signed J2K data in an Int16Array). */
  samples: Uint8Array | Uint16Array | Int16Array;
  signed?: boolean;
}

const full = new Map<string, EmscriptenModule>();

/** The encode + decode build of a codec package. */
function encoderModule(pkg: string): EmscriptenModule {
  let mod = full.get(pkg);
  if (!mod) {
    mod = loadEmscriptenSync(require.resolve(`${pkg}/wasmjs`), require.resolve(`${pkg}/wasm`));
    full.set(pkg, mod);
  }
  return mod;
}

function encodeWith(pkg: string, cls: string, frame: RawFrame, setup: (e: EmbindCoder) => void = () => undefined): Uint8Array {
  const Ctor = encoderModule(pkg)[cls] as new () => EmbindCoder;
  const enc = new Ctor();
  try {
    setup(enc);
    const info = {
      width: frame.width,
      height: frame.height,
      bitsPerSample: frame.bits,
      componentCount: frame.components,
      isSigned: frame.signed ?? false,
      isUsingColorTransform: false,
    };
    const buf = enc.getDecodedBuffer(info);
    buf.set(new Uint8Array(frame.samples.buffer, frame.samples.byteOffset, frame.samples.byteLength));
    enc.encode();
    return new Uint8Array(enc.getEncodedBuffer()); // a copy (some builds hand out a Uint8ClampedArray view)
  } finally {
    enc.delete();
  }
}

/** JPEG-LS (CharLS); `nearLossless` > 0 for .81; `interleave` 0 none (planar), 1 line, 2 sample. */
export function encodeJpegLs(frame: RawFrame, opts: { nearLossless?: number; interleave?: 0 | 1 | 2 } = {}): Uint8Array {
  return encodeWith('@cornerstonejs/codec-charls', 'JpegLSEncoder', frame, (e) => {
    if (opts.nearLossless) (e.setNearLossless as (n: number) => void)(opts.nearLossless);
    if (opts.interleave !== undefined) (e.setInterleaveMode as (n: number) => void)(opts.interleave);
  });
}

/** JPEG 2000 (OpenJPEG), reversible unless `quality` is given; few decompositions so tiny images encode. */
export function encodeJ2k(frame: RawFrame, opts: { quality?: number } = {}): Uint8Array {
  return encodeWith('@cornerstonejs/codec-openjpeg', 'J2KEncoder', frame, (e) => {
    (e.setDecompositions as (n: number) => void)(2);
    if (opts.quality !== undefined) (e.setQuality as (lossless: boolean, q: number) => void)(false, opts.quality);
  });
}

/** High-Throughput JPEG 2000 (OpenJPH), reversible. */
export function encodeHtj2k(frame: RawFrame): Uint8Array {
  return encodeWith('@cornerstonejs/codec-openjph', 'HTJ2KEncoder', frame, (e) => (e.setDecompositions as (n: number) => void)(2));
}

/** Baseline JPEG (YCbCr, 3 components) from 8-bit RGB with jpeg-js. */
export function encodeJpegBaseline(rgb: Uint8Array, width: number, height: number, quality = 90): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, quality).data);
}

/** The matching encoder (PS3.5 G.3.1), for tests: runs of 3 or more equal bytes are replicated, the rest literal. */
export function encodeRle(samples: ArrayLike<number>, rows: number, cols: number, components: number, bitsAllocated: 8 | 16): Uint8Array {
  const bytesPer = bitsAllocated / 8;
  const pixels = rows * cols;
  const segments: Uint8Array[] = [];
  for (let c = 0; c < components; c++) {
    for (let b = bytesPer - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let i = 0; i < pixels; i++) plane[i] = (samples[i * components + c] >> (8 * b)) & 0xff;
      segments.push(packBits(plane));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((seg, s) => {
    view.setUint32(4 + 4 * s, offset, true);
    offset += seg.length;
  });
  const out = new Uint8Array(offset);
  out.set(header);
  let o = 64;
  for (const seg of segments) {
    out.set(seg, o);
    o += seg.length;
  }
  return out;
}

function packBits(plane: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run++;
    if (run >= 3) {
      out.push(257 - run, plane[i]); // −(run − 1) as a byte
      i += run;
      continue;
    }
    const start = i;
    while (i < plane.length && i - start < 128 && !(i + 2 < plane.length && plane[i] === plane[i + 1] && plane[i] === plane[i + 2])) i++;
    out.push(i - start - 1, ...plane.subarray(start, i));
  }
  if (out.length % 2) out.push(0x80); // segments are padded to an even length; −128 is a no-op
  return Uint8Array.from(out);
}

/** Value bytes of US values, a DS/IS/CS string (padded to even length), and an explicit-VR little-endian element. */
export const usValue = (...v: number[]) => Buffer.from(Uint16Array.from(v).buffer);
export const textValue = (s: string) => Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
export function explicitElement(group: number, element: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** The value of a sequence (SQ) of defined-length items, each given as its elements. */
export function sequenceValue(...items: Buffer[][]): Buffer {
  return Buffer.concat(
    items.map((els) => {
      const body = Buffer.concat(els);
      const head = Buffer.alloc(8);
      head.writeUInt16LE(0xfffe, 0);
      head.writeUInt16LE(0xe000, 2);
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    }),
  );
}
