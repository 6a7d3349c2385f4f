// The slim model: kept groups + a fresh CBR or depthwise top; `init: slim` loads exactly the
// kept groups (tensor by tensor), the model trains (a gradient on every trainable weight), no leaks.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { readCheckpoint, saveCheckpoint } from './checkpoint';
import { createModel } from './model';
import { SLIM_TOP_GROUP, type SlimOptions, createSlimModel } from './slim';
import { applyInit, needsPretrained, strategyId } from './inits';
import { images, sameBits, snapshot, tempDir, useCpuBackend } from './test-helpers';

const SIZE = 8;
const opts = (seed: number, numClasses = 2, size = SIZE) => ({ inputShape: [size, size, 3] as [number, number, number], numClasses, seed });
const slimOf = (s: Partial<SlimOptions> & { keep: number }): SlimOptions => ({ top: 'cbr', blocks: 2, filters: 16, ...s });

describe('slim model and init', function () {
  this.timeout(60_000);
  before(useCpuBackend);

  it('keeps groups 1..k, adds a named top, and drops (and frees) the upper groups', () => {
    const before = tf.memory().numTensors;
    const full = createModel({ name: 'cbr-tiny', params: {} }, opts(1));
    const fullCount = full.model.weights.length;
    full.dispose();
    const m = createSlimModel({ name: 'cbr-tiny', params: {} }, opts(1), slimOf({ keep: 2 }));
    try {
      expect(m.groups.map((g) => g.name)).to.deep.equal(['block1', 'block2', SLIM_TOP_GROUP, 'head']);
      const names = m.model.layers.map((l) => l.name);
      expect(names).to.include.members(['block2_pool', 'slim_block1_conv', 'slim_block1_bn', 'slim_block2_pool', 'slim_gap', 'head_dense']);
      expect(names.some((n) => n.startsWith('block3') || n.startsWith('block4'))).to.equal(false);
      expect(m.model.outputs[0].shape).to.deep.equal([null, 2]);
      // Kept: 5×5×3×32 + 4×32 and 5×5×32×64 + 4×64; top: 3×3×64×16 + 4×16 and 3×3×16×16 + 4×16; head 16×2 + 2.
      expect(m.paramCount).to.equal(2400 + 128 + 51_200 + 256 + 9216 + 64 + 2304 + 64 + 34);
      expect(m.model.weights.length).to.be.lessThan(fullCount + 8);
    } finally {
      m.dispose();
    }
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('builds a depthwise-separable top', () => {
    const m = createSlimModel({ name: 'cbr-tiny', params: {} }, opts(1), slimOf({ keep: 1, top: 'depthwise', blocks: 1 }));
    try {
      const top = m.groups.find((g) => g.name === SLIM_TOP_GROUP)!.layers;
      expect(top).to.deep.equal(['slim_block1_dw', 'slim_block1_dw_bn', 'slim_block1_dw_relu', 'slim_block1_pw', 'slim_block1_pw_bn', 'slim_block1_pw_relu', 'slim_block1_pool', 'slim_gap']);
      expect(m.model.getLayer('slim_block1_dw').getClassName()).to.equal('DepthwiseConv2D');
    } finally {
      m.dispose();
    }
  });

  it('cuts an ImageNet backbone at a stage boundary (resnet18, small stem)', () => {
    const m = createSlimModel({ name: 'resnet18', params: { stem: 'small' } }, opts(3, 4, 16), slimOf({ keep: 2 }));
    try {
      expect(m.groups.map((g) => g.name)).to.deep.equal(['stem', 'conv2', SLIM_TOP_GROUP, 'head']);
      const out = tf.tidy(() => (m.model.predict(images(2, 16, 3)) as tf.Tensor).shape);
      expect(out).to.deep.equal([2, 4]);
      expect(m.model.getLayer('slim_block1_conv').getWeights()[0].shape).to.deep.equal([3, 3, 64, 16]);
    } finally {
      m.dispose();
    }
  });

  it('refuses a keep that leaves no group to replace, naming the groups and the config path', () => {
    const before = tf.memory().numTensors;
    expect(() => createSlimModel({ name: 'cbr-tiny', params: {} }, opts(1), slimOf({ keep: 4 }), 'sweep.init[3]')).to.throw(
      ConfigError,
      'sweep.init[3].slim.keep: cbr-tiny has 4 layer groups (block1, block2, block3, block4); a slim model keeps 1 to 3 of them under a new top, received 4',
    );
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('names the strategy and needs pretrained weights', () => {
    expect(strategyId({ kind: 'slim', ...slimOf({ keep: 2, filters: 256 }) })).to.equal('slim-2-cbr');
    expect(strategyId({ kind: 'slim', keep: 1, top: 'depthwise', blocks: 3, filters: 64 })).to.equal('slim-1-depthwise-b3-f64');
    expect(needsPretrained({ kind: 'slim', ...slimOf({ keep: 1 }) })).to.equal(true);
  });

  it('init slim: kept groups pretrained tensor by tensor, top and head as freshly initialised; every trainable weight gets a gradient', () => {
    const { dir, cleanup } = tempDir('slim');
    const source = createModel({ name: 'cbr-tiny', params: {} }, opts(99, 5));
    const s = slimOf({ keep: 2 });
    const m = createSlimModel({ name: 'cbr-tiny', params: {} }, opts(7), s);
    const twin = createSlimModel({ name: 'cbr-tiny', params: {} }, opts(7), s);
    try {
      tf.tidy(() => {
        source.model.apply(images(4, SIZE, 3), { training: true });
      });
      saveCheckpoint(source, dir);
      const pre = snapshot(source);
      const fresh = snapshot(twin);
      const out = applyInit(m, { kind: 'slim', ...s }, readCheckpoint(dir), 7);
      const kept = new Set([...m.groups[0].layers, ...m.groups[1].layers]);
      const now = snapshot(m);
      let loaded = 0;
      for (const [key, v] of now) {
        const layer = key.slice(0, key.lastIndexOf('/'));
        if (kept.has(layer)) {
          expect(sameBits(v, pre.get(key)), key).to.equal(true);
          loaded++;
        } else {
          expect(sameBits(v, fresh.get(key)), key).to.equal(true);
          expect(sameBits(v, pre.get(key)), key).to.equal(false);
        }
      }
      expect(loaded).to.equal(10); // 2 blocks × (conv kernel + BN γ, β, moving mean, moving variance)
      expect(out.report?.matched).to.have.length(10);
      expect(out.description).to.match(/^slim keep=2: loaded 10 pretrained tensors/);

      const zeroGrad = tf.tidy(() => {
        const x = images(4, SIZE, 3);
        const labels = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
        const loss = () => tf.losses.softmaxCrossEntropy(labels, m.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
        const vars = m.model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(loss, vars);
        expect(Object.keys(grads)).to.have.length(vars.length);
        return Object.entries(grads)
          .filter(([, gr]) => tf.max(tf.abs(gr)).dataSync()[0] === 0 || !tf.all(tf.isFinite(gr)).dataSync()[0])
          .map(([k]) => k);
      });
      expect(zeroGrad, 'weights with a zero or non-finite gradient').to.deep.equal([]);
      // kept: 2 × (kernel, γ, β); top: 2 × (kernel, γ, β); head: kernel, bias.
      expect(m.model.trainableWeights.length).to.equal(6 + 6 + 2);
    } finally {
      source.dispose();
      m.dispose();
      twin.dispose();
      cleanup();
    }
  });

  it('init slim refuses a model that is not slim', () => {
    const m = createModel({ name: 'cbr-tiny', params: {} }, opts(1));
    try {
      expect(() => applyInit(m, { kind: 'slim', ...slimOf({ keep: 1 }) }, { source: 'x', tensors: new Map() }, 1)).to.throw(/needs the slim model/);
    } finally {
      m.dispose();
    }
  });
});
