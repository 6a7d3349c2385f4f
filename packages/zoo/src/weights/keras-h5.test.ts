// Keras .h5 weight files: written by the tests in Keras's layout, read back, loaded into fresh
// models (same predictions), full-model files, shape mismatches and damaged files.
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from '@medtransfer/core';
import { WeightShapeError, loadWeights } from '../checkpoint';
import { ClassifierModel, createModel } from '../model';
import { images, predict, tempDir, useCpuBackend } from '../test-helpers';
import { readKerasH5 } from './keras-h5';
import { H5Layer, kerasLayers, writeKerasH5 } from './test-fixtures';

const small = (numClasses: number, seed: number, channels = 3): ClassifierModel =>
  createModel({ name: 'cbr-small', params: {} }, { inputShape: [16, 16, channels], numClasses, seed });

async function expectReject(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('weight sources: Keras .h5', () => {
  let dir: string;
  let cleanup: () => void;
  let source: ClassifierModel;
  let layers: H5Layer[];

  before(async () => {
    await useCpuBackend();
    ({ dir, cleanup } = tempDir('h5'));
    source = small(4, 11);
    layers = kerasLayers(source);
    await writeKerasH5(join(dir, 'weights.h5'), layers);
  });
  after(() => {
    source.dispose();
    cleanup();
  });

  it('reads layer_names / weight_names / datasets into our weight names', async () => {
    const w = await readKerasH5(join(dir, 'weights.h5'));
    expect(w.layout).to.equal('weights');
    expect(w.layers).to.deep.equal(source.model.layers.map((l) => l.name));
    expect(w.kerasVersion).to.equal('2.13.1');
    expect(w.source).to.match(/^Keras \.h5 .*weights\.h5$/);
    expect([...w.tensors.keys()]).to.include.members(['block1_conv/kernel', 'block1_bn/gamma', 'block1_bn/moving_variance', 'head_dense/kernel', 'head_dense/bias']);
    const kernel = layers.find((l) => l.name === 'block2_conv')!.weights[0];
    expect(w.tensors.get('block2_conv/kernel')!.shape).to.deep.equal([7, 7, 32, 64]);
    expect(Array.from(w.tensors.get('block2_conv/kernel')!.data)).to.deep.equal(Array.from(kernel.data));
  });

  it('loads into a fresh model with identical predictions', async () => {
    const m = small(4, 99);
    const x = images(2, 16, 3, 5);
    try {
      expect(predict(m, x)).not.to.deep.equal(predict(source, x));
      const report = loadWeights(m, await readKerasH5(join(dir, 'weights.h5')), { strict: true });
      expect(report.matched).to.have.length(layers.reduce((n, l) => n + l.weights.length, 0));
      expect(predict(m, x)).to.deep.equal(predict(source, x));
    } finally {
      x.dispose();
      m.dispose();
    }
  });

  it('reads a full-model file (/model_weights) and chunked layer_names0, layer_names1 attributes', async () => {
    const file = join(dir, 'model.h5');
    await writeKerasH5(file, layers, { layout: 'model', chunkLayerNames: 5 });
    const w = await readKerasH5(file);
    expect(w.layout).to.equal('model');
    const m = small(4, 5);
    const x = images(2, 16, 3, 6);
    try {
      loadWeights(m, w, { strict: true });
      expect(predict(m, x)).to.deep.equal(predict(source, x));
    } finally {
      x.dispose();
      m.dispose();
    }
  });

  it('maps TF1-era weight names (conv1_1/kernel:0) by the layer group, and ignores the `:0` index', async () => {
    const file = join(dir, 'renamed.h5');
    const renamed = layers.map((l) => ({ ...l, weights: l.weights.map((w) => ({ ...w, name: w.name.replace(/^([^/]+)\//, '$1_1/') })) }));
    await writeKerasH5(file, renamed);
    const w = await readKerasH5(file);
    expect(w.tensors.has('block1_conv/kernel')).to.equal(true);
    expect(w.tensors.has('block1_conv_1/kernel')).to.equal(false);
  });

  it('a different head: the mismatch error names the layer and both shapes; excluding the head loads the rest', async () => {
    const m = small(2, 3);
    try {
      const w = await readKerasH5(join(dir, 'weights.h5'));
      expect(() => loadWeights(m, w))
        .to.throw(WeightShapeError)
        .with.property('message')
        .that.contains('layer "head_dense": head_dense/kernel is [256,2] in the model but [256,4] in the checkpoint')
        .and.contains('Keras .h5');
      const report = loadWeights(m, w, { exclude: m.headLayers });
      expect(report.skipped).to.have.members(['head_dense/kernel', 'head_dense/bias']);
      expect(report.shapeMismatch).to.deep.equal([]);
    } finally {
      m.dispose();
    }
  });

  it('refuses a file that is not HDF5, a truncated one, and a missing one, naming the file', async () => {
    const notH5 = join(dir, 'not.h5');
    writeFileSync(notH5, 'this is not an HDF5 file');
    let e = await expectReject(readKerasH5(notH5));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain(notH5).and.contain('not an HDF5 file');

    const truncated = join(dir, 'truncated.h5');
    const whole = readFileSync(join(dir, 'weights.h5'));
    writeFileSync(truncated, whole.subarray(0, 4096));
    e = await expectReject(readKerasH5(truncated));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain(truncated).and.contain(`is truncated: 4096 bytes, but its HDF5 header says ${whole.length}`);

    e = await expectReject(readKerasH5(join(dir, 'absent.h5')));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain('absent.h5').and.contain('not found');
  });

  it('refuses an HDF5 file without layer_names, and a missing weight dataset, naming the file and the layer', async () => {
    const h5 = await (await import('./keras-h5')).loadH5wasm();
    const plain = join(dir, 'plain.h5');
    const f = new h5.File(plain, 'w');
    f.create_dataset({ name: 'x', data: new Float32Array([1, 2]) });
    f.close();
    let e = await expectReject(readKerasH5(plain));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain(plain).and.contain('no "layer_names" attribute');

    const broken = join(dir, 'broken.h5');
    copyFileSync(join(dir, 'weights.h5'), broken);
    const g = new h5.File(broken, 'a');
    // Deleting the dataset through the link API is not exposed; rewrite the weight list instead.
    const grp = g.get('block3_bn') as unknown as { delete_attribute(n: string): void; create_attribute(n: string, d: string[], s: number[], t: string): void };
    grp.delete_attribute('weight_names');
    grp.create_attribute('weight_names', ['block3_bn/gamma:0', 'block3_bn/scale:0'], [2], 'S20');
    g.close();
    e = await expectReject(readKerasH5(broken));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.contain(broken).and.contain('layer "block3_bn"').and.contain('block3_bn/scale:0');
  });
});
