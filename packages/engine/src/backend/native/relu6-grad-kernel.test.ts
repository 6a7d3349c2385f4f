// The native fused ReLU6 gradient against tfjs' relu6 gradient on the cpu backend, at the kinks
// (0, 6) and on a tensor large enough to be split over threads.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { RELU6_GRAD_KERNEL, Rng } from '@medtransfer/core';
import { expectClose, gradsOn, randomInput, useNativePath } from '../test-support';

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
});
