import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError } from '@medtransfer/core';
import { CIFAR10_RECORD, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10 } from './cifar10';
import { loadDataset } from './registry';
import { tempDir, thrown } from './test-fixtures';

/** A record whose pixel (y, x) of channel c is (label·40 + c·10 + y + x) mod 256. */
function record(label: number): Uint8Array {
  const r = new Uint8Array(CIFAR10_RECORD);
  r[0] = label;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) r[1 + c * 1024 + y * 32 + x] = (label * 40 + c * 10 + y + x) % 256;
  return r;
}
const batch = (labels: number[]) => Buffer.concat(labels.map(record));

/** Five 4-record training batches (labels 0..9 cycling) and a 3-record test batch. */
function writeCifar(dir: string): void {
  mkdirSync(dir, { recursive: true });
  CIFAR10_TRAIN_FILES.forEach((n, b) => writeFileSync(join(dir, n), batch([0, 1, 2, 3].map((i) => (b * 4 + i) % 10))));
  writeFileSync(join(dir, CIFAR10_TEST_FILE), batch([9, 8, 7]));
}

describe('CIFAR-10 binary batches', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('decodes CHW records into HWC images with labels, holding out the last training records for validation', () => {
    writeCifar(tmp.dir);
    const ds = loadCifar10(tmp.dir, { valFraction: 0.2 });
    expect(ds).to.include({ name: 'cifar10', task: 'multi-class', numClasses: 10 });
    expect(ds.labelNames![3]).to.equal('cat');
    const { train, val, test } = ds.splits;
    expect([train!.count, val!.count, test!.count]).to.deep.equal([16, 4, 3]);
    expect(Array.from(train!.labels.subarray(0, 6))).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(Array.from(val!.labels)).to.deep.equal([6, 7, 8, 9]);
    expect(Array.from(test!.labels)).to.deep.equal([9, 8, 7]);
    // Image 1 (label 1), pixel (y=2, x=5): R = 40+0+7, G = 40+10+7, B = 40+20+7.
    const px = (1 * 1024 + 2 * 32 + 5) * 3;
    expect(Array.from(train!.images.subarray(px, px + 3))).to.deep.equal([47, 57, 67]);
    expect(train!).to.include({ height: 32, width: 32, channels: 3, labelWidth: 1 });
  });

  it('fingerprint changes with the bytes and with valFraction; the registry loads `cifar10` and finds a nested folder', () => {
    writeCifar(join(tmp.dir, 'cifar-10-batches-bin'));
    const a = loadDataset({ name: 'cifar10', params: { path: tmp.dir, valFraction: 0.2 } }, { path: 'target.dataset', seed: 0 });
    const b = loadCifar10(tmp.dir, { valFraction: 0.25 });
    expect(a.fingerprint).to.not.equal(b.fingerprint);
    expect(a.fingerprint).to.equal(loadCifar10(tmp.dir, { valFraction: 0.2 }).fingerprint);
    writeFileSync(join(tmp.dir, 'cifar-10-batches-bin', CIFAR10_TEST_FILE), batch([9, 8, 6]));
    expect(loadCifar10(tmp.dir, { valFraction: 0.2 }).fingerprint).to.not.equal(a.fingerprint);
  });

  it('a file of the wrong size, a bad label or a missing file is named in the error', () => {
    writeCifar(tmp.dir);
    writeFileSync(join(tmp.dir, 'data_batch_3.bin'), Buffer.concat([batch([1, 2]), Buffer.alloc(10)]));
    const size = thrown(() => loadCifar10(tmp.dir)) as DataFormatError;
    expect(size).to.be.instanceOf(DataFormatError);
    expect(size.file).to.equal(join(tmp.dir, 'data_batch_3.bin'));
    expect(size.detail).to.contain(`${2 * CIFAR10_RECORD + 10} bytes, not a whole number of 3073-byte records`);

    writeFileSync(join(tmp.dir, 'data_batch_3.bin'), batch([1, 12]));
    const label = thrown(() => loadCifar10(tmp.dir)) as DataFormatError;
    expect(label.message).to.contain('data_batch_3.bin: record 1 (byte 3073) has label 12; CIFAR-10 labels are 0..9');

    writeFileSync(join(tmp.dir, 'data_batch_3.bin'), Buffer.alloc(0));
    expect(thrown(() => loadCifar10(tmp.dir)).message).to.contain('data_batch_3.bin: is 0 bytes');

    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    expect(thrown(() => loadCifar10(empty)).message).to.contain('lacks data_batch_1.bin, data_batch_2.bin');
    const cfg = thrown(() => loadDataset({ name: 'cifar10', params: {} }, { path: 'target.dataset', seed: 0 }));
    expect(cfg.message).to.contain('target.dataset.params.path');
  });
});
