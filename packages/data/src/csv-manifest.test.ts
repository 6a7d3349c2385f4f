import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataFormatError } from '@medtransfer/core';
import { cacheCsvManifest, labelValue, loadCsvManifest } from './csv-manifest';
import { encodePng } from './image-fixtures';
import { loadDataset } from './registry';

const HEADER = 'Path,Sex,Frontal/Lateral,Edema,Effusion,Split';

describe('CSV manifests (CheXpert style)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mt-csv-'));
    mkdirSync(join(root, 'imgs'));
    for (let i = 0; i < 6; i++) writeFileSync(join(root, 'imgs', `p${i}.png`), encodePng({ width: 3, height: 3, colorType: 0, bitDepth: 8, samples: new Array(9).fill(i * 10) }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const csv = (lines: string[]) => {
    const file = join(root, 'train.csv');
    writeFileSync(file, [HEADER, ...lines].join('\n') + '\n');
    return file;
  };
  const rows = [
    'imgs/p0.png,Male,Frontal,1.0,-1.0,train',
    'imgs/p1.png,Female,Lateral,0.0,1.0,train',
    'imgs/p2.png,Female,Frontal,-1.0,,val',
    'imgs/p3.png,Male,Frontal,,0.0,test',
  ];

  it('maps uncertain labels by policy and blanks by the blank setting', () => {
    const load = (uncertainty: 'u-ones' | 'u-zeros' | 'u-ignore', blank: 'zero' | 'mask' = 'zero') =>
      Array.from(loadCsvManifest(csv(rows), { labelColumns: ['Edema', 'Effusion'], uncertainty, blank, splitColumn: 'Split' }).splits.train!.labels);
    expect(load('u-ones')).to.deep.equal([1, 1, 0, 1]);
    expect(load('u-zeros')).to.deep.equal([1, 0, 0, 1]);
    expect(load('u-ignore')).to.deep.equal([1, -1, 0, 1]);
    const ds = loadCsvManifest(csv(rows), { labelColumns: ['Edema', 'Effusion'], uncertainty: 'u-ignore', blank: 'mask', splitColumn: 'Split' });
    expect(Array.from(ds.splits.val!.labels)).to.deep.equal([-1, -1]);
    expect(Array.from(ds.splits.test!.labels)).to.deep.equal([-1, 0]);
    expect(ds.task).to.equal('multi-label');
    expect([ds.numClasses, ds.splits.train!.labelWidth]).to.deep.equal([2, 2]);
    expect(labelValue(' 1 ', 'u-ignore', 'zero')).to.equal(1);
    expect(labelValue('yes', 'u-ignore', 'zero')).to.equal(undefined);
  });

  it('caches to disk with the same labels (masks included) and fingerprint', () => {
    const opts = { labelColumns: ['Edema', 'Effusion'], blank: 'mask' as const, splitColumn: 'Split' };
    const mem = loadCsvManifest(csv(rows), opts);
    const disk = cacheCsvManifest(csv(rows), { ...opts, cacheDir: join(root, 'cache') });
    expect(disk.fingerprint).to.equal(mem.fingerprint);
    expect(disk.task).to.equal('multi-label');
    expect(Array.from(disk.splits.train!.labels)).to.deep.equal(Array.from(mem.splits.train!.labels));
    expect(Array.from(disk.splits.val!.labels)).to.deep.equal([-1, -1]);
  });

  it('keeps frontal views only when asked', () => {
    const ds = loadCsvManifest(csv(rows), { labelColumns: ['Edema'], frontalOnly: true, splitColumn: 'Split' });
    expect(ds.splits.train!.count).to.equal(1);
    expect(ds.splits.train!.images[0]).to.equal(0); // p0, not the lateral p1
    const custom = loadCsvManifest(csv(rows), { labelColumns: ['Edema'], frontalOnly: true, viewColumn: 'Sex', frontalValue: 'Female', splitColumn: 'Split' });
    expect(custom.splits.train!.images[0]).to.equal(10);
  });

  it('splits by seed when there is no split column', () => {
    const many = Array.from({ length: 6 }, (_, i) => `imgs/p${i}.png,M,Frontal,${i % 2},0,x`);
    const a = loadCsvManifest(csv(many), { labelColumns: ['Edema'], valFraction: 0.34, testFraction: 0, seed: 1 });
    expect([a.splits.train!.count, a.splits.val!.count]).to.deep.equal([4, 2]);
    expect(Array.from(a.splits.val!.labels).sort()).to.deep.equal([0, 1]); // stratified
    const b = loadCsvManifest(csv(many), { labelColumns: ['Edema'], valFraction: 0.34, testFraction: 0, seed: 1 });
    expect(b.fingerprint).to.equal(a.fingerprint);
  });

  it('names the file, row and column for bad input', () => {
    expect(() => loadCsvManifest(csv(rows), { labelColumns: ['Edema', 'Pneumonia'] }))
      .to.throw(DataFormatError, /train\.csv: has no column "Pneumonia" \(set by params\.labelColumns\[1\]\); its columns are: Path, Sex/);
    expect(() => loadCsvManifest(csv(['imgs/p0.png,M,Frontal,maybe,0,train']), { labelColumns: ['Edema'] })).to.throw(/row 2, column "Edema": value "maybe" is not a label/);
    expect(() => loadCsvManifest(csv(['imgs/gone.png,M,Frontal,1,0,train']), { labelColumns: ['Edema'] })).to.throw(/row 2: image imgs\/gone\.png not found/);
    expect(() => loadCsvManifest(csv(['imgs/p0.png,M,Frontal,1,0,training']), { labelColumns: ['Edema'], splitColumn: 'Split' })).to.throw(/"training" is not a split/);
    expect(() => loadCsvManifest(csv(['imgs/p0.png,M,Frontal']), { labelColumns: ['Edema'] })).to.throw(DataFormatError, /not readable as CSV/);
    expect(() => loadCsvManifest(csv([rows[1]]), { labelColumns: ['Edema'], frontalOnly: true })).to.throw(/no rows left after the frontal-only filter/);
  });

  it('is registered as csv; paths resolve against root', () => {
    const file = csv(rows.map((r) => r.replace('imgs/', '')));
    const ds = loadDataset(
      { name: 'csv', params: { file, root: join(root, 'imgs'), labelColumns: ['Edema', 'Effusion'], splitColumn: 'Split', size: 8 } },
      { path: 'target.dataset', seed: 0 },
    );
    expect([ds.name, ds.splits.train!.height]).to.deep.equal(['csv', 8]);
    expect(() => loadDataset({ name: 'csv', params: { file, labelColumns: [] } }, { path: 'target.dataset', seed: 0 }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/target\.dataset\.params\.labelColumns/);
    expect(() => loadDataset({ name: 'csv', params: { file, labelColumns: ['Edema'], uncertainty: 'u-one' } }, { path: 'target.dataset', seed: 0 })).to.throw(
      /params\.uncertainty: expected one of "u-ones", "u-zeros", "u-ignore"/,
    );
  });
});
