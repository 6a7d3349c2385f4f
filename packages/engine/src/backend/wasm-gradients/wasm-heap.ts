// Thin typed access to the wasm backend's heap and its own kernels, so the gradient kernels
// here can allocate, read and write tensors without copies and hand the heavy multiply to XNNPACK.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Backend = BackendWasm;
export type TensorInfo = tf.TensorInfo;

/** Calls a kernel registered for the wasm backend directly (no engine bookkeeping, no tape). */
export function runWasmKernel(
  backend: Backend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`medtransfer wasm gradients: the wasm backend has no '${kernelName}' kernel`);
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  return Array.isArray(out) ? out[0] : out;
}

/** A float32 view of a tensor's memory on the wasm heap. Views die when the heap grows: take them after allocating. */
export function heapView(backend: Backend, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`medtransfer wasm gradients: expected a float32 tensor, got ${t.dtype}`);
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Allocates an uninitialised float32 tensor on the wasm heap (the caller fills or disposes it). */
export function allocate(backend: Backend, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** Allocates a float32 tensor filled with zeros. */
export function allocateZeros(backend: Backend, shape: number[]): TensorInfo {
  const t = allocate(backend, shape);
  heapView(backend, t).fill(0);
  return t;
}

/** Frees intermediates this kernel allocated (never its inputs or its output). */
export function release(backend: Backend, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

