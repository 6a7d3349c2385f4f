// countParams and countMacs on hand-built models whose numbers are easy to check by hand.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { countMacs, countParams } from './count';
import { useCpuBackend } from './test-helpers';

describe('countParams', () => {
  before(useCpuBackend);

  it('counts all weights like Keras count_params, and the trainable part separately', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'c' });
    let x = conv.apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'd' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    try {
      // conv 3·3·3·4 = 108; BN 4·4 = 16 (8 trainable); dense 4·2 + 2 = 10.
      expect(countParams(model)).to.deep.equal({ total: 134, trainable: 126, nonTrainable: 8 });
      expect(model.countParams()).to.equal(134);
      conv.trainable = false;
      expect(countParams(model)).to.deep.equal({ total: 134, trainable: 18, nonTrainable: 116 });
    } finally {
      model.dispose();
    }
  });

  it('counts multiply-accumulates of convs, depthwise convs and dense layers', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid', name: 'dw' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'd' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    try {
      // conv: 4×4 outputs × 3·3·3·4 = 1728; depthwise: 2×2 outputs × 3·3·4 = 144; dense 4·2 = 8.
      expect(countMacs(model)).to.equal(1728 + 144 + 8);
    } finally {
      model.dispose();
    }
  });
});
