// MobileNet v1: Keras parameter counts (1.0/224 pinned, other widths by formula), Keras layer
// names and top, stage groups by stride, the minimum input and the small-input stem.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { ClassifierModel, createModel, minInputSize } from './model';
import { useCpuBackend } from './test-helpers';

function withModel<T>(params: Record<string, unknown>, size: number, classes: number, fn: (m: ClassifierModel) => T): T {
  const m = createModel({ name: 'mobilenet-v1', params }, { inputShape: [size, size, 3], numClasses: classes, seed: 1 });
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

/**
 * Written out independently of mobilenet.ts (Howard et al. 2017, Table 1): conv1 3×3×3×c0 + BN,
 * then per block depthwise 3×3×c_in + BN and pointwise c_in×c_out + BN (BN = 4 weights per
 * channel), then conv_preds F×classes + classes. Widths are Keras' int(c × alpha).
 */
function formula(alpha: number, classes: number): number {
  const w = (c: number) => Math.floor(c * alpha);
  const widths = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024].map(w);
  let c = w(32);
  let n = 27 * c + 4 * c;
  for (const out of widths) {
    n += 9 * c + 4 * c + c * out + 4 * out;
    c = out;
  }
  return n + c * classes + classes;
}

describe('MobileNet v1 backbone', () => {
  before(useCpuBackend);

  it('1.0/224 has the Keras parameter count (4,253,864; 3,228,864 without top), Keras names and top', () =>
    withModel({}, 224, 1000, (m) => {
      // keras.applications.MobileNet().count_params() and MobileNet(include_top=False).count_params().
      expect(m.paramCount).to.equal(4_253_864);
      expect(m.paramCount - (1024 * 1000 + 1000)).to.equal(3_228_864);
      expect(formula(1, 1000)).to.equal(4_253_864);
      expect(m.headLayers).to.deep.equal(['reshape_1', 'dropout', 'conv_preds', 'reshape_2']);
      expect(m.model.getLayer('conv_preds').weights.map((w) => w.shape)).to.deep.equal([[1, 1, 1024, 1000], [1000]]);
      const names = m.model.layers.map((l) => l.name);
      expect(names).to.include.members(['conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1', 'conv_dw_1_bn', 'conv_pw_1', 'conv_pad_2', 'conv_dw_13_relu', 'conv_pw_13_relu']);
      expect(names.filter((n) => n.startsWith('conv_pad_'))).to.deep.equal(['conv_pad_2', 'conv_pad_4', 'conv_pad_6', 'conv_pad_12']);
      expect(m.model.getLayer('conv_dw_5').weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['depthwise_kernel']);
      expect(m.model.getLayer('conv_pw_13_relu').outputShape).to.deep.equal([null, 7, 7, 1024]);
      expect(m.groups.map((g) => `${g.name}:${g.layers.filter((l) => /^conv_dw_\d+$/.test(l)).map((l) => l.slice(8)).join(',')}`)).to.deep.equal([
        'stem:',
        'stage1:1',
        'stage2:2,3',
        'stage3:4,5',
        'stage4:6,7,8,9,10,11',
        'stage5:12,13',
        'head:',
      ]);
    }));

  for (const alpha of [0.25, 0.5, 0.75]) {
    it(`alpha ${alpha}: parameter count by formula (${formula(alpha, 1000).toLocaleString('en')})`, () =>
      withModel({ alpha }, 224, 1000, (m) => {
        expect(m.paramCount).to.equal(formula(alpha, 1000));
        expect(m.model.getLayer('conv1').weights[0].shape).to.deep.equal([3, 3, 3, Math.floor(32 * alpha)]);
      }));
  }

  it('needs 31 px with the ImageNet stem, 16 px with stem "small" (conv1 stride 1), which takes 28-px images', () => {
    expect(minInputSize({ name: 'mobilenet-v1', params: {} })).to.equal(31);
    expect(minInputSize({ name: 'mobilenet-v1', params: { stem: 'small' } })).to.equal(16);
    const before = tf.memory().numTensors;
    expect(() => createModel({ name: 'mobilenet-v1', params: {} }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1, path: 'b' })).to.throw(
      ConfigError,
      /^b: mobilenet-v1 cannot take a 28×28 input: it needs at least 31×31 .*imageSize ≥ 31.*stem: small/,
    );
    expect(tf.memory().numTensors).to.equal(before);
    withModel({ stem: 'small', alpha: 0.25 }, 28, 2, (m) => {
      expect(m.model.getLayer('conv1').outputShape).to.deep.equal([null, 28, 28, 8]);
      expect(m.model.getLayer('conv_pw_13_relu').outputShape).to.deep.equal([null, 1, 1, 256]);
    });
  });

  it('rejects a width without ImageNet weights, naming the valid ones', () => {
    expect(() => createModel({ name: 'mobilenet-v1', params: { alpha: 0.3 } }, { inputShape: [64, 64, 3], numClasses: 2, seed: 1, path: 'b' })).to.throw(
      ConfigError,
      /^b\.params\.alpha: .*0\.3.*0\.25, 0\.5, 0\.75, 1/,
    );
  });
});
