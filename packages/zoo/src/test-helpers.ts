// Shared test set-up for zoo tests: the cpu backend, temporary directories, weight snapshots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel } from './model';
import { namedWeights } from './weight-names';

/** Mocha hook body: every zoo test runs on the pure-JS cpu backend (deterministic, always present). */
export async function useCpuBackend(): Promise<void> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `medtransfer-zoo-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies of every weight, by stable name. */
export function snapshot(m: ClassifierModel): Map<string, Float32Array> {
  return new Map(namedWeights(m.model).map((w) => [w.key, Float32Array.from(w.variable.read().dataSync() as Float32Array)]));
}

/** Deterministic pseudo-images in [0, 1) (seeded), NHWC. */
export function images(n: number, size: number, channels: number, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, size, size, channels], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Inference-mode logits as a plain array (no tensors left behind). */
export function predict(m: ClassifierModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (m.model.predict(x) as tf.Tensor).dataSync() as Float32Array).slice();
}

/** Bit-exact equality of two float arrays (fast, unlike a deep-equal over a million elements). */
export function sameBits(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (!a || !b) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Names of the weights whose values differ between two snapshots (or exist in only one). */
export function differingWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => !sameBits(a.get(k), b.get(k)));
}
