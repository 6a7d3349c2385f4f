// End to end: a few Adam steps of a small conv + batch norm + ReLU + max-pool + dense net give the
// same losses on the native path as on plain wasm, and the native path is really the one running.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { nativeTestSkipReason } from '@medtransfer/native';
import { activeBackend } from '../test-support';
import { selectBackend } from '../select';
import { nativeKernelsEnabled } from '.';

function losses(steps: number): number[] {
  return tf.tidy(() => {
    const layers: tf.layers.Layer[] = [];
    [8, 16].forEach((filters, i) => {
      layers.push(
        tf.layers.conv2d({
          ...(i === 0 ? { inputShape: [12, 12, 3] } : {}),
          filters, kernelSize: 5, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 + i }),
        }),
        tf.layers.batchNormalization(),
        tf.layers.reLU(),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      );
    });
    layers.push(tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }));
    const model = tf.sequential({ layers });
    const opt = tf.train.adam(1e-2);
    const x = tf.randomUniform([6, 12, 12, 3], -1, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      out.push(loss.dataSync()[0]);
    }
    model.dispose();
    opt.dispose();
    return out;
  });
}

describe('native path: training steps', function () {
  let saved: string;
  before(function () {
    const skip = nativeTestSkipReason();
    if (skip) {
      console.log(`      (skipped: native kernels unavailable: ${skip})`);
      this.skip();
    }
    saved = activeBackend();
  });
  after(async () => {
    if (saved) await selectBackend(saved as 'wasm');
  });

  it('match plain wasm step by step, and leak nothing', async () => {
    await selectBackend('wasm');
    expect(nativeKernelsEnabled()).to.equal(false);
    const wasm = losses(4);
    await selectBackend('native');
    expect(nativeKernelsEnabled()).to.equal(true);
    const before = tf.memory().numTensors;
    const native = losses(4);
    expect(tf.memory().numTensors).to.equal(before);
    expect(native[3]).to.be.lessThan(native[0]);
    native.forEach((l, i) => expect(l, `step ${i}`).to.be.closeTo(wasm[i], 1e-3 * (1 + Math.abs(wasm[i]))));
  });
});
