// Helpers for the backend tests: run a computation on a named tfjs backend and restore the one
// that was active, compute gradients from plain arrays, and compare within a tolerance.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { nativeTestSkipReason } from '@medtransfer/native';
import { registerWasmGradients } from './wasm-gradients';
import { installNativeKernels, setNativeKernelsEnabled } from './native';

/**
 * The backend to restore after a test. When none is active yet, tfjs would pick the highest
 * priority registered one, which becomes wasm once its package is loaded; restore 'cpu' instead,
 * the default other tests in the same process saw before.
 */
export function activeBackend(): string {
  return tf.getBackend() || 'cpu';
}

/**
 * Makes the wasm backend and our kernels available (idempotent), with the native replacements
 * switched off so wasm tests test wasm even after another test selected `native`.
 */
export async function ensureWasm(): Promise<void> {
  registerWasmGradients();
  setNativeKernelsEnabled(false);
  await onBackend('wasm', () => undefined);
}

/** Runs `fn` on `backend`, then switches back to whatever backend was active before. */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = activeBackend();
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * Mocha hooks for a suite that runs on the native path: skips the suite with a visible message
 * when the addon is unavailable (fails instead under MEDTRANSFER_REQUIRE_NATIVE=1, see
 * `nativeTestSkipReason`), else installs the native kernels on the wasm backend (with
 * medtransfer's wasm gradients) and selects it; afterwards switches the native kernels off and
 * restores the backend that was active. Call inside `describe`.
 */
export function useNativePath(): void {
  let saved: string | undefined;
  before(async function () {
    const skip = nativeTestSkipReason();
    if (skip) {
      console.log(`      (skipped: native kernels unavailable: ${skip})`);
      this.skip();
    }
    saved = activeBackend();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
    registerWasmGradients();
    installNativeKernels();
    await tf.setBackend('wasm');
  });
  after(async () => {
    setNativeKernelsEnabled(false);
    if (saved) await tf.setBackend(saved);
  });
}

export interface ArrayInput {
  values: Float32Array;
  shape: number[];
}

/** Seeded values in [-1, 1). */
export function randomInput(rng: Rng, shape: number[]): ArrayInput {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-1, 1);
  return { values, shape };
}

/** Gradients of the scalar f(...inputs) with respect to every input, on `backend`, as arrays. */
export async function gradsOn(
  backend: string,
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: ArrayInput[],
): Promise<Float32Array[]> {
  return onBackend(backend, () =>
    tf.tidy(() => {
      const ts = inputs.map((i) => tf.tensor(i.values, i.shape));
      const gs = tf.grads(f)(ts);
      return gs.map((g) => g.dataSync() as Float32Array);
    }),
  );
}

/** Elementwise |a − e| ≤ atol + rtol·|e|, reporting the worst element on failure. */
export function expectClose(actual: Float32Array, expected: Float32Array, label: string, rtol = 1e-4, atol = 1e-5): void {
  expect(actual.length, `${label}: length`).to.equal(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (tolerance ${rtol} rel / ${atol} abs)`);
  }
}

/**
 * Values and gradients of the scalar `f(...inputs)` on the wasm backend (native kernels when they
 * are on) agree with the reference cpu backend within `tol` (relative and absolute).
 */
export async function agreeWithCpu(
  label: string,
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: ArrayInput[],
  tol = 1e-4,
  gradients = true,
): Promise<void> {
  const value = (backend: string) =>
    onBackend(backend, () => tf.tidy(() => f(...inputs.map((i) => tf.tensor(i.values, i.shape))).dataSync() as Float32Array));
  expectClose(await value('wasm'), await value('cpu'), `${label}: value`, tol, tol);
  if (!gradients) return;
  const [ours, ref] = [await gradsOn('wasm', f, inputs), await gradsOn('cpu', f, inputs)];
  ours.forEach((g, i) => expectClose(g, ref[i], `${label}: gradient ${i}`, tol, tol));
}

/** Σ y·r with a fixed random r: every output element gets its own upstream gradient. */
export function weightedSum(y: tf.Tensor, rng: Rng): tf.Scalar {
  const r = randomInput(rng, y.shape);
  return tf.sum(tf.mul(y, tf.tensor(r.values, r.shape))) as tf.Scalar;
}
