// The on-disk format of a resumable training state: one file with a JSON header, raw tensor
// bytes and a SHA-256 trailer, written to a temp file, fsynced and renamed into place.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataFormatError } from '@medtransfer/core';

/** File signature and format version; a new layout gets a new signature. */
const MAGIC = Buffer.from('MTSTATE1', 'ascii');
const DIGEST_BYTES = 32;

export type StateDtype = 'float32' | 'int32';

/** One tensor's values, as read back from a state file (or handed to one). */
export interface TensorRecord {
  name: string;
  shape: number[];
  dtype: StateDtype;
  data: Float32Array | Int32Array;
}

interface TensorSpec {
  name: string;
  shape: number[];
  dtype: StateDtype;
  bytes: number;
}

/** Tensors in named groups (e.g. `model`, `optimizer`), in order. */
export type TensorGroups = Record<string, TensorRecord[]>;

export interface StateFileContents<H> {
  header: H;
  groups: TensorGroups;
}

/**
 * JSON cannot hold NaN or ±Infinity (an undefined AUC is NaN); they are written as
 * `{"$nonFinite": "NaN"}` so a restored curve is the same as the saved one.
 */
const encodeNonFinite = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $nonFinite: String(v) } : v);
const decodeNonFinite = (_key: string, v: unknown) =>
  v !== null && typeof v === 'object' && '$nonFinite' in v && Object.keys(v).length === 1 ? Number((v as { $nonFinite: string }).$nonFinite) : v;

/** Temp files of `file` left behind by writers that were killed mid-write. */
function staleTempFiles(file: string): string[] {
  const dir = dirname(file);
  if (!existsSync(dir)) return [];
  const prefix = `${basename(file)}.tmp-`;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => join(dir, name));
}

/**
 * Writes `file` so that a reader sees either the previous complete file or the new complete
 * one: the bytes go to `<file>.tmp-<pid>`, are fsynced, and the temp file is renamed over
 * `file` (atomic on POSIX file systems). A process killed mid-write leaves only a temp file,
 * which the next write removes.
 */
export function writeStateFile<H extends object>(file: string, header: H, groups: TensorGroups): void {
  mkdirSync(dirname(file), { recursive: true });
  for (const stale of staleTempFiles(file)) rmSync(stale, { force: true });
  const specs: Record<string, TensorSpec[]> = {};
  for (const [group, tensors] of Object.entries(groups)) {
    specs[group] = tensors.map(({ name, shape, dtype, data }) => ({ name, shape, dtype, bytes: data.byteLength }));
  }
  const headerBytes = Buffer.from(JSON.stringify({ ...header, tensors: specs }, encodeNonFinite), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);

  const tmp = `${file}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  const fd = openSync(tmp, 'w');
  try {
    const write = (bytes: Uint8Array) => {
      hash.update(bytes);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    };
    write(MAGIC);
    write(length);
    write(headerBytes);
    for (const tensors of Object.values(groups)) {
      for (const t of tensors) write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    const digest = hash.digest();
    writeSync(fd, digest, 0, digest.length);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/**
 * Reads and verifies a file written by `writeStateFile`. Throws `DataFormatError` when it is
 * truncated, corrupted (checksum), or not a state file.
 */
export function readStateFile<H>(file: string): StateFileContents<H> {
  const buf = readFileSync(file);
  const fail = (detail: string): never => {
    throw new DataFormatError(file, `${detail}; it is not a usable training state (delete it to start the run afresh)`);
  };
  if (buf.length < MAGIC.length + 4 + DIGEST_BYTES) fail(`only ${buf.length} bytes long (truncated)`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) fail(`does not start with the signature "${MAGIC.toString('ascii')}"`);
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - DIGEST_BYTES))) fail('checksum mismatch (truncated or corrupted)');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  let offset = MAGIC.length + 4 + headerLength;
  if (offset > body.length) fail('header length points past the end of the file');
  let parsed: H & { tensors: Record<string, TensorSpec[]> };
  try {
    parsed = JSON.parse(buf.subarray(MAGIC.length + 4, offset).toString('utf8'), decodeNonFinite);
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  const { tensors: specs, ...header } = parsed;
  const groups: TensorGroups = {};
  for (const [group, list] of Object.entries(specs ?? {})) {
    groups[group] = list.map((spec) => {
      if (offset + spec.bytes > body.length) fail(`tensor ${group}/${spec.name} runs past the end of the file`);
      // copy: typed arrays need an aligned buffer of their own
      const bytes = new Uint8Array(buf.subarray(offset, offset + spec.bytes));
      offset += spec.bytes;
      const data = spec.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
      const expected = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== expected) fail(`tensor ${group}/${spec.name} holds ${data.length} values, its shape [${spec.shape.join(', ')}] needs ${expected}`);
      return { name: spec.name, shape: spec.shape, dtype: spec.dtype, data };
    });
  }
  if (offset !== body.length) fail(`${body.length - offset} bytes after the last tensor`);
  return { header: header as H, groups };
}

/** Removes `file` and any temp files a killed writer left beside it. */
export function removeStateFile(file: string): void {
  rmSync(file, { force: true });
  for (const stale of staleTempFiles(file)) rmSync(stale, { force: true });
}
