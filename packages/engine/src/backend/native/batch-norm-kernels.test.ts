// The fused batch-norm kernels of the native path against tfjs' composite formulation (moments +
// batchNorm and their gradients) on the reference cpu backend, over shapes below and above the
// size where the kernels split rows over threads, with large means (cancellation) and c = 1.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL, Rng } from '@medtransfer/core';
import { expectClose, onBackend, randomInput, useNativePath } from '../test-support';
import { setNativeKernelsEnabled } from '.';

const EPS = 1e-3;

/** y, mean, variance and the gradients of Σ w·y with respect to x, gamma, beta. */
type Result = Float32Array[];

function composite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, w: tf.Tensor): Result {
  return tf.tidy(() => {
    const axes = [...Array(x.rank - 1).keys()];
    const f = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xs, axes);
      return tf.batchNorm(xs, mean, variance, b, g, EPS);
    };
    const { mean, variance } = tf.moments(x, axes);
    const grads = tf.grads((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(xs, g, b), w)))([x, gamma, beta]);
    return [f(x, gamma, beta), mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function fused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, w: tf.Tensor): Result {
  return tf.tidy(() => {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x, gamma, beta }, { epsilon: EPS }) as tf.Tensor[];
    const grads = tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy: w, x, gamma, mean, variance }, { epsilon: EPS }) as tf.Tensor[];
    return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

describe('native fused batch norm against the composite on cpu', function () {
  useNativePath();

  const cases: Array<{ shape: number[]; offset: number }> = [
    { shape: [3, 5, 4, 7], offset: 0 },
    { shape: [6, 1], offset: 0 },
    { shape: [2, 3, 3, 1], offset: 2 },
    { shape: [32, 14, 14, 37], offset: 0 },
    { shape: [16, 9, 9, 64], offset: 50 },
  ];
  for (const { shape, offset } of cases) {
    it(`values and gradients: [${shape.join(', ')}], mean offset ${offset}`, async () => {
      const rng = new Rng(shape.length * 31 + shape[shape.length - 1]);
      const c = shape[shape.length - 1];
      const xIn = randomInput(rng, shape);
      for (let i = 0; i < xIn.values.length; i++) xIn.values[i] = xIn.values[i] * (1 + (i % c)) + offset;
      const inputs = [xIn, randomInput(rng, [c]), randomInput(rng, [c]), randomInput(rng, shape)];
      const make = () => inputs.map((i) => tf.tensor(i.values, i.shape));
      const ref = await onBackend('cpu', () => {
        const ts = make();
        const r = composite(ts[0], ts[1], ts[2], ts[3]);
        tf.dispose(ts);
        return r;
      });
      const before = tf.memory().numTensors;
      const ts = make();
      const ours = fused(ts[0], ts[1], ts[2], ts[3]);
      tf.dispose(ts);
      expect(tf.memory().numTensors).to.equal(before);
      ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => expectClose(ours[i], ref[i], name, 2e-4, 2e-4));
    });
  }

  it('refuses per-channel vectors that do not match the last dimension, naming the shapes', () => {
    const x = tf.zeros([2, 3, 4]);
    const g = tf.ones([3]);
    expect(() => tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x, gamma: g, beta: g }, { epsilon: EPS })).to.throw(/last dimension \(4\).*\[3\]/);
    tf.dispose([x, g]);
  });

  it('is registered only while the native path is on', () => {
    setNativeKernelsEnabled(false);
    expect(tf.getKernel(BATCH_NORM_TRAIN_KERNEL, 'wasm')).to.equal(undefined);
    setNativeKernelsEnabled(true);
    expect(tf.getKernel(BATCH_NORM_TRAIN_KERNEL, 'wasm')).to.not.equal(undefined);
  });
});
