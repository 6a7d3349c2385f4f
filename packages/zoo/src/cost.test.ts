// The counted cost of a model against numbers worked out by hand (CBR-Tiny) and from the
// published architecture (Keras ResNet50), and the checkpoint bytes against a written checkpoint.
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE, saveCheckpoint } from './checkpoint';
import { architectureFingerprint, modelCost } from './cost';
import { type ClassifierModel, createModel } from './model';
import { useCpuBackend } from './test-helpers';

function withModel<T>(name: string, params: Record<string, unknown>, size: number, classes: number, fn: (m: ClassifierModel) => T, seed = 1): T {
  const m = createModel({ name, params }, { inputShape: [size, size, 3], numClasses: classes, seed });
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

/**
 * Multiply-accumulates of Keras' ResNet50 (v1: the stride on each stage's first 1×1 conv) at
 * 224 px from its published layout — conv1 7×7/2 to 112², pool to 56², then bottleneck stages of
 * [3, 4, 6, 3] blocks with f = 64…512 at 56², 28², 14², 7² (1×1 in→f, 3×3 f→f, 1×1 f→4f, and a
 * 1×1 in→4f projection in each stage's first block) — and the 2048→1000 dense top.
 */
function kerasResNet50Macs(): number {
  let macs = 112 * 112 * 7 * 7 * 3 * 64;
  let cin = 64;
  const stages: [number, number, number][] = [[3, 64, 56], [4, 128, 28], [6, 256, 14], [3, 512, 7]];
  for (const [blocks, f, r] of stages) {
    for (let b = 0; b < blocks; b++) {
      macs += r * r * (cin * f + 9 * f * f + f * 4 * f);
      if (b === 0) macs += r * r * cin * 4 * f;
      cin = 4 * f;
    }
  }
  return macs + 2048 * 1000;
}

describe('modelCost', () => {
  before(useCpuBackend);

  it('counts CBR-Tiny at 28 px as worked out by hand: params, trainable params, FLOPs', () =>
    withModel('cbr-tiny', {}, 28, 2, (m) => {
      // 5×5 convs without bias 3→32→64→128→256; 'same' padding, 3×3/2 pools: 28 → 14 → 7 → 4 → 2
      const convWeights = 25 * (3 * 32 + 32 * 64 + 64 * 128 + 128 * 256); // 1,077,600
      const bn = 4 * (32 + 64 + 128 + 256); // γ, β trainable; moving mean, variance not
      const head = 256 * 2 + 2;
      const cost = modelCost(m);
      expect(cost.paramsTotal).to.equal(convWeights + bn + head);
      expect(cost.paramsTotal).to.equal(1_080_034);
      expect(cost.paramsTrainable).to.equal(convWeights + bn / 2 + head);
      const macs = 28 * 28 * 25 * 3 * 32 + 14 * 14 * 25 * 32 * 64 + 7 * 7 * 25 * 64 * 128 + 4 * 4 * 25 * 128 * 256 + 256 * 2;
      expect(cost.flopsPerImage).to.equal(2 * macs); // 2 × 35,059,712
    }));

  it('counts Keras ResNet50 at 224 px as its published layout gives: 3.86 G multiply-accumulates (the paper: 3.8 × 10⁹)', () =>
    withModel('resnet50', {}, 224, 1000, (m) => {
      const macs = kerasResNet50Macs();
      expect(macs).to.equal(3_857_973_248);
      expect(modelCost(m).flopsPerImage).to.equal(2 * macs);
      // He et al. 2016, Table 1: "3.8 × 10⁹" multiply-adds for ResNet-50 (their stride sits on the same 1×1 conv)
      expect(Math.abs(macs / 3.8e9 - 1)).to.be.below(0.02);
    }));

  it('gives the bytes saveCheckpoint writes, without writing', () =>
    withModel('cbr-small', {}, 28, 3, (m) => {
      const dir = mkdtempSync(join(tmpdir(), 'medtransfer-cost-'));
      try {
        saveCheckpoint(m, dir);
        const written = statSync(join(dir, WEIGHTS_FILE)).size + statSync(join(dir, MANIFEST_FILE)).size;
        expect(modelCost(m).checkpointBytes).to.equal(written);
        expect(statSync(join(dir, WEIGHTS_FILE)).size).to.equal(4 * m.paramCount);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it('counts frozen layers as not trainable', () =>
    withModel('cbr-tiny', {}, 28, 2, (m) => {
      const before = modelCost(m).paramsTrainable;
      const conv = m.model.getLayer('block1_conv');
      conv.trainable = false;
      expect(modelCost(m).paramsTrainable).to.equal(before - 25 * 3 * 32);
    }));
});

describe('architectureFingerprint', () => {
  before(useCpuBackend);

  it('is the same for any seed, and differs for another width, input size or class count', () => {
    const fp = (name: string, params: Record<string, unknown>, size: number, classes: number, seed = 1) =>
      withModel(name, params, size, classes, (m) => architectureFingerprint(m.model), seed);
    const base = fp('mobilenet-v1', { alpha: 0.25 }, 64, 2);
    expect(fp('mobilenet-v1', { alpha: 0.25 }, 64, 2, 7)).to.equal(base);
    expect(fp('mobilenet-v1', { alpha: 0.5 }, 64, 2)).to.not.equal(base);
    expect(fp('mobilenet-v1', { alpha: 0.25 }, 96, 2)).to.not.equal(base);
    expect(fp('mobilenet-v1', { alpha: 0.25 }, 64, 3)).to.not.equal(base);
  });
});
