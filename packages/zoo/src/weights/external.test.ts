// External weights named in a config: param parsing and checks, content fingerprints, and the
// fitting steps (classifier dropped, RGB first conv summed for 1-channel models), tensor by tensor.
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { type CheckpointTensor, WeightShapeError, loadWeights, saveCheckpoint } from '../checkpoint';
import { createModel } from '../model';
import { applyInit } from '../inits';
import { sameBits, snapshot, tempDir, useCpuBackend } from '../test-helpers';
import { namedWeights, shapeOf } from '../weight-names';
import { checkWeightSource, fitWeightsToModel, readWeightSource, renumberKerasAutoNames, splitBackboneWeights } from './external';
import { kerasLayers, saveLayersArtifacts, writeKerasH5, writeLayersModel } from './test-fixtures';

const tiny = (channels: number, seed: number, numClasses = 2) => createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [8, 8, channels], numClasses, seed });

describe('external weights (params.weights)', function () {
  this.timeout(30_000);
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    await useCpuBackend();
    ({ dir, cleanup } = tempDir('external'));
  });
  after(() => cleanup());

  it('splits params.weights off the architecture params', () => {
    const out = splitBackboneWeights({ name: 'resnet18', params: { stem: 'small', weights: { kind: 'keras-h5', path: 'x.h5' } } }, 'sweep.backbone[1]');
    expect(out.model).to.deep.equal({ name: 'resnet18', params: { stem: 'small' } });
    expect(out.weights).to.deep.equal({ kind: 'keras-h5', path: 'x.h5' });
    expect(splitBackboneWeights({ name: 'cbr-tiny', params: {} }, 'p').weights).to.equal(undefined);
  });

  it('refuses a bad weights mapping at its config path, with the valid choices', () => {
    const bad = (weights: unknown) => () => splitBackboneWeights({ name: 'resnet50', params: { weights } }, 'sweep.backbone[0]');
    expect(bad({ kind: 'keras_h5', path: 'x' })).to.throw(ConfigError, 'sweep.backbone[0].params.weights.kind: unknown value "keras_h5"; did you mean "keras-h5"');
    expect(bad({ kind: 'keras-h5' })).to.throw(ConfigError, 'sweep.backbone[0].params.weights.path: expected a Keras .h5 weight file, received nothing');
    expect(bad({ kind: 'keras-h5', path: 'x', file: 'y' })).to.throw(ConfigError, 'sweep.backbone[0].params.weights.file: unknown key "file"');
    expect(bad('x.h5')).to.throw(ConfigError, /sweep\.backbone\[0\]\.params\.weights: expected a mapping like \{kind: keras-h5/);
  });

  it('checks that the file or folder exists before reading it', () => {
    const check = (kind: 'keras-h5' | 'tfjs-layers' | 'checkpoint', path: string) => () => checkWeightSource({ kind, path }, 'sweep.backbone[2]');
    expect(check('keras-h5', join(dir, 'nope.h5'))).to.throw(ConfigError, /^sweep\.backbone\[2\]\.params\.weights\.path: not found: .*nope\.h5; expected a Keras \.h5 weight file/);
    expect(check('keras-h5', 'https://example.org/w.h5')).to.throw(ConfigError, /a URL is only read for kind tfjs-layers/);
    expect(check('tfjs-layers', dir)).to.throw(ConfigError, /has no model\.json/);
    expect(check('checkpoint', dir)).to.throw(ConfigError, /has no weights\.json/);
    expect(check('tfjs-layers', 'http://127.0.0.1:9/model.json')).not.to.throw();
  });

  it('fingerprints the content: same bytes, same fingerprint; other bytes, another', async () => {
    const a = tiny(3, 1);
    const b = tiny(3, 2);
    try {
      const h5 = join(dir, 'fp.h5');
      await writeKerasH5(h5, kerasLayers(a));
      const first = await readWeightSource({ kind: 'keras-h5', path: h5 });
      await writeKerasH5(h5, kerasLayers(a));
      expect((await readWeightSource({ kind: 'keras-h5', path: h5 })).fingerprint).to.equal(first.fingerprint);
      await writeKerasH5(h5, kerasLayers(b));
      expect((await readWeightSource({ kind: 'keras-h5', path: h5 })).fingerprint).not.to.equal(first.fingerprint);
      expect(first.fingerprint).to.match(/^sha256:[0-9a-f]{64}$/);

      const tfjsDir = join(dir, 'tfjs');
      mkdirSync(tfjsDir);
      writeLayersModel(tfjsDir, await saveLayersArtifacts(a));
      const t1 = await readWeightSource({ kind: 'tfjs-layers', path: tfjsDir });
      writeLayersModel(tfjsDir, await saveLayersArtifacts(b));
      expect((await readWeightSource({ kind: 'tfjs-layers', path: tfjsDir })).fingerprint).not.to.equal(t1.fingerprint);

      saveCheckpoint(a, join(dir, 'ckpt'));
      const c1 = await readWeightSource({ kind: 'checkpoint', path: join(dir, 'ckpt') });
      saveCheckpoint(b, join(dir, 'ckpt'));
      expect((await readWeightSource({ kind: 'checkpoint', path: join(dir, 'ckpt') })).fingerprint).not.to.equal(c1.fingerprint);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('fits RGB weights to a 1-channel model: classifier dropped, first conv summed over RGB, the rest as stored', async () => {
    const rgb = tiny(3, 99, 5);
    const gray = tiny(1, 7, 2);
    try {
      const h5 = join(dir, 'rgb.h5');
      await writeKerasH5(h5, kerasLayers(rgb));
      const src = await readWeightSource({ kind: 'keras-h5', path: h5 });
      const before = snapshot(gray);
      const fitted = fitWeightsToModel(gray, src.weights);
      expect(fitted.steps[0]).to.match(/^dropped classifier 2 tensors: head_dense\/kernel \[256,5\], head_dense\/bias \[5\]/);
      expect(fitted.steps[1]).to.contain('first conv block1_conv: kernel [5,5,3,32] summed over its RGB input channels to [5,5,1,32]');
      applyInit(gray, { kind: 'pretrained' }, fitted.weights, 7);
      const pre = snapshot(rgb);
      const now = snapshot(gray);
      const k = pre.get('block1_conv/kernel')!;
      const summed = new Float32Array(k.length / 3);
      for (let p = 0; p < 25; p++) for (let c = 0; c < 3; c++) for (let o = 0; o < 32; o++) summed[p * 32 + o] += k[(p * 3 + c) * 32 + o];
      for (const [key, v] of now) {
        if (key === 'block1_conv/kernel') expect(sameBits(v, summed), key).to.equal(true);
        else if (key.startsWith('head_dense/')) expect(sameBits(v, before.get(key)), key).to.equal(true);
        else expect(sameBits(v, pre.get(key)), key).to.equal(true);
      }
      // The adapted model computes on a gray image what the RGB model computes on it repeated to 3 channels.
      const g = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3);
      const feat = (m: typeof gray, x: tf.Tensor) =>
        tf.tidy(() => (tf.model({ inputs: m.model.inputs, outputs: m.model.getLayer('gap').output }).predict(x) as tf.Tensor).dataSync() as Float32Array);
      const a = feat(gray, g);
      const b = feat(rgb, tf.tidy(() => tf.concat([g, g, g], 3)));
      g.dispose();
      a.forEach((v, i) => expect(v).to.be.closeTo(b[i], 1e-4));
    } finally {
      rgb.dispose();
      gray.dispose();
    }
  });

  it('leaves a 3-channel model’s first conv alone and refuses a layer whose shape differs, naming it and both shapes', async () => {
    const src = tiny(3, 5);
    const other = createModel({ name: 'cbr-tiny', params: { tinyChannels: 'printed' } }, { inputShape: [8, 8, 3], numClasses: 2, seed: 1 });
    const target = tiny(3, 6);
    try {
      const h5 = join(dir, 'same.h5');
      await writeKerasH5(h5, kerasLayers(src));
      const fitted = fitWeightsToModel(target, (await readWeightSource({ kind: 'keras-h5', path: h5 })).weights);
      expect(fitted.steps).to.have.length(1);
      await writeKerasH5(h5, kerasLayers(other));
      const wrong = fitWeightsToModel(target, (await readWeightSource({ kind: 'keras-h5', path: h5 })).weights);
      expect(() => applyInit(target, { kind: 'pretrained' }, wrong.weights, 6)).to.throw(
        WeightShapeError,
        'layer "block1_conv": block1_conv/kernel is [5,5,3,32] in the model but [5,5,3,64] in the checkpoint',
      );
    } finally {
      src.dispose();
      other.dispose();
      target.dispose();
    }
  });

  it('reads an unreadable .h5 as a DataFormatError naming the file', async () => {
    const bad = join(dir, 'bad.h5');
    writeFileSync(bad, 'not hdf5');
    try {
      await readWeightSource({ kind: 'keras-h5', path: bad });
      expect.fail('should have thrown');
    } catch (err) {
      expect((err as Error).message).to.contain('bad.h5').and.to.contain('not an HDF5 file');
    }
  });

  it('maps an InceptionV3 file with Keras 2.0–2.2 names (conv2d_1 … conv2d_94) onto tf.keras names (conv2d … conv2d_93)', () => {
    const m = createModel({ name: 'inception-v3', params: {} }, { inputShape: [75, 75, 3], numClasses: 1000, seed: 1 });
    try {
      const ours = snapshot(m);
      const shapes = new Map(namedWeights(m.model).map((w) => [w.key, shapeOf(w.variable)]));
      // The keras.applications file numbers every automatic name one higher, in the same order.
      const old = (layer: string) => layer.replace(/^(conv2d|batch_normalization)(?:_(\d+))?$/, (_, p: string, n?: string) => `${p}_${n === undefined ? 1 : Number(n) + 1}`);
      const tensors = new Map<string, CheckpointTensor>();
      for (const [k, v] of ours) tensors.set(`${old(k.slice(0, k.lastIndexOf('/')))}/${k.slice(k.lastIndexOf('/') + 1)}`, { shape: shapes.get(k)!, data: v });
      expect(tensors.has('conv2d_94/kernel') && !tensors.has('conv2d/kernel')).to.equal(true);
      const out = renumberKerasAutoNames(m, { source: 'old keras', tensors });
      expect(out.log).to.equal(
        'renumbered Keras 2.0–2.2 automatic layer names to tf.keras numbering: conv2d_1 … conv2d_94 → conv2d … conv2d_93; batch_normalization_1 … batch_normalization_94 → batch_normalization … batch_normalization_93',
      );
      for (const [k, v] of ours) expect(out.weights.tensors.get(k)?.data, k).to.equal(v);
      // Already tf.keras-numbered weights are left alone.
      expect(renumberKerasAutoNames(m, out.weights).log).to.equal(undefined);
      // Every tensor then loads, strictly (no missing, no unexpected, no shape mismatch).
      expect(loadWeights(m, out.weights, { strict: true }).matched).to.have.length(ours.size);
    } finally {
      m.dispose();
    }
  });
});
