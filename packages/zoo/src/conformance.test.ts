// Conformance suite generated from the backbone registry: every registered backbone gets these
// tests without editing this file (shape, finite outputs, gradients, seeds, checkpoints, leaks).
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { loadWeights, readCheckpoint, saveCheckpoint } from './checkpoint';
import { countParams } from './count';
import { ClassifierModel, createModel } from './model';
import { backbones } from './registry';
import { differingWeights, images, predict, sameBits, snapshot, tempDir, useCpuBackend } from './test-helpers';

const CLASSES = 3;
// The gradient check runs on the smallest images a backbone takes (8 px when it takes any): the
// cpu backend's Conv2DBackpropFilter is a plain loop (~80× slower than its forward conv), and
// spatial size does not matter for "every weight gets a gradient". Batch 2 keeps batch-norm
// variances non-zero even at 1×1.
const GRAD_PX = 8;
// On the cpu backend the gradient of a net this large takes 10–60 s; such nets run the check
// only with MEDTRANSFER_SLOW_TESTS=1 (their blocks are shared with smaller nets that always run it).
const GRAD_MAX_PARAMS = 12e6;
const SLOW = process.env.MEDTRANSFER_SLOW_TESTS === '1';

/** Input sizes for one backbone (default params): the usual 28 / 64 px, raised to its minimum. */
function sizesFor(name: string) {
  const spec = backbones.get(name);
  const min = spec.minInputSize(spec.parseParams({}, ''));
  return { min, small: Math.max(28, min), large: Math.max(64, min), grad: Math.max(GRAD_PX, min) };
}

function build(name: string, size: number, seed: number, params: Record<string, unknown> = {}): ClassifierModel {
  return createModel({ name, params }, { inputShape: [size, size, 3], numClasses: CLASSES, seed });
}

function forward(m: ClassifierModel, n: number, size: number) {
  const x = images(n, size, 3);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const y = m.model.predict(x) as tf.Tensor;
    return { shape: y.shape, values: y.dataSync().slice(), finite: tf.all(tf.isFinite(y)).dataSync()[0] };
  });
  x.dispose();
  return { ...out, leaked: tf.memory().numTensors - (before - 1) };
}

describe('backbone conformance (every registered backbone)', () => {
  before(useCpuBackend);

  it('has backbones registered', () => {
    expect(backbones.names()).to.include.members(['cbr-large-t', 'cbr-small', 'cbr-tiny', 'resnet18', 'resnet50', 'inception-v3', 'mobilenet-v1']);
  });

  for (const name of backbones.names()) {
    describe(name, () => {
      const sizes = sizesFor(name);
      // One model at the small size, seed 1, shared by the checks below (building the ImageNet
      // nets dominates this suite's time); the checkpoint test, which changes it, runs last.
      let m: ClassifierModel;
      let initial: Map<string, Float32Array>;
      // Seed 2, at the small size: the "other seed" model, later the checkpoint's target.
      let other: ClassifierModel;
      before(() => {
        m = build(name, sizes.small, 1);
        initial = snapshot(m);
      });
      after(() => {
        m?.dispose();
        other?.dispose();
      });

      it('has explicit layer names and groups that cover every layer once, head last', () => {
        const layers = m.model.layers.map((l) => l.name);
        // tfjs auto names look like `conv2d_Conv2D3`; checkpoints need names that never change.
        for (const l of layers) expect(l, 'auto-generated layer name').not.to.match(/_[A-Z][A-Za-z0-9]*\d+$/);
        const grouped = m.groups.flatMap((g) => g.layers);
        expect(new Set(grouped).size, 'a layer sits in two groups').to.equal(grouped.length);
        const inputs = new Set(m.model.inputLayers.map((l) => l.name));
        expect([...grouped].sort()).to.deep.equal(layers.filter((l) => !inputs.has(l)).sort());
        expect(m.groups[m.groups.length - 1]).to.deep.equal({ name: 'head', layers: m.headLayers });
        expect(m.groups.length, 'at least one backbone group and the head').to.be.greaterThan(1);
        expect(new Set(m.groups.map((g) => g.name)).size).to.equal(m.groups.length);
        // Groups are ordered from the input: each group's first layer comes after the previous group's.
        const firstIndex = m.groups.map((g) => layers.indexOf(g.layers[0]));
        expect(firstIndex).to.deep.equal([...firstIndex].sort((a, b) => a - b));
        // The head holds every weight that depends on the class count, and nothing else does.
        const headWeights = m.model.layers.filter((l) => m.headLayers.includes(l.name)).flatMap((l) => l.weights);
        expect(headWeights.some((w) => w.shape[w.shape.length - 1] === CLASSES)).to.equal(true);
      });

      it(`maps [2, ${sizes.small}, ${sizes.small}, 3] to finite logits [2, classes] without leaks`, () => {
        const out = forward(m, 2, sizes.small);
        expect(out.leaked, 'tensors left by a forward pass').to.equal(0);
        expect(out.shape).to.deep.equal([2, CLASSES]);
        expect(out.finite).to.equal(1);
        expect(out.values.some((v) => v !== 0)).to.equal(true);
      });

      it(`builds at ${sizes.large} px with the same parameter count, maps [1, ${sizes.large}, ${sizes.large}, 3], disposes without leaks (twice)`, () => {
        const before = tf.memory().numTensors;
        const big = build(name, sizes.large, 1);
        expect(tf.memory().numTensors).to.be.greaterThan(before);
        try {
          expect(big.paramCount).to.equal(m.paramCount);
          expect(m.paramCount).to.equal(countParams(m.model).total);
          const out = forward(big, 1, sizes.large);
          expect(out.leaked).to.equal(0);
          expect(out.shape).to.deep.equal([1, CLASSES]);
          expect(out.finite).to.equal(1);
        } finally {
          big.dispose();
          big.dispose();
        }
        expect(tf.memory().numTensors).to.equal(before);
      });

      it(`refuses inputs below its minimum (${sizes.min} px) with a ConfigError before allocating anything`, function () {
        if (sizes.min <= 1) {
          console.log(`      (${name} takes any input size: nothing to refuse)`);
          this.skip();
        }
        const before = tf.memory().numTensors;
        const small = sizes.min - 1;
        expect(() => createModel({ name, params: {} }, { inputShape: [small, small, 3], numClasses: CLASSES, seed: 1, path: 'sweep.backbone' }))
          .to.throw(ConfigError, new RegExp(`^sweep\\.backbone: .*${small}×${small}.*${sizes.min}.*imageSize`));
        expect(tf.memory().numTensors).to.equal(before);
      });

      it('round-trips params and initialises deterministically: same seed → same weights, other seed → other weights', () => {
        const spec = backbones.get(name);
        expect(spec.parseParams(m.params, 'x')).to.deep.equal(m.params);
        expect(JSON.parse(JSON.stringify(m.params))).to.deep.equal(m.params);
        // Rebuilt from its own resolved params, at the gradient size: weights do not depend on it.
        const again = build(name, sizes.grad, 1, m.params);
        const same = snapshot(again);
        again.dispose();
        other = build(name, sizes.small, 2);
        const diff = snapshot(other);
        expect([...same.keys()]).to.deep.equal([...initial.keys()]);
        expect(differingWeights(initial, same)).to.deep.equal([]);
        // Randomly initialised tensors differ; constant ones (BN gamma/beta/statistics, biases) may not.
        const random = [...initial.keys()].filter((k) => /\/kernel$/.test(k));
        expect(random.length).to.be.greaterThan(1);
        expect(random.filter((key) => sameBits(initial.get(key), diff.get(key))), 'kernels equal across seeds').to.deep.equal([]);
      });

      it(`sends a non-zero gradient to every trainable weight (${sizes.grad} px)`, function () {
        if (countParams(m.model).trainable > GRAD_MAX_PARAMS && !SLOW) {
          console.log(`      (${name}: gradient check skipped, ${(m.paramCount / 1e6).toFixed(1)}M params take 10–60 s on cpu; run with MEDTRANSFER_SLOW_TESTS=1)`);
          this.skip();
        }
        const g = build(name, sizes.grad, 1);
        try {
          const before = tf.memory().numTensors;
          const zeroGrad = tf.tidy(() => {
            const x = images(2, sizes.grad, 3, 2);
            const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), CLASSES);
            const loss = () => tf.losses.softmaxCrossEntropy(labels, g.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
            const vars = g.model.trainableWeights.map((w) => w.read() as tf.Variable);
            const { grads } = tf.variableGrads(loss, vars);
            expect(Object.keys(grads)).to.have.length(vars.length);
            return Object.entries(grads)
              .filter(([, gr]) => tf.max(tf.abs(gr)).dataSync()[0] === 0 || !tf.all(tf.isFinite(gr)).dataSync()[0])
              .map(([k]) => k);
          });
          expect(zeroGrad, 'weights with a zero or non-finite gradient').to.deep.equal([]);
          expect(g.model.trainableWeights.length).to.be.greaterThan(0);
          expect(tf.memory().numTensors, 'tensors left by a gradient step').to.equal(before);
        } finally {
          g.dispose();
        }
      });

      it('saves a checkpoint that another seed loads to identical predictions', () => {
        const { dir, cleanup } = tempDir(name);
        const x = images(2, sizes.small, 3, 3);
        try {
          // A training-mode pass moves the batch-norm statistics away from their initial values.
          tf.tidy(() => void m.model.apply(x, { training: true }));
          const saved = saveCheckpoint(m, dir);
          const expected = predict(m, x);
          other ??= build(name, sizes.small, 2);
          expect(predict(other, x)).not.to.deep.equal(expected);
          const before = tf.memory().numTensors;
          const report = loadWeights(other, readCheckpoint(dir));
          expect(tf.memory().numTensors).to.equal(before);
          expect(report.matched).to.have.length(saved.weights.length);
          expect(report.matched.length).to.equal(other.model.weights.length);
          expect([...report.missing, ...report.unexpected, ...report.skipped]).to.deep.equal([]);
          expect(predict(other, x)).to.deep.equal(expected);
        } finally {
          x.dispose();
          cleanup();
        }
      });
    });
  }
});
