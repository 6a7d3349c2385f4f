// The engine's folded evaluation (batch norm folded into fused convolutions) on every zoo backbone,
// here because the engine does not import the zoo: after a few training steps with the first
// layer group frozen (so the batch-norm statistics are no longer the initial ones), the folded
// logits on wasm and the native path equal the model's own inference call on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { foldedEvaluator, nativeStatus, predictLogits, selectBackend, trainableVariables } from '@medtransfer/engine';
import { type ClassifierModel, backbones, createModel, createSlimModel } from '@medtransfer/zoo';

interface Case {
  label: string;
  build: () => ClassifierModel;
  size: number;
}

const model = (name: string, size: number, params: Record<string, unknown> = {}) => () =>
  createModel({ name, params }, { inputShape: [size, size, 3], numClasses: 3, seed: 1 });

/** Small sizes each backbone takes (Inception-v3 needs 75 px, MobileNet's ImageNet stem 32). */
const SIZE: Record<string, number> = { 'inception-v3': 75, 'mobilenet-v1': 32, resnet50: 32 };

const CASES: Case[] = [
  ...backbones.names().map((name) => ({ label: name, build: model(name, SIZE[name] ?? 28), size: SIZE[name] ?? 28 })),
  { label: 'resnet18 stem small', build: model('resnet18', 28, { stem: 'small' }), size: 28 },
  { label: 'mobilenet-v1 α 0.25', build: model('mobilenet-v1', 32, { alpha: 0.25 }), size: 32 },
  { label: 'mobilenet-v1 α 0.25 stem small', build: model('mobilenet-v1', 28, { alpha: 0.25, stem: 'small' }), size: 28 },
  {
    label: 'slim resnet18 (2 groups, depthwise top)',
    build: () => createSlimModel({ name: 'resnet18', params: {} }, { inputShape: [28, 28, 3], numClasses: 3, seed: 1 }, { keep: 2, top: 'depthwise', blocks: 1, filters: 32 }),
    size: 28,
  },
];

const images = (n: number, size: number, seed: number) => {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * size * size * 3 }, () => rng.normal()), [n, size, size, 3]);
};

/** Three Adam steps (batch norm in training mode) of every layer outside the first group. */
function trainFewSteps(m: ClassifierModel, size: number): void {
  for (const name of m.groups[0].layers) m.model.getLayer(name).trainable = false;
  const optimizer = tf.train.adam(1e-2);
  tf.tidy(() => {
    const x = images(4, size, 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const vars = trainableVariables(m.model);
    for (let i = 0; i < 3; i++) optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, predictLogits(m.model, x, true)) as tf.Scalar, false, vars);
  });
  optimizer.dispose();
}

function logits(fn: (x: tf.Tensor4D) => tf.Tensor, size: number): Float32Array {
  return tf.tidy(() => fn(images(3, size, 11)).dataSync() as Float32Array);
}

describe('folded evaluation on the zoo backbones', function () {
  const backends = nativeStatus().available ? ['wasm', 'native'] as const : ['wasm'] as const;

  after(async () => {
    await selectBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.label} at ${c.size} px: equal to the model's inference call on cpu (${backends.join(', ')})`, async () => {
      await selectBackend(backends[backends.length - 1]);
      const m = c.build();
      try {
        trainFewSteps(m, c.size);
        const stats = m.model.weights.filter((w) => w.originalName.endsWith('moving_mean')).map((w) => w.read().dataSync());
        expect(stats.some((s) => s.some((v) => v !== 0)), 'batch-norm statistics changed').to.equal(true);
        await selectBackend('cpu');
        const ref = logits((x) => predictLogits(m.model, x, false), c.size);
        const scale = Math.max(1, ...Array.from(ref, Math.abs));
        for (const backend of backends) {
          await selectBackend(backend);
          const before = tf.memory().numTensors;
          const evaluator = foldedEvaluator(m.model);
          expect(evaluator.folded, backend).to.equal(true);
          const folded = logits((x) => evaluator.predict(x), c.size);
          expect(Array.from(logits((x) => evaluator.predict(x), c.size)), `${backend}: the same twice`).to.deep.equal(Array.from(folded));
          evaluator.dispose();
          expect(tf.memory().numTensors, `${backend}: tensors`).to.equal(before);
          const diff = Math.max(...Array.from(folded, (v, i) => Math.abs(v - ref[i])));
          expect(diff, `${backend}: max abs diff at logit scale ${scale}`).to.be.at.most(1e-4 * scale);
        }
      } finally {
        m.dispose();
      }
    });
  }
});
