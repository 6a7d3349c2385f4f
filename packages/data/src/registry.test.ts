import { expect } from 'chai';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '@medtransfer/core';
import { MEDMNIST_FLAGS } from './medmnist-info';
import { datasets, loadDataset } from './registry';
import { MEDMNIST_MD5 } from './medmnist-files';
import { BREAST_FILE, requireFile, tempDir, thrown, u8, writeNpz } from './test-fixtures';

const ctx = { path: 'target.dataset', seed: 5 };

describe('dataset registry', () => {
  it('registers every MedMNIST flag and the synthetic generators', () => {
    for (const flag of MEDMNIST_FLAGS) expect(datasets.has(`medmnist/${flag}`), flag).to.equal(true);
    expect(datasets.has('synthetic/fractal')).to.equal(true);
    expect(datasets.has('synthetic/lesions')).to.equal(true);
    expect(datasets.names().length).to.be.at.least(15);
    expect(datasets.has('cifar10')).to.equal(true);
  });

  it('an unknown name fails at <path>.name with did-you-mean', () => {
    const err = thrown(() => loadDataset({ name: 'medmnist/breastmnst', params: {} }, ctx));
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).path).to.equal('target.dataset.name');
    expect(err.message).to.contain('did you mean "medmnist/breastmnist"');
  });

  it('a bad parameter fails at <path>.params.<field> saying what was received', () => {
    const bad = thrown(() => loadDataset({ name: 'synthetic/fractal', params: { size: 'big' } }, ctx)) as ConfigError;
    expect(bad).to.be.instanceOf(ConfigError);
    expect(bad.path).to.equal('target.dataset.params.size');
    expect(bad.detail).to.equal('expected number, received string "big"');

    const range = thrown(() => loadDataset({ name: 'synthetic/lesions', params: { difficulty: 2 } }, ctx)) as ConfigError;
    expect(range.path).to.equal('target.dataset.params.difficulty');
    expect(range.detail).to.match(/<=1.*received number 2/);

    const channels = thrown(() => loadDataset({ name: 'synthetic/fractal', params: { channels: 2 } }, ctx)) as ConfigError;
    expect(channels.path).to.equal('target.dataset.params.channels');
    expect(channels.detail).to.equal('expected one of 1, 3, received number 2');

    const unknown = thrown(() => loadDataset({ name: 'synthetic/fractal', params: { clases: 4 } }, ctx)) as ConfigError;
    expect(unknown.path).to.equal('target.dataset.params.clases');
    expect(unknown.detail).to.match(/unknown parameter "clases" for synthetic\/fractal; did you mean "classes"\? Valid parameters: classes, /);
  });

  it('a MedMNIST dataset without params.path uses the cache, and names `medtransfer data get` when the file is not there', () => {
    const tmp = tempDir();
    try {
      const params = { cacheDir: tmp.dir, size: 64 };
      const none = thrown(() => loadDataset({ name: 'medmnist/pneumoniamnist', params }, ctx)) as ConfigError;
      expect(none.path).to.equal('target.dataset.params');
      expect(none.detail).to.contain('medtransfer data get pneumoniamnist --size 64').and.contain(join(tmp.dir, 'medmnist', 'pneumoniamnist_64.npz'));
      expect(none.detail).to.contain('Zenodo record 10519652');
      // A file verified earlier (its stamp records the published MD5) is loaded from the cache.
      mkdirSync(join(tmp.dir, 'medmnist'));
      const file = writeNpz(join(tmp.dir, 'medmnist'), 'pneumoniamnist_64.npz', {
        test_images: u8([2, 64, 64]),
        test_labels: { dtype: 'uint8', shape: [2, 1], data: Uint8Array.from([0, 1]) },
      });
      const st = statSync(file);
      writeFileSync(`${file}.verified.json`, JSON.stringify({ md5: MEDMNIST_MD5.pneumoniamnist[64], size: st.size, mtimeMs: st.mtimeMs }));
      const ds = loadDataset({ name: 'medmnist/pneumoniamnist', params }, ctx);
      expect(ds.source).to.equal(file);
      expect(ds.splits.test!.height).to.equal(64);
      const size = thrown(() => loadDataset({ name: 'medmnist/pneumoniamnist', params: { path: file, size: 28 } }, ctx)) as ConfigError;
      expect(size.path).to.equal('target.dataset.params.size');
      expect(size.detail).to.contain('holds 64×64 images');
    } finally {
      tmp.cleanup();
    }
  });

  it('a missing MedMNIST file says where MedMNIST files come from', () => {
    const missing = thrown(() => loadDataset({ name: 'medmnist/pneumoniamnist', params: { path: 'data/pneumoniamnist_64.npz' } }, ctx)) as ConfigError;
    expect(missing).to.be.instanceOf(ConfigError);
    expect(missing.path).to.equal('target.dataset.params.path');
    expect(missing.detail).to.contain(`${process.cwd()}/data/pneumoniamnist_64.npz`);
    expect(missing.detail).to.contain('Zenodo record 10519652');
    expect(missing.detail).to.contain('pneumoniamnist.npz holds the 28 px images');
    expect(missing.detail).to.contain('pneumoniamnist_{size}.npz');
  });

  it('generators use the context seed unless params.seed overrides it', () => {
    const params = { train: 4, val: 2, test: 2 };
    const a = loadDataset({ name: 'synthetic/lesions', params }, ctx);
    const b = loadDataset({ name: 'synthetic/lesions', params }, { ...ctx, seed: 6 });
    const c = loadDataset({ name: 'synthetic/lesions', params: { ...params, seed: 5 } }, { ...ctx, seed: 6 });
    expect(a.fingerprint).to.not.equal(b.fingerprint);
    expect(c.fingerprint).to.equal(a.fingerprint);
    const f = loadDataset({ name: 'synthetic/fractal', params: { classes: 3, perClass: 2, valPerClass: 1, testPerClass: 1, channels: 1 } }, ctx);
    expect(f.numClasses).to.equal(3);
    expect(f.splits.train!.channels).to.equal(1);
  });

  it('loads a MedMNIST file by a path relative to the working directory', function () {
    requireFile(this, BREAST_FILE);
    const ds = loadDataset({ name: 'medmnist/breastmnist', params: { path: relative(process.cwd(), BREAST_FILE) } }, ctx);
    expect(ds.splits.train!.count).to.equal(546);
    expect(ds.name).to.equal('medmnist/breastmnist');
  });
});
