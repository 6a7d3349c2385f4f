// Faster replacements for two stock wasm kernels that training leans on: MaxPoolGrad (every
// max-pool backward) and Tile (batch-norm backward tiles a per-channel vector over the batch);
// the stock ones took ~15 % of a CBR-Small training step between them.
import * as tf from '@tensorflow/tfjs';
import { allocateZeros, type Backend, heapView, type TensorInfo } from './wasm-heap';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dx gets each dy at the first maximum of its window (row-major), as the cpu backend does. */
function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const a = args.attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sH, strideWidth: sW, filterHeight: fH, filterWidth: fW } = info;
  const { top, left } = info.padInfo;
  const out = allocateZeros(backend, [...input.shape]);
  const dx = heapView(backend, out);
  const x = heapView(backend, input);
  const g = heapView(backend, dy);
  const best = new Float32Array(C);
  const pos = new Int32Array(C);
  for (let b = 0, o = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sH - top);
      const h1 = Math.min(H, oh * sH - top + fH);
      for (let ow = 0; ow < OW; ow++, o += C) {
        const w0 = Math.max(0, ow * sW - left);
        const w1 = Math.min(W, ow * sW - left + fW);
        best.fill(-Infinity);
        pos.fill(-1);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const base = ((b * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                pos[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) if (pos[c] >= 0) dx[pos[c]] += g[o + c];
      }
    }
  }
  return out;
}

/** Tile by block copies: each axis, innermost first, repeats the block already written. */
function tile(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { x } = args.inputs as { x: TensorInfo };
  const reps = (args.attrs as unknown as { reps: number[] }).reps;
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    // The stock wasm Tile has no string or complex support either.
    throw new Error(`medtransfer wasm Tile: dtype ${x.dtype} is not supported on wasm; tile it on the 'cpu' backend`);
  }
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  if (dst.length === 0) return out;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  // outStride[i]: elements per step along axis i of the output.
  const outStride = new Array<number>(rank).fill(1);
  const inStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) {
    outStride[i] = outStride[i + 1] * outShape[i + 1];
    inStride[i] = inStride[i + 1] * x.shape[i + 1];
  }
  const fill = (axis: number, inOff: number, outOff: number): void => {
    const n = x.shape[axis];
    if (axis === rank - 1) {
      for (let j = 0; j < n; j++) dst[outOff + j] = src[inOff + j];
    } else {
      for (let j = 0; j < n; j++) fill(axis + 1, inOff + j * inStride[axis], outOff + j * outStride[axis]);
    }
    const block = n * outStride[axis];
    for (let r = 1; r < reps[axis]; r++) dst.copyWithin(outOff + r * block, outOff, outOff + block);
  };
  fill(0, 0, 0);
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as tf.KernelFunc,
};

