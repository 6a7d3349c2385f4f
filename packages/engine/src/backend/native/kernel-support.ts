// Shared plumbing of the native kernels on the wasm backend: float32 views of tensors on the wasm
// heap (the addon reads and writes them in place), geometry arrays, fallback to the wasm kernel.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NativeKernels } from '@medtransfer/native';

export type { BackendWasm };

/** Allocates a float32 output on the wasm heap. Take heap views only after every allocation. */
export function allocate(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** A float32 view of a tensor on the wasm heap, or null when it is not float32. */
export function view(backend: BackendWasm, t: tf.TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** [n,h,w,c, kh,kw, sh,sw, dh,dw, pt,pl, oh,ow,co] as the addon expects. */
export function geometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
    info.outHeight, info.outWidth, info.outChannels,
  ]);
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isFloat32(...ts: Array<tf.TensorInfo | undefined>): boolean {
  return ts.every((t) => !t || t.dtype === 'float32');
}

/** A kernel body: returns null to hand the call to the kernel it replaces. */
export type NativeBody = (
  native: NativeKernels,
  // Optional inputs (bias, prelu weights) are undefined when absent.
  args: { inputs: Record<string, tf.TensorInfo>; backend: BackendWasm; attrs: tf.NamedAttrMap },
) => tf.TensorInfo | null;
