// The native kernels (wasm backend with @medtransfer/native replacements) against the reference
// cpu backend: values and gradients of convolutions, fused convolutions, max-pool and matmul over
// odd shapes, strides 1/2, same/valid/explicit padding, even/odd kernels, dilation, batch > 1; the
// memory kernels (slice, identity).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { agreeWithCpu as agree, onBackend, randomInput, useNativePath, weightedSum as weighted } from '../test-support';

type Loss = (...xs: tf.Tensor[]) => tf.Scalar;
import { nativeKernelsEnabled } from '.';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface ConvCase { n: number; h: number; w: number; ci: number; co: number; k: [number, number]; stride: number; pad: Pad; dilation?: number }

const convCases: ConvCase[] = [
  { n: 2, h: 9, w: 11, ci: 5, co: 7, k: [3, 3], stride: 1, pad: 'same' },
  { n: 3, h: 10, w: 7, ci: 3, co: 17, k: [4, 4], stride: 2, pad: 'same' },
  { n: 2, h: 13, w: 12, ci: 6, co: 33, k: [5, 2], stride: 2, pad: 'valid' },
  { n: 1, h: 8, w: 8, ci: 16, co: 40, k: [1, 1], stride: 1, pad: 'valid' },
  { n: 2, h: 7, w: 9, ci: 20, co: 35, k: [2, 2], stride: 1, pad: 'valid' },
  { n: 2, h: 9, w: 9, ci: 4, co: 6, k: [3, 3], stride: 1, pad: 'same', dilation: 2 },
  { n: 2, h: 11, w: 9, ci: 3, co: 5, k: [3, 3], stride: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { n: 2, h: 11, w: 9, ci: 17, co: 5, k: [3, 4], stride: 1, pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  { n: 2, h: 6, w: 5, ci: 16, co: 9, k: [3, 3], stride: 1, pad: [[0, 0], [4, 0], [0, 5], [0, 0]] },
  { n: 2, h: 9, w: 9, ci: 32, co: 40, k: [7, 7], stride: 1, pad: 'same' },
  { n: 2, h: 10, w: 9, ci: 18, co: 20, k: [3, 3], stride: 2, pad: 'same' },
  { n: 4, h: 16, w: 16, ci: 3, co: 32, k: [7, 7], stride: 1, pad: 'same' },
  { n: 2, h: 4, w: 4, ci: 37, co: 50, k: [7, 7], stride: 1, pad: 'same' },
  // windows whose outer taps only ever see padding (cropped before the product)
  { n: 3, h: 1, w: 1, ci: 20, co: 24, k: [3, 3], stride: 1, pad: 'same' },
  { n: 2, h: 2, w: 2, ci: 18, co: 33, k: [3, 3], stride: 2, pad: 'same' },
  { n: 2, h: 2, w: 3, ci: 5, co: 7, k: [7, 7], stride: 1, pad: 'same' },
  { n: 2, h: 3, w: 2, ci: 17, co: 9, k: [5, 3], stride: 1, pad: [[0, 0], [4, 0], [0, 5], [0, 0]] },
  { n: 2, h: 2, w: 2, ci: 4, co: 6, k: [3, 3], stride: 1, pad: 'same', dilation: 2 },
];

function convName(c: ConvCase): string {
  return `${c.n}×${c.h}×${c.w}×${c.ci} → ${c.co}, kernel ${c.k.join('×')}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}${c.dilation ? `, dilation ${c.dilation}` : ''}`;
}

describe('native kernels against the cpu backend', function () {
  useNativePath();

  it('are installed and enabled on the wasm backend', () => {
    expect(nativeKernelsEnabled()).to.equal(true);
  });

  for (const c of convCases) {
    it(`conv2d: ${convName(c)}`, async () => {
      const rng = new Rng(11);
      const x = randomInput(rng, [c.n, c.h, c.w, c.ci]);
      const w = randomInput(rng, [...c.k, c.ci, c.co]);
      const f: Loss = (xt, wt) =>
        weighted(tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1), new Rng(5));
      // tfjs has no conv2d gradient for dilation > 1: values only there.
      await agree(convName(c), f, [x, w], 1e-4, !c.dilation);
    });
  }

  for (const activation of ['relu', 'linear', 'leakyrelu'] as const) {
    it(`fused conv2d with bias and ${activation} (leakyrelu runs the wasm kernel)`, async () => {
      const rng = new Rng(12);
      const inputs = [randomInput(rng, [3, 9, 8, 6]), randomInput(rng, [3, 3, 6, 19]), randomInput(rng, [19])];
      const f: Loss = (x, w, b) =>
        weighted(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation, leakyreluAlpha: 0.2 }), new Rng(6));
      await agree(`fused ${activation}`, f, inputs);
    });
  }

  for (const [size, stride, pad, shape] of [
    [3, 2, 'same', [2, 9, 11, 5]],
    [2, 2, 'valid', [3, 8, 7, 19]],
    [3, 1, 'same', [2, 7, 7, 33]],
  ] as const) {
    it(`maxPool ${size}×${size} stride ${stride} ${pad} on ${shape.join('×')}`, async () => {
      const rng = new Rng(13);
      const f: Loss = (x) => weighted(tf.maxPool(x as tf.Tensor4D, size, stride, pad), new Rng(7));
      await agree('maxPool', f, [randomInput(rng, [...shape])]);
    });
  }

  it('maxPool gradient with ties goes to the first maximum of each window, as on cpu', async () => {
    const x = randomInput(new Rng(17), [2, 9, 8, 21]);
    x.values.forEach((v, i) => (x.values[i] = Math.round(v * 2) / 2)); // five distinct values: many ties
    const f: Loss = (t) => weighted(tf.maxPool(t as tf.Tensor4D, 3, 2, 'same'), new Rng(7));
    await agree('maxPool ties', f, [x]);
  });

  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`matMul transposeA=${ta} transposeB=${tb}, plain and batched`, async () => {
      const rng = new Rng(14);
      const a = randomInput(rng, ta ? [37, 21] : [21, 37]);
      const b = randomInput(rng, tb ? [45, 37] : [37, 45]);
      await agree('matMul', (x, y) => weighted(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb), new Rng(8)), [a, b]);
      const ba = randomInput(rng, ta ? [3, 9, 5] : [3, 5, 9]);
      const bb = randomInput(rng, tb ? [3, 7, 9] : [3, 9, 7]);
      await agree('batched matMul', (x, y) => weighted(tf.matMul(x, y, ta, tb), new Rng(9)), [ba, bb]);
    });
  }

  for (const [axis, keepDims] of [[[0, 1, 2], false], [[0, 1, 2], true], [0, false], [[1, 0], true], [undefined, false], [[-1], false], [[0, 2], false]] as const) {
    it(`sum and mean over axis ${JSON.stringify(axis)}${keepDims ? ', keepDims' : ''} (leading axes run natively)`, async () => {
      const rng = new Rng(16);
      const ax = axis as number | number[] | undefined;
      const f: Loss = (x) => tf.add(weighted(tf.sum(x, ax, keepDims), new Rng(3)), weighted(tf.mean(x, ax, keepDims), new Rng(4))) as tf.Scalar;
      await agree('sum/mean', f, [randomInput(rng, [5, 7, 6, 35])]);
    });
  }

  for (const [sa, sb] of [
    [[4, 5, 6, 35], [4, 5, 6, 35]],
    [[4, 5, 6, 35], [35]],
    [[1, 1, 1, 35], [4, 5, 6, 35]],
    [[4, 5, 6, 35], [1]],
    [[], [300, 301]],
    [[4, 5, 6, 35], [6, 1]], // not a trailing repeat: the wasm kernel
    [[3, 1, 7], [1, 5, 1]], // both broadcast: the wasm kernel
  ]) {
    it(`add, sub, mul, div of ${JSON.stringify(sa)} and ${JSON.stringify(sb)}`, async () => {
      const rng = new Rng(18);
      const a = randomInput(rng, sa), b = randomInput(rng, sb);
      b.values.forEach((v, i) => (b.values[i] = v < 0 ? v - 0.5 : v + 0.5)); // keep divisors away from 0
      const f: Loss = (x, y) =>
        tf.addN([weighted(tf.add(x, y), new Rng(1)), weighted(tf.sub(x, y), new Rng(2)), weighted(tf.mul(x, y), new Rng(3)), weighted(tf.div(x, y), new Rng(4))]) as tf.Scalar;
      await agree('arithmetic', f, [a, b]);
    });
  }

  for (const [shape, begin, sz] of [
    [[8, 13, 13, 5], [0, 0, 0, 0], [8, 12, 12, 5]], // the zero-padding gradient before a stride-2 depthwise conv
    [[3, 7, 6, 4], [1, 2, 1, 1], [2, 4, -1, 2]], // offsets on every axis, size -1
    [[2, 5, 4, 3], [1, 0, 0, 0], [1, 5, 4, 3]], // one whole image: a single run
    [[9, 11], [2, 3], [5, 1]], // runs of one element
    [[17], [4], [9]],
    [[2, 3, 4, 5, 6], [0, 1, 0, 2, 1], [2, 2, 4, 3, 5]], // rank 5
  ] as [number[], number[], number[]][]) {
    it(`slice of ${shape.join('×')} at ${JSON.stringify(begin)} size ${JSON.stringify(sz)}, and its gradient`, async () => {
      const input = randomInput(new Rng(20), shape);
      const values = (backend: string) => onBackend(backend, () => tf.tidy(() => Array.from(tf.slice(tf.tensor(input.values, shape), begin, sz).dataSync())));
      expect(await values('wasm'), 'the same values').to.deep.equal(await values('cpu'));
      const f: Loss = (x) => weighted(tf.slice(x, begin, sz), new Rng(21));
      await agree('slice', f, [input]);
    });
  }

  it('slice of an int32 tensor gives the same integers as on cpu', async () => {
    const run = (backend: string) => onBackend(backend, () => tf.tidy(() => Array.from(tf.slice(tf.range(0, 6 * 7 * 4, 1, 'int32').reshape([6, 7, 4]), [1, 2, 0], [3, 4, 4]).dataSync())));
    expect(await run('wasm')).to.deep.equal(await run('cpu'));
  });

  it('identity shares memory: the clone keeps its values after the original is disposed, and gradients pass through', async () => {
    await onBackend('wasm', () => {
      const before = tf.memory().numTensors;
      const x = tf.tensor([1.5, -2, 3], [3]);
      const y = x.clone();
      expect(Array.from(y.dataSync())).to.deep.equal([1.5, -2, 3]);
      x.dispose();
      expect(Array.from(y.dataSync()), 'after the original is gone').to.deep.equal([1.5, -2, 3]);
      const z = tf.add(y, 1);
      expect(Array.from(z.dataSync())).to.deep.equal([2.5, -1, 4]);
      y.dispose();
      z.dispose();
      expect(tf.memory().numTensors).to.equal(before);
    });
    const f: Loss = (x) => weighted(tf.relu(x.clone()), new Rng(23));
    await agree('clone', f, [randomInput(new Rng(22), [4, 6, 6, 3])]);
  });

  it('dense layer (fused matmul with bias and relu)', async () => {
    const rng = new Rng(15);
    const f: Loss = (x, w, b) =>
      weighted(tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'relu' }), new Rng(10));
    await agree('fused matMul', f, [randomInput(rng, [32, 70]), randomInput(rng, [70, 10]), randomInput(rng, [10])]);
  });

  it('leaks no tensors over repeated training steps', async () => {
    await onBackend('wasm', () => {
      const x = tf.randomUniform([4, 12, 12, 3], -1, 1, 'float32', 1);
      const w = tf.variable(tf.randomUniform([5, 5, 3, 8], -1, 1, 'float32', 2));
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), 3, 2, 'same')) as tf.Scalar);
          w.assign(tf.sub(w, tf.mul(grads[w.name], 1e-3)));
          return value.dataSync()[0];
        });
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step();
      expect(tf.memory().numTensors).to.equal(before);
      x.dispose();
      w.dispose();
    });
  });
});
