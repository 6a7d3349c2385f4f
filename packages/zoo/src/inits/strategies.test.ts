import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { Checkpoint, readCheckpoint, saveCheckpoint } from '../checkpoint';
import { ClassifierModel, createModel } from '../model';
import { images, sameBits, snapshot, tempDir, useCpuBackend } from '../test-helpers';
import { applyInit, gaborBank, needsPretrained, strategyId } from './index';

// 8 px keeps the cpu backend's slow convolution gradients (one training step below) to about a second.
const SIZE = 8;
const tiny = (seed: number, numClasses = 2) => createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [SIZE, SIZE, 3], numClasses, seed });
const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: Float32Array) => {
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};

describe('init strategies', function () {
  this.timeout(60_000);
  let ckpt: Checkpoint;
  let pre: Map<string, Float32Array>;
  let fresh: Map<string, Float32Array>;
  let cleanup: () => void;
  const models: ClassifierModel[] = [];
  const make = (seed = 7) => {
    const m = tiny(seed);
    models.push(m);
    return m;
  };

  before(async () => {
    await useCpuBackend();
    const t = tempDir('strategies');
    cleanup = t.cleanup;
    // "Pretrained": a differently seeded 4-class model, with non-trivial batch-norm statistics.
    const source = tiny(99, 4);
    tf.tidy(() => {
      source.model.apply(images(4, SIZE, 3), { training: true });
    });
    saveCheckpoint(source, t.dir);
    pre = snapshot(source);
    source.dispose();
    ckpt = readCheckpoint(t.dir);
    const f = make();
    fresh = snapshot(f);
  });
  after(() => {
    models.forEach((m) => m.dispose());
    cleanup();
  });

  const groupKeys = (m: ClassifierModel, i: number) => [...snapshot(m).keys()].filter((k) => m.groups[i].layers.includes(k.slice(0, k.lastIndexOf('/'))));

  it('names strategies stably and knows which need pretrained weights', () => {
    expect(strategyId({ kind: 'transfusion', k: 2 })).to.equal('transfusion-2');
    expect(strategyId({ kind: 'mean-var', batchNorm: false })).to.equal('mean-var-nobn');
    expect(needsPretrained({ kind: 'scratch' })).to.equal(false);
    expect(needsPretrained({ kind: 'gabor-conv1' })).to.equal(false);
    expect(needsPretrained({ kind: 'frozen', k: 1 })).to.equal(true);
  });

  it('scratch leaves the standard initialisation', () => {
    const m = make();
    applyInit(m, { kind: 'scratch' }, undefined, 7);
    for (const [k, v] of snapshot(m)) expect(sameBits(v, fresh.get(k)), k).to.equal(true);
  });

  it('pretrained copies every backbone tensor and keeps a fresh head', () => {
    const m = make();
    const out = applyInit(m, { kind: 'pretrained' }, ckpt, 7);
    expect(out.report?.matched.length).to.be.greaterThan(0);
    for (const [k, v] of snapshot(m)) {
      const isHead = m.headLayers.includes(k.slice(0, k.lastIndexOf('/')));
      expect(sameBits(v, isHead ? fresh.get(k) : pre.get(k)), k).to.equal(true);
    }
  });

  it('transfusion k copies groups 1..k only, tensor by tensor', () => {
    const m = make();
    applyInit(m, { kind: 'transfusion', k: 2 }, ckpt, 7);
    const now = snapshot(m);
    for (const k of [...groupKeys(m, 0), ...groupKeys(m, 1)]) expect(sameBits(now.get(k), pre.get(k)), k).to.equal(true);
    for (const k of groupKeys(m, 2)) expect(sameBits(now.get(k), fresh.get(k)), k).to.equal(true);
    expect(groupKeys(m, 0).length).to.be.greaterThan(0);
  });

  it('rejects a k outside the backbone’s groups, naming the groups', () => {
    const m = make();
    expect(() => applyInit(m, { kind: 'transfusion', k: 9 }, ckpt, 7, 'sweep.init[2]')).to.throw(ConfigError, /sweep\.init\[2\]: cbr-tiny has 4 layer groups \(block1, block2, block3, block4\)/);
  });

  it('mean-var draws each tensor from the pretrained tensor’s mean and std', () => {
    const m = make();
    applyInit(m, { kind: 'mean-var', batchNorm: true }, ckpt, 7);
    const now = snapshot(m);
    const kernel = 'block3_conv/kernel';
    const a = now.get(kernel)!;
    const b = pre.get(kernel)!;
    expect(sameBits(a, b)).to.equal(false);
    expect(mean(a)).to.be.closeTo(mean(b), 0.05 * std(b) + 1e-4);
    expect(std(a) / std(b)).to.be.closeTo(1, 0.02);
    for (const v of now.get('block1_bn/moving_variance')!) expect(v).to.be.at.least(0);
    // same seed, same draw
    const m2 = make();
    applyInit(m2, { kind: 'mean-var', batchNorm: true }, ckpt, 7);
    expect(sameBits(snapshot(m2).get(kernel), a)).to.equal(true);
  });

  it('mean-var can leave batch norm at its standard initialisation', () => {
    const m = make();
    applyInit(m, { kind: 'mean-var', batchNorm: false }, ckpt, 7);
    const now = snapshot(m);
    expect(sameBits(now.get('block1_bn/gamma'), fresh.get('block1_bn/gamma'))).to.equal(true);
    expect(sameBits(now.get('block1_bn/moving_mean'), fresh.get('block1_bn/moving_mean'))).to.equal(true);
    expect(sameBits(now.get('block1_conv/kernel'), fresh.get('block1_conv/kernel'))).to.equal(false);
  });

  it('frozen k keeps groups 1..k fixed, batch norm in inference mode, while the rest trains', () => {
    const m = make();
    const out = applyInit(m, { kind: 'frozen', k: 1 }, ckpt, 7);
    expect(out.frozenLayers).to.include.members(['block1_conv', 'block1_bn']);
    const trainable = m.model.trainableWeights.map((w) => w.originalName);
    expect(trainable.some((n) => n.startsWith('block1_'))).to.equal(false);
    const before = snapshot(m);
    const opt = tf.train.sgd(0.1);
    tf.tidy(() => {
      const x = images(2, SIZE, 3, 5);
      opt.minimize(() => (m.model.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar);
    });
    opt.dispose();
    const after = snapshot(m);
    for (const k of ['block1_conv/kernel', 'block1_bn/gamma', 'block1_bn/moving_mean', 'block1_bn/moving_variance']) {
      expect(sameBits(after.get(k), before.get(k)), `${k} should not change`).to.equal(true);
    }
    expect(sameBits(after.get('block2_bn/moving_mean'), before.get('block2_bn/moving_mean'))).to.equal(false);
    expect(sameBits(after.get('block2_conv/kernel'), before.get('block2_conv/kernel'))).to.equal(false);
  });

  it('gabor-conv1 sets the first conv to zero-mean, He-scaled Gabor filters', () => {
    const m = make();
    applyInit(m, { kind: 'gabor-conv1' }, undefined, 7);
    const now = snapshot(m);
    const k = now.get('block1_conv/kernel')!;
    const shape = m.model.getLayer('block1_conv').getWeights()[0].shape;
    expect(sameBits(k, gaborBank(shape))).to.equal(true);
    const [kh, kw, cin, cout] = shape;
    for (let o = 0; o < cout; o++) {
      let s = 0;
      for (let i = 0; i < kh * kw * cin; i++) s += k[i * cout + o];
      expect(Math.abs(s)).to.be.below(1e-4);
    }
    expect(sameBits(now.get('block2_conv/kernel'), fresh.get('block2_conv/kernel'))).to.equal(true);
  });

  it('pretrained-bn-only copies the batch-norm layers (γ, β, moving statistics) and nothing else', () => {
    const m = make();
    const out = applyInit(m, { kind: 'pretrained-bn-only' }, ckpt, 7);
    expect(needsPretrained({ kind: 'pretrained-bn-only' })).to.equal(true);
    expect(out.report?.matched).to.have.length(4 * 4); // cbr-tiny: 4 batch norms × γ, β, mean, variance
    for (const [k, v] of snapshot(m)) {
      const isBn = /^block\d_bn\//.test(k);
      expect(sameBits(v, isBn ? pre.get(k) : fresh.get(k)), k).to.equal(true);
    }
    expect(sameBits(pre.get('block1_bn/moving_mean'), fresh.get('block1_bn/moving_mean')), 'the source’s statistics moved').to.equal(false);
  });

  it('refuses a pretrained strategy without weights', () => {
    expect(() => applyInit(make(), { kind: 'pretrained' }, undefined, 7)).to.throw(ConfigError, /needs pretrained weights/);
  });
});
