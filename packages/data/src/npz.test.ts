import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError, MedtransferError } from '@medtransfer/core';
import { encodeNpy } from './npy';
import { crc32, parseNpz, readNpz, zipDirectory } from './npz';
import { BREAST_FILE, i64, npzBytes, requireFile, tempDir, thrown, u8, writeNpz } from './test-fixtures';

// `np.savez(f, a=np.array([1, 2, 3], np.uint8), b=np.array([[1.5]]))` from NumPy 2.4: stored
// members whose local headers carry zip64 extra fields, as NumPy always writes them.
const NUMPY_SAVEZ =
  'UEsDBC0AAAAAAAAAIQAq446x//////////8FABQAYS5ucHkBABAAgwAAAAAAAACDAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3x1MScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQIDUEsDBC0AAAAAAAAAIQCDbRLk//////////8FABQAYi5ucHkBABAAiAAAAAAAAACIAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxmOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgxLCAxKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAA+D9QSwECLQMtAAAAAAAAACEAKuOOsYMAAACDAAAABQAAAAAAAAAAAAAAgAEAAAAAYS5ucHlQSwECLQMtAAAAAAAAACEAg20S5IgAAACIAAAABQAAAAAAAAAAAAAAgAG6AAAAYi5ucHlQSwUGAAAAAAIAAgBmAAAAeQEAAAAA';

describe('readNpz', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir()));
  after(() => tmp.cleanup());

  it('reads an .npz written by NumPy np.savez (stored, zip64 local headers)', () => {
    const m = parseNpz(new Uint8Array(Buffer.from(NUMPY_SAVEZ, 'base64')), 'savez.npz');
    expect([...m.keys()]).to.deep.equal(['a', 'b']);
    expect([...m.get('a')!.data]).to.deep.equal([1, 2, 3]);
    expect(m.get('b')!.shape).to.deep.equal([1, 1]);
    expect([...m.get('b')!.data]).to.deep.equal([1.5]);
  });

  for (const stored of [true, false]) {
    it(`reads ${stored ? 'stored' : 'deflated'} members from a file, keyed without ".npy"`, () => {
      const file = writeNpz(tmp.dir, `x-${stored}.npz`, { images: u8([2, 3, 3]), labels: i64([2, 1], [1, 0]) }, stored);
      const methods = zipDirectory(readFileSync(file), file).map((m) => m.method);
      expect(methods).to.deep.equal(stored ? [0, 0] : [8, 8]);
      const m = readNpz(file);
      expect([...m.keys()].sort()).to.deep.equal(['images', 'labels']);
      expect(m.get('images')!.shape).to.deep.equal([2, 3, 3]);
      expect(m.get('images')!.data[17]).to.equal(17);
      expect([...(m.get('labels')!.data as BigInt64Array)]).to.deep.equal([1n, 0n]);
    });
  }

  it('says a cut file is not a zip and may be a truncated download, naming the file', () => {
    const full = npzBytes({ train_images: u8([20, 28, 28]) });
    const file = join(tmp.dir, 'cut.npz');
    writeFileSync(file, full.subarray(0, Math.floor(full.length / 2)));
    const err = thrown(() => readNpz(file));
    expect(err).to.be.instanceOf(DataFormatError);
    expect((err as DataFormatError).file).to.equal(file);
    expect(err.message).to.contain('not a zip file (no end-of-central-directory record)');
    expect(err.message).to.contain('the download may be truncated');
  });

  it('names the member whose array is shorter than its header says', () => {
    const npy = encodeNpy(u8([546, 28, 28]));
    const file = writeNpz(tmp.dir, 'short-member.npz', { train_images: npy.subarray(0, npy.length - (546 * 784 - 1000)) });
    const err = thrown(() => readNpz(file));
    expect(err).to.be.instanceOf(DataFormatError);
    expect(err.message).to.equal(
      `${file}: member train_images.npy: header says 546×28×28 uint8 = 428064 bytes but 1000 remain; the file is truncated`,
    );
  });

  it('detects damaged member data by its CRC', () => {
    const bytes = npzBytes({ a: u8([64]) }, true);
    const [m] = zipDirectory(bytes, 'x.npz');
    bytes[m.dataOffset + m.compressedSize - 1] ^= 0xff;
    expect(thrown(() => parseNpz(bytes, 'x.npz')).message).to.match(/^x\.npz: member a\.npy: CRC-32 mismatch/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).to.equal(0xcbf43926);
  });

  it('reports a missing file by name', () => {
    const err = thrown(() => readNpz(join(tmp.dir, 'nope.npz')));
    expect(err).to.be.instanceOf(MedtransferError);
    expect(err.message).to.match(/cannot read .*nope\.npz: no such file/);
  });

  it('reports the real BreastMNIST file, truncated, as a damaged download', function () {
    requireFile(this, BREAST_FILE);
    const bytes = readFileSync(BREAST_FILE);
    for (const keep of [0.5, 0.999]) {
      const file = join(tmp.dir, `breastmnist-cut-${keep}.npz`);
      writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * keep)));
      const err = thrown(() => readNpz(file));
      expect(err).to.be.instanceOf(DataFormatError);
      expect(err.message).to.contain(file);
      expect(err.message).to.match(/not a zip file|truncated/);
    }
  });
});
