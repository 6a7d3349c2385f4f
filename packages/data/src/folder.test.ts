import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, DataFormatError } from '@medtransfer/core';
import { loadImageFolder } from './folder';
import { encodeDicom, encodePng } from './image-fixtures';
import { loadDataset } from './registry';
import { stratifiedSplit } from './stratified-split';

function gray(size: number, value: number): Buffer {
  return encodePng({ width: size, height: size, colorType: 0, bitDepth: 8, samples: new Array(size * size).fill(value) });
}

function write(root: string, rel: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), bytes);
}

describe('image folder datasets', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'mt-folder-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('takes classes from sorted folder names and splits them, seeded and stratified', () => {
    // class value = pixel value, so labels can be checked against pixels
    for (const [cls, v] of [['normal', 10], ['Benign', 20], ['malignant', 30]] as const) {
      for (let i = 0; i < 10; i++) write(root, `${cls}/img${i}.png`, gray(4, v));
    }
    const ds = loadImageFolder(root, { seed: 3, valFraction: 0.2, testFraction: 0.1 });
    expect(ds.labelNames).to.deep.equal(['Benign', 'malignant', 'normal']); // code-unit order: capitals first
    expect(ds.task).to.equal('multi-class');
    expect([ds.splits.train?.count, ds.splits.val?.count, ds.splits.test?.count]).to.deep.equal([21, 6, 3]);
    for (const split of Object.values(ds.splits)) {
      for (let i = 0; i < split.count; i++) expect(split.images[i * 16]).to.equal([20, 30, 10][split.labels[i]]);
      expect(split.channels).to.equal(1);
    }
    const again = loadImageFolder(root, { seed: 3, valFraction: 0.2, testFraction: 0.1 });
    expect(again.fingerprint).to.equal(ds.fingerprint);
    expect(Array.from(again.splits.val!.images)).to.deep.equal(Array.from(ds.splits.val!.images));
    const other = loadImageFolder(root, { seed: 4, valFraction: 0.2, testFraction: 0.1 });
    expect(other.fingerprint).to.not.equal(ds.fingerprint);
  });

  it('uses train/ val/ test/ folders as given, and draws only missing splits', () => {
    for (const split of ['train', 'val']) {
      for (const cls of ['a', 'b']) for (let i = 0; i < 5; i++) write(root, `${split}/${cls}/${i}.png`, gray(2, cls === 'a' ? 1 : 2));
    }
    const ds = loadImageFolder(root, { testFraction: 0.2 });
    expect(ds.task).to.equal('binary');
    expect([ds.splits.train?.count, ds.splits.val?.count, ds.splits.test?.count]).to.deep.equal([8, 10, 2]);
  });

  it('resizes differing sizes to params.size; without it names both files', () => {
    write(root, 'a/big.png', gray(8, 50));
    write(root, 'b/small.png', encodePng({ width: 4, height: 2, colorType: 2, bitDepth: 8, samples: new Array(8).fill([9, 60, 90]).flat() }));
    expect(() => loadImageFolder(root, { valFraction: 0, testFraction: 0 })).to.throw(DataFormatError, /small\.png: is 4×2 px but .*big\.png is 8×8.*params\.size/);
    const ds = loadImageFolder(root, { size: 6, valFraction: 0, testFraction: 0 });
    const t = ds.splits.train!;
    expect([t.count, t.height, t.width, t.channels]).to.deep.equal([2, 6, 6, 3]); // one colour image → RGB
    expect(Array.from(t.images.subarray(0, 3))).to.deep.equal([50, 50, 50]);
    expect(Array.from(t.images.subarray(108, 111))).to.deep.equal([9, 60, 90]);
  });

  it('fails on a non-image file naming it, unless skipOther', () => {
    write(root, 'a/1.png', gray(2, 1));
    write(root, 'b/1.png', gray(2, 1));
    write(root, 'b/notes.txt', 'scanner notes');
    write(root, 'b/.DS_Store', 'x');
    expect(() => loadImageFolder(root)).to.throw(DataFormatError, /notes\.txt: is not an image.*skipOther/);
    expect(loadImageFolder(root, { skipOther: true, valFraction: 0, testFraction: 0 }).splits.train!.count).to.equal(2);
  });

  it('names an unreadable image', () => {
    write(root, 'a/1.png', gray(2, 1));
    write(root, 'b/broken.png', gray(2, 1).subarray(0, 30));
    expect(() => loadImageFolder(root)).to.throw(DataFormatError, /broken\.png: unreadable PNG/);
  });

  it('needs at least two class folders', () => {
    write(root, 'only/1.png', gray(2, 1));
    expect(() => loadImageFolder(root)).to.throw(/found 1 class folder\(s\) \(only\)/);
  });

  it('is registered as folder and dicom, with params checked by field', () => {
    write(root, 'ct/a.dcm', encodeDicom({ rows: 2, cols: 2, pixels: [0, 1, 2, 3] }));
    write(root, 'mr/b.dcm', encodeDicom({ rows: 2, cols: 2, pixels: [3, 2, 1, 0], transferSyntax: '1.2.840.10008.1.2' }));
    const ds = loadDataset({ name: 'dicom', params: { path: root, valFraction: 0, testFraction: 0 } }, { path: 'target.dataset', seed: 0, imageSize: 4 });
    expect(ds.name).to.equal('dicom');
    expect([ds.splits.train!.height, ds.splits.train!.channels]).to.deep.equal([4, 1]);
    expect(ds.splits.train!.images[0]).to.equal(0);
    expect(() => loadDataset({ name: 'folder', params: { path: root, valFraction: 2 } }, { path: 'target.dataset', seed: 0 }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/target\.dataset\.params\.valFraction/);
    expect(() => loadDataset({ name: 'folder', params: { path: root, windw: 1 } }, { path: 'target.dataset', seed: 0 })).to.throw(/did you mean "window"/);
    expect(() => loadDataset({ name: 'folder', params: { path: join(root, 'nope') } }, { path: 'target.dataset', seed: 0 })).to.throw(/target\.dataset\.params\.path: folder not found/);
  });

  it('DICOM of a transfer syntax it does not decode fails with the transfer syntax and file', () => {
    write(root, 'a/x.dcm', encodeDicom({ rows: 1, cols: 1, pixels: [0] }));
    write(root, 'b/y.dcm', encodeDicom({ rows: 1, cols: 1, pixels: [0], transferSyntax: '1.2.840.10008.1.2.4.112' }));
    expect(() => loadImageFolder(root)).to.throw(/unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.112 \(JPEG XL\) in .*y\.dcm/);
  });
});

describe('stratifiedSplit', () => {
  it('splits each stratum by the fractions, keeping at least one training item', () => {
    const strata = [...new Array(10).fill('a'), ...new Array(3).fill('b'), 'c'];
    const s = stratifiedSplit(strata, { val: 0.2, test: 0.2 }, 1);
    const count = (cls: string, split: string) => strata.filter((k, i) => k === cls && s[i] === split).length;
    expect([count('a', 'train'), count('a', 'val'), count('a', 'test')]).to.deep.equal([6, 2, 2]);
    expect([count('b', 'train'), count('b', 'val'), count('b', 'test')]).to.deep.equal([1, 1, 1]);
    expect(count('c', 'train')).to.equal(1);
    expect(stratifiedSplit(strata, { val: 0.2, test: 0.2 }, 1)).to.deep.equal(s);
    expect(stratifiedSplit(strata, { val: 0.2, test: 0.2 }, 2)).to.not.deep.equal(s);
  });
});
