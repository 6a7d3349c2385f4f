// CBR nets: parameter counts against a hand formula and the paper, both options, layer names,
// groups, and the refusal of inputs that valid padding would shrink to nothing.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { countParams } from './count';
import { createModel } from './model';
import { useCpuBackend } from './test-helpers';

/**
 * Expected counts from the formula, channels written out independently of cbr.ts:
 * conv k·k·c_in·c_out (no bias), batch norm 4·c (gamma, beta trainable; moving mean and
 * variance not), head F·classes + classes.
 */
function formula(kernel: number, inChannels: number, channels: number[], classes: number) {
  let conv = 0;
  let c = inChannels;
  for (const f of channels) {
    conv += kernel * kernel * c * f;
    c = f;
  }
  const bnChannels = channels.reduce((a, b) => a + b, 0);
  const head = c * classes + classes;
  return { total: conv + 4 * bnChannels + head, trainable: conv + 2 * bnChannels + head, nonTrainable: 2 * bnChannels };
}

// The paper reports ~8.5M (LargeT, LargeW), ~2.1M (Small), ~1.08M (Tiny); DESIGN.md gives ~4.3M
// for Tiny as printed. The paper rounds to 2–3 significant figures and does not say whether
// biases or batch-norm statistics are counted, so we accept a 1 % relative difference.
const PAPER_TOLERANCE = 0.01;

const CASES = [
  // `pinned` = the formula's value for 3-channel 224-px input and 5 classes, written out so a
  // change to the formula itself is noticed too.
  { name: 'cbr-large-t', params: {}, kernel: 7, channels: [32, 64, 128, 256, 512], paper: 8.5e6, pinned: 8_541_157 },
  { name: 'cbr-large-w', params: {}, kernel: 7, channels: [64, 128, 256, 512], paper: 8.5e6, pinned: 8_445_381 },
  { name: 'cbr-small', params: {}, kernel: 7, channels: [32, 64, 128, 256], paper: 2.1e6, pinned: 2_115_301 },
  { name: 'cbr-tiny', params: {}, kernel: 5, channels: [32, 64, 128, 256], paper: 1.08e6, pinned: 1_080_805 },
  { name: 'cbr-tiny', params: { tinyChannels: 'printed' }, kernel: 5, channels: [64, 128, 256, 512], paper: 4.3e6, pinned: 4_312_005 },
];

describe('CBR backbones', () => {
  before(useCpuBackend);

  describe('parameter counts for the paper input (224×224×3, 5 Retina classes)', () => {
    for (const c of CASES) {
      const label = `${c.name}${Object.keys(c.params).length ? ` ${JSON.stringify(c.params)}` : ''}`;
      it(`${label}: formula ${c.pinned.toLocaleString('en')} and within 1 % of the paper's ${c.paper / 1e6}M`, () => {
        const expected = formula(c.kernel, 3, c.channels, 5);
        expect(expected.total).to.equal(c.pinned);
        for (const padding of ['same', 'valid'] as const) {
          // Padding changes spatial sizes but never weight shapes (GAP before the head).
          const m = createModel({ name: c.name, params: { ...c.params, padding } }, { inputShape: [224, 224, 3], numClasses: 5, seed: 1 });
          try {
            expect(countParams(m.model)).to.deep.equal(expected);
            expect(m.paramCount).to.equal(expected.total);
          } finally {
            m.dispose();
          }
        }
        expect(Math.abs(expected.total - c.paper) / c.paper).to.be.below(PAPER_TOLERANCE);
      });
    }

    it('counts one-channel input and other class counts by the same formula', () => {
      const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [28, 28, 1], numClasses: 2, seed: 1 });
      try {
        expect(countParams(m.model)).to.deep.equal(formula(5, 1, [32, 64, 128, 256], 2));
      } finally {
        m.dispose();
      }
    });
  });

  it('uses explicit, stable layer names and groups blocks in order with the head last', () => {
    const m = createModel({ name: 'cbr-large-t', params: {} }, { inputShape: [28, 28, 3], numClasses: 3, seed: 1 });
    try {
      const block = (i: number, pool: boolean) => [`block${i}_conv`, `block${i}_bn`, `block${i}_relu`, ...(pool ? [`block${i}_pool`] : [])];
      const blocks = [block(1, true), block(2, true), block(3, true), block(4, true), block(5, false)];
      expect(m.model.layers.map((l) => l.name)).to.deep.equal(['input', ...blocks.flat(), 'gap', 'head_dense']);
      expect(m.groups.map((g) => g.name)).to.deep.equal(['block1', 'block2', 'block3', 'block4', 'block5', 'head']);
      expect(m.groups[4].layers).to.deep.equal([...block(5, false), 'gap']);
      expect(m.headLayers).to.deep.equal(['head_dense']);
      const conv = m.model.getLayer('block1_conv').getConfig();
      expect(conv.kernelSize).to.deep.equal([7, 7]);
      expect(conv).to.include({ useBias: false, padding: 'same' });
      expect(conv.strides).to.deep.equal([1, 1]);
    } finally {
      m.dispose();
    }
  });

  it('builds CBR-LargeW, Small and Tiny with a pool after every conv', () => {
    for (const name of ['cbr-large-w', 'cbr-small', 'cbr-tiny']) {
      const m = createModel({ name, params: {} }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1 });
      try {
        const names = m.model.layers.map((l) => l.name);
        expect(names.filter((n) => n.endsWith('_conv')), name).to.have.length(4);
        expect(names.filter((n) => n.endsWith('_pool')), name).to.have.length(4);
      } finally {
        m.dispose();
      }
    }
  });

  it('with valid padding, pools are valid too and 224 px fits down to 1×1', () => {
    const m = createModel({ name: 'cbr-large-t', params: { padding: 'valid' } }, { inputShape: [224, 224, 3], numClasses: 5, seed: 1 });
    try {
      // 224 →conv 218 →pool 108 →102 →50 →44 →21 →15 →7 →conv 1
      expect(m.model.getLayer('block5_conv').outputShape).to.deep.equal([null, 1, 1, 512]);
      expect(m.model.getLayer('block1_pool').getConfig()).to.include({ padding: 'valid' });
    } finally {
      m.dispose();
    }
  });

  it('refuses, before building, an input that valid padding shrinks below one pixel', () => {
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      createModel({ name: 'cbr-small', params: { padding: 'valid' } }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1, path: 'sweep.backbone[0]' });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    const e = caught as ConfigError;
    expect(e.path).to.equal('sweep.backbone[0].params.padding');
    expect(e.message).to.contain('cbr-small with padding "valid" cannot take a 28×28 input');
    expect(e.message).to.contain('block3_conv');
    expect(e.message).to.match(/Use padding "same" \(the default\), or images of at least (\d+)×\1 pixels/);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('the size it suggests for valid padding is indeed the smallest that builds', () => {
    let msg = '';
    try {
      createModel({ name: 'cbr-tiny', params: { padding: 'valid' } }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1 });
    } catch (err) {
      msg = (err as Error).message;
    }
    const min = Number(/at least (\d+)×/.exec(msg)?.[1]);
    expect(min).to.be.greaterThan(28);
    const ok = createModel({ name: 'cbr-tiny', params: { padding: 'valid' } }, { inputShape: [min, min, 1], numClasses: 2, seed: 1 });
    ok.dispose();
    expect(() => createModel({ name: 'cbr-tiny', params: { padding: 'valid' } }, { inputShape: [min - 1, min - 1, 1], numClasses: 2, seed: 1 })).to.throw(
      ConfigError,
    );
  });

  it('validates params strictly, with the config path and did-you-mean', () => {
    const make = (name: string, params: Record<string, unknown>) => () =>
      createModel({ name, params }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1, path: 'sweep.backbone[1]' });
    expect(make('cbr-tiny', { tinyChanels: 'printed' })).to.throw(
      ConfigError,
      /^sweep\.backbone\[1\]\.params\.tinyChanels: unknown key "tinyChanels"; did you mean "tinyChannels"\?/,
    );
    expect(make('cbr-small', { tinyChannels: 'printed' })).to.throw(ConfigError, /params\.tinyChannels: unknown key .*Valid key names: padding/);
    expect(make('cbr-small', { padding: 'full' })).to.throw(ConfigError, /^sweep\.backbone\[1\]\.params\.padding: unknown value "full".*same, valid/);
    expect(make('cbr-tiny', { tinyChannels: 64 })).to.throw(ConfigError, /params\.tinyChannels: .*printed, reported/);
  });
});
