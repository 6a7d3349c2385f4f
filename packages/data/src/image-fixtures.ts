// Test fixtures: tiny PNG (any colour type and depth, palettes included) and DICOM Part-10 writers
// (native or encapsulated pixel data, multi-frame), so image, folder, DICOM and CSV tests build their
// inputs themselves. Not exported from the package.
import { crc32 } from './npz';
import { deflateRawSync, deflateSync } from 'node:zlib';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 8 | 16;
  /** Samples row by row (palette: indices); 16-bit values 0…65535. */
  samples: ArrayLike<number>;
  /** RGB triples for colour type 3. */
  palette?: number[];
}

/** Encodes a PNG with filter 0 on every row. */
export function encodePng(spec: PngSpec): Buffer {
  const per = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colorType];
  const bytesPer = spec.bitDepth / 8;
  const rowLen = spec.width * per * bytesPer;
  const raw = Buffer.alloc((rowLen + 1) * spec.height);
  for (let y = 0; y < spec.height; y++) {
    for (let i = 0; i < spec.width * per; i++) {
      const v = spec.samples[y * spec.width * per + i];
      const o = y * (rowLen + 1) + 1 + i * bytesPer;
      if (bytesPer === 1) raw[o] = v;
      else raw.writeUInt16BE(v, o);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr[8] = spec.bitDepth;
  ihdr[9] = spec.colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Buffer.from(spec.palette)));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

export interface DicomSpec {
  rows: number;
  cols: number;
  /** Stored values, row by row (samples interleaved for RGB). */
  pixels: ArrayLike<number>;
  transferSyntax?: string;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric?: string;
  samples?: 1 | 3;
  slope?: number;
  intercept?: number;
  windowCenter?: number;
  windowWidth?: number;
  /** Leave out (7FE0,0010). */
  noPixelData?: boolean;
  /** Number of Frames (0028,0008); `pixels` then holds the frames one after another. */
  frames?: number;
  /** Encapsulated pixel data instead of `pixels`: each frame's fragments (compressed codestreams). */
  fragments?: Uint8Array[][];
  /** Write a Basic Offset Table for `fragments` (default: an empty one). */
  offsetTable?: boolean;
  modality?: string;
  /** Pixel Spacing (0028,0030) in mm: row, column. */
  pixelSpacing?: [number, number];
  /** Planar Configuration (0028,0006) of colour data. */
  planar?: 0 | 1;
  /** Further elements: [group, element, VR, value bytes (little endian)]. */
  tags?: [number, number, string, Buffer][];
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function element(group: number, el: number, vr: string, value: Buffer, explicit: boolean, bigEndian: boolean): Buffer {
  const w16 = (b: Buffer, v: number, o: number) => (bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const w32 = (b: Buffer, v: number, o: number) => (bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  let head: Buffer;
  if (!explicit) {
    head = Buffer.alloc(8);
    w32(head, value.length, 4);
  } else if (LONG_VRS.has(vr)) {
    head = Buffer.alloc(12);
    head.write(vr, 4, 'latin1');
    w32(head, value.length, 8);
  } else {
    head = Buffer.alloc(8);
    head.write(vr, 4, 'latin1');
    w16(head, value.length, 6);
  }
  w16(head, group, 0);
  w16(head, el, 2);
  return Buffer.concat([head, value]);
}

function text(s: string, vr: string): Buffer {
  const padded = s.length % 2 ? s + (vr === 'UI' ? '\0' : ' ') : s;
  return Buffer.from(padded, 'latin1');
}

/** Writes a DICOM Part-10 file: 128-byte preamble, "DICM", file meta group, image tags, pixel data. */
export function encodeDicom(spec: DicomSpec): Buffer {
  const ts = spec.transferSyntax ?? '1.2.840.10008.1.2.1';
  const explicit = ts !== '1.2.840.10008.1.2';
  const bigEndian = ts === '1.2.840.10008.1.2.2';
  const deflated = ts === '1.2.840.10008.1.2.1.99';
  const sopClass = '1.2.840.10008.5.1.4.1.1.7';
  const meta = Buffer.concat([
    element(2, 1, 'OB', Buffer.from([0, 1]), true, false),
    element(2, 2, 'UI', text(sopClass, 'UI'), true, false),
    element(2, 3, 'UI', text('1.2.3.4.5', 'UI'), true, false),
    element(2, 0x10, 'UI', text(ts, 'UI'), true, false),
    element(2, 0x12, 'UI', text('1.2.3.4', 'UI'), true, false),
  ]);
  const groupLen = Buffer.alloc(4);
  groupLen.writeUInt32LE(meta.length, 0);
  const us = (v: number) => {
    const b = Buffer.alloc(2);
    if (bigEndian) b.writeUInt16BE(v, 0);
    else b.writeUInt16LE(v, 0);
    return b;
  };
  const bits = spec.bitsAllocated ?? 16;
  const tagged: [number, Buffer][] = [];
  const put = (group: number, el: number, vr: string, v: Buffer) => tagged.push([group * 0x10000 + el, element(group, el, vr, v, explicit, bigEndian)]);
  put(8, 0x16, 'UI', text(sopClass, 'UI'));
  const add = (el: number, vr: string, v: Buffer) => put(0x28, el, vr, v);
  add(0x0002, 'US', us(spec.samples ?? 1));
  add(0x0004, 'CS', text(spec.photometric ?? 'MONOCHROME2', 'CS'));
  add(0x0010, 'US', us(spec.rows));
  add(0x0011, 'US', us(spec.cols));
  add(0x0100, 'US', us(bits));
  add(0x0101, 'US', us(spec.bitsStored ?? bits));
  add(0x0102, 'US', us((spec.bitsStored ?? bits) - 1));
  add(0x0103, 'US', us(spec.signed ? 1 : 0));
  if (spec.windowCenter !== undefined) add(0x1050, 'DS', text(String(spec.windowCenter), 'DS'));
  if (spec.windowWidth !== undefined) add(0x1051, 'DS', text(String(spec.windowWidth), 'DS'));
  if (spec.intercept !== undefined) add(0x1052, 'DS', text(String(spec.intercept), 'DS'));
  if (spec.slope !== undefined) add(0x1053, 'DS', text(String(spec.slope), 'DS'));
  if (spec.frames !== undefined) add(0x0008, 'IS', text(String(spec.frames), 'IS'));
  if (spec.planar !== undefined) add(0x0006, 'US', us(spec.planar));
  if (spec.pixelSpacing) add(0x0030, 'DS', text(spec.pixelSpacing.join('\\'), 'DS'));
  if (spec.modality) put(8, 0x60, 'CS', text(spec.modality, 'CS'));
  for (const [g, e, vr, v] of spec.tags ?? []) put(g, e, vr, v);
  if (spec.fragments) tagged.push([0x7fe00010, encapsulated(spec.fragments, spec.offsetTable ?? false)]);
  else if (!spec.noPixelData) {
    const n = spec.pixels.length;
    let px = Buffer.alloc(bits === 8 ? n + (n % 2) : 2 * n);
    for (let i = 0; i < n; i++) {
      const v = spec.pixels[i] & (bits === 8 ? 0xff : 0xffff); // two's complement for signed values
      if (bits === 8) px[i] = v;
      else if (bigEndian) px.writeUInt16BE(v, 2 * i);
      else px.writeUInt16LE(v, 2 * i);
    }
    if (px.length === 0) px = Buffer.alloc(0);
    put(0x7fe0, 0x10, bits === 8 ? 'OB' : 'OW', px);
  }
  const body = Buffer.concat(tagged.sort((a, b) => a[0] - b[0]).map(([, b]) => b));
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(2, 0, 'UL', groupLen, true, false), meta, deflated ? deflateRawSync(body) : body]);
}

/** Encapsulated Pixel Data (PS3.5 A.4): undefined length, offset table item, one item per fragment, delimiter. */
function encapsulated(frames: Uint8Array[][], offsetTable: boolean): Buffer {
  const item = (data: Uint8Array) => {
    const padded = data.length % 2 ? Buffer.concat([data, Buffer.alloc(1)]) : Buffer.from(data);
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0xfffe, 0);
    head.writeUInt16LE(0xe000, 2);
    head.writeUInt32LE(padded.length, 4);
    return Buffer.concat([head, padded]);
  };
  const items = frames.map((fragments) => Buffer.concat(fragments.map(item)));
  const table = Buffer.alloc(offsetTable ? 4 * frames.length : 0);
  let offset = 0;
  items.forEach((it, i) => {
    if (offsetTable) table.writeUInt32LE(offset, 4 * i);
    offset += it.length;
  });
  const head = Buffer.alloc(12);
  head.writeUInt16LE(0x7fe0, 0);
  head.writeUInt16LE(0x0010, 2);
  head.write('OB', 4, 'latin1');
  head.writeUInt32LE(0xffffffff, 8);
  const end = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([head, item(table), ...items, end]);
}
