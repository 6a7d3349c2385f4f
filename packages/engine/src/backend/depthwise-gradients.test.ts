// The wasm depthwise conv gradient kernels against the cpu backend's gradients, for channel
// multipliers 1 and 2, strides 1 and 2, 'same', 'valid' and explicit padding.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { ensureWasm, expectClose, gradsOn, onBackend, randomInput } from './test-support';

interface Case {
  batch: number;
  h: number;
  w: number;
  c: number;
  mult: number;
  k: number;
  stride: 1 | 2;
  pad: 'same' | 'valid' | number;
}

const cases: Case[] = [];
for (const mult of [1, 2]) {
  for (const stride of [1, 2] as const) {
    for (const pad of ['same', 'valid'] as const) cases.push({ batch: 2, h: 13, w: 11, c: 3, mult, k: 3, stride, pad });
  }
  cases.push({ batch: 3, h: 9, w: 8, c: 5, mult, k: 5, stride: 1, pad: 'same' });
  cases.push({ batch: 2, h: 9, w: 8, c: 5, mult, k: 4, stride: 2, pad: 'same' });
  cases.push({ batch: 2, h: 9, w: 10, c: 3, mult, k: 3, stride: 2, pad: 1 });
}

function name(c: Case): string {
  return `${c.batch}×${c.h}×${c.w}×${c.c} ×${c.mult}, kernel ${c.k}, stride ${c.stride}, pad ${c.pad}`;
}

describe('wasm depthwise conv2d gradient kernels', function () {
  before(async () => {
    await ensureWasm();
  });

  cases.forEach((c, i) => {
    it(`match the cpu backend: ${name(c)}`, async () => {
      const rng = new Rng(300 + i);
      const x = randomInput(rng, [c.batch, c.h, c.w, c.c]);
      const w = randomInput(rng, [c.k, c.k, c.c, c.mult]);
      const outShape = await onBackend('cpu', () =>
        tf.tidy(() => tf.depthwiseConv2d(tf.zeros([c.batch, c.h, c.w, c.c]) as tf.Tensor4D, tf.zeros([c.k, c.k, c.c, c.mult]) as tf.Tensor4D, c.stride, c.pad).shape as number[]),
      );
      const up = randomInput(rng, outShape);
      const f = (xt: tf.Tensor, wt: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad), tf.tensor(up.values, up.shape))) as tf.Scalar;
      const [dxCpu, dwCpu] = await gradsOn('cpu', f, [x, w]);
      const [dxWasm, dwWasm] = await gradsOn('wasm', f, [x, w]);
      expectClose(dwWasm, dwCpu, `filter gradient (${name(c)})`);
      expectClose(dxWasm, dxCpu, `input gradient (${name(c)})`);
    });
  });

  it('reject dilations other than 1 with a message saying what is supported', async () => {
    await onBackend('wasm', () => {
      const x = tf.zeros([1, 8, 8, 2]);
      const dy = tf.zeros([1, 8, 8, 2]);
      try {
        expect(() =>
          tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, {
            strides: 1,
            dilations: 2,
            pad: 'same',
            filterShape: [3, 3, 2, 1],
          } as never),
        ).to.throw(/dilations \[2, 2\] are not supported; only 1/);
      } finally {
        tf.dispose([x, dy]);
      }
    });
  });
});
