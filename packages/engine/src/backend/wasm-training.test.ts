// End to end on wasm: a small conv net with batch norm, ReLU, max pool, depthwise conv, global
// average pool, softmax and sigmoid cross-entropy has the same gradients as on cpu, and Adam trains it.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { activeBackend, ensureWasm, expectClose, onBackend, randomInput } from './test-support';

function buildNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: 7, kernelSize: 2, strides: 2, padding: 'valid', useBias: false }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4 }),
    ],
  });
}

const batch = 6;
const rng = new Rng(11);
const images = randomInput(rng, [batch, 12, 12, 3]);
const classes = Int32Array.from({ length: batch }, (_, i) => i % 4);
const multiHot = Float32Array.from({ length: batch * 4 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));

function loss(model: tf.LayersModel): tf.Scalar {
  const logits = model.apply(tf.tensor(images.values, images.shape), { training: true }) as tf.Tensor2D;
  const soft = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(classes, 'int32'), 4), logits);
  const sig = tf.losses.sigmoidCrossEntropy(tf.tensor2d(multiHot, [batch, 4]), logits);
  return tf.add(soft, sig) as tf.Scalar;
}

/** Gradients of every trainable weight, as arrays, for a net holding `weights`. */
function weightGrads(weights: Float32Array[]): Float32Array[] {
  const model = buildNet();
  try {
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
    return tf.tidy(() => {
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => loss(model), vars);
      return vars.map((v) => grads[v.name].dataSync() as Float32Array);
    });
  } finally {
    model.dispose();
  }
}

describe('training a conv net on wasm', function () {
  before(async () => {
    await ensureWasm();
  });

  it('gives the same weight gradients as the cpu backend', async () => {
    const weights = await onBackend('cpu', () => {
      const model = buildNet();
      const ws = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
      model.dispose();
      return ws;
    });
    const cpu = await onBackend('cpu', () => weightGrads(weights));
    const wasm = await onBackend('wasm', () => weightGrads(weights));
    expect(wasm.length).to.equal(cpu.length).and.to.be.greaterThan(8);
    // Batch norm divides by small batch variances: allow float32 noise a little above the kernel tests'.
    cpu.forEach((g, i) => expectClose(wasm[i], g, `gradient of weight ${i}`, 1e-3, 1e-5));
  });

  it('trains with Adam without leaking tensors', async () => {
    const before = activeBackend();
    await onBackend('wasm', () => {
      const model = buildNet();
      const optimizer = tf.train.adam(0.01);
      const start = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const l = optimizer.minimize(() => loss(model), true) as tf.Scalar;
        losses.push(l.dataSync()[0]);
        l.dispose();
        if (i === 0) expect(tf.memory().numTensors).to.be.greaterThan(start); // Adam's moments now exist
      }
      const afterFirst = tf.memory().numTensors;
      optimizer.minimize(() => loss(model));
      expect(tf.memory().numTensors).to.equal(afterFirst);
      expect(losses.every(Number.isFinite)).to.equal(true);
      expect(losses[losses.length - 1]).to.be.lessThan(losses[0] * 0.7, losses.join(', '));
      optimizer.dispose();
      model.dispose();
    });
    expect(activeBackend()).to.equal(before);
  });
});
