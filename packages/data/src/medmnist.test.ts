import { expect } from 'chai';
import { DataFormatError, setLogSink } from '@medtransfer/core';
import { loadMedmnist, requireSplits } from './medmnist';
import { MEDMNIST_FLAGS, MEDMNIST_INFO, medmnistInfo } from './medmnist-info';
import { NpyArray } from './npy';
import { BREAST_FILE, PATH_SUBSET_FILE, i64, requireFile, tempDir, thrown, u8, writeNpz } from './test-fixtures';

/** A small BreastMNIST-shaped file: 6/2/4 gray 28×28 images, labels as given. */
function breastLike(labels: (n: number) => NpyArray): Record<string, NpyArray> {
  return {
    train_images: u8([6, 28, 28]),
    train_labels: labels(6),
    val_images: u8([2, 28, 28]),
    val_labels: labels(2),
    test_images: u8([4, 28, 28]),
    test_labels: labels(4),
  };
}
const alternating = (n: number) => Array.from({ length: n }, (_v, i) => i % 2);

describe('MedMNIST metadata', () => {
  it('lists the twelve 2D datasets with consistent tasks, channels and labels', () => {
    expect(MEDMNIST_FLAGS).to.have.length(12);
    expect(new Set(MEDMNIST_FLAGS).size).to.equal(12);
    for (const i of MEDMNIST_INFO) {
      if (i.task === 'binary') expect(i.labels, i.flag).to.have.length(2);
      expect(i.labels.length, i.flag).to.be.greaterThan(1);
    }
    expect(medmnistInfo('pathmnist')).to.include({ channels: 3, task: 'multi-class' });
    expect(medmnistInfo('pathmnist')!.labels).to.have.length(9);
    expect(medmnistInfo('chestmnist')).to.include({ task: 'multi-label', channels: 1 });
    expect(medmnistInfo('chestmnist')!.labels).to.have.length(14);
    expect(medmnistInfo('retinamnist')).to.include({ task: 'ordinal' });
    expect(medmnistInfo('dermamnist')!.license).to.equal('CC BY-NC 4.0');
    // Split sizes given in the design notes.
    expect(medmnistInfo('breastmnist')!.splits).to.deep.equal({ train: 546, val: 78, test: 156 });
    expect(medmnistInfo('pneumoniamnist')!.splits).to.deep.equal({ train: 4708, val: 524, test: 624 });
    expect(medmnistInfo('retinamnist')!.splits).to.deep.equal({ train: 1080, val: 120, test: 400 });
    expect(medmnistInfo('dermamnist')!.splits).to.deep.equal({ train: 7007, val: 1003, test: 2005 });
  });
});

describe('loadMedmnist', () => {
  let tmp: ReturnType<typeof tempDir>;
  let restoreLog: () => void;
  const logged: string[] = [];
  before(() => {
    tmp = tempDir();
    restoreLog = setLogSink((_l, line) => logged.push(line));
  });
  after(() => {
    restoreLog();
    tmp.cleanup();
  });

  it('accepts labels shaped (N,) and (N, 1), of any integer dtype', () => {
    const shapes: [string, (n: number) => NpyArray][] = [
      ['n', (n) => ({ dtype: 'uint8', shape: [n], data: Uint8Array.from(alternating(n)) })],
      ['n1', (n) => i64([n, 1], alternating(n))],
      ['n1-i32', (n) => ({ dtype: 'int32', shape: [n, 1], data: Int32Array.from(alternating(n)) })],
    ];
    for (const [tag, labels] of shapes) {
      const file = writeNpz(tmp.dir, `breastmnist-${tag}.npz`, breastLike(labels));
      const ds = loadMedmnist(file, 'breastmnist');
      expect(ds.name).to.equal('medmnist/breastmnist');
      expect(ds.task).to.equal('binary');
      expect(ds.splits.train!.count).to.equal(6);
      expect(ds.splits.train!.labelWidth).to.equal(1);
      expect([...ds.splits.test!.labels]).to.deep.equal([0, 1, 0, 1]);
      expect(ds.fingerprint).to.match(/^[0-9a-f]{16}$/);
    }
  });

  it('reads multi-label (N, 14) ChestMNIST labels', () => {
    const labels = (n: number) => ({ dtype: 'uint8', shape: [n, 14], data: Uint8Array.from({ length: n * 14 }, (_v, i) => (i % 3 === 0 ? 1 : 0)) });
    const ds = loadMedmnist(writeNpz(tmp.dir, 'chestmnist.npz', breastLike(labels)), 'chestmnist');
    expect(ds.task).to.equal('multi-label');
    expect(ds.numClasses).to.equal(14);
    expect(ds.splits.val!.labelWidth).to.equal(14);
    expect(ds.splits.val!.labels.slice(0, 4)).to.deep.equal(Int32Array.from([1, 0, 0, 1]));
  });

  it('fingerprints the file bytes', () => {
    const a = loadMedmnist(writeNpz(tmp.dir, 'breastmnist-a.npz', breastLike((n) => i64([n], alternating(n)))), 'breastmnist');
    const b = loadMedmnist(writeNpz(tmp.dir, 'breastmnist-b.npz', breastLike((n) => i64([n], alternating(n).reverse()))), 'breastmnist');
    const a2 = loadMedmnist(writeNpz(tmp.dir, 'breastmnist-a2.npz', breastLike((n) => i64([n], alternating(n)))), 'breastmnist');
    expect(a.fingerprint).to.not.equal(b.fingerprint);
    expect(a.fingerprint).to.equal(a2.fingerprint);
  });

  it('names the file and key when something is off', () => {
    const cases: [string, Record<string, NpyArray>, RegExp][] = [
      [
        'count',
        { ...breastLike((n) => i64([n], alternating(n))), val_labels: i64([3], [0, 1, 0]) },
        /val_labels has 3 entries but val_images has 2 images/,
      ],
      ['range', breastLike((n) => i64([n], Array(n).fill(2))), /train_labels entry 0 is 2; BreastMNIST \(binary\) labels must be in 0\.\.1/],
      [
        'dtype',
        { ...breastLike((n) => i64([n], alternating(n))), test_images: { dtype: 'float32', shape: [4, 28, 28], data: new Float32Array(4 * 784) } },
        /test_images has dtype float32; MedMNIST images must be uint8/,
      ],
      [
        'label-dtype',
        { ...breastLike((n) => i64([n], alternating(n))), train_labels: { dtype: 'float64', shape: [6], data: new Float64Array(6) } },
        /train_labels has dtype float64; labels must be integers/,
      ],
      ['channels', { ...breastLike((n) => i64([n], alternating(n))), train_images: u8([6, 28, 28, 3]) }, /train_images is RGB \(3 channels\) but BreastMNIST is grayscale/],
      ['width', breastLike((n) => i64([n, 2], Array(2 * n).fill(0))), /train_labels has 2 column\(s\) per image but BreastMNIST \(binary\) needs 1/],
      [
        'pair',
        { train_images: u8([6, 28, 28]), train_labels: i64([6], alternating(6)), val_images: u8([2, 28, 28]) },
        /has val_images but not val_labels; a split needs both/,
      ],
      ['sizes', { ...breastLike((n) => i64([n], alternating(n))), test_images: u8([4, 64, 64]) }, /test_images are 64×64×1 but other splits are 28×28×1/],
      ['none', { images: u8([2, 28, 28]) }, /holds none of the MedMNIST keys .* \(it has images\)/],
    ];
    for (const [tag, arrays, pattern] of cases) {
      const file = writeNpz(tmp.dir, `breastmnist-bad-${tag}.npz`, arrays);
      const err = thrown(() => loadMedmnist(file, 'breastmnist'));
      expect(err, tag).to.be.instanceOf(DataFormatError);
      expect(err.message, tag).to.contain(file);
      expect(err.message, tag).to.match(pattern);
    }
  });

  it('multi-class labels are checked against the class count', () => {
    const arrays = {
      test_images: u8([3, 28, 28, 3]),
      test_labels: i64([3, 1], [0, 8, 9]),
    };
    const err = thrown(() => loadMedmnist(writeNpz(tmp.dir, 'pathmnist-bad.npz', arrays), 'pathmnist'));
    expect(err.message).to.match(/test_labels entry 2 is 9; PathMNIST \(multi-class\) labels must be in 0\.\.8/);
  });

  it('rejects an unknown flag with did-you-mean', () => {
    expect(thrown(() => loadMedmnist('x.npz', 'breastmnst')).message).to.match(/did you mean "breastmnist"/);
  });

  it('warns when the file name does not match the flag', () => {
    logged.length = 0;
    loadMedmnist(writeNpz(tmp.dir, 'other.npz', breastLike((n) => i64([n], alternating(n)))), 'breastmnist');
    expect(logged.join('\n')).to.match(/other\.npz: loading as breastmnist/);
  });

  it('loads the real BreastMNIST file: 546/78/156 gray 28×28, binary labels in {0, 1}', function () {
    requireFile(this, BREAST_FILE);
    const ds = loadMedmnist(BREAST_FILE, 'breastmnist');
    expect(ds.task).to.equal('binary');
    expect(ds.numClasses).to.equal(2);
    expect(ds.fingerprint).to.equal('5e68d79723fb3a63'); // sha256 from the data folder's README
    const counts = { train: 546, val: 78, test: 156 };
    for (const [split, n] of Object.entries(counts)) {
      const s = ds.splits[split as 'train']!;
      expect(s.count, split).to.equal(n);
      expect([s.height, s.width, s.channels, s.labelWidth]).to.deep.equal([28, 28, 1, 1]);
      expect(s.images.length).to.equal(n * 784);
      expect(new Set(s.labels)).to.deep.equal(new Set([0, 1]));
    }
  });

  it('loads the PathMNIST test subset (test only) and refuses it for training, naming the missing keys', function () {
    requireFile(this, PATH_SUBSET_FILE);
    const ds = loadMedmnist(PATH_SUBSET_FILE, 'pathmnist');
    expect(Object.keys(ds.splits)).to.deep.equal(['test']);
    const t = ds.splits.test!;
    expect([t.count, t.height, t.width, t.channels]).to.deep.equal([718, 28, 28, 3]);
    expect(ds.numClasses).to.equal(9);
    expect(Math.max(...t.labels)).to.be.at.most(8);
    expect(requireSplits(ds, ['test']).test).to.equal(t);
    const err = thrown(() => requireSplits(ds, ['train', 'val'], PATH_SUBSET_FILE));
    expect(err).to.be.instanceOf(DataFormatError);
    expect(err.message).to.equal(
      `${PATH_SUBSET_FILE}: training needs train_images, train_labels, val_images, val_labels, which this file lacks (it has test_images, test_labels)`,
    );
  });
});
