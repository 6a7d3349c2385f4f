// Conv2DBackpropFilter for the wasm backend (the stock backend has none): a transposed im2col
// in JS, then the backend's own BatchMatMul (XNNPACK) does the multiply, dW = colᵀ · dy.
import * as tf from '@tensorflow/tfjs';
import { convGeometry, type FilterAttrs } from './conv-geometry';
import { batchChunks, im2colTransposed } from './im2col';
import { allocate, type Backend, heapView, release, runWasmKernel, type TensorInfo } from './wasm-heap';

/** Largest patch matrix built at once (floats, 128 MB); bigger batches are processed in chunks. */
const DEFAULT_MAX_PATCH_FLOATS = 32 * 1024 * 1024;
let maxPatchFloats = DEFAULT_MAX_PATCH_FLOATS;

/** Current patch-matrix cap in floats (shared by both conv gradient kernels). */
export function getMaxPatchFloats(): number {
  return maxPatchFloats;
}

/** Test hook: lowers the cap so small tests exercise the chunked path; no argument restores it. */
export function setMaxPatchFloats(n: number = DEFAULT_MAX_PATCH_FLOATS): void {
  maxPatchFloats = n;
}

function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as FilterAttrs;
  const g = convGeometry('Conv2DBackpropFilter', x.shape, attrs.filterShape, attrs, false);
  const K = g.kH * g.kW * g.inC;
  const pixelsPerImage = g.outH * g.outW;
  const chunks = batchChunks(g.batch, Math.max(K * pixelsPerImage, g.inH * g.inW * g.inC), maxPatchFloats);

  let result: TensorInfo | null = null;
  for (const [b0, nb] of chunks) {
    const M = nb * pixelsPerImage;
    const col = allocate(backend, [K, M]);
    // dy rows for these images: the whole tensor when there is one chunk, else a copy of the slice.
    const dyChunk = chunks.length === 1 ? null : allocate(backend, [M, g.outC]);
    im2colTransposed(heapView(backend, x), g, b0, nb, heapView(backend, col));
    if (dyChunk) {
      const start = b0 * pixelsPerImage * g.outC;
      heapView(backend, dyChunk).set(heapView(backend, dy).subarray(start, start + M * g.outC));
    }
    const b: TensorInfo = dyChunk ?? { dataId: dy.dataId, shape: [M, g.outC], dtype: 'float32' };
    const part = runWasmKernel(backend, 'BatchMatMul', { a: col, b }, { transposeA: false, transposeB: false });
    release(backend, col);
    if (dyChunk) release(backend, dyChunk);
    if (result === null) {
      result = part;
    } else {
      const acc = heapView(backend, result);
      const add = heapView(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += add[i];
      release(backend, part);
    }
  }
  // BatchMatMul wrote [K, outC], which is the filter layout [kH, kW, inC, outC] already.
  return { dataId: (result as TensorInfo).dataId, shape: [...attrs.filterShape], dtype: 'float32' };
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as tf.KernelFunc,
};
