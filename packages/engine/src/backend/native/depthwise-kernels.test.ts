// The native depthwise kernels (forward, fused bias + activation, both gradients) against the
// reference cpu backend: odd shapes, strides 1/2, same/valid/explicit padding, dilation, multipliers 1–3.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { agreeWithCpu as agree, expectClose, gradsOn, onBackend, randomInput, type ArrayInput, useNativePath, weightedSum as weighted } from '../test-support';

type Loss = (...xs: tf.Tensor[]) => tf.Scalar;

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

interface Case { n: number; h: number; w: number; c: number; mult: number; k: [number, number]; stride: number; pad: Pad; dilation?: number }

const cases: Case[] = [
  { n: 2, h: 9, w: 11, c: 5, mult: 1, k: [3, 3], stride: 1, pad: 'same' },
  { n: 3, h: 10, w: 7, c: 37, mult: 1, k: [3, 3], stride: 2, pad: 'same' },
  { n: 2, h: 13, w: 12, c: 19, mult: 1, k: [3, 3], stride: 2, pad: 'valid' },
  { n: 2, h: 8, w: 9, c: 64, mult: 1, k: [5, 2], stride: 1, pad: 'valid' },
  { n: 1, h: 7, w: 7, c: 3, mult: 2, k: [3, 3], stride: 1, pad: 'same' },
  { n: 2, h: 9, w: 8, c: 6, mult: 3, k: [3, 4], stride: 2, pad: 'valid' },
  { n: 2, h: 11, w: 9, c: 17, mult: 1, k: [3, 3], stride: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  // MobileNet's stride-2 blocks: bottom/right zero padding then 'valid'
  { n: 2, h: 8, w: 8, c: 32, mult: 1, k: [3, 3], stride: 2, pad: [[0, 0], [0, 1], [0, 1], [0, 0]] },
  { n: 3, h: 1, w: 1, c: 20, mult: 1, k: [3, 3], stride: 1, pad: 'same' },
  { n: 2, h: 9, w: 9, c: 7, mult: 1, k: [3, 3], stride: 1, pad: 'same', dilation: 2 },
  { n: 2, h: 10, w: 9, c: 4, mult: 2, k: [2, 3], stride: 1, pad: 'valid', dilation: 3 },
];

function caseName(c: Case): string {
  return `${c.n}×${c.h}×${c.w}×${c.c} ×${c.mult}, kernel ${c.k.join('×')}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}${c.dilation ? `, dilation ${c.dilation}` : ''}`;
}

/** The gradient kernels called directly (tfjs' depthwise gradient refuses dilation > 1). */
function backprop(c: Case, x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor): [Float32Array, Float32Array] {
  const attrs = { strides: c.stride, pad: c.pad, dilations: c.dilation ?? 1 };
  const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const out: [Float32Array, Float32Array] = [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  dx.dispose();
  dw.dispose();
  return out;
}

describe('native depthwise kernels against the cpu backend', function () {
  useNativePath();

  for (const c of cases) {
    it(`depthwise ${caseName(c)}`, async () => {
      const rng = new Rng(21);
      const x = randomInput(rng, [c.n, c.h, c.w, c.c]);
      const w = randomInput(rng, [...c.k, c.c, c.mult]);
      const f: Loss = (xt, wt) =>
        weighted(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1), new Rng(5));
      await agree(caseName(c), f, [x, w], 1e-4, !c.dilation);
      if (!c.dilation) return;
      // Dilated gradients: the kernels directly (tfjs' gradient refuses dilation, the wasm fallback
      // too, so this is native) against cpu gradients of the same convolution with the filter
      // spread out with zeros and dilation 1 (cpu's own dilated gradient kernels ignore dilation).
      const ours = await onBackend('wasm', () =>
        tf.tidy(() => {
          const xt = tf.tensor(x.values, x.shape), wt = tf.tensor(w.values, w.shape);
          const y = tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
          const r = randomInput(new Rng(6), y.shape);
          return backprop(c, xt, wt, tf.tensor(r.values, r.shape));
        }),
      );
      const d = c.dilation;
      const [kh, kw] = [(c.k[0] - 1) * d + 1, (c.k[1] - 1) * d + 1];
      const spread: ArrayInput = { values: new Float32Array(kh * kw * c.c * c.mult), shape: [kh, kw, c.c, c.mult] };
      const tapSize = c.c * c.mult;
      const dense = (ky: number, kx: number) => ((ky * d) * kw + kx * d) * tapSize;
      for (let ky = 0; ky < c.k[0]; ky++)
        for (let kx = 0; kx < c.k[1]; kx++) spread.values.set(w.values.subarray((ky * c.k[1] + kx) * tapSize, (ky * c.k[1] + kx + 1) * tapSize), dense(ky, kx));
      const g: Loss = (xt, wt) => weighted(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad, 'NHWC', 1), new Rng(6));
      const [refDx, refSpreadDw] = await gradsOn('cpu', g, [x, spread]);
      const refDw = new Float32Array(w.values.length);
      for (let ky = 0; ky < c.k[0]; ky++)
        for (let kx = 0; kx < c.k[1]; kx++) refDw.set(refSpreadDw.subarray(dense(ky, kx), dense(ky, kx) + tapSize), (ky * c.k[1] + kx) * tapSize);
      expectClose(ours[0], refDx, `${caseName(c)}: dilated input gradient`, 1e-4, 1e-4);
      expectClose(ours[1], refDw, `${caseName(c)}: dilated filter gradient`, 1e-4, 1e-4);
    });
  }

  for (const activation of ['relu6', 'relu', 'linear', 'leakyrelu'] as const) {
    it(`fused depthwise with bias and ${activation} (leakyrelu runs the wasm kernel)`, async () => {
      const rng = new Rng(22);
      const x = randomInput(rng, [2, 9, 8, 12]);
      x.values.forEach((v, i) => (x.values[i] = v * 8)); // reach relu6's upper clip
      const inputs = [x, randomInput(rng, [3, 3, 12, 1]), randomInput(rng, [12])];
      const f: Loss = (xt, w, b) =>
        weighted(tf.fused.depthwiseConv2d({ x: xt as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation, leakyreluAlpha: 0.2 }), new Rng(6));
      await agree(`fused ${activation}`, f, inputs);
    });
  }

  it('filter gradient is the same on repeated calls (fixed-order partial sums)', async () => {
    await onBackend('wasm', () => {
      const rng = new Rng(23);
      const c: Case = { n: 8, h: 32, w: 32, c: 48, mult: 1, k: [3, 3], stride: 1, pad: 'same' };
      const x = tf.tensor(randomInput(rng, [c.n, c.h, c.w, c.c]).values, [c.n, c.h, c.w, c.c]);
      const w = tf.tensor(randomInput(rng, [3, 3, c.c, 1]).values, [3, 3, c.c, 1]);
      const dy = tf.tensor(randomInput(rng, [c.n, c.h, c.w, c.c]).values, [c.n, c.h, c.w, c.c]);
      const first = backprop(c, x, w, dy);
      for (let i = 0; i < 3; i++) {
        const again = backprop(c, x, w, dy);
        expect(Array.from(again[1])).to.deep.equal(Array.from(first[1]));
        expect(Array.from(again[0])).to.deep.equal(Array.from(first[0]));
      }
      tf.dispose([x, w, dy]);
    });
  });
});
