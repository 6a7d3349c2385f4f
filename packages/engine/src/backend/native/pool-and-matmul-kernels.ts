// Native MaxPool, MaxPoolGrad, BatchMatMul and _FusedMatMul (bias + linear/relu).
import * as tf from '@tensorflow/tfjs';
import { allocate, geometry, isFloat32, NativeBody, size, view } from './kernel-support';

type Pair = number | [number, number];

function poolInfo(xShape: number[], attrs: tf.NamedAttrMap) {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as Pair,
    attrs.strides as Pair,
    1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

export const maxPool: NativeBody = (native, { inputs, backend, attrs }) => {
  const { x } = inputs;
  if (!isFloat32(x) || x.shape.length !== 4) return null;
  const info = poolInfo(x.shape, attrs);
  const out = allocate(backend, info.outShape);
  native.maxPool(geometry(info), view(backend, x)!, view(backend, out)!);
  return out;
};

export const maxPoolGrad: NativeBody = (native, { inputs, backend, attrs }) => {
  const { dy, input, output } = inputs;
  if (!output || !isFloat32(dy, input, output) || input.shape.length !== 4) return null;
  const info = poolInfo(input.shape, attrs);
  const out = allocate(backend, input.shape);
  native.maxPoolGrad(geometry(info), view(backend, input)!, view(backend, output)!, view(backend, dy)!, view(backend, out)!);
  return out;
};

export const batchMatMul: NativeBody = (native, { inputs, backend, attrs }) => {
  const { a, b, bias, preluActivationWeights } = inputs;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  if (preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) return null;
  if (!isFloat32(a, b, bias) || a.shape.length < 2 || b.shape.length < 2) return null;
  const ta = Boolean(attrs.transposeA), tb = Boolean(attrs.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  if ((tb ? b.shape[rb - 1] : b.shape[rb - 2]) !== k) return null;
  const batchShapeA = a.shape.slice(0, -2), batchShapeB = b.shape.slice(0, -2);
  const batchA = size(batchShapeA), batchB = size(batchShapeB);
  // Same batch shape, or one side a single matrix broadcast to the other; else the wasm kernel.
  let outBatch: number[];
  if (batchShapeA.join() === batchShapeB.join()) outBatch = batchShapeA;
  else if (batchA === 1 && batchShapeA.length <= batchShapeB.length) outBatch = batchShapeB;
  else if (batchB === 1 && batchShapeB.length <= batchShapeA.length) outBatch = batchShapeA;
  else return null;
  const biasSize = bias ? size(bias.shape) : 0;
  if (bias && biasSize !== n && biasSize !== 1) return null;
  const out = allocate(backend, [...outBatch, m, n]);
  const c = view(backend, out)!;
  const batch = Math.max(batchA, batchB);
  native.matMul(view(backend, a)!, view(backend, b)!, c, batch, m, n, k, ta ? 1 : 0, tb ? 1 : 0, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
  if (bias || activation === 'relu') {
    const bv = view(backend, bias);
    for (let i = 0; i < c.length; i++) {
      const v = c[i] + (bv ? bv[biasSize === 1 ? 0 : i % n] : 0);
      c[i] = activation === 'relu' && v < 0 ? 0 : v;
    }
  }
  return out;
};
