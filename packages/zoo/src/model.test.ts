// createModel: registry look-up errors, option checks, seeded initialisation per layer.
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { layerSeed } from './init';
import { createModel } from './model';
import { HEAD_LAYER } from './spec';
import { backbones } from './registry';
import { predict, images, useCpuBackend } from './test-helpers';

describe('createModel', () => {
  before(useCpuBackend);

  it('names the unknown backbone, the config path and the nearest names', () => {
    expect(() => createModel({ name: 'cbr-smal', params: {} }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1, path: 'sweep.backbone[2]' })).to.throw(
      ConfigError,
      /^sweep\.backbone\[2\]: unknown backbone "cbr-smal"; did you mean "cbr-small".*Valid backbone names: cbr-large-t, cbr-large-w, cbr-small, cbr-tiny/,
    );
  });

  it('rejects bad class counts and input shapes with what was received', () => {
    const make = (inputShape: [number, number, number], numClasses: number) => () =>
      createModel({ name: 'cbr-tiny', params: {} }, { inputShape, numClasses, seed: 1, path: 'target' });
    expect(make([28, 28, 3], 0)).to.throw(ConfigError, /^target: numClasses must be a positive integer .*received 0/);
    expect(make([28, 28, 3], 2.5)).to.throw(ConfigError, /received 2\.5/);
    expect(make([28, 0, 3], 2)).to.throw(ConfigError, /input shape .*received \[28,0,3\]/);
  });

  it('fills param defaults and records them on the model', () => {
    const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [28, 28, 1], numClasses: 2, seed: 1 });
    try {
      expect(m.params).to.deep.equal({ padding: 'same', tinyChannels: 'reported' });
      expect(m.backbone).to.equal('cbr-tiny');
      expect(m.inputShape).to.deep.equal([28, 28, 1]);
      expect(m.numClasses).to.equal(2);
      expect(m.model.outputs[0].shape).to.deep.equal([null, 2]);
    } finally {
      m.dispose();
    }
  });

  it('outputs logits: the head has no activation', () => {
    const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [16, 16, 3], numClasses: 4, seed: 1 });
    const x = images(3, 16, 3);
    try {
      expect(m.model.getLayer(HEAD_LAYER).getConfig().activation).to.equal('linear');
      const rows = predict(m, x);
      // Softmax rows would sum to 1; logits almost surely do not.
      const sum = rows.slice(0, 4).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).to.be.greaterThan(1e-3);
    } finally {
      x.dispose();
      m.dispose();
    }
  });

  it('derives a different, reproducible seed for every layer', () => {
    expect(layerSeed(1, 'block1_conv')).to.equal(layerSeed(1, 'block1_conv'));
    expect(layerSeed(1, 'block1_conv')).not.to.equal(layerSeed(1, 'block2_conv'));
    expect(layerSeed(1, 'block1_conv')).not.to.equal(layerSeed(2, 'block1_conv'));
  });

  it('gives a new head the same backbone weights for the same seed (head swap by rebuild)', () => {
    const a = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [28, 28, 3], numClasses: 16, seed: 4 });
    const b = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [28, 28, 3], numClasses: 2, seed: 4 });
    try {
      const kernel = (m: typeof a, layer: string) => m.model.getLayer(layer).getWeights()[0].dataSync();
      expect(kernel(a, 'block3_conv')).to.deep.equal(kernel(b, 'block3_conv'));
      expect(a.model.getLayer(HEAD_LAYER).getWeights()[0].shape).to.deep.equal([256, 16]);
      expect(b.model.getLayer(HEAD_LAYER).getWeights()[0].shape).to.deep.equal([256, 2]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('registers backbones from one list, each under its own name', () => {
    expect(backbones.names()).to.have.length.greaterThan(3);
    for (const name of backbones.names()) expect(backbones.get(name).name).to.equal(name);
  });
});
