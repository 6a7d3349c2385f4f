// The `dicom` and `folder` datasets with compressed and multi-frame DICOM: the same pixels whatever
// the transfer syntax (in memory and through the disk cache), frames and window params and their
// fingerprints, and the DICOM summary recorded as `dataset.dicom`.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, DataFormatError, type ImageSplit } from '@medtransfer/core';
import { describeDicomSummary, type DicomImageDataset } from './dicom-dataset';
import { encodeHtj2k, encodeJ2k, encodeJpegLs, encodeRle } from './dicom-fixtures';
import { isDiskSplit } from './disk-split';
import { loadImageFolder } from './folder';
import { encodeDicom, encodePng, type DicomSpec } from './image-fixtures';
import { readNpy } from './npy';
import { loadDataset } from './registry';

const ctx = { path: 'target.dataset', seed: 0 };
const load = (params: Record<string, unknown>, name = 'dicom') => loadDataset({ name, params: { valFraction: 0, testFraction: 0, ...params } }, ctx) as DicomImageDataset;
const write = (root: string, rel: string, bytes: Buffer) => {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), bytes);
};
/** The training pixels, from memory or from the disk cache's `.npy`. */
const trainPixels = (s: ImageSplit) => (isDiskSplit(s) ? readNpy(readFileSync(s.disk.splits.train!.file), 'cache').data : s.images);

const W = 6;
const H = 5;
/** Image k: 12-bit signed values with a texture, different per k. */
const values = (k: number) => Int16Array.from({ length: W * H }, (_, i) => ((i * 173 + k * 411) % 3000) - 1000);
const spec = (k: number, extra: Partial<DicomSpec> = {}): DicomSpec => ({
  rows: H,
  cols: W,
  pixels: Array.from(values(k)),
  bitsStored: 12,
  signed: true,
  slope: 1,
  intercept: -24,
  windowCenter: 40,
  windowWidth: 400,
  modality: 'CT',
  pixelSpacing: [0.7, 0.7],
  ...extra,
});
const frame = (k: number) => ({ width: W, height: H, bits: 12, components: 1 as const, samples: values(k), signed: true });
const bits = (k: number) => Uint16Array.from(values(k), (v) => v & 0xfff);

/** The same six images, written uncompressed and with a different codec per file. */
const compressedOf: ((k: number) => DicomSpec)[] = [
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2.4.80', fragments: [[encodeJpegLs({ ...frame(k), samples: bits(k), signed: false })]] }),
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2.4.90', fragments: [[encodeJ2k(frame(k))]] }),
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2.4.201', fragments: [[encodeHtj2k(frame(k))]] }),
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2.5', fragments: [[encodeRle(bits(k), H, W, 1, 16)]] }),
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2.1.99', pixelSpacing: [0.5, 0.6] }),
  (k) => spec(k, { transferSyntax: '1.2.840.10008.1.2', pixelSpacing: undefined, modality: 'MR' }),
];

describe('dicom datasets with compressed and multi-frame files', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'mt-dicomds-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives the same images for compressed and uncompressed files, in memory and through the disk cache', () => {
    compressedOf.forEach((make, k) => {
      const rel = `${k < 3 ? 'a' : 'b'}/img${k}.dcm`;
      write(join(root, 'plain'), rel, encodeDicom(spec(k)));
      write(join(root, 'packed'), rel, encodeDicom(make(k)));
    });
    const plain = load({ path: join(root, 'plain') });
    const packed = load({ path: join(root, 'packed') });
    const packedDisk = load({ path: join(root, 'packed'), cache: 'disk', cacheDir: join(root, 'cache') });
    expect(plain.splits.train!.count).to.equal(6);
    expect(packed.splits.train!.images).to.deep.equal(plain.splits.train!.images);
    expect(Array.from(packed.splits.train!.labels)).to.deep.equal([0, 0, 0, 1, 1, 1]);
    expect(trainPixels(packedDisk.splits.train!)).to.deep.equal(plain.splits.train!.images);
    expect(packedDisk.fingerprint).to.equal(packed.fingerprint); // bytes differ from the plain files, but memory and disk agree
    expect(packed.fingerprint).to.not.equal(plain.fingerprint);
    // a reload reads the finished cache
    expect(load({ path: join(root, 'packed'), cache: 'disk', cacheDir: join(root, 'cache') }).fingerprint).to.equal(packed.fingerprint);
    expect(packed.dicom).to.deep.equal({
      files: 6,
      images: 6,
      multiFrameFiles: 0,
      frames: 'middle',
      modalities: { CT: 5, MR: 1 },
      photometric: { MONOCHROME2: 6 },
      transferSyntaxes: {
        '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', files: 1 },
        '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 (Lossless Only)', files: 1 },
        '1.2.840.10008.1.2.4.201': { name: 'High-Throughput JPEG 2000 (Lossless Only)', files: 1 },
        '1.2.840.10008.1.2.5': { name: 'RLE Lossless', files: 1 },
        '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', files: 1 },
        '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', files: 1 },
      },
      pixelSpacing: { min: [0.5, 0.6], max: [0.7, 0.7], files: 5 },
      pixelSpacingMissing: 1,
    });
    expect(packedDisk.dicom).to.deep.equal(packed.dicom);
    expect(describeDicomSummary(packed.dicom!)).to.match(/^6 DICOM files → 6 images \(frames: middle, 0 multi-frame\); CT 5, MR 1; MONOCHROME2 6; JPEG-LS Lossless 1, .*; pixel spacing 0\.5–0\.7 mm \(5 files\)$/);
  });

  it('frames: all makes every frame an image of its file’s class and split; the choice enters the fingerprint only for multi-frame data', () => {
    const cine = (n: number) => spec(0, { frames: n, pixels: Array.from({ length: n }, (_, f) => Array.from(values(f))).flat() });
    write(root, 'a/cine.dcm', encodeDicom(cine(4)));
    write(root, 'b/one.dcm', encodeDicom(spec(9)));
    write(root, 'b/two.dcm', encodeDicom(spec(8)));
    const all = load({ path: root, frames: 'all' });
    expect(all.splits.train!.count).to.equal(6);
    expect(Array.from(all.splits.train!.labels)).to.deep.equal([0, 0, 0, 0, 1, 1]);
    expect(all.dicom).to.deep.include({ files: 3, images: 6, multiFrameFiles: 1, frames: 'all' });
    const middle = load({ path: root });
    expect(middle.splits.train!.count).to.equal(3);
    const per = W * H;
    expect(middle.splits.train!.images.subarray(0, per)).to.deep.equal(all.splits.train!.images.subarray(2 * per, 3 * per)); // frame ⌊4/2⌋
    const first = load({ path: root, frames: 'first' });
    expect(new Set([all.fingerprint, middle.fingerprint, first.fingerprint]).size).to.equal(3);
    // frames stay together when val/test are drawn (the split is per file)
    const drawn = load({ path: root, frames: 'all', valFraction: 0.5 });
    expect(drawn.splits.train!.count + drawn.splits.val!.count).to.equal(6);
    expect([drawn.splits.train!.count, drawn.splits.val!.count]).to.satisfy(([t, v]: number[]) => (t === 5 && v === 1) || (t === 2 && v === 4));
    // through the disk cache: the same frames, labels and fingerprint
    const cacheDir = `${root}-cache`; // outside the folder, which is read as images
    const disk = load({ path: root, frames: 'all', cache: 'disk', cacheDir });
    expect(disk.fingerprint).to.equal(all.fingerprint);
    expect(disk.splits.train!.count).to.equal(6);
    expect(trainPixels(disk.splits.train!)).to.deep.equal(all.splits.train!.images);
    rmSync(cacheDir, { recursive: true, force: true });
    // an index the files do not have
    expect(() => load({ path: root, frames: 3 })).to.throw(DataFormatError, /one\.dcm: frame index 3 is out of range: the file has 1 frame\(s\)/);
  });

  it('single-frame datasets keep the fingerprint they had; window: file is the default, none and a given window change it', () => {
    write(root, 'a/x.dcm', encodeDicom(spec(1)));
    write(root, 'b/y.dcm', encodeDicom(spec(2)));
    write(root, 'b/z.png', encodePng({ width: W, height: H, colorType: 0, bitDepth: 8, samples: new Array(W * H).fill(9) }));
    const before = loadImageFolder(root, { valFraction: 0, testFraction: 0, name: 'folder' }).fingerprint; // the loader without the DICOM step
    const folder = load({ path: root }, 'folder');
    expect(folder.fingerprint).to.equal(before);
    expect(load({ path: root, frames: 'all', window: 'file' }, 'folder').fingerprint).to.equal(before);
    expect(folder.dicom).to.deep.include({ files: 2, images: 2 }); // the PNG is no DICOM file
    const none = load({ path: root, window: 'none' }, 'folder');
    const given = load({ path: root, window: { center: 0, width: 100 } }, 'folder');
    expect(new Set([before, none.fingerprint, given.fingerprint]).size).to.equal(3);
    expect(none.splits.train!.images).to.not.deep.equal(folder.splits.train!.images);
    expect(() => load({ path: root, window: 'auto' }, 'folder')).to.throw(ConfigError, /target\.dataset\.params\.window/);
    expect(() => load({ path: root, frames: -1 }, 'folder')).to.throw(ConfigError, /target\.dataset\.params\.frames/);
  });
});
