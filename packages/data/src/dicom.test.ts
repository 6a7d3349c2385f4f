import { expect } from 'chai';
import { DataFormatError } from '@medtransfer/core';
import { decodeDicom, isDicom } from './dicom';
import { encodeDicom } from './image-fixtures';

const px = (bytes: Buffer) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);

describe('DICOM decoding', () => {
  const ramp = [0, 100, 200, 300]; // 2×2, min-max stretched to 0, 85, 170, 255

  for (const [ts, label] of [
    ['1.2.840.10008.1.2', 'implicit VR little endian'],
    ['1.2.840.10008.1.2.1', 'explicit VR little endian'],
    ['1.2.840.10008.1.2.2', 'explicit VR big endian'],
  ]) {
    it(`reads 16-bit unsigned MONOCHROME2 in ${label}`, () => {
      const bytes = px(encodeDicom({ rows: 2, cols: 2, pixels: ramp, transferSyntax: ts }));
      expect(isDicom(bytes)).to.equal(true);
      const img = decodeDicom(bytes, 'a.dcm');
      expect([img.width, img.height, img.channels]).to.deep.equal([2, 2, 1]);
      expect(Array.from(img.data)).to.deep.equal([0, 85, 170, 255]);
    });
  }

  it('reads 8-bit images and inverts MONOCHROME1', () => {
    const img = decodeDicom(px(encodeDicom({ rows: 1, cols: 3, bitsAllocated: 8, pixels: [0, 50, 100], photometric: 'MONOCHROME1' })), 'b.dcm');
    expect(Array.from(img.data)).to.deep.equal([255, 127, 0]); // 50/100·255 = 127.5 → 128, inverted
  });

  it('sign-extends signed values and applies rescale slope/intercept before the window', () => {
    // stored -1000, 0, 1000 with slope 2, intercept 100 → -1900, 100, 2100; window c=100 w=2001 → 0, ~128, 255
    const img = decodeDicom(
      px(encodeDicom({ rows: 1, cols: 3, pixels: [-1000, 0, 1000], signed: true, bitsStored: 12, slope: 2, intercept: 100, windowCenter: 100, windowWidth: 2001 })),
      'c.dcm',
    );
    expect(Array.from(img.data)).to.deep.equal([0, 128, 255]);
  });

  it('masks bits above Bits Stored for unsigned data', () => {
    // 0xF000 junk in the high bits of a 12-bit value must not count
    const img = decodeDicom(px(encodeDicom({ rows: 1, cols: 2, pixels: [0xf000, 0xf0ff], bitsStored: 12 })), 'd.dcm');
    expect(Array.from(img.data)).to.deep.equal([0, 255]);
  });

  it('applies the file window, and a window option overrides it', () => {
    const spec = { rows: 1, cols: 4, pixels: [0, 39, 60, 100], windowCenter: 50, windowWidth: 21 };
    const fromFile = decodeDicom(px(encodeDicom(spec)), 'e.dcm');
    expect(Array.from(fromFile.data)).to.deep.equal([0, 0, 255, 255]);
    const wide = decodeDicom(px(encodeDicom(spec)), 'e.dcm', { window: { center: 50.5, width: 101 } });
    expect(Array.from(wide.data)).to.deep.equal([0, 99, 153, 255]);
  });

  it('reads 8-bit RGB', () => {
    const img = decodeDicom(px(encodeDicom({ rows: 1, cols: 2, bitsAllocated: 8, samples: 3, photometric: 'RGB', pixels: [255, 0, 0, 0, 0, 255] })), 'f.dcm');
    expect(img.channels).to.equal(3);
    expect(Array.from(img.data)).to.deep.equal([255, 0, 0, 0, 0, 255]);
  });

  it('names the transfer syntax and the file for compressed data', () => {
    const bytes = px(encodeDicom({ rows: 1, cols: 1, pixels: [0], transferSyntax: '1.2.840.10008.1.2.4.90' }));
    expect(() => decodeDicom(bytes, '/data/x/ct.dcm'))
      .to.throw(DataFormatError)
      .with.property('message')
      .that.matches(/unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.90 \(JPEG 2000 \(Lossless Only\)\) in \/data\/x\/ct\.dcm; .*gdcmconv --raw/);
    const rle = px(encodeDicom({ rows: 1, cols: 1, pixels: [0], transferSyntax: '1.2.840.10008.1.2.5' }));
    expect(() => decodeDicom(rle, 'r.dcm')).to.throw(/RLE Lossless/);
  });

  it('says when there is no pixel data, or when it is truncated', () => {
    expect(() => decodeDicom(px(encodeDicom({ rows: 2, cols: 2, pixels: [], noPixelData: true })), 'sr.dcm')).to.throw(/sr\.dcm: no pixel data \(7FE0,0010\)/);
    const full = encodeDicom({ rows: 4, cols: 4, pixels: new Array(16).fill(1) });
    expect(() => decodeDicom(px(full.subarray(0, full.length - 8)), 't.dcm')).to.throw(/t\.dcm: .*(truncated|corrupt)/);
  });

  it('rejects a file without the DICM marker', () => {
    expect(() => decodeDicom(new Uint8Array(200), 'z.dcm')).to.throw(/z\.dcm: not a readable DICOM Part-10 file/);
  });
});
