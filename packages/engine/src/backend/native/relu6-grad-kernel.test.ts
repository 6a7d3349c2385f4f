// The native fused ReLU6 and ReLU gradients against tfjs' gradients on the cpu backend, at the
// kinks (0, 6) and on a tensor large enough to be split over threads; tf.grad of tf.relu runs the
// fused ReLU gradient on the native path.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { RELU6_GRAD_KERNEL, RELU_GRAD_KERNEL, Rng } from '@medtransfer/core';
import { agreeWithCpu, expectClose, gradsOn, randomInput, useNativePath, weightedSum } from '../test-support';

describe('native fused ReLU6 gradient', function () {
  useNativePath();

  for (const shape of [[2, 5], [64, 33, 40]]) {
    it(`dx = dy where 0 < x ≤ 6: [${shape.join(', ')}]`, async () => {
      const rng = new Rng(shape.length);
      const x = randomInput(rng, shape);
      for (let i = 0; i < x.values.length; i++) x.values[i] = x.values[i] * 8 - 1; // −9 … 7
      x.values.set([0, 6, -0, 6.000001, 5.999999].slice(0, x.values.length));
      const dy = randomInput(rng, shape);
      // tfjs' relu6 gradient on the reference backend: d(Σ dy·relu6(x))/dx
      const [ref] = await gradsOn('cpu', (xs: tf.Tensor) => tf.sum(tf.mul(tf.relu6(xs), tf.tensor(dy.values, dy.shape))) as tf.Scalar, [x]);
      const before = tf.memory().numTensors;
      const ours = tf.tidy(() => {
        const out = tf.engine().runKernel(RELU6_GRAD_KERNEL, { dy: tf.tensor(dy.values, dy.shape), x: tf.tensor(x.values, x.shape) }) as tf.Tensor;
        return out.dataSync() as Float32Array;
      });
      expect(tf.memory().numTensors).to.equal(before);
      expectClose(ours, ref, 'dx', 0, 0);
      expect(ours[0]).to.equal(0); // x = 0
      expect(ours[1]).to.equal(dy.values[1]); // x = 6
    });
  }

  for (const shape of [[3, 7], [64, 33, 40]]) {
    it(`ReLU: dx = dy where x > 0, the kernel and tf.grad of tf.relu as on cpu: [${shape.join(', ')}]`, async () => {
      const rng = new Rng(10 + shape.length);
      const x = randomInput(rng, shape);
      x.values.set([0, -0, 1e-30, -1e-30, Infinity]);
      const dy = randomInput(rng, shape);
      const [ref] = await gradsOn('cpu', (xs: tf.Tensor) => tf.sum(tf.mul(tf.relu(xs), tf.tensor(dy.values, dy.shape))) as tf.Scalar, [x]);
      const ours = tf.tidy(() => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: tf.tensor(dy.values, dy.shape), x: tf.tensor(x.values, x.shape) }) as tf.Tensor).dataSync() as Float32Array;
      expectClose(ours, ref, 'dx', 0, 0);
      expect(Array.from(ours.subarray(0, 5))).to.deep.equal([0, 0, dy.values[2], 0, dy.values[4]]);
      await agreeWithCpu('relu in a loss', (xs) => weightedSum(tf.relu(tf.mul(xs, 2)), new Rng(3)), [randomInput(rng, shape)]);
    });
  }

  it('tf.grad of tf.relu runs the fused kernel (no Step, Cast, Multiply) on the native path', async () => {
    const x = tf.randomNormal([4, 8, 8, 3]);
    const { kernelNames } = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.relu(v))(x));
    x.dispose();
    expect(kernelNames).to.include(RELU_GRAD_KERNEL);
    expect(kernelNames).to.not.include('Step');
  });
});
