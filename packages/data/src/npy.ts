// NumPy `.npy` reading (format versions 1.0, 2.0, 3.0) and writing, so MedMNIST arrays can be
// read without Python. Only C-order arrays of plain numeric dtypes; anything else is refused clearly.
import { DataFormatError } from '@medtransfer/core';

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** One array from a `.npy` file: `dtype` is the NumPy name (`uint8`, `int64`, `float32`, `bool`, …). */
export interface NpyArray {
  dtype: string;
  shape: number[];
  data: TypedArray;
}

interface DtypeInfo {
  name: string;
  size: number;
  make: (buf: ArrayBuffer, offset: number, length: number) => TypedArray;
}

// Keyed by kind + item size (the descr without its byte-order character).
const DTYPES: Record<string, DtypeInfo> = {
  b1: { name: 'bool', size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  u1: { name: 'uint8', size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  i1: { name: 'int8', size: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  u2: { name: 'uint16', size: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  i2: { name: 'int16', size: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  u4: { name: 'uint32', size: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  i4: { name: 'int32', size: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  u8: { name: 'uint64', size: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
  i8: { name: 'int64', size: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  f4: { name: 'float32', size: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  f8: { name: 'float64', size: 8, make: (b, o, n) => new Float64Array(b, o, n) },
};
const SUPPORTED = Object.keys(DTYPES).map((k) => (k.endsWith('1') ? `|${k}` : `<${k}`));

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Product of a shape; a scalar (empty shape) holds one element. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses a `.npy` file held in memory; `name` (file or zip member) is used in error messages. */
export function readNpy(bytes: Uint8Array, name: string): NpyArray {
  const fail = (detail: string): never => {
    throw new DataFormatError(name, detail);
  };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    fail(`not a NumPy .npy array (the file does not start with "\\x93NUMPY"; ${bytes.length} bytes)`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(`truncated .npy header (${bytes.length} bytes)`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    fail(`header says it is ${headerLen} bytes long but only ${bytes.length - headerStart} bytes follow; the file is truncated`);
  }
  // Version 3.0 allows UTF-8 in the header; 1.0/2.0 are latin1, which never matters for the keys we read.
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText, fail);

  const descr = header.descr;
  if (typeof descr !== 'string') {
    return fail(`structured (record) dtypes are not supported (descr ${JSON.stringify(descr)}); save plain numeric arrays`);
  }
  const order = descr[0];
  const key = '<>|='.includes(order) ? descr.slice(1) : descr;
  const info = DTYPES[key];
  if (!info) return fail(`unsupported dtype "${descr}"; supported: ${SUPPORTED.join(', ')}`);
  if (header.fortran_order !== false) {
    fail(
      'the array is stored in Fortran (column-major) order, which is not supported; ' +
        're-save it in C order, e.g. np.save(path, np.ascontiguousarray(a))',
    );
  }
  const shape = header.shape;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
    return fail(`header has an invalid shape ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const count = shapeSize(dims);
  const expected = count * info.size;
  const remaining = bytes.length - dataStart;
  if (remaining !== expected) {
    const dimsText = dims.length ? dims.join('×') : 'a scalar';
    const what = remaining < expected ? 'the file is truncated' : 'extra bytes follow the array';
    fail(`header says ${dimsText} ${info.name} = ${expected} bytes but ${remaining} remain; ${what}`);
  }

  const bigEndian = order === '>' && info.size > 1;
  const absolute = bytes.byteOffset + dataStart;
  let data: TypedArray;
  if (!bigEndian && absolute % info.size === 0) {
    data = info.make(bytes.buffer as ArrayBuffer, absolute, count); // a view, no copy
  } else {
    const copy = bytes.slice(dataStart, dataStart + expected);
    if (bigEndian) swapBytes(copy, info.size);
    data = info.make(copy.buffer, 0, count);
  }
  return { dtype: info.name, shape: dims, data };
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

/** The header is a Python dict literal, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
function parseHeader(text: string, fail: (d: string) => never): Record<string, PyValue> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const bad = (what: string): never => fail(`malformed .npy header (${what} at character ${i}): ${JSON.stringify(text.trim())}`);
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) bad('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) break;
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) bad(`expected "," or "${close}"`);
      }
      i++;
      return items;
    }
    if (c === '{') {
      i++;
      const obj: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') break;
        const k = value();
        if (typeof k !== 'string') bad('expected a string key');
        ws();
        if (text[i] !== ':') bad('expected ":"');
        i++;
        obj[k as string] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') bad('expected "," or "}"');
      }
      i++;
      return obj;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) return bad('unexpected token');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number.parseInt(m[0], 10); // Python 2 era files may write `3L`
  };
  const parsed = value();
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) bad('expected a dict');
  const header = parsed as Record<string, PyValue>;
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in header)) fail(`.npy header lacks "${k}": ${text.trim()}`);
  return header;
}

const DESCR_OF: Record<string, string> = Object.fromEntries(
  Object.entries(DTYPES).map(([k, v]) => [v.name, k.endsWith('1') ? `|${k}` : `<${k}`]),
);

/**
 * Encodes an array as a `.npy` file (C order, little-endian). `version` picks the header format
 * (1 → 16-bit header length, 2/3 → 32-bit); used by tests and for caching generated data.
 */
export function encodeNpy(arr: NpyArray, version: 1 | 2 | 3 = 1): Uint8Array {
  const descr = DESCR_OF[arr.dtype];
  if (!descr) throw new Error(`encodeNpy: unsupported dtype ${arr.dtype}`);
  const shapeText = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  const pad = 64 - ((prefix + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const body = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(prefix + headerBytes.length + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(body, prefix + headerBytes.length);
  return out;
}
