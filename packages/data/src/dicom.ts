// DICOM Part-10 files → 8-bit images: tags parsed by `dicom-parser`; native pixel data and the usual
// compressed transfer syntaxes (JPEG, JPEG-LS, JPEG 2000, HTJ2K, RLE; see dicom-syntax.ts), one
// frame or every frame, with rescale, VOI window, MONOCHROME1 and the colour models of dicom-pixels.ts.
import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import { DataFormatError } from '@medtransfer/core';
import type { DecodedImage } from './image-decode';
import { CodecError, decodeFrame, type CodecFrame } from './dicom-codecs';
import { encapsulatedFrame, FrameError, frameFragments, nativeFrame } from './dicom-frames';
import { frameImage, nativeSamples, PHOTOMETRIC, type FrameSamples, type PixelModule, type VoiWindow } from './dicom-pixels';
import { decodeRle } from './dicom-rle';
import { DICOM_TRANSFER_SYNTAXES, supportedSyntaxList, transferSyntaxLabel, type TransferSyntax } from './dicom-syntax';

export { DICOM_UNCOMPRESSED } from './dicom-syntax';

/** Which frames of a multi-frame file become images: `first`, `middle` (frame ⌊n/2⌋, 0-based), `all`, or a 0-based index. */
export type FrameChoice = 'first' | 'middle' | 'all' | number;

export interface DicomOptions {
  /** VOI window: `file` (default) the file's first Window Center/Width, else each image's min…max; `none` always min…max; or one given window (values after rescale). */
  window?: { center: number; width: number } | 'file' | 'none';
  /** Frame selection; default `middle`. With `all`, `decodeDicomFrames` gives every frame and `decodeDicom` frame 0 unless `frame` is set. */
  frames?: FrameChoice;
  /** Decode exactly this 0-based frame (one sample of `frames: all`); overrides `frames`. */
  frame?: number;
}

/** The header facts a dataset summary records (no pixel data is decoded). */
export interface DicomHeader {
  transferSyntax: string;
  frames: number;
  rows: number;
  cols: number;
  samplesPerPixel: number;
  photometric: string;
  modality?: string;
  /** Row and column spacing in mm, and the attribute it came from. */
  pixelSpacing?: { row: number; col: number; source: 'Pixel Spacing' | 'Imager Pixel Spacing' | 'Nominal Scanned Pixel Spacing' };
}

/** True when `bytes` carries the Part-10 marker "DICM" at offset 128. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

const errorText = (err: unknown) => {
  const e = err && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown }).exception : err;
  return e instanceof Error ? e.message : String(e);
};

/** Deflated Explicit VR Little Endian: the data set after the file meta group is raw deflate (PS3.5 A.5). */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}

/** Parses the data set (only up to the Pixel Data header with `headerOnly`), refusing undecodable transfer syntaxes. */
function parse(bytes: Uint8Array, file: string, headerOnly = false): { ds: dicomParser.DataSet; syntax: TransferSyntax } {
  let meta: dicomParser.DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (err) {
    throw new DataFormatError(file, `not a readable DICOM Part-10 file (${errorText(err)}); files without the 128-byte preamble and "DICM" marker are not supported`);
  }
  const uid = meta.string('x00020010')?.trim() ?? '';
  const syntax = DICOM_TRANSFER_SYNTAXES[uid];
  if (!syntax) {
    throw new DataFormatError(
      file,
      `unsupported transfer syntax ${transferSyntaxLabel(uid)} in ${file}; medtransfer decodes ${supportedSyntaxList()}; ` +
        `convert other files with e.g. \`gdcmconv --raw in.dcm out.dcm\``,
    );
  }
  try {
    return { ds: dicomParser.parseDicom(bytes, { inflater, ...(headerOnly ? { untilTag: 'x7fe00010' } : {}) }), syntax };
  } catch (err) {
    // A file cut short inside the pixel data still has its header and the Pixel Data element (the
    // frame and fragment checks then say which frame is missing); a header read from the first bytes
    // of a file stops inside the data set, and what was parsed is enough.
    const partial = err && typeof err === 'object' && 'dataSet' in err ? (err as { dataSet: dicomParser.DataSet }).dataSet : undefined;
    if (partial?.elements.x7fe00010 || (headerOnly && partial?.uint16('x00280010'))) return { ds: partial, syntax };
    throw new DataFormatError(file, `truncated or corrupt DICOM data set (${errorText(err)}; transfer syntax ${transferSyntaxLabel(uid)})`);
  }
}

/** The data set holding `tag` for `frame`: per-frame functional group, then shared, then none (PS3.3 C.7.6.16). */
function functionalGroup(ds: dicomParser.DataSet, frame: number, sequence: string): dicomParser.DataSet | undefined {
  const perFrame = ds.elements.x52009230?.items?.[frame]?.dataSet?.elements[sequence]?.items?.[0]?.dataSet;
  return perFrame ?? ds.elements.x52009229?.items?.[0]?.dataSet?.elements[sequence]?.items?.[0]?.dataSet;
}

function float(ds: dicomParser.DataSet, frame: number, sequence: string, tag: string, index = 0): number | undefined {
  const v = functionalGroup(ds, frame, sequence)?.floatString(tag, index) ?? ds.floatString(tag, index);
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Number of Frames (0028,0008): 1 when absent; a value that is not a whole number ≥ 1 is an error naming the file. */
function frameCount(ds: dicomParser.DataSet, file: string): number {
  const raw = ds.string('x00280008');
  if (raw === undefined || raw.trim() === '') return 1;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 0) throw new DataFormatError(file, `Number of Frames (0028,0008) is "${raw.trim()}", not a whole number; fix the header or remove the file`);
  return Math.max(1, n);
}

function headerOf(ds: dicomParser.DataSet, uid: string, file: string): DicomHeader {
  const spacing = (
  [
    ['Pixel Spacing', 'x00280030'],
    ['Imager Pixel Spacing', 'x00181164'],
    ['Nominal Scanned Pixel Spacing', 'x00182010'],
  ] as const)
    .map(([source, tag]) => ({ source, row: float(ds, 0, 'x00289110', tag, 0), col: float(ds, 0, 'x00289110', tag, 1) }))
    .find((s) => s.row !== undefined && s.col !== undefined);
  const modality = ds.string('x00080060')?.trim();
  return {
    transferSyntax: uid,
    frames: frameCount(ds, file),
    rows: ds.uint16('x00280010') ?? 0,
    cols: ds.uint16('x00280011') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    photometric: (ds.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase(),
    ...(modality ? { modality } : {}),
    ...(spacing ? { pixelSpacing: { row: spacing.row!, col: spacing.col!, source: spacing.source } } : {}),
  };
}

/** Reads the header (transfer syntax, size, frames, modality, photometric interpretation, pixel spacing) without decoding pixels. */
export function readDicomHeader(bytes: Uint8Array, file: string): DicomHeader {
  const { ds, syntax } = parse(bytes, file, true);
  return headerOf(ds, syntax.uid, file);
}

/** The 0-based frames `opts` selects from a file of `count` frames; an index out of range is an error naming the file. */
export function selectFrames(count: number, opts: DicomOptions, file: string): number[] {
  const pick = opts.frame ?? opts.frames ?? 'middle';
  if (pick === 'all') return Array.from({ length: count }, (_, i) => i);
  const index = pick === 'first' ? 0 : pick === 'middle' ? Math.floor(count / 2) : pick;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new DataFormatError(
      file,
      `frame index ${index} is out of range: the file has ${count} frame(s) (0–${count - 1}); set params.frames to first, middle, all or an index below ${count}`,
    );
  }
  return [index];
}

/** The file's first Window Center/Width (per-frame or shared functional group first), when both are present and the width is ≥ 1. */
function fileWindow(ds: dicomParser.DataSet, frame: number): VoiWindow | undefined {
  const center = float(ds, frame, 'x00289132', 'x00281050');
  const width = float(ds, frame, 'x00289132', 'x00281051');
  if (center === undefined || width === undefined || !(width >= 1)) return undefined;
  const fn = (functionalGroup(ds, frame, 'x00289132')?.string('x00281056') ?? ds.string('x00281056'))?.trim().toUpperCase();
  return { center, width, ...(fn === 'SIGMOID' || fn === 'LINEAR_EXACT' ? { fn } : {}) };
}

/** PALETTE COLOR lookup tables (PS3.3 C.7.6.3.1.5), entries scaled to 8 bits. */
function palette(ds: dicomParser.DataSet, file: string): PixelModule['palette'] {
  const tables = (['x00281201', 'x00281202', 'x00281203'] as const).map((dataTag, c) => {
    const descTag = `x0028110${c + 1}`;
    const el = ds.elements[dataTag];
    if (!el || !ds.elements[descTag]) {
      const segmented = ds.elements[`x0028122${c + 1}`] ? ' (segmented palettes are not supported)' : '';
      throw new DataFormatError(file, `PALETTE COLOR image without its ${['red', 'green', 'blue'][c]} palette descriptor or data${segmented}`);
    }
    const entries = ds.uint16(descTag, 0) || 65536;
    const first = ds.uint16(descTag, 1) ?? 0;
    const bits = ds.uint16(descTag, 2) ?? 16;
    const data = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const words = data.length >= 2 * entries;
    const out = new Uint8Array(entries);
    for (let i = 0; i < entries && (words ? 2 * i + 1 < data.length : i < data.length); i++) {
      const v = words ? data[2 * i] | (data[2 * i + 1] << 8) : data[i];
      out[i] = bits === 16 ? v >> 8 : v & 0xff;
    }
    return { first, out };
  });
  return { first: tables[0].first, red: tables[0].out, green: tables[1].out, blue: tables[2].out };
}

function pixelModule(ds: dicomParser.DataSet, file: string, label: string): PixelModule {
  const h = headerOf(ds, '', file);
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  const mod: PixelModule = {
    rows: h.rows,
    cols: h.cols,
    samplesPerPixel: h.samplesPerPixel,
    bitsAllocated,
    bitsStored: ds.uint16('x00280101') ?? bitsAllocated,
    signed: (ds.uint16('x00280103') ?? 0) === 1,
    photometric: h.photometric,
    slope: 1,
    intercept: 0,
  };
  if (!mod.rows || !mod.cols) throw new DataFormatError(file, 'missing Rows (0028,0010) or Columns (0028,0011)');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DataFormatError(file, `Bits Allocated (0028,0100) is ${bitsAllocated}; only 8 and 16 are supported (${label})`);
  const mono = mod.photometric === 'MONOCHROME1' || mod.photometric === 'MONOCHROME2';
  const wantSamples = mono || mod.photometric === 'PALETTE COLOR' ? 1 : 3;
  if (!PHOTOMETRIC.includes(mod.photometric) || mod.samplesPerPixel !== wantSamples) {
    throw new DataFormatError(
      file,
      `Photometric Interpretation ${mod.photometric} with ${mod.samplesPerPixel} sample(s) per pixel is not supported ` +
        `(MONOCHROME1/2 and PALETTE COLOR with 1 sample; RGB, YBR_FULL, YBR_FULL_422, YBR_RCT, YBR_ICT with 3)`,
    );
  }
  if (mod.photometric === 'PALETTE COLOR') mod.palette = palette(ds, file);
  return mod;
}

/** Decodes frame `index` to samples with the transfer syntax's codec; problems name the file, frame and syntax. */
function frameSamples(ds: dicomParser.DataSet, mod: PixelModule, syntax: TransferSyntax, index: number, count: number): FrameSamples {
  const pixel = ds.elements.x7fe00010;
  const bytes = ds.byteArray;
  const ybr422 = mod.photometric === 'YBR_FULL_422';
  if (syntax.codec === 'native') {
    const frameBytes = mod.rows * mod.cols * (ybr422 ? 2 : mod.samplesPerPixel) * (mod.bitsAllocated / 8);
    const bigEndian = syntax.uid === '1.2.840.10008.1.2.2';
    let data = nativeFrame(bytes, pixel, index, count, frameBytes);
    if (bigEndian && mod.bitsAllocated === 8 && pixel.vr === 'OW') data = swapPairs(data); // OW is a run of 16-bit words
    return { samples: nativeSamples(data, mod, bigEndian, (ds.uint16('x00280006') ?? 0) === 1), signed: false, rgbFromCodec: false };
  }
  const frame = encapsulatedFrame(bytes, frameFragments(ds, pixel, syntax.codec, count)[index], index);
  if (syntax.codec === 'encapsulated-native') {
    const frameBytes = mod.rows * mod.cols * (ybr422 ? 2 : mod.samplesPerPixel) * (mod.bitsAllocated / 8);
    if (frame.length < frameBytes) throw new FrameError(`frame ${index} holds ${frame.length} bytes, ${frameBytes} expected: truncated`);
    return { samples: nativeSamples(frame, mod, false, (ds.uint16('x00280006') ?? 0) === 1), signed: false, rgbFromCodec: false };
  }
  const decoded: CodecFrame =
    syntax.codec === 'rle' ? decodeRle(frame, mod.rows, mod.cols, mod.samplesPerPixel, mod.bitsAllocated) : decodeFrame(syntax.codec, frame);
  if (decoded.width !== mod.cols || decoded.height !== mod.rows || decoded.components !== mod.samplesPerPixel) {
    throw new FrameError(
      `frame ${index} decodes to ${decoded.width}×${decoded.height} px with ${decoded.components} component(s), ` +
        `but the header says ${mod.cols}×${mod.rows} with ${mod.samplesPerPixel}`,
    );
  }
  const rgbFromCodec = syntax.codec === 'jpeg' || ((syntax.codec === 'j2k' || syntax.codec === 'htj2k') && mod.photometric !== 'YBR_FULL');
  return { samples: decoded.samples, signed: decoded.signed, rgbFromCodec };
}

function swapPairs(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i + 1 < data.length; i += 2) [out[i], out[i + 1]] = [data[i + 1], data[i]];
  return out;
}

/** Decodes the selected frames of a DICOM file to 8-bit gray (monochrome) or RGB images. */
export function decodeDicomFrames(bytes: Uint8Array, file: string, opts: DicomOptions = {}): DecodedImage[] {
  const { ds, syntax } = parse(bytes, file);
  const label = `transfer syntax ${transferSyntaxLabel(syntax.uid)}`;
  const pixel = ds.elements.x7fe00010;
  if (!pixel || (pixel.length === 0 && !pixel.encapsulatedPixelData)) {
    throw new DataFormatError(file, 'no pixel data (7FE0,0010): the file holds no image (a report, structured report or presentation state?); remove it from the dataset folder');
  }
  const mod = pixelModule(ds, file, label);
  const count = frameCount(ds, file);
  return selectFrames(count, opts, file).map((index) => {
    const where = count > 1 ? `frame ${index} of ${count}` : 'the image';
    let samples: FrameSamples;
    try {
      samples = frameSamples(ds, mod, syntax, index, count);
    } catch (err) {
      if (err instanceof FrameError) throw new DataFormatError(file, `${err.message} (${label})`);
      if (err instanceof CodecError) throw new DataFormatError(file, `cannot decode ${where}: ${err.message} (${label})${err.dataMayBeDamaged ? '; the file may be truncated or corrupt' : ''}`);
      throw err;
    }
    const rescale = { slope: float(ds, index, 'x00289145', 'x00281053') ?? 1, intercept: float(ds, index, 'x00289145', 'x00281052') ?? 0 };
    const win = opts.window;
    const window = typeof win === 'object' ? win : win === 'none' ? undefined : fileWindow(ds, index);
    return frameImage({ ...mod, ...rescale }, samples, { window });
  });
}

/**
 * Decodes one frame of a DICOM file: `opts.frame`, else the `frames` choice (default the middle one).
 * With `frames: all` and no `frame` it is frame 0 (a size probe): loaders give each frame its own
 * item with `frame` set (dicom-dataset.ts), and `decodeDicomFrames` returns them all.
 */
export function decodeDicom(bytes: Uint8Array, file: string, opts: DicomOptions = {}): DecodedImage {
  return decodeDicomFrames(bytes, file, opts.frames === 'all' && opts.frame === undefined ? { ...opts, frame: 0 } : opts)[0];
}
