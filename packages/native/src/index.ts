// @medtransfer/native: loads the compiled kernel addon, or says why it is not available (not
// built, turned off with MEDTRANSFER_NATIVE=0, or failed to load) so callers can fall back.
// MEDTRANSFER_REQUIRE_NATIVE=1 makes the kernel tests fail instead of skip when it is not.
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The addon's functions. Geometry: Int32Array [n,h,w,c, kh,kw, sh,sw, dh,dw, pt,pl, oh,ow,co].
 * Wrong argument types throw a TypeError, inconsistent sizes a RangeError, and a failure inside
 * the C++ (out of memory, on the calling thread or a pool worker) an Error `"<function>: <what>"`.
 */
export interface NativeKernels {
  conv2d(geom: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array, bias: Float32Array | null, activation: number): void;
  conv2dBackpropInput(geom: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackpropFilter(geom: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  /** Depthwise forward: filter [kh, kw, c, multiplier], geometry co = c · multiplier. */
  depthwiseConv2d(geom: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array, bias: Float32Array | null, activation: number): void;
  depthwiseConv2dBackpropInput(geom: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  depthwiseConv2dBackpropFilter(geom: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  maxPool(geom: Int32Array, x: Float32Array, y: Float32Array): void;
  /** `y` is maxPool(x): dy goes to the first element of each window equal to it. */
  maxPoolGrad(geom: Int32Array, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  matMul(
    a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transposeA: number, transposeB: number, aBatchStride: number, bBatchStride: number,
  ): void;
  /** y[j] = scale · Σ_i x[i·inner + j]: a sum (or mean) over leading axes. */
  reduceOuter(x: Float32Array, y: Float32Array, outer: number, inner: number, scale: number): void;
  /** out[i] = a[i % a.length] op b[i % b.length]; op 0 add, 1 sub, 2 mul, 3 div. */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** Gradient of ReLU6: dx = dy where 0 < x ≤ 6, else 0 (all the same length). */
  relu6Grad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** Gradient of ReLU: dx = dy where x > 0, else 0 (all the same length). */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** Batch norm in training mode over rows of a channels-last x (c = gamma.length): y, batch mean, population variance. */
  batchNormTrain(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  /** Gradients of batchNormTrain given dy (mean and variance from the forward pass). */
  batchNormGrad(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array, eps: number,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  /**
   * One Adam/AdamW step: w2, m2, v2 from w, g, m, v (all the same length, outputs separate).
   * params: [β₁, 1−β₁, β₂, 1−β₂, 1−β₁ᵗ, 1−β₂ᵗ, ε, −lr, l2 (coupled decay, 0 = none), decay factor
   * (decoupled: w·factor, 1 = none)], each rounded to float32 as an element-wise version would.
   */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, w2: Float32Array, m2: Float32Array, v2: Float32Array, params: Float64Array): void;
  /**
   * Instruction set compiled for (see `NativeIsa`), worker threads in use, and oneDNN: null when
   * the addon was built without it, else its version, whether the convolutions go through it,
   * and how many convolutions it has run in this process (geometries it refuses run ours).
   */
  info(): { isa: NativeIsa; threads: number; dnnl: { version: string; enabled: boolean; calls: number } | null };
  /**
   * Sends the convolutions (`conv2d` and both gradients) through oneDNN (true) or our kernels
   * (false) from the next call on; returns the previous setting (always false without oneDNN).
   * MEDTRANSFER_DNNL=0 starts a process with it off.
   */
  setDnnl(on: boolean): boolean;
  /**
   * TEST ONLY, not a kernel: runs a pool job whose first task on a worker thread throws a C++
   * exception with `message`, which must come back as a JavaScript `Error`
   * ("_throwInPool: <message> (pool thread <i>)") instead of ending the process.
   */
  _throwInPool(message: string): void;
}

/**
 * What the addon was compiled for: AVX-512 or AVX2 + FMA intrinsics (x86-64 built with
 * -march=native on such a CPU), or `generic`, portable C++ (other CPUs such as arm64, x86-64
 * without AVX2, or a build with MEDTRANSFER_NATIVE_ISA=generic).
 */
export type NativeIsa = 'avx512' | 'avx2' | 'generic';

/** Activation codes understood by `conv2d`. */
export const nativeActivations = { linear: 0, relu: 1, relu6: 2 } as const;

export type NativeLoad = { kernels: NativeKernels; reason: null } | { kernels: null; reason: string };

const packageRoot = path.join(__dirname, '..');
/** Where node-gyp puts the compiled addon. */
export const nativeAddonPath = path.join(packageRoot, 'build', 'Release', 'medtransfer_native.node');

const TURNED_OFF = 'turned off by MEDTRANSFER_NATIVE=0';
let cached: NativeLoad | null = null;

/**
 * The compiled kernels, or null with the reason. Cached after the first call; the environment
 * variable MEDTRANSFER_NATIVE=0 turns the addon off, MEDTRANSFER_THREADS sets its thread count
 * (read once, when the addon first runs a kernel).
 */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  cached = tryLoad();
  return cached;
}

/**
 * For the test suites of the native kernels: null when the addon is loaded, else why they skip.
 * With MEDTRANSFER_REQUIRE_NATIVE=1 (CI sets it where a C++ compiler exists) an addon that is not
 * built or does not load throws instead, so those tests cannot pass by skipping. An addon turned
 * off with MEDTRANSFER_NATIVE=0 still skips: that is the user's choice (the install then does not
 * build it either), not a broken build.
 */
export function nativeTestSkipReason(): string | null {
  const load = loadNative();
  if (load.kernels) return null;
  if (process.env.MEDTRANSFER_REQUIRE_NATIVE === '1' && load.reason !== TURNED_OFF) {
    throw new Error(
      `the native addon cannot be loaded although MEDTRANSFER_REQUIRE_NATIVE=1 requires it (CI sets that where a C++ ` +
        `compiler exists): ${load.reason}. Unset MEDTRANSFER_REQUIRE_NATIVE to skip the native kernel tests instead.`,
    );
  }
  return load.reason;
}

function tryLoad(): NativeLoad {
  if (process.env.MEDTRANSFER_NATIVE === '0') return { kernels: null, reason: TURNED_OFF };
  if (!fs.existsSync(nativeAddonPath)) {
    const log = path.join(packageRoot, 'build-failure.log');
    const hint = fs.existsSync(log) ? ` (the install-time build failed; see ${log})` : '';
    return {
      kernels: null,
      reason: `the addon is not compiled${hint}; build it with "npm run build -w @medtransfer/native" (needs a C++17 compiler, make and python3)`,
    };
  }
  // A oneDNN built on OpenMP reads this when the addon loads it. Passive: its threads sleep
  // between convolutions instead of spinning against the pool's threads running the next kernel
  // (measured faster on 2 cores; docs/performance.md). A value the user set is kept; ours is
  // removed again once loaded, so that child processes (a PyTorch peer) do not inherit it.
  const setWaitPolicy = process.env.OMP_WAIT_POLICY === undefined;
  if (setWaitPolicy) process.env.OMP_WAIT_POLICY = 'passive';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kernels = require(nativeAddonPath) as NativeKernels;
    return { kernels, reason: null };
  } catch (err) {
    const msg = String((err as Error)?.message ?? err).split('\n')[0];
    return { kernels: null, reason: `the addon at ${nativeAddonPath} failed to load: ${msg}; rebuild it with "npm run build -w @medtransfer/native"` };
  } finally {
    if (setWaitPolicy) delete process.env.OMP_WAIT_POLICY;
  }
}
