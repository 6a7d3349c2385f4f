// Training options beyond the basic loop: early stopping and test-from-best, evaluation per
// epoch, layer learning-rate multipliers, gradient clipping and warm-up inside `train`.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '@medtransfer/core';
import { evaluate } from './evaluate';
import { textureProblem, tinyConvNet } from './test-support';
import { evalInterval, resolveTestFrom, train } from './train';

function config(over: Partial<TrainingConfig> = {}): TrainingConfig {
  return { batchSize: 8, evalEvery: 2, optimizer: { name: 'adam', lr: 0.01, momentum: 0.9 }, ...over } as TrainingConfig;
}

const flat = (model: tf.LayersModel) => model.getWeights().flatMap((w) => Array.from(w.dataSync()));

describe('train: early stopping and the best validation checkpoint', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('stops after `patience` validations without improvement and tests the restored best model', async () => {
    const start = tf.memory().numTensors;
    const data = textureProblem({ n: 32, seed: 1, task: 'binary', numClasses: 2 });
    const val = textureProblem({ n: 16, seed: 2, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 3 });
    // minDelta larger than any possible change in loss: the first validation stays the best
    const training = config({ steps: 40, earlyStopping: { metric: 'loss', patience: 2, minDelta: 100 } });
    let weightsAtFirstEval: number[] = [];
    const r = await train({ model, train: data, val, test: val, training, seed: 1, onEval: (p) => p.step === 2 && (weightsAtFirstEval = flat(model)) });
    expect(r.curve.map((p) => p.step)).to.deep.equal([2, 4, 6]);
    expect(r).to.include({ steps: 6, plannedSteps: 40, stoppedEarly: true, testFrom: 'best-val', bestStep: 2 });
    expect(r.imagesSeen).to.equal(48);
    // the model in place is the best checkpoint, batch-norm statistics included
    expect(flat(model)).to.deep.equal(weightsAtFirstEval);
    expect(r.test!.loss).to.be.closeTo(r.curve[0].valLoss, 1e-9);
    expect(r.bestVal!.loss).to.equal(r.curve[0].valLoss);
    expect(r.finalVal.loss).to.equal(r.curve[2].valLoss);
    model.dispose();
    expect(tf.memory().numTensors, 'best-weight copies are freed').to.equal(start);
  });

  it('testFrom best-val without patience runs to the end and picks the best validation AUC', async () => {
    const mk = (n: number, seed: number) => textureProblem({ n, seed, task: 'binary', numClasses: 2, noise: 1 });
    const val = mk(24, 12);
    const model = tinyConvNet({ outputs: 2, seed: 4 });
    const r = await train({ model, train: mk(32, 11), val, training: config({ steps: 12, testFrom: 'best-val', optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } }), seed: 2 });
    const aucs = r.curve.map((p) => p.val.auc);
    const best = aucs.indexOf(Math.max(...aucs)); // first maximum: later ties are no improvement
    expect(r).to.include({ steps: 12, stoppedEarly: false, testFrom: 'best-val', bestStep: r.curve[best].step });
    expect(evaluate(model, val, { batchSize: 8 }).auc).to.equal(r.bestVal!.auc);
    model.dispose();
  });

  it('early stopping on kappa is refused for a non-ordinal task', async () => {
    const data = textureProblem({ n: 8, seed: 1, task: 'multi-class', numClasses: 3 });
    const model = tinyConvNet({ outputs: 3, seed: 1 });
    let message = '';
    await train({ model, train: data, val: data, training: config({ steps: 1, earlyStopping: { metric: 'kappa', minDelta: 0 } }), seed: 1 }).catch((e: Error) => (message = e.message));
    model.dispose();
    expect(message).to.match(/training\.earlyStopping\.metric: kappa is defined for ordinal tasks only, and this task is multi-class/);
  });

  it('defaults: final model, no tracking; earlyStopping alone switches to best-val', () => {
    expect(resolveTestFrom(config({ steps: 1 }))).to.equal('final');
    expect(resolveTestFrom(config({ steps: 1, earlyStopping: { metric: 'auc', minDelta: 0 } }))).to.equal('best-val');
    expect(resolveTestFrom(config({ steps: 1, earlyStopping: { metric: 'auc', minDelta: 0 }, testFrom: 'final' }))).to.equal('final');
  });

  it('a default run reports testFrom final and no best step', async () => {
    const data = textureProblem({ n: 16, seed: 5, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 5 });
    const r = await train({ model, train: data, val: data, training: config({ steps: 2 }), seed: 1 });
    model.dispose();
    expect(r).to.include({ testFrom: 'final', stoppedEarly: false, steps: 2, plannedSteps: 2 });
    expect(r.bestStep).to.equal(undefined);
  });
});

describe('train: evaluation per epoch, layer rates, clipping, warm-up', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('evalEvery epoch validates at the end of every pass', async () => {
    const data = textureProblem({ n: 20, seed: 6, task: 'ordinal', numClasses: 3 });
    expect(evalInterval(config({ evalEvery: 'epoch' }), 20)).to.equal(2); // 20 = 8 + 8 + (4 skipped)
    expect(evalInterval(config({ evalEvery: 'epoch', batchSize: 32 }), 20)).to.equal(1);
    const model = tinyConvNet({ outputs: 3, seed: 6 });
    const r = await train({ model, train: data, val: data, training: config({ epochs: 3, evalEvery: 'epoch' }), seed: 1 });
    model.dispose();
    expect(r.curve.map((p) => p.step)).to.deep.equal([2, 4, 6, 8]);
    // ordinal tasks carry the validation kappa on the curve
    expect(r.curve.every((p) => typeof p.val.kappa === 'number')).to.equal(true);
  });

  it('a layer at multiplier 0 is not updated; an unknown layer name is a ConfigError', async () => {
    const data = textureProblem({ n: 16, seed: 7, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 7 });
    const conv0 = Array.from(model.getLayer('conv').getWeights()[0].dataSync());
    const head0 = Array.from(model.getLayer('head').getWeights()[0].dataSync());
    await train({ model, train: data, val: data, training: config({ steps: 3 }), seed: 1, layerLrMultipliers: { conv: 0 } });
    expect(Array.from(model.getLayer('conv').getWeights()[0].dataSync())).to.deep.equal(conv0);
    expect(Array.from(model.getLayer('head').getWeights()[0].dataSync())).to.not.deep.equal(head0);
    let message = '';
    await train({ model, train: data, val: data, training: config({ steps: 1 }), seed: 1, layerLrMultipliers: { haed: 0.1 } }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/layerLrMultipliers\.haed: unknown layer "haed"; did you mean "head"/);
    model.dispose();
  });

  it('clipNorm bounds the global size of an SGD step by lr × clipNorm', async () => {
    const data = textureProblem({ n: 8, seed: 8, task: 'binary', numClasses: 2 });
    const stepSize = async (clipNorm?: number) => {
      const model = tinyConvNet({ outputs: 2, seed: 8 });
      const trained = model.trainableWeights.map((w) => w.read());
      const before = trained.map((t) => Array.from(t.dataSync()));
      await train({ model, train: data, val: data, training: config({ steps: 1, optimizer: { name: 'sgd', lr: 1, momentum: 0, clipNorm } }), seed: 1 });
      let sq = 0;
      trained.forEach((t, i) => t.dataSync().forEach((v, j) => (sq += (v - before[i][j]) ** 2)));
      model.dispose();
      return Math.sqrt(sq);
    };
    const free = await stepSize();
    expect(free).to.be.greaterThan(0.01);
    expect(await stepSize(0.001)).to.be.closeTo(0.001, 1e-5);
  });

  it('warm-up: step 1 of 10 warm-up steps at lr 1 equals one step at lr 0.1', async () => {
    const data = textureProblem({ n: 8, seed: 9, task: 'binary', numClasses: 2 });
    const run = async (lr: number, warmupSteps?: number) => {
      const model = tinyConvNet({ outputs: 2, seed: 9 });
      await train({ model, train: data, val: data, training: config({ steps: 1, optimizer: { name: 'sgd', lr, momentum: 0, warmupSteps } }), seed: 1 });
      const w = flat(model);
      model.dispose();
      return w;
    };
    const warm = await run(1, 10);
    const plain = await run(0.1);
    warm.forEach((v, i) => expect(v).to.be.closeTo(plain[i], 1e-6));
    const full = await run(1);
    expect(full).to.not.deep.equal(plain);
  });
});
