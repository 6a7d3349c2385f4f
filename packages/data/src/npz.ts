// NumPy `.npz` reading: a zip of `.npy` members (stored or deflated). The zip directory is checked
// here first so a truncated or damaged download gets an error naming the member and what is wrong.
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { DataFormatError, MedtransferError } from '@medtransfer/core';
import { NpyArray, readNpy } from './npy';

/** One member as the zip central directory describes it. */
export interface ZipMember {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the member's data (after its local header). */
  dataOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_SIG = 0x06064b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const FULL = 0xffffffff;

const REFETCH = 'the download may be truncated or damaged — delete it and fetch again';

/** Lists a zip's members from its central directory, checking every offset against the file length. */
export function zipDirectory(bytes: Uint8Array, file: string): ZipMember[] {
  const fail = (detail: string): never => {
    throw new DataFormatError(file, detail);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => Number(view.getBigUint64(o, true));

  // The end-of-central-directory record sits in the last 22 + 65535 (max comment) bytes.
  let eocd = -1;
  for (let e = bytes.length - 22; e >= 0 && e >= bytes.length - 22 - 0xffff; e--) {
    if (u32(e) === EOCD_SIG) {
      eocd = e;
      break;
    }
  }
  if (eocd < 0) fail(`not a zip file (no end-of-central-directory record); ${REFETCH}`);
  let entries = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  // Zip64 (NumPy writes it for large arrays): a locator just before the record points at the real one.
  if (eocd >= 20 && u32(eocd - 20) === EOCD64_LOCATOR_SIG) {
    const at = u64(eocd - 12);
    if (at + 56 > bytes.length || u32(at) !== EOCD64_SIG) fail(`damaged zip64 directory record; ${REFETCH}`);
    entries = u64(at + 32);
    cdSize = u64(at + 40);
    cdOffset = u64(at + 48);
  }
  if (cdOffset + cdSize > bytes.length) {
    fail(`the zip directory (${cdSize} bytes at offset ${cdOffset}) lies beyond the end of the file (${bytes.length} bytes); ${REFETCH}`);
  }

  const members: ZipMember[] = [];
  let p = cdOffset;
  for (let k = 0; k < entries; k++) {
    if (p + 46 > bytes.length || u32(p) !== CENTRAL_SIG) fail(`damaged zip directory (entry ${k + 1} of ${entries}); ${REFETCH}`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc32 = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64 extra field (id 1) holds the 64-bit values whose 32-bit slots are 0xffffffff, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; x += 4 + u16(x + 2)) {
      if (u16(x) !== 1) continue;
      let q = x + 4;
      if (size === FULL) {
        size = u64(q);
        q += 8;
      }
      if (compressedSize === FULL) {
        compressedSize = u64(q);
        q += 8;
      }
      if (localOffset === FULL) localOffset = u64(q);
    }
    if (flags & 1) fail(`member ${name} is encrypted; medtransfer reads only unencrypted .npz files`);
    if (method !== 0 && method !== 8) {
      fail(`member ${name} uses zip compression method ${method}; only stored (0) and deflated (8) are supported (np.savez / np.savez_compressed write these)`);
    }
    if (localOffset + 30 > bytes.length || u32(localOffset) !== LOCAL_SIG) fail(`member ${name}: damaged local header; ${REFETCH}`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + compressedSize > bytes.length) {
      fail(`member ${name}: its ${compressedSize} bytes of data run past the end of the file; ${REFETCH}`);
    }
    members.push({ name, method, crc32, compressedSize, size, dataOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

let crcTable: Int32Array | undefined;
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Extracts one member's bytes, checking its length and CRC. */
function extractMember(bytes: Uint8Array, m: ZipMember, file: string): Uint8Array {
  let out: Uint8Array | undefined;
  try {
    // Filtered to this one member, so a failure can be attributed to it.
    out = unzipSync(bytes, { filter: (f) => f.name === m.name })[m.name];
  } catch (err) {
    throw new DataFormatError(file, `member ${m.name}: cannot decompress (${(err as Error).message}); ${REFETCH}`);
  }
  if (!out) throw new DataFormatError(file, `member ${m.name}: listed in the zip directory but could not be extracted; ${REFETCH}`);
  if (out.length !== m.size) {
    throw new DataFormatError(file, `member ${m.name}: decompressed to ${out.length} bytes but the zip directory says ${m.size}; ${REFETCH}`);
  }
  if (crc32(out) !== m.crc32) throw new DataFormatError(file, `member ${m.name}: CRC-32 mismatch, the data is damaged; ${REFETCH}`);
  return out;
}

/**
 * Parses an `.npz` held in memory into arrays keyed like `np.load` does (member name without
 * `.npy`). Members that are not `.npy` are ignored. `want` limits which keys are decoded.
 */
export function parseNpz(bytes: Uint8Array, file: string, want?: (key: string) => boolean): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const m of zipDirectory(bytes, file)) {
    if (!m.name.endsWith('.npy')) continue;
    const key = m.name.slice(0, -4);
    if (want && !want(key)) continue;
    const data = extractMember(bytes, m, file);
    try {
      out.set(key, readNpy(data, m.name));
    } catch (err) {
      if (err instanceof DataFormatError) throw new DataFormatError(file, `member ${m.name}: ${err.detail}`);
      throw err;
    }
  }
  return out;
}

/** Reads a file from disk; a missing or unreadable file gives an error naming it. */
export function readFileBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    throw new MedtransferError(`cannot read ${file}: ${why}`);
  }
}

/** Reads an `.npz` file into arrays keyed by member name (without `.npy`). */
export function readNpz(file: string): Map<string, NpyArray> {
  return parseNpz(readFileBytes(file), file);
}
