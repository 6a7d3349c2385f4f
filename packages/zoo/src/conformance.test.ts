// Conformance suite generated from the backbone registry: every registered backbone gets these
// tests without editing this file (shape, finite outputs, gradients, seeds, checkpoints, leaks).
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { loadWeights, readCheckpoint, saveCheckpoint } from './checkpoint';
import { countParams } from './count';
import { ClassifierModel, createModel } from './model';
import { backbones } from './registry';
import { differingWeights, images, predict, sameBits, snapshot, tempDir, useCpuBackend } from './test-helpers';

const CLASSES = 3;
// The gradient check runs on 8-px images: the cpu backend's Conv2DBackpropFilter is a plain
// loop (~80× slower than its forward conv here), and spatial size does not matter for "every
// weight gets a gradient". Batch 2 keeps batch-norm variances non-zero even at 1×1.
const GRAD_PX = 8;
// Weight shapes do not depend on the input size, so the checkpoint round trip uses small images.
const CKPT_PX = 16;

function withModel<T>(name: string, size: number, seed: number, fn: (m: ClassifierModel) => T, numClasses = CLASSES): T {
  const m = createModel({ name, params: {} }, { inputShape: [size, size, 3], numClasses, seed });
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

describe('backbone conformance (every registered backbone)', () => {
  before(useCpuBackend);

  it('has backbones registered', () => {
    expect(backbones.names()).to.include.members(['cbr-large-t', 'cbr-large-w', 'cbr-small', 'cbr-tiny']);
  });

  for (const name of backbones.names()) {
    describe(name, () => {
      it('creates and disposes without leaking tensors; dispose is idempotent', () => {
        const before = tf.memory().numTensors;
        const m = createModel({ name, params: {} }, { inputShape: [28, 28, 3], numClasses: CLASSES, seed: 1 });
        expect(tf.memory().numTensors).to.be.greaterThan(before);
        m.dispose();
        m.dispose();
        expect(tf.memory().numTensors).to.equal(before);
      });

      it('has explicit layer names and groups that cover every layer once, head last', () =>
        withModel(name, 28, 1, (m) => {
          const layers = m.model.layers.map((l) => l.name);
          // tfjs auto names look like `conv2d_Conv2D3`; checkpoints need names that never change.
          for (const l of layers) expect(l, 'auto-generated layer name').not.to.match(/_[A-Z][A-Za-z0-9]*\d+$/);
          const grouped = m.groups.flatMap((g) => g.layers);
          expect(new Set(grouped).size, 'a layer sits in two groups').to.equal(grouped.length);
          const inputs = new Set(m.model.inputLayers.map((l) => l.name));
          expect([...grouped].sort()).to.deep.equal(layers.filter((l) => !inputs.has(l)).sort());
          expect(m.groups[m.groups.length - 1]).to.deep.equal({ name: 'head', layers: m.headLayers });
          expect(new Set(m.groups.map((g) => g.name)).size).to.equal(m.groups.length);
          // Groups are ordered from the input: each group's first layer comes after the previous group's.
          const firstIndex = m.groups.map((g) => layers.indexOf(g.layers[0]));
          expect(firstIndex).to.deep.equal([...firstIndex].sort((a, b) => a - b));
        }));

      it('maps [n, 28, 28, 3] and [n, 64, 64, 3] to finite logits [n, classes] without leaks', () => {
        for (const [size, n] of [
          [28, 2],
          [64, 1],
        ]) {
          withModel(name, size, 1, (m) => {
            const x = images(n, size, 3);
            const before = tf.memory().numTensors;
            const out = tf.tidy(() => {
              const y = m.model.predict(x) as tf.Tensor;
              return { shape: y.shape, values: y.dataSync().slice(), finite: tf.all(tf.isFinite(y)).dataSync()[0] };
            });
            x.dispose();
            expect(tf.memory().numTensors, 'tensors left by a forward pass').to.equal(before - 1);
            expect(out.shape, `${size} px`).to.deep.equal([n, CLASSES]);
            expect(out.finite, `${size} px`).to.equal(1);
            expect(out.values.some((v) => v !== 0)).to.equal(true);
          });
        }
      });

      it('has a parameter count that does not depend on the input size', () => {
        const at28 = withModel(name, 28, 1, (m) => [m.paramCount, countParams(m.model).total]);
        const at64 = withModel(name, 64, 1, (m) => m.paramCount);
        expect(at28[0]).to.equal(at28[1]);
        expect(at64).to.equal(at28[0]);
      });

      it('sends a non-zero gradient to every trainable weight', () =>
        withModel(name, GRAD_PX, 1, (m) => {
          const before = tf.memory().numTensors;
          const zeroGrad = tf.tidy(() => {
            const x = images(2, GRAD_PX, 3, 2);
            const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES);
            const loss = () => tf.losses.softmaxCrossEntropy(labels, m.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
            const vars = m.model.trainableWeights.map((w) => w.read() as tf.Variable);
            const { grads } = tf.variableGrads(loss, vars);
            expect(Object.keys(grads)).to.have.length(vars.length);
            return Object.entries(grads)
              .filter(([, g]) => tf.max(tf.abs(g)).dataSync()[0] === 0 || !tf.all(tf.isFinite(g)).dataSync()[0])
              .map(([k]) => k);
          });
          expect(zeroGrad, 'weights with a zero or non-finite gradient').to.deep.equal([]);
          expect(m.model.trainableWeights.length).to.be.greaterThan(0);
          expect(tf.memory().numTensors, 'tensors left by a gradient step').to.equal(before);
        }));

      it('initialises deterministically: same seed → same weights, other seed → other weights', () => {
        const a = withModel(name, 28, 11, snapshot);
        const b = withModel(name, 28, 11, snapshot);
        const c = withModel(name, 28, 12, snapshot);
        expect([...a.keys()]).to.deep.equal([...b.keys()]);
        expect(differingWeights(a, b)).to.deep.equal([]);
        // Randomly initialised tensors differ; constant ones (BN gamma/beta/statistics, biases) may not.
        const random = [...a.keys()].filter((k) => /\/kernel$/.test(k));
        expect(random.length).to.be.greaterThan(1);
        expect(random.filter((key) => sameBits(a.get(key), c.get(key))), 'kernels equal across seeds').to.deep.equal([]);
      });

      it('round-trips params: parsed params parse to themselves and survive JSON', () =>
        withModel(name, 28, 1, (m) => {
          const spec = backbones.get(name);
          expect(spec.parseParams(m.params, 'x')).to.deep.equal(m.params);
          expect(JSON.parse(JSON.stringify(m.params))).to.deep.equal(m.params);
          const again = createModel({ name, params: m.params }, { inputShape: [28, 28, 3], numClasses: CLASSES, seed: 1 });
          try {
            expect(again.paramCount).to.equal(m.paramCount);
          } finally {
            again.dispose();
          }
        }));

      it('saves a checkpoint that another seed loads to identical predictions', () => {
        const { dir, cleanup } = tempDir(name);
        const x = images(2, CKPT_PX, 3, 3);
        try {
          const [saved, expected] = withModel(name, CKPT_PX, 5, (m) => {
            // A training-mode pass moves the batch-norm statistics away from their initial values.
            tf.tidy(() => void m.model.apply(x, { training: true }));
            return [saveCheckpoint(m, dir), predict(m, x)] as const;
          });
          withModel(name, CKPT_PX, 6, (m) => {
            expect(predict(m, x)).not.to.deep.equal(expected);
            const before = tf.memory().numTensors;
            const report = loadWeights(m, readCheckpoint(dir));
            expect(tf.memory().numTensors).to.equal(before);
            expect(report.matched).to.have.length(saved.weights.length);
            expect(report.matched.length).to.equal(m.model.weights.length);
            expect([...report.missing, ...report.unexpected, ...report.skipped]).to.deep.equal([]);
            expect(predict(m, x)).to.deep.equal(expected);
          });
        } finally {
          x.dispose();
          cleanup();
        }
      });
    });
  }
});
