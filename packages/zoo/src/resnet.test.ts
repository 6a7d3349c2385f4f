// ResNet family: parameter counts against Keras (ResNet50) and torchvision (ResNet-18/34),
// Keras layer names, groups, and the small-input stem. Models are built only to count (no forward).
import { expect } from 'chai';
import { ConfigError } from '@medtransfer/core';
import { countParams } from './count';
import { ClassifierModel, createModel } from './model';
import { useCpuBackend } from './test-helpers';

function withModel<T>(name: string, params: Record<string, unknown>, size: number, fn: (m: ClassifierModel) => T, classes = 1000): T {
  const m = createModel({ name, params }, { inputShape: [size, size, 3], numClasses: classes, seed: 1 });
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

/** Σ of conv biases (Keras ResNets keep them; torchvision's convs have none). */
const convBiases = (m: ClassifierModel) =>
  m.model.layers.filter((l) => l.name.endsWith('_conv')).reduce((n, l) => n + (l.weights.find((w) => /bias/.test(w.originalName))?.shape[0] ?? 0), 0);

describe('ResNet backbones', () => {
  before(useCpuBackend);

  it('resnet50 has the Keras ResNet50 parameter count: 25,636,712 with the 1000-class top, 23,587,712 without', () =>
    withModel('resnet50', {}, 224, (m) => {
      // keras.applications.ResNet50().count_params() and ResNet50(include_top=False).count_params().
      expect(m.paramCount).to.equal(25_636_712);
      expect(m.paramCount - (2048 * 1000 + 1000)).to.equal(23_587_712);
      expect(m.headLayers).to.deep.equal(['predictions']);
      expect(m.groups.map((g) => g.name)).to.deep.equal(['stem', 'conv2', 'conv3', 'conv4', 'conv5', 'head']);
      const names = m.model.layers.map((l) => l.name);
      expect(m.groups[0].layers).to.deep.equal(['conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool']);
      expect(names).to.include.members(['conv2_block1_0_conv', 'conv2_block1_0_bn', 'conv2_block1_1_conv', 'conv2_block1_3_bn', 'conv2_block1_add', 'conv2_block1_out', 'conv4_block6_out', 'conv5_block3_out', 'avg_pool', 'predictions']);
      expect(names.filter((n) => n.endsWith('_0_conv'))).to.deep.equal(['conv2_block1_0_conv', 'conv3_block1_0_conv', 'conv4_block1_0_conv', 'conv5_block1_0_conv']);
      // Keras resnet.py: every conv has a bias; BN epsilon 1.001e-5.
      expect(m.model.getLayer('conv3_block2_2_conv').weights.map((w) => w.originalName.split('/').pop())).to.deep.equal(['kernel', 'bias']);
      expect(m.model.getLayer('conv1_bn').getConfig().epsilon).to.equal(1.001e-5);
      expect(m.model.getLayer('conv5_block3_out').outputShape).to.deep.equal([null, 7, 7, 2048]);
    }));

  for (const [name, torchvision, ours] of [
    ['resnet18', 11_689_512, 11_703_912],
    ['resnet34', 21_797_672, 21_823_208],
  ] as const) {
    it(`${name}: ${ours.toLocaleString('en')} = torchvision's ${torchvision.toLocaleString('en')} + conv biases + batch-norm moving statistics`, () =>
      withModel(name, {}, 224, (m) => {
        const c = countParams(m.model);
        // torchvision counts trainable parameters of bias-free convs; BN running stats are buffers there.
        expect(c.trainable - convBiases(m)).to.equal(torchvision);
        // Every conv is followed by one BN of the same width: moving mean + variance = 2 × Σ biases.
        expect(c.nonTrainable).to.equal(2 * convBiases(m));
        expect(m.paramCount).to.equal(ours);
        expect(m.model.getLayer('conv5_block2_out').outputShape).to.deep.equal([null, 7, 7, 512]);
        // Basic blocks: a projection only where the shape changes (not in conv2).
        expect(m.model.layers.map((l) => l.name).filter((n) => n.endsWith('_0_conv'))).to.deep.equal(['conv3_block1_0_conv', 'conv4_block1_0_conv', 'conv5_block1_0_conv']);
        expect(m.model.getLayer('conv3_block1_1_pad').outputShape).to.deep.equal([null, 58, 58, 64]);
      }));
  }

  it('stem "small" is one 3×3 stride-1 conv without max-pool: 28 px reach conv5 at 4×4', () =>
    withModel(
      'resnet18',
      { stem: 'small' },
      28,
      (m) => {
        expect(m.groups[0]).to.deep.equal({ name: 'stem', layers: ['conv1_conv', 'conv1_bn', 'conv1_relu'] });
        expect(m.model.getLayer('conv1_conv').weights[0].shape).to.deep.equal([3, 3, 3, 64]);
        expect(m.model.getLayer('conv5_block2_out').outputShape).to.deep.equal([null, 4, 4, 512]);
        // The default stem takes 28 px down to 1×1 at conv5.
        withModel('resnet18', {}, 28, (d) => expect(d.model.getLayer('conv5_block2_out').outputShape).to.deep.equal([null, 1, 1, 512]), 2);
      },
      2,
    ));

  it('rejects an unknown stem with the valid values', () => {
    expect(() => createModel({ name: 'resnet50', params: { stem: 'smal' } }, { inputShape: [28, 28, 3], numClasses: 2, seed: 1, path: 'sweep.backbone[0]' })).to.throw(
      ConfigError,
      /^sweep\.backbone\[0\]\.params\.stem: .*"smal".*small/,
    );
  });
});
