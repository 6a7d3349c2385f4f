// The wasm conv gradient kernels (Conv2DBackpropFilter, Conv2DBackpropInput) against the cpu
// backend's gradients of the same convolution, over strides, paddings, kernel sizes and shapes.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { setMaxPatchFloats } from './wasm-gradients/conv2d-backprop-filter';
import { inputGradientPath } from './wasm-gradients/conv2d-backprop-input';
import { convGeometry } from './wasm-gradients/conv-geometry';
import { activeBackend, ensureWasm, expectClose, gradsOn, onBackend, randomInput } from './test-support';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  batch: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number | [number, number];
  stride: number | [number, number];
  pad: Pad;
}

function caseName(c: Case): string {
  return `${c.batch}×${c.h}×${c.w}×${c.ci} → ${c.co}, kernel ${c.k}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}`;
}

const cases: Case[] = [];
// Odd spatial size, batch > 1, channels not multiples of 4.
for (const k of [1, 2, 3, 4, 5, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) cases.push({ batch: 3, h: 13, w: 11, ci: 5, co: 6, k, stride, pad });
  }
}
cases.push(
  { batch: 2, h: 9, w: 10, ci: 3, co: 7, k: 3, stride: 1, pad: 1 },
  { batch: 2, h: 9, w: 10, ci: 3, co: 7, k: 3, stride: 2, pad: 1 },
  { batch: 2, h: 9, w: 10, ci: 3, co: 7, k: 3, stride: 1, pad: 4 }, // pads wider than the kernel
  { batch: 2, h: 9, w: 12, ci: 2, co: 3, k: [3, 2], stride: [2, 1], pad: 'same' },
  { batch: 2, h: 11, w: 9, ci: 3, co: 5, k: 3, stride: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { batch: 2, h: 11, w: 9, ci: 3, co: 5, k: 4, stride: 2, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
  { batch: 1, h: 1, w: 1, ci: 3, co: 2, k: 3, stride: 1, pad: 'same' },
  { batch: 4, h: 7, w: 7, ci: 33, co: 17, k: 7, stride: 1, pad: 'same' },
  // Deep-layer shapes (few output pixels, big patches): dx through W · dyᵀ.
  { batch: 2, h: 4, w: 4, ci: 20, co: 24, k: 7, stride: 1, pad: 'same' },
  { batch: 2, h: 5, w: 5, ci: 8, co: 6, k: 5, stride: 2, pad: 'same' },
);

function geometry(c: Case) {
  const [kh, kw] = typeof c.k === 'number' ? [c.k, c.k] : c.k;
  return convGeometry('test', [c.batch, c.h, c.w, c.ci], [kh, kw, c.ci, c.co], { strides: c.stride, pad: c.pad }, false);
}

function convLoss(c: Case, upstream: tf.Tensor) {
  // Weighting by a random upstream gradient makes every output position matter differently.
  return (x: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad), upstream)) as tf.Scalar;
}

async function compare(c: Case, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const [kh, kw] = typeof c.k === 'number' ? [c.k, c.k] : c.k;
  const x = randomInput(rng, [c.batch, c.h, c.w, c.ci]);
  const w = randomInput(rng, [kh, kw, c.ci, c.co]);
  const outShape = await onBackend('cpu', () =>
    tf.tidy(() => tf.conv2d(tf.tensor4d(x.values, x.shape as never), tf.tensor4d(w.values, w.shape as never), c.stride, c.pad).shape),
  );
  const up = randomInput(rng, outShape);
  const grads = (backend: string) =>
    gradsOn(backend, (xt, wt) => tf.tidy(() => convLoss(c, tf.tensor(up.values, up.shape))(xt, wt)), [x, w]);
  const [dxCpu, dwCpu] = await grads('cpu');
  const [dxWasm, dwWasm] = await grads('wasm');
  expectClose(dwWasm, dwCpu, `filter gradient (${caseName(c)})`);
  expectClose(dxWasm, dxCpu, `input gradient (${caseName(c)})`);
}

describe('wasm conv2d gradient kernels', function () {
  before(async () => {
    await ensureWasm();
  });

  cases.forEach((c, i) => {
    it(`match the cpu backend: ${caseName(c)}`, async () => {
      await compare(c, 100 + i);
    });
  });

  it('cover every input-gradient path', () => {
    const paths = new Set(cases.map((c) => inputGradientPath(geometry(c))));
    expect([...paths].sort()).to.deep.equal(['flipped-conv', 'pack-dy', 'pack-filter']);
  });

  it('match the cpu backend when the batch is split into chunks', async () => {
    setMaxPatchFloats(500); // a 5×5×3 patch matrix of one 9×8 image is 5400 floats: one image per chunk
    try {
      await compare({ batch: 3, h: 9, w: 8, ci: 3, co: 4, k: 5, stride: 1, pad: 'same' }, 7);
      await compare({ batch: 3, h: 9, w: 8, ci: 3, co: 4, k: 3, stride: 2, pad: 'same' }, 8);
      await compare({ batch: 3, h: 4, w: 4, ci: 20, co: 24, k: 7, stride: 1, pad: 'same' }, 9);
    } finally {
      setMaxPatchFloats();
    }
  });

  it('restores the backend that was active', async () => {
    const before = activeBackend();
    await compare(cases[0], 1);
    expect(tf.getBackend()).to.equal(before);
  });

  it('reject NCHW with a message naming the supported layout', async () => {
    await onBackend('wasm', () => {
      const x = tf.zeros([1, 4, 4, 2]);
      const dy = tf.zeros([1, 4, 4, 3]);
      try {
        expect(() =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
            strides: 1,
            pad: 'same',
            dataFormat: 'NCHW',
            filterShape: [3, 3, 2, 3],
          } as never),
        ).to.throw(/NCHW.*only 'NHWC'/);
      } finally {
        tf.dispose([x, dy]);
      }
    });
  });
});
