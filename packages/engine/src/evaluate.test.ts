// evaluate and the losses: agreement with tfjs' own losses on the whole split, independence
// from the batch size, inference-mode batch norm, no leaked tensors.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { computeMetrics, metrics } from '@medtransfer/core';
import type { Batch } from '@medtransfer/core';
import { evaluate } from './evaluate';
import { labelTensors, lossTensor } from './losses';
import { ArraySource, textureProblem, tinyConvNet } from './test-support';

/** Logits of the whole split in one call, for reference values. */
function allLogits(model: tf.LayersModel, data: ArraySource): tf.Tensor2D {
  return model.predict(tf.tensor4d(data.x, [data.count, ...data.imageShape])) as tf.Tensor2D;
}

describe('evaluate', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('multi-class: loss is the mean softmax cross-entropy, metrics come from softmax probabilities', () => {
    const data = textureProblem({ n: 30, seed: 1, task: 'multi-class', numClasses: 3, noise: 1 });
    const model = tinyConvNet({ outputs: 3, seed: 2 });
    const m = evaluate(model, data, { batchSize: 7 });
    const [refLoss, probs] = tf.tidy(() => {
      const logits = allLogits(model, data);
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(data.labels, 'int32'), 3), logits);
      return [loss.dataSync()[0], tf.softmax(logits).dataSync() as Float32Array];
    });
    const ref = computeMetrics('multi-class', data.labels, 1, probs, 3).values;
    expect(m.loss).to.be.closeTo(refLoss, 1e-5);
    expect(m.auc).to.be.closeTo(ref.auc, 1e-6);
    expect(m.acc).to.equal(ref.acc);
    // every registered metric the task defines, and only those
    const defined = metrics.names().filter((name) => metrics.get(name).tasks.includes('multi-class'));
    expect(Object.keys(m).filter((k) => k !== 'loss' && k !== 'perClassAuc')).to.deep.equal(defined);
    model.dispose();
  });

  it('multi-label: loss is the mean sigmoid cross-entropy over known entries only', () => {
    const data = textureProblem({ n: 24, seed: 3, task: 'multi-label', numClasses: 3, maskRate: 0.3 });
    const model = tinyConvNet({ outputs: 3, seed: 4 });
    const m = evaluate(model, data, { batchSize: 5 });
    const refLoss = tf.tidy(() => {
      const logits = allLogits(model, data);
      const known = Float32Array.from(data.labels, (y) => (y === -1 ? 0 : 1));
      const targets = Float32Array.from(data.labels, (y) => Math.max(y, 0));
      const perEntry = tf.losses.sigmoidCrossEntropy(tf.tensor2d(targets, [24, 3]), logits, undefined, 0, tf.Reduction.NONE);
      return perEntry.mul(tf.tensor2d(known, [24, 3])).sum().div(known.reduce((a, b) => a + b)).dataSync()[0];
    });
    expect(data.labels.includes(-1)).to.equal(true);
    expect(m.loss).to.be.closeTo(refLoss, 1e-5);
    model.dispose();
  });

  it('does not depend on the batch size, leaves batch norm statistics alone, leaks no tensors', () => {
    const data = textureProblem({ n: 21, seed: 5, task: 'binary', numClasses: 2, noise: 1 });
    const model = tinyConvNet({ outputs: 2, seed: 6 });
    const stats0 = model.getLayer('bn').getWeights().map((w) => Array.from(w.dataSync()));
    const start = tf.memory().numTensors;
    const a = evaluate(model, data, { batchSize: 4 });
    const b = evaluate(model, data, { batchSize: 64 });
    expect(tf.memory().numTensors).to.equal(start);
    expect(a.loss).to.be.closeTo(b.loss, 1e-6);
    expect(a.auc).to.equal(b.auc);
    expect(a.acc).to.equal(b.acc);
    expect(model.getLayer('bn').getWeights().map((w) => Array.from(w.dataSync()))).to.deep.equal(stats0);
    model.dispose();
  });

  it('rejects a source whose batches do not add up to its count, and an empty split', () => {
    const data = textureProblem({ n: 6, seed: 7, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 1 });
    const liar = { count: 9, task: data.task, numClasses: 2, epoch: (bs: number) => data.epoch(bs) };
    expect(() => evaluate(model, liar, { batchSize: 4 })).to.throw(/yielded 6 images in one pass but reports count 9/);
    const empty = new ArraySource(new Float32Array(0), new Int32Array(0), [8, 8, 1], 'binary', 2);
    expect(() => evaluate(model, empty, { batchSize: 4 })).to.throw(/empty split/);
    model.dispose();
  });
});

describe('losses', () => {
  it('a multi-label batch with every entry masked has loss 0 and zero gradient, not NaN', () => {
    const batch: Batch = { x: new Float32Array(0), shape: [2, 1, 1, 0], labels: Int32Array.from([-1, -1, -1, -1]), labelWidth: 2, size: 2 };
    const w = tf.tidy(() => tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2])));
    const { value, grads } = tf.tidy(() => {
      const labels = labelTensors('multi-label', batch, 2);
      return tf.variableGrads(() => lossTensor('multi-label', w as tf.Tensor2D, labels), [w]);
    });
    expect(value.dataSync()[0]).to.equal(0);
    expect(Array.from(grads[w.name].dataSync())).to.deep.equal([0, 0, 0, 0]);
    tf.dispose([value, grads[w.name], w]);
  });
});

describe('losses: labels', () => {
  it('rejects a class label outside the model outputs instead of training on a zero target', () => {
    const batch: Batch = { x: new Float32Array(0), shape: [2, 1, 1, 0], labels: Int32Array.from([1, 3]), labelWidth: 1, size: 2 };
    const start = tf.memory().numTensors;
    expect(() => tf.tidy(() => labelTensors('multi-class', batch, 3).targets)).to.throw(/batch label 1 is 3; a multi-class label must be a class index 0…2/);
    expect(tf.memory().numTensors).to.equal(start);
  });
});
