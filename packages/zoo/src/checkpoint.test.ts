// Checkpoints: files and manifest, round trip across models built in one process, a new head,
// shape mismatches, damaged files, and atomic writes.
import { expect } from 'chai';
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataFormatError, MedtransferError } from '@medtransfer/core';
import { WeightShapeError, loadWeights, readCheckpoint, saveCheckpoint } from './checkpoint';
import { ClassifierModel, createModel } from './model';
import { differingWeights, images, predict, sameBits, snapshot, tempDir, useCpuBackend } from './test-helpers';

const tiny = (numClasses: number, seed: number, size = 16): ClassifierModel =>
  createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [size, size, 3], numClasses, seed });

describe('checkpoints', () => {
  let dir: string;
  let cleanup: () => void;
  // One 16-class checkpoint, saved after a training-mode pass so batch-norm statistics are not at their initial values.
  let source: ClassifierModel;
  let sourceWeights: Map<string, Float32Array>;

  before(async () => {
    await useCpuBackend();
    ({ dir, cleanup } = tempDir('ckpt'));
    source = tiny(16, 3);
    const x = images(4, 16, 3, 9);
    tf.tidy(() => void source.model.apply(x, { training: true }));
    x.dispose();
    saveCheckpoint(source, join(dir, 'src'), { dataset: 'synthetic/test', step: 12 });
    sourceWeights = snapshot(source);
  });
  after(() => {
    source.dispose();
    cleanup();
  });

  it('writes weights.json and weights.bin only, with a complete manifest', () => {
    const d = join(dir, 'src');
    expect(readdirSync(d).sort()).to.deep.equal(['weights.bin', 'weights.json']);
    const manifest = JSON.parse(readFileSync(join(d, 'weights.json'), 'utf8'));
    expect(manifest).to.include({ format: 'medtransfer-checkpoint', formatVersion: 1, backbone: 'cbr-tiny', numClasses: 16 });
    expect(manifest.params).to.deep.equal({ padding: 'same', tinyChannels: 'reported' });
    expect(manifest.inputShape).to.deep.equal([16, 16, 3]);
    expect(manifest.meta).to.deep.equal({ dataset: 'synthetic/test', step: 12 });
    const names = manifest.weights.map((w: { name: string }) => w.name);
    expect(names).to.include.members(['block1_conv/kernel', 'block1_bn/gamma', 'block1_bn/beta', 'block1_bn/moving_mean', 'block1_bn/moving_variance']);
    expect(names).to.include.members(['head_dense/kernel', 'head_dense/bias']);
    expect(manifest.weights.find((w: { name: string }) => w.name === 'block4_bn/moving_mean')).to.deep.include({ shape: [256], dtype: 'float32', length: 1024 });
    expect(readFileSync(join(d, 'weights.bin')).length).to.equal(4 * source.paramCount);
    // Little-endian float32 at the recorded offset.
    const entry = manifest.weights.find((w: { name: string }) => w.name === 'block2_bn/moving_mean');
    expect(readFileSync(join(d, 'weights.bin')).readFloatLE(entry.offset)).to.equal(sourceWeights.get('block2_bn/moving_mean')![0]);
  });

  it('loads into a model built later in the process (tfjs suffixed names) with identical predictions', () => {
    const m = tiny(16, 4);
    const x = images(2, 16, 3, 5);
    try {
      // Several models in one process: tfjs variable names carry `_N` suffixes; checkpoints must not care.
      expect(m.model.weights.some((w) => /_\d+$/.test(w.name))).to.equal(true);
      expect(predict(m, x)).not.to.deep.equal(predict(source, x));
      const report = loadWeights(m, readCheckpoint(join(dir, 'src')));
      expect(report.matched).to.have.length(sourceWeights.size);
      expect([...report.missing, ...report.unexpected, ...report.skipped, ...report.shapeMismatch]).to.deep.equal([]);
      expect(predict(m, x)).to.deep.equal(predict(source, x));
      expect(differingWeights(snapshot(m), sourceWeights)).to.deep.equal([]);
    } finally {
      x.dispose();
      m.dispose();
    }
  });

  it('loads pretrained weights under a new 2-class head, skipping the head', () => {
    const m = tiny(2, 8);
    try {
      const fresh = snapshot(m);
      const report = loadWeights(m, readCheckpoint(join(dir, 'src')), { exclude: m.headLayers });
      expect(report.skipped).to.deep.equal(['head_dense/kernel', 'head_dense/bias']);
      expect(report.matched).to.have.length(sourceWeights.size - 2);
      expect(report.matched).not.to.include('head_dense/kernel');
      expect([...report.missing, ...report.unexpected, ...report.shapeMismatch]).to.deep.equal([]);
      const now = snapshot(m);
      expect(sameBits(now.get('head_dense/kernel'), fresh.get('head_dense/kernel'))).to.equal(true);
      expect(sameBits(now.get('head_dense/kernel'), sourceWeights.get('head_dense/kernel'))).to.equal(false);
      expect(report.matched.filter((key) => !sameBits(now.get(key), sourceWeights.get(key)))).to.deep.equal([]);
    } finally {
      m.dispose();
    }
  });

  it('refuses a shape mismatch naming the layer and both shapes, and loads nothing', () => {
    const m = tiny(2, 8);
    try {
      const fresh = snapshot(m);
      let caught: unknown;
      try {
        loadWeights(m, readCheckpoint(join(dir, 'src')));
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(WeightShapeError);
      const e = caught as WeightShapeError;
      expect(e.message).to.contain('layer "head_dense": head_dense/kernel is [256,2] in the model but [256,16] in the checkpoint');
      expect(e.message).to.contain('head_dense/bias is [2] in the model but [16] in the checkpoint');
      expect(e.message).to.contain('exclude: ["head_dense"]');
      expect(e.mismatches.map((s) => s.name)).to.deep.equal(['head_dense/kernel', 'head_dense/bias']);
      expect(differingWeights(snapshot(m), fresh)).to.deep.equal([]);
      // With onShapeMismatch 'skip' the rest loads and the report lists the mismatches.
      const report = loadWeights(m, readCheckpoint(join(dir, 'src')), { onShapeMismatch: 'skip' });
      expect(report.shapeMismatch).to.deep.equal([
        { name: 'head_dense/kernel', model: [256, 2], checkpoint: [256, 16] },
        { name: 'head_dense/bias', model: [2], checkpoint: [16] },
      ]);
      expect(report.matched).to.have.length(sourceWeights.size - 2);
    } finally {
      m.dispose();
    }
  });

  it('reports missing weights, and refuses them with strict (cbr-small into cbr-large-t)', () => {
    const small = createModel({ name: 'cbr-small', params: {} }, { inputShape: [16, 16, 3], numClasses: 2, seed: 1 });
    const large = createModel({ name: 'cbr-large-t', params: {} }, { inputShape: [16, 16, 3], numClasses: 2, seed: 1 });
    try {
      saveCheckpoint(small, join(dir, 'small'));
      const ckpt = readCheckpoint(join(dir, 'small'));
      expect(() => loadWeights(large, ckpt, { exclude: large.headLayers, strict: true })).to.throw(MedtransferError, /missing from the checkpoint: \[block5_conv\/kernel/);
      const report = loadWeights(large, ckpt, { exclude: large.headLayers });
      expect(report.missing).to.deep.equal(['block5_conv/kernel', 'block5_bn/gamma', 'block5_bn/beta', 'block5_bn/moving_mean', 'block5_bn/moving_variance']);
      expect(report.matched).to.have.length(4 * 5);
    } finally {
      small.dispose();
      large.dispose();
    }
  });

  it('rejects an exclude name that is not a layer, with did-you-mean', () => {
    const m = tiny(16, 1);
    try {
      expect(() => loadWeights(m, readCheckpoint(join(dir, 'src')), { exclude: ['head-dense'] })).to.throw(MedtransferError, /unknown layer "head-dense"; did you mean "head_dense"/);
    } finally {
      m.dispose();
    }
  });

  it('overwrites an existing checkpoint atomically, leaving no temporary files', () => {
    const d = join(dir, 'overwrite');
    const a = tiny(2, 1);
    const b = tiny(2, 2);
    try {
      saveCheckpoint(a, d);
      saveCheckpoint(b, d, { second: true });
      expect(readdirSync(d).sort()).to.deep.equal(['weights.bin', 'weights.json']);
      const ckpt = readCheckpoint(d);
      expect(ckpt.manifest.meta).to.deep.equal({ second: true });
      expect(sameBits(ckpt.tensors.get('block1_conv/kernel')?.data, snapshot(b).get('block1_conv/kernel'))).to.equal(true);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('refuses to save non-finite weights', () => {
    const m = tiny(2, 1);
    try {
      const v = m.model.getLayer('block2_bn').weights[0];
      v.write(tf.fill(v.shape as number[], NaN));
      expect(() => saveCheckpoint(m, join(dir, 'nan'))).to.throw(MedtransferError, /weight "block2_bn\/gamma" holds NaN at index 0; training diverged/);
      expect(() => readdirSync(join(dir, 'nan'))).to.throw();
    } finally {
      m.dispose();
    }
  });

  describe('damaged files', () => {
    const damaged = (label: string, damage: (d: string) => void): string => {
      const d = join(dir, label);
      saveCheckpoint(source, d);
      damage(d);
      return d;
    };
    const failure = (d: string): DataFormatError => {
      try {
        readCheckpoint(d);
      } catch (err) {
        expect(err).to.be.instanceOf(DataFormatError);
        return err as DataFormatError;
      }
      throw new Error('readCheckpoint should have thrown');
    };

    it('a truncated weights.bin names the file and both sizes', () => {
      const full = 4 * source.paramCount;
      const d = damaged('truncated', (p) => truncateSync(join(p, 'weights.bin'), full - 100));
      const e = failure(d);
      expect(e.file).to.equal(join(d, 'weights.bin'));
      expect(e.message).to.contain(`has ${full - 100} bytes but weights.json describes ${full} bytes`);
      expect(e.message).to.contain('truncated');
    });

    it('broken JSON names weights.json', () => {
      const d = damaged('badjson', (p) => writeFileSync(join(p, 'weights.json'), '{"format": "medtransfer-checkpoint", '));
      const e = failure(d);
      expect(e.file).to.equal(join(d, 'weights.json'));
      expect(e.message).to.match(/not valid JSON/);
    });

    it('a manifest of another kind names the field', () => {
      const d = damaged('otherjson', (p) => writeFileSync(join(p, 'weights.json'), JSON.stringify({ format: 'keras', weights: [] })));
      expect(failure(d).message).to.match(/weights\.json: not a medtransfer checkpoint manifest: format/);
    });

    it('a missing directory says what a checkpoint holds', () => {
      expect(failure(join(dir, 'nowhere')).message).to.match(/weights\.json: not found; a checkpoint directory holds weights\.json and weights\.bin/);
    });

    it('NaN inside weights.bin names the weight', () => {
      const d = damaged('nanbin', (p) => {
        const manifest = JSON.parse(readFileSync(join(p, 'weights.json'), 'utf8'));
        const entry = manifest.weights.find((w: { name: string }) => w.name === 'block3_conv/kernel');
        const bin = readFileSync(join(p, 'weights.bin'));
        bin.writeFloatLE(NaN, entry.offset + 8);
        writeFileSync(join(p, 'weights.bin'), bin);
      });
      const e = failure(d);
      expect(e.file).to.equal(join(d, 'weights.bin'));
      expect(e.message).to.contain('weight "block3_conv/kernel" holds NaN at index 2');
    });

    it('a weights.bin from another save fails the checksum', () => {
      const d = damaged('mixed', (p) => {
        const bin = readFileSync(join(p, 'weights.bin'));
        bin.writeFloatLE(bin.readFloatLE(0) + 1, 0);
        writeFileSync(join(p, 'weights.bin'), bin);
      });
      expect(failure(d).message).to.match(/does not match the checksum in weights\.json/);
    });
  });
});
