// Helpers for the native package's tests: deterministic inputs, convolution geometry as tfjs
// computes it, comparisons, code run in a fresh process, and the generic build of the addon.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Geometry } from './reference-kernels';

const packageRoot = path.join(__dirname, '..');

/** Deterministic values in [-1, 1) without an RNG dependency. */
export function filled(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 2654435761 + seed * 40503) >>> 0) % 2000) / 1000 - 1;
  return v;
}

/** `filled` in steps of 1/4, so that pooling windows hold ties. */
export function quantised(n: number, seed: number): Float32Array {
  return filled(n, seed).map((v) => Math.round(v * 4) / 4);
}

export interface ConvSpec {
  n: number; h: number; w: number; c: number; co: number;
  k: [number, number];
  stride?: [number, number];
  dilation?: [number, number];
  /** tfjs' 'same' or 'valid', or the same explicit padding on every side. */
  pad: 'same' | 'valid' | number;
}

/** Padding and output size as tfjs' computeConv2DInfo gives them. */
export function convGeometry(s: ConvSpec): Geometry {
  const [kh, kw] = s.k, [sh, sw] = s.stride ?? [1, 1], [dh, dw] = s.dilation ?? [1, 1];
  const axis = (size: number, k: number, stride: number, dilation: number): [number, number] => {
    const effective = (k - 1) * dilation + 1;
    if (s.pad === 'valid') return [0, Math.ceil((size - effective + 1) / stride)];
    if (s.pad === 'same') {
      const out = Math.ceil(size / stride);
      return [Math.floor(Math.max(0, (out - 1) * stride + effective - size) / 2), out];
    }
    return [s.pad, Math.floor((size + 2 * s.pad - effective) / stride) + 1];
  };
  const [pt, oh] = axis(s.h, kh, sh, dh), [pl, ow] = axis(s.w, kw, sw, dw);
  return { n: s.n, h: s.h, w: s.w, c: s.c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, co: s.co };
}

/** |actual − expected| ≤ tol · (1 + |expected|) everywhere, reporting the worst element. */
export function expectClose(actual: Float32Array, expected: Float32Array, label: string, tol: number): void {
  expect(actual.length, `${label}: length`).to.equal(expected.length);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - tol * (1 + Math.abs(expected[i]));
    if (!(excess <= worstExcess)) [worst, worstExcess] = [i, Number.isNaN(excess) ? Infinity : excess];
  }
  if (worst >= 0) expect.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (tolerance ${tol})`);
}

/** The same float32 values, bit for bit (Object.is: NaN equals NaN, −0 differs from +0). */
export function expectSameBits(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, `${label}: length`).to.equal(expected.length);
  const i = actual.findIndex((v, j) => !Object.is(v, expected[j]));
  if (i >= 0) expect.fail(`${label}: element ${i} is ${actual[i]}, expected exactly ${expected[i]}`);
}

/**
 * `expr` evaluated in a fresh process where `n` is the module at `file` (a TypeScript file, or an
 * addon's .node file), with `env` on top of ours (undefined unsets a variable): `{ value }`, or
 * `{ error }` with the message it threw. Fails when the process does not exit normally.
 */
export function inChild(file: string, expr: string, env: Record<string, string | undefined>): { value?: unknown; error?: string } {
  const script =
    `const n = require(${JSON.stringify(file)}); let out; ` +
    `try { out = { value: ${expr} }; } catch (e) { out = { error: e.message }; } console.log(JSON.stringify(out));`;
  const merged: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const args = file.endsWith('.ts') ? ['-r', 'ts-node/register', '-e', script] : ['-e', script];
  const r = spawnSync(process.execPath, args, { cwd: path.join(packageRoot, '..', '..'), encoding: 'utf8', env: merged });
  expect(r.status, `the child process ended with ${r.signal ?? `status ${r.status}`}: ${r.stderr}`).to.equal(0);
  return JSON.parse(r.stdout.trim());
}

/**
 * The generic build of the addon (MEDTRANSFER_NATIVE_ISA=generic, in build-generic/), compiled
 * by scripts/build-generic.js unless up to date: its path, and that script's one-line report.
 */
export function buildGenericAddon(): { path: string; report: string } {
  const r = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build-generic.js')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the generic build of the addon failed (rebuild it with "npm run build:generic -w @medtransfer/native"):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { path: lines[lines.length - 1], report: lines[0].replace(/^@medtransfer\/native: /, '') };
}
