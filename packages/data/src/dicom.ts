// DICOM Part-10 files → 8-bit images: tags parsed by `dicom-parser`; uncompressed pixel data
// (implicit/explicit VR little endian, explicit big endian) with rescale, VOI window and MONOCHROME1.
import * as dicomParser from 'dicom-parser';
import { DataFormatError } from '@medtransfer/core';
import type { DecodedImage } from './image-decode';

/** The uncompressed transfer syntaxes this reader handles. */
export const DICOM_UNCOMPRESSED: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
};

/** Names of the usual compressed transfer syntaxes, for the error message. */
const COMPRESSED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, First-Order Prediction (Process 14 SV1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

export interface DicomOptions {
  /** VOI window overriding the file's Window Center/Width (values after rescale). */
  window?: { center: number; width: number };
}

/** True when `bytes` carries the Part-10 marker "DICM" at offset 128. */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function parse(bytes: Uint8Array, file: string): dicomParser.DataSet {
  let meta: dicomParser.DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (err) {
    throw new DataFormatError(file, `not a readable DICOM Part-10 file (${String(err)}); files without the 128-byte preamble and "DICM" marker are not supported`);
  }
  const ts = meta.string('x00020010')?.trim() ?? '';
  if (!(ts in DICOM_UNCOMPRESSED)) {
    const name = COMPRESSED_NAMES[ts] ?? 'unknown or compressed';
    throw new DataFormatError(
      file,
      `unsupported transfer syntax ${ts || '(missing)'} (${name}) in ${file}; medtransfer reads only uncompressed DICOM ` +
        `(${Object.entries(DICOM_UNCOMPRESSED).map(([k, v]) => `${k} ${v}`).join(', ')}); convert with e.g. \`gdcmconv --raw in.dcm out.dcm\``,
    );
  }
  try {
    return dicomParser.parseDicom(bytes);
  } catch (err) {
    throw new DataFormatError(file, `corrupt DICOM data set (${String(err)})`);
  }
}

/** Decodes the first frame of an uncompressed DICOM file to 8-bit gray (or RGB for 3-sample 8-bit images). */
export function decodeDicom(bytes: Uint8Array, file: string, opts: DicomOptions = {}): DecodedImage {
  const ds = parse(bytes, file);
  const rows = ds.uint16('x00280010');
  const cols = ds.uint16('x00280011');
  const pixel = ds.elements.x7fe00010;
  if (!pixel || pixel.length === 0) {
    throw new DataFormatError(file, 'no pixel data (7FE0,0010): the file holds no image (a report, structured report or presentation state?); remove it from the dataset folder');
  }
  if (!rows || !cols) throw new DataFormatError(file, 'missing Rows (0028,0010) or Columns (0028,0011)');
  const samples = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const photometric = (ds.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase();
  const count = rows * cols * samples;
  const bytesPer = bitsAllocated / 8;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new DataFormatError(file, `Bits Allocated (0028,0100) is ${bitsAllocated}; only 8 and 16 are supported`);
  }
  if (pixel.length < count * bytesPer) {
    throw new DataFormatError(file, `pixel data holds ${pixel.length} bytes but ${rows}×${cols}×${samples} samples of ${bitsAllocated} bits need ${count * bytesPer}: truncated file?`);
  }
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + pixel.dataOffset, count * bytesPer);
  if (samples === 3) {
    if (bitsAllocated !== 8 || photometric !== 'RGB') {
      throw new DataFormatError(file, `colour DICOM with Photometric Interpretation ${photometric} and ${bitsAllocated} bits is not supported (only 8-bit RGB)`);
    }
    const planar = (ds.uint16('x00280006') ?? 0) === 1;
    const out = new Uint8Array(count);
    const plane = rows * cols;
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = planar ? data[c * plane + i] : data[i * 3 + c];
    return { width: cols, height: rows, channels: 3, data: out };
  }
  if (samples !== 1 || (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2')) {
    throw new DataFormatError(file, `Photometric Interpretation ${photometric} with ${samples} samples is not supported (MONOCHROME1, MONOCHROME2 or 8-bit RGB)`);
  }
  const bigEndian = (ds.string('x00020010') ?? '').trim() === '1.2.840.10008.1.2.2';
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  // raw stored values → modality values (rescale), masking unused high bits and sign-extending
  const values = new Float64Array(count);
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    let v = bytesPer === 1 ? data[i] : bigEndian ? (data[2 * i] << 8) | data[2 * i + 1] : data[2 * i] | (data[2 * i + 1] << 8);
    v &= mask;
    if (signed && v & signBit) v -= 1 << bitsStored;
    const m = v * slope + intercept;
    values[i] = m;
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }
  const fileWindow = windowFromFile(ds);
  const win = opts.window ?? fileWindow;
  const out = new Uint8Array(count);
  const invert = photometric === 'MONOCHROME1';
  for (let i = 0; i < count; i++) {
    let y: number;
    if (win) {
      // DICOM PS3.3 C.11.2.1.2.1, linear VOI LUT function
      const { center: c, width: w } = win;
      const x = values[i];
      if (x <= c - 0.5 - (w - 1) / 2) y = 0;
      else if (x > c - 0.5 + (w - 1) / 2) y = 1;
      else y = (x - (c - 0.5)) / (w - 1) + 0.5;
    } else {
      y = hi > lo ? (values[i] - lo) / (hi - lo) : 0;
    }
    const g = Math.round(Math.min(1, Math.max(0, y)) * 255);
    out[i] = invert ? 255 - g : g;
  }
  return { width: cols, height: rows, channels: 1, data: out };
}

/** The first Window Center/Width pair of the file, when both are present and the width is ≥ 1. */
function windowFromFile(ds: dicomParser.DataSet): { center: number; width: number } | undefined {
  const center = ds.floatString('x00281050', 0);
  const width = ds.floatString('x00281051', 0);
  if (center === undefined || width === undefined || !Number.isFinite(center) || !(width >= 1)) return undefined;
  return { center, width };
}
