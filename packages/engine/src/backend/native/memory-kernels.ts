// Kernels that only move memory, replaced on the native path because the wasm backend's versions
// copied or looped element by element: Identity (tfjs clones every tensor it saves for a gradient
// — 535 copies per MobileNet v1 training step at 224 px, 35 ms of ~360) and Slice (the gradient of
// the zero padding before each stride-2 depthwise convolution: 38 ms in 4 calls on that step).
import * as tf from '@tensorflow/tfjs';
import type { NativeBody } from './kernel-support';
import { size } from './kernel-support';

/**
 * Identity shares its input's memory under a reference count, as the wasm backend's Reshape
 * does, instead of copying it; no kernel on this backend writes into an input, so the two
 * tensors cannot diverge. Strings keep the wasm kernel.
 */
export const identity: NativeBody = (_native, { inputs, backend }) => {
  const { x } = inputs;
  if (!x || x.dtype === 'string') return null;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

/**
 * Slice of a float32 or int32 tensor as copies of contiguous runs (the trailing axes taken whole,
 * times the first partial one) from the input's heap memory into the output's.
 */
export const slice: NativeBody = (_native, { inputs, backend, attrs }) => {
  const { x } = inputs;
  if (!x || (x.dtype !== 'float32' && x.dtype !== 'int32')) return null;
  const [begin, sizes] = tf.slice_util.parseSliceParams(x, attrs.begin as number | number[], attrs.size as number | number[] | undefined);
  const rank = x.shape.length;
  const total = size(sizes);
  if (rank === 0 || total === 0) return null;
  // the run: the last axis and every earlier one taken whole, plus the first axis (from the end) that is not
  let inner = rank - 1;
  while (inner > 0 && sizes[inner] === x.shape[inner]) inner--;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1] * x.shape[a + 1];
  const run = sizes[inner] * strides[inner];
  const out = backend.makeOutput(sizes, x.dtype);
  const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  // walk the outer indices (axes before `inner`) like an odometer
  const idx = new Array<number>(inner).fill(0);
  let base = 0;
  for (let a = 0; a <= inner; a++) base += begin[a] * strides[a];
  for (let o = 0; o < total; o += run) {
    let from = base;
    for (let a = 0; a < inner; a++) from += idx[a] * strides[a];
    dst.set(src.subarray(from, from + run), o);
    for (let a = inner - 1; a >= 0; a--) {
      if (++idx[a] < sizes[a]) break;
      idx[a] = 0;
    }
  }
  return out;
};
