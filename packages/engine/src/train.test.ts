// The training loop on tiny conv nets and synthetic textures (cpu backend): batch-norm updates,
// no leaked tensors, determinism, that it learns, and its bookkeeping.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import type { CurvePoint, TrainingConfig } from '@medtransfer/core';
import { evaluate } from './evaluate';
import type { TrainProgress } from './progress';
import { ArraySource, textureProblem, tinyConvNet } from './test-support';
import { passSeed, totalSteps, train, TrainingAbortedError } from './train';

function config(over: Partial<TrainingConfig> = {}): TrainingConfig {
  return { batchSize: 8, evalEvery: 4, optimizer: { name: 'adam', lr: 0.01, momentum: 0.9 }, ...over } as TrainingConfig;
}

const withoutTime = (curve: CurvePoint[]) => curve.map(({ trainSeconds: _t, ...rest }) => rest);

describe('train', function () {
  this.timeout(60_000);

  before(async () => {
    await tf.setBackend('cpu');
  });

  it('batch norm in the training step uses batch statistics and updates moving mean and variance', async () => {
    const data = textureProblem({ n: 16, seed: 1, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 3 });
    // expected after one step on the whole split (one batch): moving = 0.99·initial + 0.01·batch statistic
    const convOut = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv').output as tf.SymbolicTensor });
    const [mean, variance] = tf.tidy(() => {
      const y = convOut.predict(tf.tensor4d(data.x, [16, 8, 8, 1])) as tf.Tensor4D;
      const m = tf.moments(y, [0, 1, 2]);
      return [m.mean.dataSync(), m.variance.dataSync()];
    });
    await train({ model, train: data, val: data, training: config({ steps: 1, batchSize: 16 }), seed: 1 });
    const [movingMean, movingVar] = model.getLayer('bn').getWeights().slice(2).map((w) => w.dataSync());
    for (let c = 0; c < 4; c++) {
      expect(Math.abs(mean[c])).to.be.greaterThan(1e-3); // otherwise the check below proves nothing
      expect(movingMean[c]).to.be.closeTo(0.01 * mean[c], 1e-6);
      expect(movingVar[c]).to.be.closeTo(0.99 + 0.01 * variance[c], 1e-5);
    }
    model.dispose();
  });

  for (const name of ['adam', 'sgd'] as const) {
    it(`keeps tf.memory().numTensors flat across steps and epochs and frees everything (${name})`, async () => {
      const start = tf.memory().numTensors;
      const data = textureProblem({ n: 16, seed: 2, task: 'binary', numClasses: 2 });
      const val = textureProblem({ n: 10, seed: 3, task: 'binary', numClasses: 2 });
      const model = tinyConvNet({ outputs: 2, seed: 5 });
      const counts: number[] = [];
      const result = await train({
        model,
        train: data,
        val,
        test: val,
        training: config({ epochs: 2, batchSize: 4, evalEvery: 3, optimizer: { name, lr: 0.01, momentum: 0.9 } }),
        seed: 1,
        onProgress: () => counts.push(tf.memory().numTensors),
      });
      expect(result.steps).to.equal(8);
      expect(counts).to.have.length(8);
      // optimiser slots exist from the first step on; nothing grows after that
      expect(counts[3], 'after epoch 1 vs after epoch 2').to.equal(counts[7]);
      expect(new Set(counts.slice(1)).size, `counts per step: ${counts.join(' ')}`).to.equal(1);
      model.dispose();
      expect(tf.memory().numTensors, 'after disposing model (train disposed the optimiser)').to.equal(start);
    });
  }

  it('is deterministic for a seed, and the seed changes the data order', async () => {
    const data = textureProblem({ n: 24, seed: 4, task: 'multi-class', numClasses: 3 });
    const val = textureProblem({ n: 12, seed: 5, task: 'multi-class', numClasses: 3 });
    const run = async (seed: number) => {
      const model = tinyConvNet({ outputs: 3, seed: 7 });
      const r = await train({ model, train: data, val, training: config({ steps: 9, evalEvery: 3 }), seed });
      model.dispose();
      return withoutTime(r.curve);
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a).to.have.length(3);
    expect(a).to.deep.equal(b);
    expect(a.map((p) => p.trainLoss)).to.not.deep.equal(c.map((p) => p.trainLoss));
  });

  it('learns an easy binary problem (val AUC > 0.9) and reports test metrics of the final model', async () => {
    const mk = (n: number, seed: number) => textureProblem({ n, seed, task: 'binary', numClasses: 2, noise: 1 });
    const val = mk(32, 22);
    const model = tinyConvNet({ outputs: 2, seed: 9 });
    const initial = evaluate(model, val, { batchSize: 8 });
    const r = await train({ model, train: mk(64, 21), val, test: mk(32, 23), training: config({ epochs: 6, evalEvery: 8 }), seed: 1 });
    model.dispose();
    expect(initial.auc, 'before training').to.be.lessThan(0.7);
    expect(r.finalVal.auc).to.be.greaterThan(0.9);
    expect(r.test!.auc).to.be.greaterThan(0.9);
    expect(r.curve[r.curve.length - 1].trainLoss).to.be.lessThan(r.curve[0].trainLoss);
  });

  it('learns a multi-label problem with masked entries (val AUC > 0.9)', async () => {
    const mk = (n: number, seed: number) => textureProblem({ n, seed, task: 'multi-label', numClasses: 3, maskRate: 0.2 });
    const val = mk(32, 22);
    const model = tinyConvNet({ outputs: 3, seed: 9 });
    const initial = evaluate(model, val, { batchSize: 8 });
    const training = config({ epochs: 6, evalEvery: 16, optimizer: { name: 'adam', lr: 0.05, momentum: 0.9 } });
    const r = await train({ model, train: mk(64, 21), val, training, seed: 1 });
    model.dispose();
    expect(initial.auc, 'before training').to.be.lessThan(0.8);
    expect(r.finalVal.auc).to.be.greaterThan(0.9);
    expect(r.finalVal.loss).to.be.lessThan(initial.loss);
  });

  it('counts steps, epochs and images; evaluates every evalEvery steps and at the end', async () => {
    const data = textureProblem({ n: 20, seed: 6, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 1 });
    const progress: TrainProgress[] = [];
    const evals: CurvePoint[] = [];
    const training = config({ epochs: 2, batchSize: 8, evalEvery: 2 });
    expect(totalSteps(training, data.count)).to.equal(5); // ceil(2 × 20 / 8)
    const r = await train({ model, train: data, val: data, training, seed: 3, onProgress: (p) => progress.push(p), onEval: (p) => evals.push(p) });
    model.dispose();
    expect(r.curve.map((p) => p.step)).to.deep.equal([2, 4, 5]);
    expect(evals).to.deep.equal(r.curve);
    // the incomplete last batch of each pass (20 = 8 + 8 + 4) is skipped: every step sees 8 images
    expect(r.imagesSeen).to.equal(40);
    expect(r.curve.map((p) => p.epoch)).to.deep.equal([0.8, 1.6, 2]);
    expect(progress.map((p) => p.step)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(progress[0].lastVal).to.equal(undefined);
    expect(progress[2].lastVal).to.include({ loss: r.curve[0].valLoss, auc: r.curve[0].val.auc, acc: r.curve[0].val.acc });
    expect(progress[4].etaSeconds).to.equal(0);
    expect(r.curve[0].trainLoss).to.be.closeTo((progress[0].loss + progress[1].loss) / 2, 1e-9);
    expect(r.curve[2].trainLoss).to.be.closeTo(progress[4].loss, 1e-9);
    expect(r.finalVal).to.include({ loss: r.curve[2].valLoss, auc: r.curve[2].val.auc, acc: r.curve[2].val.acc });
    expect(r.trainSeconds).to.be.greaterThan(0);
    expect(r.evalSeconds).to.be.greaterThan(0);
    expect(r.imagesPerSecond).to.be.closeTo(40 / r.trainSeconds, 1e-6);
    expect(r.backend).to.equal('cpu');
    // pass e is shuffled with its own seed derived from the run seed
    expect(data.shuffleSeeds.filter((s) => s !== undefined)).to.deep.equal([passSeed(3, 0), passSeed(3, 1), passSeed(3, 2)]);
    expect(passSeed(3, 0)).to.not.equal(passSeed(3, 1));
  });

  it('trains only the named layers', async () => {
    const data = textureProblem({ n: 16, seed: 8, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 2 });
    const before = (name: string) => model.getLayer(name).getWeights()[0].dataSync().slice();
    const conv0 = before('conv');
    const head0 = before('head');
    await train({ model, train: data, val: data, training: config({ steps: 3 }), seed: 1, trainableLayers: ['head'] });
    expect(Array.from(model.getLayer('conv').getWeights()[0].dataSync())).to.deep.equal(Array.from(conv0));
    expect(Array.from(model.getLayer('head').getWeights()[0].dataSync())).to.not.deep.equal(Array.from(head0));
    try {
      await train({ model, train: data, val: data, training: config({ steps: 1 }), seed: 1, trainableLayers: ['haed'] });
      expect.fail('expected an error');
    } catch (err) {
      expect((err as Error).message).to.match(/trainableLayers\[0\]: unknown layer "haed"; did you mean "head"/);
    }
    model.dispose();
  });

  it('stops on an aborted signal with the curve so far and frees the optimiser', async () => {
    const start = tf.memory().numTensors;
    const data = textureProblem({ n: 16, seed: 9, task: 'binary', numClasses: 2 });
    const model = tinyConvNet({ outputs: 2, seed: 4 });
    const ctrl = new AbortController();
    let caught: unknown;
    try {
      await train({
        model,
        train: data,
        val: data,
        training: config({ steps: 50, evalEvery: 2 }),
        seed: 1,
        signal: ctrl.signal,
        onProgress: (p) => p.step === 5 && setImmediate(() => ctrl.abort()),
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(TrainingAbortedError);
    const aborted = caught as TrainingAbortedError;
    expect(aborted.step).to.be.within(5, 6);
    expect(aborted.curve.map((p) => p.step)).to.deep.equal([2, 4, 6].slice(0, Math.floor(aborted.step / 2)));
    model.dispose();
    expect(tf.memory().numTensors).to.equal(start);
  });

  it('rejects a model whose output width does not fit the task', async () => {
    const data = textureProblem({ n: 8, seed: 1, task: 'multi-class', numClasses: 3 });
    const model = tinyConvNet({ outputs: 2, seed: 1 });
    const start = tf.memory().numTensors;
    let message = '';
    await train({ model, train: data, val: data, training: config({ steps: 1 }), seed: 1 }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/outputs 2 logits per image but the multi-class dataset has 3 classes/);
    expect(tf.memory().numTensors).to.equal(start);
    model.dispose();
  });

  it('uses the whole split each step when it is smaller than one batch', async () => {
    const data = new ArraySource(new Float32Array(3 * 64), Int32Array.from([0, 1, 0]), [8, 8, 1], 'binary', 2);
    const model = tinyConvNet({ outputs: 2, seed: 1 });
    const r = await train({ model, train: data, val: data, training: config({ steps: 2, batchSize: 8 }), seed: 1 });
    model.dispose();
    expect(r.imagesSeen).to.equal(6);
  });
});
