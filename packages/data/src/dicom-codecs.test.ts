// Compressed transfer syntaxes end to end: pixel data compressed with the codec packages' own
// encoders (jpeg-js for baseline JPEG, an RLE encoder from PS3.5 G.3.1), wrapped as encapsulated
// DICOM, decoded through decodeDicom and compared with the same values stored uncompressed.
import { expect } from 'chai';
import { DataFormatError } from '@medtransfer/core';
import { decodeDicom } from './dicom';
import { decodeFrame, interleavePlanes } from './dicom-codecs';
import { encodeHtj2k, encodeJ2k, encodeJpegBaseline, encodeJpegLs, encodeRle, type RawFrame } from './dicom-fixtures';
import { decodeRle } from './dicom-rle';
import { encodeDicom, type DicomSpec } from './image-fixtures';

const px = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const W = 9;
const H = 7;
const n = W * H;
/** 12-bit ramp with texture, 0…4095. */
const gray12 = Uint16Array.from({ length: n }, (_, i) => (i * 131 + (i % 5) * 700) % 4096);
/** Signed values −1024…1023 (a CT-like range), stored as 12-bit two's complement. */
const signed = Int16Array.from({ length: n }, (_, i) => ((i * 97) % 2048) - 1024);
const rgb = Uint8Array.from({ length: n * 3 }, (_, i) => (i * 37 + (i % 3) * 80) % 256);

const native = (spec: DicomSpec) => decodeDicom(px(encodeDicom(spec)), 'native.dcm');
const compressed = (spec: DicomSpec, ts: string, frames: Uint8Array[], file = 'c.dcm') =>
  decodeDicom(px(encodeDicom({ ...spec, transferSyntax: ts, fragments: frames.map((f) => [f]) })), file);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const monoSpec: DicomSpec = { rows: H, cols: W, pixels: Array.from(gray12), bitsStored: 12 };
/** Signed, rescaled, windowed and inverted: every step of the gray pipeline after decoding. */
const ctSpec: DicomSpec = {
  rows: H,
  cols: W,
  pixels: Array.from(signed),
  bitsStored: 12,
  signed: true,
  slope: 2,
  intercept: -100,
  windowCenter: 40,
  windowWidth: 1500,
  photometric: 'MONOCHROME1',
};
const rgbSpec: DicomSpec = { rows: H, cols: W, bitsAllocated: 8, samples: 3, photometric: 'RGB', pixels: Array.from(rgb) };
const frame12: RawFrame = { width: W, height: H, bits: 12, components: 1, samples: gray12 };
const frameSigned: RawFrame = { width: W, height: H, bits: 12, components: 1, samples: signed, signed: true };
const frameRgb: RawFrame = { width: W, height: H, bits: 8, components: 3, samples: rgb };
/** Signed values as the 12-bit patterns JPEG-LS and RLE carry. */
const signedBits = Uint16Array.from(signed, (v) => v & 0xfff);

describe('compressed DICOM transfer syntaxes', () => {
  it('JPEG-LS lossless (.4.80): 12-bit gray, signed rescaled MONOCHROME1, RGB in every interleave mode', () => {
    const ts = '1.2.840.10008.1.2.4.80';
    expect(compressed(monoSpec, ts, [encodeJpegLs(frame12)]).data).to.deep.equal(native(monoSpec).data);
    expect(compressed(ctSpec, ts, [encodeJpegLs({ ...frame12, samples: signedBits })]).data).to.deep.equal(native(ctSpec).data);
    const planes = interleavePlanes(rgb, n, 3).fill(0); // the encoder reads interleave mode 0 input plane by plane
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) planes[c * n + i] = rgb[3 * i + c];
    for (const [mode, samples] of [[0, planes], [1, rgb], [2, rgb]] as const) {
      const img = compressed(rgbSpec, ts, [encodeJpegLs({ ...frameRgb, samples }, { interleave: mode })]);
      expect(img.data, `interleave mode ${mode}`).to.deep.equal(native(rgbSpec).data);
    }
  });

  it('JPEG-LS near-lossless (.4.81) stays within NEAR of the stored values', () => {
    const raw = decodeFrame('jpeg-ls', encodeJpegLs(frame12, { nearLossless: 3 }));
    expect(maxDiff(raw.samples, gray12)).to.be.within(1, 3);
    const img = compressed({ ...monoSpec, windowCenter: 2048, windowWidth: 4096 }, '1.2.840.10008.1.2.4.81', [encodeJpegLs(frame12, { nearLossless: 3 })]);
    expect(maxDiff(img.data, native({ ...monoSpec, windowCenter: 2048, windowWidth: 4096 }).data)).to.be.at.most(1); // 3/4096 of 255
  });

  it('JPEG 2000 lossless (.4.90) and HTJ2K (.4.201, .4.202, .4.203): gray, signed (the codec signs it), RGB', () => {
    for (const [ts, encode] of [
      ['1.2.840.10008.1.2.4.90', encodeJ2k],
      ['1.2.840.10008.1.2.4.201', encodeHtj2k],
      ['1.2.840.10008.1.2.4.202', encodeHtj2k],
      ['1.2.840.10008.1.2.4.203', encodeHtj2k],
    ] as const) {
      expect(compressed(monoSpec, ts, [encode(frame12)]).data, ts).to.deep.equal(native(monoSpec).data);
      expect(compressed(ctSpec, ts, [encode(frameSigned)]).data, ts).to.deep.equal(native(ctSpec).data);
      expect(compressed({ ...rgbSpec, photometric: 'YBR_RCT' }, ts, [encode(frameRgb)]).data, ts).to.deep.equal(native(rgbSpec).data);
    }
  });

  it('JPEG 2000 (.4.91) decodes an irreversible codestream within tolerance', () => {
    // OpenJPEG's irreversible 9/7 path: on this image every quality gives a largest error of 1 stored value (measured)
    const lossy = encodeJ2k(frame12, { quality: 20 });
    expect(maxDiff(decodeFrame('j2k', lossy).samples, gray12)).to.equal(1);
    const spec = { ...monoSpec, windowCenter: 2048, windowWidth: 4096 };
    expect(maxDiff(compressed(spec, '1.2.840.10008.1.2.4.91', [lossy]).data, native(spec).data)).to.be.at.most(1);
  });

  it('JPEG baseline (.4.50) and extended (.4.51, 8-bit): YBR_FULL_422 comes out as RGB close to the source', () => {
    // a smooth colour image, so JPEG's error is small (quality 95, 4:2:0 chroma)
    const size = 16;
    const smooth = Uint8Array.from({ length: size * size * 3 }, (_, i) => {
      const [p, c] = [Math.floor(i / 3), i % 3];
      return 40 + (p % size) * 6 + Math.floor(p / size) * 3 + c * 30;
    });
    const spec: DicomSpec = { rows: size, cols: size, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL_422', pixels: [] };
    for (const ts of ['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']) {
      const img = compressed(spec, ts, [encodeJpegBaseline(smooth, size, size, 95)]);
      expect(img.channels).to.equal(3);
      expect(maxDiff(img.data, smooth), ts).to.be.at.most(3); // measured: 1
    }
  });

  it('says that 12-bit JPEG extended is not decoded, naming file and syntax', () => {
    // SOI, then SOF1 with sample precision 12
    const sof1 = new Uint8Array([0xff, 0xd8, 0xff, 0xc1, 0x00, 0x0b, 12, 0, H, 0, W, 1, 1, 0x11, 0]);
    expect(() => compressed(monoSpec, '1.2.840.10008.1.2.4.51', [sof1], '/x/ext.dcm'))
      .to.throw(DataFormatError)
      .with.property('message')
      .that.matches(/^\/x\/ext\.dcm: cannot decode the image: 12-bit JPEG \(Process 4\) is not decoded.*\(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51 \(JPEG Extended \(Process 2 & 4\)\)\)$/);
  });

  it('RLE lossless (.5): 8-bit, 16-bit signed rescaled MONOCHROME1 and RGB; decoder and encoder agree with PS3.5 G', () => {
    const ts = '1.2.840.10008.1.2.5';
    const gray8 = Uint8Array.from({ length: n }, (_, i) => (i < 20 ? 7 : (i * 11) % 256)); // a replicate run, then literals
    const spec8: DicomSpec = { rows: H, cols: W, bitsAllocated: 8, pixels: Array.from(gray8) };
    expect(compressed(spec8, ts, [encodeRle(gray8, H, W, 1, 8)]).data).to.deep.equal(native(spec8).data);
    expect(compressed(ctSpec, ts, [encodeRle(signedBits, H, W, 1, 16)]).data).to.deep.equal(native(ctSpec).data);
    expect(compressed(rgbSpec, ts, [encodeRle(rgb, H, W, 3, 8)]).data).to.deep.equal(native(rgbSpec).data);
    // PS3.5 G.3.1 example-style stream written by hand: 3 literal bytes, then 5 × 0x09
    const hand = new Uint8Array(64 + 6);
    new DataView(hand.buffer).setUint32(0, 1, true);
    new DataView(hand.buffer).setUint32(4, 64, true);
    hand.set([2, 1, 2, 3, 0xfc, 9], 64);
    expect(Array.from(decodeRle(hand, 1, 8, 1, 8).samples)).to.deep.equal([1, 2, 3, 9, 9, 9, 9, 9]);
  });

  it('encapsulated uncompressed (.1.2.1.98) reads its fragments as native frames', () => {
    const bytes = new Uint8Array(Uint16Array.from(gray12).buffer);
    expect(compressed(monoSpec, '1.2.840.10008.1.2.1.98', [bytes]).data).to.deep.equal(native(monoSpec).data);
  });

  it('a decoder failure names the file, the frame, the transfer syntax and the codec', () => {
    const broken = encodeJpegLs(frame12).slice();
    broken.fill(0xff, 30); // garbage after the header
    expect(() => compressed(monoSpec, '1.2.840.10008.1.2.4.80', [broken], '/d/bad.dcm'))
      .to.throw(DataFormatError)
      .with.property('message')
      .that.matches(/^\/d\/bad\.dcm: cannot decode the image: @cornerstonejs\/codec-charls failed.*\(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80 \(JPEG-LS Lossless\)\); the file may be truncated or corrupt/);
    const wrongSize = encodeJpegLs({ ...frame12, width: 3, height: 3, samples: gray12.subarray(0, 9) });
    expect(() => compressed(monoSpec, '1.2.840.10008.1.2.4.80', [wrongSize], 'size.dcm')).to.throw(/size\.dcm: frame 0 decodes to 3×3 px with 1 component\(s\), but the header says 9×7 with 1/);
    // the codec still decodes after an error
    expect(compressed(monoSpec, '1.2.840.10008.1.2.4.80', [encodeJpegLs(frame12)]).data).to.deep.equal(native(monoSpec).data);
  });
});
