// The wasm heap limit of the `wasm` and `native` backends: a guard that turns a failed heap
// allocation into an error before tfjs writes to address 0, recognition of the wasm module's own
// failures (`Aborted()`, out-of-bounds access), and the error message that says what to do.
import * as tf from '@tensorflow/tfjs';
import { MedtransferError } from '@medtransfer/core';
import { nativeKernelsEnabled } from './native';

/**
 * Largest wasm heap of tfjs-backend-wasm 4.22: its emscripten build (wasm32, memory growth on)
 * answers `getHeapMax()` with 4294901760 bytes = 4 GiB − 64 KiB, the wasm32 maximum. Every tensor
 * of the `wasm` and `native` backends lives in this heap.
 */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/** What the message says about the run that ran out of memory. */
export interface HeapRunInfo {
  /** medtransfer backend name: `wasm` or `native`. */
  backend: string;
  model: string;
  batchSize: number;
  /** Input height and width in pixels. */
  imageSize: [number, number];
}

/** The estimate behind a refusal before training (memory-check.ts). */
export interface HeapEstimate {
  /** Predicted peak tensor bytes of one training step at the configured batch size. */
  peakBytes: number;
  /** Tensor bytes each image adds to the step's peak. */
  bytesPerImage: number;
  /** Largest batch size whose predicted peak fits the heap (0 when not even one image fits). */
  maxBatchSize: number;
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * The wasm heap cannot hold a training step. `tfjsUnusable`: the wasm module itself failed, so
 * every later tfjs call in this process fails too (the process must end; the runner starts a
 * fresh worker process). A refusal from the estimate allocated nothing and leaves tfjs usable.
 */
export class WasmHeapError extends MedtransferError {
  constructor(
    readonly run: HeapRunInfo,
    readonly tfjsUnusable: boolean,
    readonly estimate?: HeapEstimate,
    readonly detail?: string,
  ) {
    super(wasmHeapMessage(run, tfjsUnusable, estimate, detail));
    this.name = 'WasmHeapError';
  }
}

export function wasmHeapMessage(run: HeapRunInfo, tfjsUnusable: boolean, estimate?: HeapEstimate, detail?: string): string {
  const [h, w] = run.imageSize;
  const what = `training model "${run.model}" on the ${run.backend} backend at batch size ${run.batchSize} and ${h}×${w} px`;
  const head = estimate
    ? `out of wasm heap memory: ${what} needs about ${gb(estimate.peakBytes)} of tensor memory per step ` +
      `(${gb(estimate.bytesPerImage)} per image, estimated from steps at batch 1 and 2), more than the wasm heap limit of ${gb(WASM_HEAP_MAX_BYTES)}`
    : `out of wasm heap memory: ${what} exceeded the wasm heap limit of ${gb(WASM_HEAP_MAX_BYTES)}${detail ? ` (${detail})` : ''}`;
  const smaller = estimate && estimate.maxBatchSize > 0 ? ` (at most about ${estimate.maxBatchSize} fits)` : '';
  const fixes =
    `. The ${run.backend} backend keeps every tensor in a 32-bit WebAssembly heap (tfjs-backend-wasm 4.22: at most 4 GiB). ` +
    `Fix: a smaller training.batchSize${smaller}, a smaller imageSize (target.imageSize or the sweep's imageSize), ` +
    `or backend "node" (npm install @tensorflow/tfjs-node, where it installs: native TensorFlow has no such limit).`;
  const state = tfjsUnusable
    ? ' The heap ran out during the step, so tfjs in this process is unusable from now on (later calls fail with "memory access out of bounds"): ' +
      'start a new process (the runner replaces its worker process). Results already written are kept.'
    : ' Nothing was trained; tfjs in this process is still usable.';
  return head + fixes + state;
}

/** medtransfer's name for the active backend when its tensors live on the wasm heap, else undefined. */
export function wasmHeapBackend(): string | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  return nativeKernelsEnabled() ? 'native' : 'wasm';
}

/** Thrown by the allocation guard; train() turns it into a WasmHeapError with the run's details. */
export class WasmAllocationError extends Error {
  constructor(readonly bytes: number) {
    super(`wasm heap allocation of ${bytes} bytes failed (the heap holds at most ${WASM_HEAP_MAX_BYTES} bytes)`);
    this.name = 'WasmAllocationError';
  }
}

/** What the wasm module says when its heap runs out (emscripten aborts, wild reads after a failed malloc). */
const HEAP_FAILURE = /Aborted\(|memory access out of bounds|Out of memory|Cannot enlarge memory|Array buffer allocation failed|Invalid typed array length|wasm heap allocation/i;

/** True when `err` is the wasm module (or the guard) failing for lack of heap. */
export function isWasmHeapFailure(err: unknown): boolean {
  if (err instanceof WasmAllocationError || err instanceof WasmHeapError) return true;
  const e = err as { message?: unknown } | undefined;
  // WebAssembly.RuntimeError (named so; the WebAssembly types are not in this project's lib)
  const wasmOrRange = err instanceof RangeError || (err instanceof Error && err.name === 'RuntimeError');
  return wasmOrRange && typeof e?.message === 'string' && HEAP_FAILURE.test(e.message);
}

let poisoned = false;

/** False once the wasm module of this process has failed (every later tfjs call would fail). */
export function tfjsUsable(): boolean {
  return !poisoned;
}

/** Records that the wasm heap ran out mid-step; `tfjsUsable()` is false from now on. */
export function markTfjsUnusable(): void {
  poisoned = true;
}

interface WasmModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  __medtransferGuard?: true;
}

/** The active backend's wasm module, when it is the wasm backend. */
export function wasmModule(): WasmModule | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  return (tf.backend() as unknown as { wasm: WasmModule }).wasm;
}

/**
 * Makes a failed tensor allocation throw. tfjs-backend-wasm writes a tensor to whatever `_malloc`
 * returns without checking it: a size over the limit wraps to 32 bits (a wrong, small block) and a
 * failed heap growth returns 0, so tfjs would overwrite the heap from address 0 and the module
 * aborts later, far from the cause. The guard refuses both before anything is written, so the
 * process is left consistent. Idempotent.
 */
export function guardWasmAllocations(): void {
  const wasm = wasmModule();
  if (!wasm || wasm.__medtransferGuard) return;
  // emscripten's first call of `_malloc` replaces Module._malloc with the raw export: make that
  // call now, so the wrapper installed below is not overwritten
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    if (bytes > WASM_HEAP_MAX_BYTES) throw new WasmAllocationError(bytes);
    const ptr = malloc(bytes);
    if (ptr === 0 && bytes > 0) throw new WasmAllocationError(bytes);
    return ptr;
  };
  wasm.__medtransferGuard = true;
}

/**
 * The error to throw for `err` raised while training: a wasm heap failure on a wasm heap backend
 * becomes a WasmHeapError naming the run and the fixes (and marks tfjs unusable); others pass.
 */
export function asWasmHeapError(err: unknown, run: Omit<HeapRunInfo, 'backend'>): unknown {
  if (err instanceof WasmHeapError) return err;
  const backend = wasmHeapBackend();
  if (!backend || !isWasmHeapFailure(err)) return err;
  markTfjsUnusable();
  return new WasmHeapError({ backend, ...run }, true, undefined, String((err as Error).message).split('\n')[0]);
}
