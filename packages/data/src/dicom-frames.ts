// Where each frame's bytes are in a DICOM Pixel Data element: native frames one after another;
// encapsulated frames (PS3.5 A.4) found through the Extended or Basic Offset Table, else one
// fragment per frame, else by the codestream start markers of the fragments.
import type * as dicomParser from 'dicom-parser';
import type { PixelCodec } from './dicom-syntax';

/** A frame layout problem; dicom.ts adds the file and transfer syntax. */
export class FrameError extends Error {}

interface Fragment {
  offset: number;
  position: number;
  length: number;
}

type PixelElement = dicomParser.Element & { fragments?: Fragment[]; basicOffsetTable?: number[] };

/** Bytes of native frame `index` (each `frameBytes` long), checked against the element and the file. */
export function nativeFrame(bytes: Uint8Array, pixel: dicomParser.Element, index: number, count: number, frameBytes: number): Uint8Array {
  const start = pixel.dataOffset + index * frameBytes;
  const available = Math.min(pixel.length, bytes.length - pixel.dataOffset);
  if ((index + 1) * frameBytes > available) {
    throw new FrameError(
      `pixel data holds ${Math.max(0, available)} bytes but ${count} frame(s) of ${frameBytes} bytes need ${count * frameBytes}; ` +
        `frame ${index} ends at byte ${(index + 1) * frameBytes}: truncated file?`,
    );
  }
  return bytes.subarray(start, start + frameBytes);
}

/** Does this fragment start a codestream of the transfer syntax's codec (JPEG SOI, JPEG 2000 SOC + SIZ)? */
function startsFrame(codec: PixelCodec, b: Uint8Array): boolean {
  if (codec === 'j2k' || codec === 'htj2k') return b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51;
  if (codec === 'jpeg' || codec === 'jpeg-ls' || codec === 'jpeg-lossless') return b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  return false;
}

/** Reads the 64-bit Extended Offset Table (7FE0,0001), if the data set has one. */
function extendedOffsets(ds: dicomParser.DataSet): number[] | undefined {
  const el = ds.elements.x7fe00001;
  if (!el || el.length < 8) return undefined;
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length);
  const out: number[] = [];
  for (let o = 0; o + 8 <= el.length; o += 8) out.push(Number(view.getBigUint64(o, true)));
  return out;
}

/** The fragments of each frame: from the offset tables, or inferred when the Basic Offset Table is empty. */
export function frameFragments(ds: dicomParser.DataSet, pixel: dicomParser.Element, codec: PixelCodec, count: number): Fragment[][] {
  const el = pixel as PixelElement;
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new FrameError('encapsulated pixel data holds no fragments: truncated or empty');
  const table = extendedOffsets(ds) ?? (el.basicOffsetTable?.length ? el.basicOffsetTable : undefined);
  if (table) {
    const name = ds.elements.x7fe00001 ? 'Extended Offset Table' : 'Basic Offset Table';
    if (table.length !== count) throw new FrameError(`the ${name} lists ${table.length} frame(s) but Number of Frames is ${count}`);
    return table.map((start, i) => {
      const end = i + 1 < table.length ? table[i + 1] : Infinity;
      const first = fragments.findIndex((f) => f.offset === start);
      if (first < 0) throw new FrameError(`${name} entry ${i} (offset ${start}) does not point at a fragment`);
      return fragments.filter((f) => f.offset >= start && f.offset < end);
    });
  }
  if (count === 1) return [fragments];
  if (fragments.length === count) return fragments.map((f) => [f]);
  // several fragments per frame and no table: a new frame starts at each codestream start marker
  const groups: Fragment[][] = [];
  for (const f of fragments) {
    const head = ds.byteArray.subarray(f.position, f.position + 4);
    if (groups.length === 0 || startsFrame(codec, head)) groups.push([f]);
    else groups[groups.length - 1].push(f);
  }
  if (groups.length !== count) {
    throw new FrameError(
      `${fragments.length} fragments without an offset table, ${groups.length} of them starting a codestream, but Number of Frames is ${count}; ` +
        `the frames cannot be told apart`,
    );
  }
  return groups;
}

/** The bytes of one encapsulated frame: its fragments joined (a view when it is a single fragment). */
export function encapsulatedFrame(bytes: Uint8Array, frame: Fragment[], index: number): Uint8Array {
  for (const [k, f] of frame.entries()) {
    if (f.position + f.length > bytes.length) {
      throw new FrameError(
        `fragment ${k + 1} of ${frame.length} of frame ${index} needs ${f.length} bytes from byte ${f.position}, but the file ends after ${bytes.length}: truncated file`,
      );
    }
  }
  if (frame.length === 1) return bytes.subarray(frame[0].position, frame[0].position + frame[0].length);
  const out = new Uint8Array(frame.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frame) {
    out.set(bytes.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}
