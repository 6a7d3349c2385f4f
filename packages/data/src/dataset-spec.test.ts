// Every dataset's declared inputs (checked by validate/plan before anything loads) and location
// params (which may change without changing the content: a moved copy has the same fingerprint).
import { expect } from 'chai';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '@medtransfer/core';
import { CIFAR10_RECORD, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './cifar10';
import { encodeDicom, encodePng } from './image-fixtures';
import { MEDMNIST_FLAGS } from './medmnist-info';
import { checkDatasetInputs, datasetInputs, datasetLocationParams, datasets, loadDataset } from './registry';
import { BREAST_FILE, requireFile, tempDir, thrown, u8, writeNpz } from './test-fixtures';

const ctx = { path: 'target.dataset', seed: 0 };
const cwd = process.cwd();

function write(file: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}
const png = (value: number) => encodePng({ width: 4, height: 4, colorType: 0, bitDepth: 8, samples: new Array(16).fill(value) });
/** A tiny 28 px pneumoniamnist-shaped file (test split only). */
const npz = (dir: string, name: string) =>
  writeNpz(dir, name, { test_images: u8([2, 28, 28]), test_labels: { dtype: 'uint8', shape: [2, 1], data: Uint8Array.from([0, 1]) } });
/** Five one-record training batches and a one-record test batch. */
function writeCifar(dir: string): void {
  const record = (label: number) => Uint8Array.from({ length: CIFAR10_RECORD }, (_, i) => (i === 0 ? label : (i * 7 + label) % 256));
  CIFAR10_TRAIN_FILES.forEach((n, b) => write(join(dir, n), record(b)));
  write(join(dir, CIFAR10_TEST_FILE), record(9));
}
const messages = (name: string, params: Record<string, unknown>) => checkDatasetInputs({ name, params }, ctx).map((e) => e.message);

describe('dataset inputs and location params', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('MedMNIST params.path: missing, a folder, present; the message names the field, the path and `medtransfer data get`', () => {
    const given = relative(cwd, join(tmp.dir, 'nope', 'pneumoniamnist_64.npz'));
    const resolved = join(tmp.dir, 'nope', 'pneumoniamnist_64.npz');
    expect(datasetInputs({ name: 'medmnist/pneumoniamnist', params: { path: given } }, ctx)[0]).to.include({
      param: 'path',
      field: 'target.dataset.params.path',
      given,
      resolved,
      kind: 'file',
    });
    const [missing] = checkDatasetInputs({ name: 'medmnist/pneumoniamnist', params: { path: given, size: 64 } }, ctx);
    expect(missing).to.be.instanceOf(ConfigError);
    expect(missing.path).to.equal('target.dataset.params.path');
    expect(missing.detail).to.match(new RegExp(`^file not found: ${resolved} \\(from "${given}", relative to ${cwd}\\)\\. PneumoniaMNIST files come from the MedMNIST Zenodo record 10519652`));
    expect(missing.detail).to.contain('`medtransfer data get pneumoniamnist --size 64`').and.contain('leave params.path out to use the cache');
    // run says the same as validate
    expect(thrown(() => loadDataset({ name: 'medmnist/pneumoniamnist', params: { path: given, size: 64 } }, ctx)).message).to.equal(missing.message);

    mkdirSync(join(tmp.dir, 'folder.npz'));
    expect(messages('medmnist/pneumoniamnist', { path: join(tmp.dir, 'folder.npz') })[0]).to.contain(
      `target.dataset.params.path: expected a file, but ${join(tmp.dir, 'folder.npz')} is a folder.`,
    );
    expect(messages('medmnist/pneumoniamnist', { path: npz(tmp.dir, 'pneumoniamnist.npz') })).to.deep.equal([]);
  });

  it('MedMNIST without params.path: the cached official file, only checked for existence (not hashed, never quarantined)', () => {
    const params = { cacheDir: tmp.dir, size: 64 };
    const cached = join(tmp.dir, 'medmnist', 'pneumoniamnist_64.npz');
    const inputs = datasetInputs({ name: 'medmnist/pneumoniamnist', params }, ctx);
    expect(inputs).to.have.length(1);
    expect(inputs[0]).to.include({ param: 'path', field: 'target.dataset.params', given: '', resolved: cached, kind: 'file' });
    const [missing] = checkDatasetInputs({ name: 'medmnist/pneumoniamnist', params }, ctx);
    expect(missing.path).to.equal('target.dataset.params');
    expect(missing.detail).to.contain(`file not found: ${cached}. It is the official file from the cache (params.path is not set): run \`medtransfer data get pneumoniamnist --size 64\``);
    expect(missing.detail).to.contain('Zenodo record 10519652');
    write(cached, 'not checked here');
    expect(checkDatasetInputs({ name: 'medmnist/pneumoniamnist', params }, ctx)).to.deep.equal([]);
    expect(existsSync(cached)).to.equal(true);
  });

  it('the real BreastMNIST file passes by a path relative to the working directory', function () {
    requireFile(this, BREAST_FILE);
    expect(messages('medmnist/breastmnist', { path: relative(cwd, BREAST_FILE) })).to.deep.equal([]);
  });

  it('cifar10, folder and dicom read a folder: missing, a file, present', () => {
    const file = write(join(tmp.dir, 'a-file'), 'x');
    for (const name of ['cifar10', 'folder', 'dicom']) {
      const [missing] = messages(name, { path: join(tmp.dir, 'absent') });
      expect(missing, name).to.match(new RegExp(`^target\\.dataset\\.params\\.path: folder not found: ${join(tmp.dir, 'absent')}\\. Point path at`));
      expect(messages(name, { path: file })[0], name).to.contain(`target.dataset.params.path: expected a folder, but ${file} is a file. Point path at`);
      expect(messages(name, { path: tmp.dir }), name).to.deep.equal([]);
    }
    expect(messages('cifar10', { path: join(tmp.dir, 'absent') })[0]).to.contain('cifar-10-batches-bin');
    expect(messages('dicom', { path: join(tmp.dir, 'absent') })[0]).to.contain('DICOM files');
  });

  it('csv reads its manifest and, when given, the image root', () => {
    const file = write(join(tmp.dir, 'train.csv'), 'Path,Edema\na.png,1\n');
    expect(datasetInputs({ name: 'csv', params: { file, labelColumns: ['Edema'] } }, ctx).map((i) => [i.param, i.kind])).to.deep.equal([['file', 'file']]);
    expect(datasetInputs({ name: 'csv', params: { file, root: tmp.dir, labelColumns: ['Edema'] } }, ctx).map((i) => [i.field, i.kind])).to.deep.equal([
      ['target.dataset.params.file', 'file'],
      ['target.dataset.params.root', 'folder'],
    ]);
    const bad = messages('csv', { file: join(tmp.dir, 'nope.csv'), root: join(tmp.dir, 'imgs'), labelColumns: ['Edema'] });
    expect(bad).to.have.length(2);
    expect(bad[0]).to.match(/^target\.dataset\.params\.file: file not found: .*nope\.csv\. Point file at the CSV manifest/);
    expect(bad[1]).to.match(/^target\.dataset\.params\.root: folder not found: .*imgs\. Set root to the folder/);
    expect(messages('csv', { file: tmp.dir, root: file, labelColumns: ['Edema'] })).to.deep.equal([
      `target.dataset.params.file: expected a file, but ${tmp.dir} is a folder. Point file at the CSV manifest: a header row naming the image column (imageColumn, default "Path") and the label columns, then one row per image.`,
      `target.dataset.params.root: expected a folder, but ${file} is a file. Set root to the folder the image paths in the CSV are relative to, or leave it out to use the CSV's folder.`,
    ]);
    expect(messages('csv', { file, root: tmp.dir, labelColumns: ['Edema'] })).to.deep.equal([]);
  });

  it('synthetic datasets read nothing; every dataset parses its params first (errors at their field), an unknown name fails at .name', () => {
    expect(datasetInputs({ name: 'synthetic/fractal', params: { classes: 3 } }, ctx)).to.deep.equal([]);
    expect(datasetInputs({ name: 'synthetic/lesions', params: {} }, ctx)).to.deep.equal([]);
    expect((thrown(() => datasetInputs({ name: 'synthetic/fractal', params: { clases: 3 } }, ctx)) as ConfigError).path).to.equal('target.dataset.params.clases');
    expect((thrown(() => datasetInputs({ name: 'cifar10', params: {} }, ctx)) as ConfigError).path).to.equal('target.dataset.params.path');
    expect((thrown(() => checkDatasetInputs({ name: 'csv', params: { file: 'x.csv' } }, ctx)) as ConfigError).path).to.equal('target.dataset.params.labelColumns');
    expect((thrown(() => checkDatasetInputs({ name: 'medmnist/breastmnst', params: {} }, ctx)) as ConfigError).path).to.equal('target.dataset.name');
  });

  it('location params: where the data is, never what it is', () => {
    for (const flag of MEDMNIST_FLAGS) expect(datasetLocationParams(`medmnist/${flag}`)).to.deep.equal(['path', 'cacheDir']);
    expect(datasetLocationParams('cifar10')).to.deep.equal(['path']);
    expect(datasetLocationParams('folder')).to.deep.equal(['path', 'cacheDir']);
    expect(datasetLocationParams('dicom')).to.deep.equal(['path', 'cacheDir']);
    expect(datasetLocationParams('csv')).to.deep.equal(['file', 'root', 'cacheDir']);
    expect(datasetLocationParams('synthetic/fractal')).to.deep.equal([]);
    expect(datasetLocationParams('synthetic/lesions')).to.deep.equal([]);
    expect(datasets.names().filter((n) => !n.startsWith('medmnist/')).sort()).to.deep.equal(['cifar10', 'csv', 'dicom', 'folder', 'synthetic/fractal', 'synthetic/lesions']);
  });

  it('a moved copy of the data (only location params changed) has the same fingerprint', () => {
    const a = join(tmp.dir, 'a');
    const b = join(tmp.dir, 'b', 'elsewhere');
    for (const cls of ['benign', 'malignant']) for (let i = 0; i < 2; i++) write(join(a, 'images', cls, `${i}.png`), png(cls === 'benign' ? 10 + i : 200 - i));
    for (const cls of ['ct', 'mr']) write(join(a, 'dicom', cls, '1.dcm'), encodeDicom({ rows: 2, cols: 2, pixels: cls === 'ct' ? [0, 1, 2, 3] : [3, 2, 1, 0] }));
    writeCifar(join(a, 'cifar'));
    write(join(a, 'manifest', 'train.csv'), 'Path,Edema\nbenign/0.png,1\nbenign/1.png,0\nmalignant/0.png,1\nmalignant/1.png,0\n');
    npz(a, 'pneumoniamnist.npz');
    mkdirSync(dirname(b), { recursive: true });
    cpSync(a, b, { recursive: true });
    const refs = (root: string) => [
      { name: 'medmnist/pneumoniamnist', params: { path: join(root, 'pneumoniamnist.npz') } },
      { name: 'cifar10', params: { path: join(root, 'cifar') } },
      { name: 'folder', params: { path: join(root, 'images'), valFraction: 0, testFraction: 0 } },
      { name: 'dicom', params: { path: join(root, 'dicom'), valFraction: 0, testFraction: 0 } },
      { name: 'csv', params: { file: join(root, 'manifest', 'train.csv'), root: join(root, 'images'), labelColumns: ['Edema'], valFraction: 0, testFraction: 0 } },
      { name: 'folder', params: { path: join(root, 'images'), valFraction: 0, testFraction: 0, cache: 'disk', cacheDir: join(root, 'cache') } },
    ];
    const here = refs(a).map((r) => loadDataset(r, ctx).fingerprint);
    const there = refs(b).map((r) => loadDataset(r, ctx).fingerprint);
    expect(there).to.deep.equal(here);
    // and a content param does change it
    expect(loadDataset({ name: 'cifar10', params: { path: join(b, 'cifar'), valFraction: 0.2 } }, ctx).fingerprint).to.not.equal(here[1]);
  });
});
