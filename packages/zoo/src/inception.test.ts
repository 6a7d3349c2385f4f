// Inception-v3: the Keras parameter count, Keras' automatic layer names, groups, the 75-px
// minimum, and batch norm without scale in training mode (a tfjs gap the builder works around).
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { LayerLog, bn } from './layers';
import { createModel, minInputSize } from './model';
import { useCpuBackend } from './test-helpers';

describe('Inception-v3 backbone', () => {
  before(useCpuBackend);

  it('has the Keras InceptionV3 parameter count (23,851,784; 21,802,784 without top) and Keras layer names', () => {
    const m = createModel({ name: 'inception-v3', params: {} }, { inputShape: [299, 299, 3], numClasses: 1000, seed: 1 });
    try {
      // keras.applications.InceptionV3().count_params() and InceptionV3(include_top=False).count_params().
      expect(m.paramCount).to.equal(23_851_784);
      expect(m.paramCount - (2048 * 1000 + 1000)).to.equal(21_802_784);
      const names = m.model.layers.map((l) => l.name);
      // 94 conv2d_bn units named by Keras' counters: conv2d, conv2d_1, …, conv2d_93.
      const convs = names.filter((n) => /^conv2d(_\d+)?$/.test(n));
      expect(convs).to.have.length(94);
      expect(names).to.include.members(['conv2d', 'conv2d_93', 'batch_normalization_93', 'activation_93', 'max_pooling2d_3', 'average_pooling2d_8']);
      expect(names).to.include.members(['mixed0', 'mixed8', 'mixed9_0', 'mixed9_1', 'mixed10', 'concatenate', 'concatenate_1', 'avg_pool', 'predictions']);
      // conv2d_bn: no conv bias, no BN scale.
      expect(m.model.getLayer('conv2d_40').weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['kernel']);
      expect(m.model.getLayer('batch_normalization_40').weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['beta', 'moving_mean', 'moving_variance']);
      // Keras creation order: the 5th unit is mixed0's 1×1 branch (64), the 6th its 5×5 reduction (48).
      expect(m.model.getLayer('conv2d_5').weights[0].shape).to.deep.equal([1, 1, 192, 64]);
      expect(m.model.getLayer('conv2d_6').weights[0].shape).to.deep.equal([1, 1, 192, 48]);
      expect(m.model.getLayer('mixed10').outputShape).to.deep.equal([null, 8, 8, 2048]);
      expect(m.groups.map((g) => g.name)).to.deep.equal(['stem', 'mixed0-2', 'mixed3-7', 'mixed8-10', 'head']);
      expect(m.groups[1].layers[m.groups[1].layers.length - 1]).to.equal('mixed2');
    } finally {
      m.dispose();
    }
  });

  it('needs at least 75 px and says so before building', () => {
    expect(minInputSize({ name: 'inception-v3', params: {} })).to.equal(75);
    const before = tf.memory().numTensors;
    expect(() => createModel({ name: 'inception-v3', params: {} }, { inputShape: [28, 28, 1], numClasses: 2, seed: 1, path: 'sweep.backbone[1]' })).to.throw(
      ConfigError,
      /^sweep\.backbone\[1\]: inception-v3 cannot take a 28×28 input: it needs at least 75×75 pixels.*Set imageSize ≥ 75/,
    );
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('trains batch norm without scale (tfjs would read a missing gamma): normalised outputs, gradients flow', () => {
    const log = new LayerLog();
    const input = tf.input({ shape: [2, 2, 3] });
    const model = tf.model({ inputs: input, outputs: bn(log, input, 'bn', 1e-3, false) });
    try {
      const before = tf.memory().numTensors;
      const { means, gradBeta, gradX } = tf.tidy(() => {
        const x = tf.tensor4d(Array.from({ length: 24 }, (_, i) => (i * 7) % 11), [2, 2, 2, 3]);
        const means = tf.mean(model.apply(x, { training: true }) as tf.Tensor, [0, 1, 2]).arraySync() as number[];
        const beta = model.getLayer('bn').weights[0].read() as tf.Variable;
        // Weighted sum so the gradient w.r.t. the input is not identically zero.
        const w = tf.linspace(-1, 1, 24).reshape([2, 2, 2, 3]);
        const f = (xs: tf.Tensor) => tf.sum(tf.mul(model.apply(xs, { training: true }) as tf.Tensor, w)) as tf.Scalar;
        const { grads } = tf.variableGrads(() => f(x), [beta]);
        return { means, gradBeta: grads[beta.name].arraySync() as number[], gradX: tf.max(tf.abs(tf.grad(f)(x))).dataSync()[0] };
      });
      expect(tf.memory().numTensors).to.equal(before);
      for (const v of means) expect(Math.abs(v)).to.be.lessThan(1e-5);
      expect(gradBeta).to.have.length(3);
      expect(gradX).to.be.greaterThan(0);
      expect(model.weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['beta', 'moving_mean', 'moving_variance']);
    } finally {
      model.dispose();
    }
  });
});
