// Folded evaluation against the model's own inference call on the cpu backend (the reference):
// which chains the plan fuses, agreement on cpu, wasm and the native path over odd input shapes,
// the same bits twice (and per native thread count), no leaked tensors, refolding after a weight
// changes, and the fallback to the model's call for a layer type the plan does not know.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { setLogSink } from '@medtransfer/core';
import { ensureWasm, onBackend, useNativePath } from '../backend/test-support';
import { evaluate, predictLogits } from '../evaluate';
import { textureProblem } from '../test-support';
import { type FixtureName, fixtureImages, fixtureModel } from './evaluator.fixture';
import { evaluationPlan, foldedEvaluator } from './evaluator';
import type { ConvStep } from './plan';

/** Each fixture at an odd input shape [n, h, w, c]. */
const CASES: Array<[FixtureName, [number, number, number, number]]> = [
  ['cbr', [3, 13, 11, 3]],
  ['resnet', [2, 29, 23, 3]],
  ['inception', [3, 17, 19, 1]],
  ['mobilenet', [2, 15, 16, 3]],
  ['flat', [4, 5, 7, 2]],
];

function run(shape: number[], fn: (x: tf.Tensor4D) => tf.Tensor): Float32Array {
  return tf.tidy(() => fn(tf.tensor4d(fixtureImages(shape as [number, number, number, number], 2), shape as [number, number, number, number])).dataSync() as Float32Array);
}

/** max |a − ref| ≤ 1e-4 · max(1, max |ref|): float rounding on the logits' scale. */
function expectLogitsClose(actual: Float32Array, ref: Float32Array, label: string): void {
  expect(actual.length, label).to.equal(ref.length);
  const scale = Math.max(1, ...Array.from(ref, Math.abs));
  const diff = Math.max(...Array.from(actual, (v, i) => Math.abs(v - ref[i])));
  expect(diff, `${label}: max abs diff ${diff} at logit scale ${scale}`).to.be.at.most(1e-4 * scale);
}

const reference = (model: tf.LayersModel, shape: number[]) => onBackend('cpu', () => run(shape, (x) => predictLogits(model, x, false)));

/** Folded logits on the active backend, checking determinism and that no tensor is left behind. */
function foldedChecked(model: tf.LayersModel, shape: number[], label: string): Float32Array {
  const before = tf.memory().numTensors;
  const evaluator = foldedEvaluator(model);
  expect(evaluator.folded, label).to.equal(true);
  const first = run(shape, (x) => evaluator.predict(x));
  const during = tf.memory().numTensors;
  const second = run(shape, (x) => evaluator.predict(x));
  expect(tf.memory().numTensors, `${label}: tensors across calls`).to.equal(during);
  evaluator.dispose();
  expect(tf.memory().numTensors, `${label}: tensors after dispose`).to.equal(before);
  expect(second.every((v, i) => Object.is(v, first[i])), `${label}: the same bits twice`).to.equal(true);
  return first;
}

function agreeOnActiveBackend(backend: string): void {
  for (const [name, shape] of CASES) {
    it(`${name} at ${shape.join('×')}: folded logits equal the model's inference call on cpu`, async () => {
      const model = fixtureModel(name, [shape[1], shape[2], shape[3]], 1);
      const ref = await reference(model, shape);
      expectLogitsClose(foldedChecked(model, shape, `${name} on ${backend}`), ref, `${name} on ${backend}`);
      model.dispose();
    });
  }
}

describe('folded evaluation', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('plan', () => {
    const convs = (name: FixtureName) =>
      (evaluationPlan(fixtureModel(name, name === 'flat' ? [5, 7, 2] : [17, 17, 3], 1)).plan?.steps ?? []).filter((s): s is ConvStep => s.kind === 'conv');
    const describeStep = (s: ConvStep) => `${s.layers.join('+')}:${s.activation}${s.bn ? ':bn' : ''}${s.pad ? `:pad${JSON.stringify(s.pad)}` : ''}`;

    it('fuses conv → batch norm → ReLU, padding into a valid Conv2D, and leaves shared or post-activation convs alone', () => {
      expect(convs('cbr').map(describeStep)).to.deep.equal(['c0+bn0+relu0:relu:bn', 'c1+bn1+relu1:relu:bn']);
      expect(convs('resnet').map(describeStep)).to.deep.equal([
        'stem_pad+stem_conv+stem_bn+stem_relu:relu:bn:pad[[3,3],[3,3]]',
        'b_1_pad+b_1_conv+b_1_bn+b_1_relu:relu:bn:pad[[1,1],[1,1]]',
        'b_2_conv+b_2_bn:linear:bn',
        'b_0_conv+b_0_bn:linear:bn',
        // its own ReLU comes before anything after it: nothing to fold
        'own_relu:relu',
        // read by a batch norm and by the add: runs alone, the batch norm as a layer
        'shared:linear',
      ]);
    });

    it('fuses depthwise convs with ReLU6 and scale-free batch norms; dropout disappears; padding before a depthwise conv stays', () => {
      const mobile = convs('mobilenet').map(describeStep);
      expect(mobile).to.include.members(['dw_1+dw_1_bn+dw_1_relu:relu6:bn', 'dw_2+dw_2_bn+dw_2_relu:relu6:bn', 'conv_preds:linear']);
      const plan = evaluationPlan(fixtureModel('mobilenet', [17, 17, 3], 1)).plan!;
      const layers = plan.steps.flatMap((s) => (s.kind === 'layer' ? [s.layer.name] : []));
      expect(layers).to.deep.equal(['pad_2', 'gap', 'reshape_1', 'reshape_2']);
      expect(convs('inception')).to.have.length(5);
      expect(convs('inception').every((s) => s.bn && s.activation === 'relu')).to.equal(true);
    });
  });

  describe('on cpu', () => {
    agreeOnActiveBackend('cpu');

    it('refolds after a weight changes (batch-norm statistics written by a training step or a load)', async () => {
      const model = fixtureModel('cbr', [9, 9, 3], 3);
      const shape = [2, 9, 9, 3];
      const evaluator = foldedEvaluator(model);
      expectLogitsClose(run(shape, (x) => evaluator.predict(x)), await reference(model, shape), 'before');
      const bn = model.getLayer('bn1');
      tf.tidy(() => bn.setWeights(bn.getWeights().map((w, i) => tf.add(w, i === 3 ? 1.5 : 0.25))));
      expectLogitsClose(run(shape, (x) => evaluator.predict(x)), await reference(model, shape), 'after');
      evaluator.dispose();
      model.dispose();
    });

    it('evaluate() on the folded path: the same loss and metrics as layer by layer, no leaked tensors', () => {
      const data = textureProblem({ n: 23, seed: 4, task: 'multi-class', numClasses: 3, noise: 1 });
      const model = fixtureModel('cbr', [8, 8, 1], 5);
      const before = tf.memory().numTensors;
      const folded = evaluate(model, data, { batchSize: 5, path: 'folded' });
      expect(tf.memory().numTensors).to.equal(before);
      const layers = evaluate(model, data, { batchSize: 5, path: 'layers' });
      expect(folded.loss).to.be.closeTo(layers.loss, 1e-5);
      expect(folded.auc).to.be.closeTo(layers.auc, 1e-6);
      expect(folded.acc).to.equal(layers.acc);
      model.dispose();
    });

    it('a layer type it does not know: the model\'s own call, logged once', async () => {
      class Twice extends tf.layers.Layer {
        static className = 'Twice';
        override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
          return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
        }
      }
      const build = () => {
        const input = tf.input({ shape: [6, 6, 1] });
        const x = new Twice({ name: 'twice' }).apply(tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input)) as tf.SymbolicTensor;
        return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(x)) as tf.SymbolicTensor, name: 'custom' });
      };
      const lines: string[] = [];
      const restore = setLogSink((_level, line) => lines.push(line));
      try {
        for (const model of [build(), build()]) {
          const evaluator = foldedEvaluator(model);
          expect(evaluator.folded).to.equal(false);
          const shape = [2, 6, 6, 1];
          expect(Array.from(run(shape, (x) => evaluator.predict(x)))).to.deep.equal(Array.from(await reference(model, shape)));
          evaluator.dispose();
          model.dispose();
        }
      } finally {
        restore();
      }
      expect(lines).to.deep.equal(['[engine] evaluation runs model "custom" layer by layer: layer "twice" (Twice) has no folded evaluation']);
    });
  });

  describe('on wasm', () => {
    before(ensureWasm);
    before(() => tf.setBackend('wasm'));
    after(() => tf.setBackend('cpu'));
    agreeOnActiveBackend('wasm');
  });

  describe('on the native path', () => {
    useNativePath();
    agreeOnActiveBackend('native');

    it('the same bits twice per kernel thread count (1 and 2 threads, fresh processes), close across them', async () => {
      const shape: [number, number, number, number] = [4, 32, 32, 3];
      const ref = await reference(fixtureModel('resnet', [32, 32, 3], 1), shape);
      const runs = ['1', '2'].map((threads) => {
        const r = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'evaluator.child.ts'), 'resnet', JSON.stringify(shape)], {
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, MEDTRANSFER_THREADS: threads },
        });
        const line = r.stdout.trim().split('\n').pop() ?? '';
        if (!line.startsWith('{')) throw new Error(`child (${threads} threads) printed no result (exit ${r.status}): ${r.stderr}`);
        return { asked: Number(threads), ...(JSON.parse(line) as { threads: number; folded: boolean; same: boolean; logits: number[] }) };
      });
      for (const r of runs) {
        expect(r.threads, 'threads').to.equal(r.asked);
        expect(r.folded).to.equal(true);
        expect(r.same, `${r.asked} threads: the same bits twice`).to.equal(true);
        expectLogitsClose(Float32Array.from(r.logits), ref, `${r.asked} threads`);
      }
    });
  });
});
