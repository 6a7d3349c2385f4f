// Helpers for this package's tests: temporary .npz files and the shared real MedMNIST files.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { NpyArray, encodeNpy } from './npy';

/** The real MedMNIST files beside the repository (../shared/data/medmnist), absent on a fresh clone. */
export const SHARED_MEDMNIST = resolve(__dirname, '../../../../shared/data/medmnist');
export const BREAST_FILE = join(SHARED_MEDMNIST, 'breastmnist.npz');
export const PATH_SUBSET_FILE = join(SHARED_MEDMNIST, 'pathmnist_test_subset.npz');

/** Skips the running test, visibly, when a shared data file is missing. */
export function requireFile(ctx: Mocha.Context, file: string): void {
  if (!existsSync(file)) {
    console.log(`      (skipped: ${file} is absent; it lives in ../shared/data/medmnist beside the repository)`);
    ctx.skip();
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'medtransfer-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds an .npz in memory; `stored` keeps members uncompressed (np.savez), else deflated (np.savez_compressed). */
export function npzBytes(arrays: Record<string, NpyArray | Uint8Array>, stored = false): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [k, v] of Object.entries(arrays)) {
    files[`${k}.npy`] = [v instanceof Uint8Array ? v : encodeNpy(v), { level: stored ? 0 : 6 }];
  }
  return zipSync(files);
}

export function writeNpz(dir: string, name: string, arrays: Record<string, NpyArray | Uint8Array>, stored = false): string {
  const file = join(dir, name);
  writeFileSync(file, npzBytes(arrays, stored));
  return file;
}

export function u8(shape: number[], fill: (i: number) => number = (i) => i % 256): NpyArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'uint8', shape, data: Uint8Array.from({ length: n }, (_v, i) => fill(i)) };
}

export function i64(shape: number[], values: number[]): NpyArray {
  return { dtype: 'int64', shape, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}

/** Expects `fn` to throw; returns the error for further checks. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, but none was thrown');
}
