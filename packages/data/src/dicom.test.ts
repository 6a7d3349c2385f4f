import { expect } from 'chai';
import { DataFormatError } from '@medtransfer/core';
import { decodeDicom, isDicom, readDicomHeader } from './dicom';
import { encodeDicom } from './image-fixtures';
import { explicitElement as el, sequenceValue, textValue, usValue } from './dicom-fixtures';

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

  it('names the file, the transfer syntax and the decodable ones for a syntax it does not decode', () => {
    const bytes = px(encodeDicom({ rows: 1, cols: 1, pixels: [0], transferSyntax: '1.2.840.10008.1.2.4.112' }));
    expect(() => decodeDicom(bytes, '/data/x/ct.dcm'))
      .to.throw(DataFormatError)
      .with.property('message')
      .that.matches(/unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.112 \(JPEG XL\) in \/data\/x\/ct\.dcm; medtransfer decodes .*1\.2\.840\.10008\.1\.2\.4\.90 JPEG 2000 \(Lossless Only\).*gdcmconv --raw/);
    const odd = px(encodeDicom({ rows: 1, cols: 1, pixels: [0], transferSyntax: '1.2.3.4' }));
    expect(() => decodeDicom(odd, 'o.dcm')).to.throw(/unsupported transfer syntax 1\.2\.3\.4 \(unknown transfer syntax\)/);
  });

  it('says when there is no pixel data, or when it is truncated', () => {
    expect(() => decodeDicom(px(encodeDicom({ rows: 2, cols: 2, pixels: [], noPixelData: true })), 'sr.dcm')).to.throw(/sr\.dcm: no pixel data \(7FE0,0010\)/);
    const full = encodeDicom({ rows: 4, cols: 4, pixels: new Array(16).fill(1) });
    expect(() => decodeDicom(px(full.subarray(0, full.length - 8)), 't.dcm')).to.throw(/t\.dcm: .*(truncated|corrupt)/);
  });

  it('names the file and the value of a Number of Frames that is not a whole number', () => {
    const bad = px(encodeDicom({ rows: 2, cols: 2, pixels: [0, 1, 2, 3], frames: '2x' as unknown as number }));
    expect(() => decodeDicom(bad, 'nf.dcm')).to.throw(DataFormatError, /nf\.dcm: Number of Frames \(0028,0008\) is "2x", not a whole number/);
    expect(() => readDicomHeader(bad, 'nf.dcm')).to.throw(DataFormatError, /nf\.dcm: Number of Frames/);
  });

  it('rejects a file without the DICM marker', () => {
    expect(() => decodeDicom(new Uint8Array(200), 'z.dcm')).to.throw(/z\.dcm: not a readable DICOM Part-10 file/);
  });

  it('reads Deflated Explicit VR Little Endian', () => {
    const img = decodeDicom(px(encodeDicom({ rows: 2, cols: 2, pixels: ramp, transferSyntax: '1.2.840.10008.1.2.1.99' })), 'z.dcm');
    expect(Array.from(img.data)).to.deep.equal([0, 85, 170, 255]);
  });

  it('window: none ignores the file window; the VOI LUT functions LINEAR_EXACT and SIGMOID follow PS3.3 C.11.2.1.3', () => {
    const spec = { rows: 1, cols: 3, pixels: [0, 50, 100], windowCenter: 50, windowWidth: 50 };
    expect(Array.from(decodeDicom(px(encodeDicom(spec)), 'w.dcm', { window: 'none' }).data)).to.deep.equal([0, 128, 255]);
    expect(Array.from(decodeDicom(px(encodeDicom(spec)), 'w.dcm', { window: 'file' }).data)).to.deep.equal([0, 130, 255]);
    const exact = encodeDicom({ ...spec, tags: [[0x28, 0x1056, 'CS', textValue('LINEAR_EXACT')]] });
    expect(Array.from(decodeDicom(px(exact), 'w.dcm').data)).to.deep.equal([0, 128, 255]); // (x − c)/w + 0.5
    const sigmoid = encodeDicom({ ...spec, tags: [[0x28, 0x1056, 'CS', textValue('SIGMOID')]] });
    // 255 / (1 + exp(−4(x − 50)/50)): 4.6, 127.5, 250.4
    expect(Array.from(decodeDicom(px(sigmoid), 'w.dcm').data)).to.deep.equal([5, 128, 250]);
  });

  it('reads planar RGB, YBR_FULL and YBR_FULL_422 as RGB', () => {
    const planar = decodeDicom(px(encodeDicom({ rows: 1, cols: 2, bitsAllocated: 8, samples: 3, photometric: 'RGB', planar: 1, pixels: [255, 0, 0, 0, 0, 255] })), 'p.dcm');
    expect(Array.from(planar.data)).to.deep.equal([255, 0, 0, 0, 0, 255]); // R plane 255 0, G 0 0, B 0 255
    // Y Cb Cr of pure red (PS3.3 C.7.6.3.1.2, full range): 76, 85, 255
    const ybr = decodeDicom(px(encodeDicom({ rows: 1, cols: 1, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL', pixels: [76, 85, 255] })), 'y.dcm');
    expect(Array.from(ybr.data).map((v, i) => Math.abs(v - [255, 0, 0][i]) <= 1)).to.deep.equal([true, true, true]);
    // 4:2:2: Y1 Y2 Cb Cr for two pixels sharing chroma → two grays
    const sub = decodeDicom(px(encodeDicom({ rows: 1, cols: 2, bitsAllocated: 8, samples: 3, photometric: 'YBR_FULL_422', pixels: [10, 200, 128, 128] })), 'y2.dcm');
    expect(Array.from(sub.data)).to.deep.equal([10, 10, 10, 200, 200, 200]);
  });

  it('maps PALETTE COLOR through its lookup tables (8- and 16-bit entries)', () => {
    const desc = (bits: number) => usValue(3, 10, bits); // 3 entries, first mapped value 10
    const tags: [number, number, string, Buffer][] = [
      [0x28, 0x1101, 'US', desc(16)],
      [0x28, 0x1102, 'US', desc(16)],
      [0x28, 0x1103, 'US', desc(16)],
      [0x28, 0x1201, 'OW', usValue(0xffff, 0, 0)],
      [0x28, 0x1202, 'OW', usValue(0, 0xffff, 0)],
      [0x28, 0x1203, 'OW', usValue(0, 0, 0x8000)],
    ];
    const img = decodeDicom(px(encodeDicom({ rows: 1, cols: 4, bitsAllocated: 8, photometric: 'PALETTE COLOR', pixels: [10, 11, 12, 200], tags })), 'pal.dcm');
    expect(img.channels).to.equal(3);
    expect(Array.from(img.data)).to.deep.equal([255, 0, 0, 0, 255, 0, 0, 0, 128, 0, 0, 128]); // 200 is past the table: its last entry
    const missing = encodeDicom({ rows: 1, cols: 1, bitsAllocated: 8, photometric: 'PALETTE COLOR', pixels: [0] });
    expect(() => decodeDicom(px(missing), 'nopal.dcm')).to.throw(/nopal\.dcm: PALETTE COLOR image without its red palette/);
  });

  it('reads rescale, window and pixel spacing from the functional groups of an enhanced multi-frame file', () => {
    const group = (tag: number, ...els: Buffer[]) => el(0x28, tag, 'SQ', sequenceValue(els));
    const shared = el(0x5200, 0x9229, 'SQ', sequenceValue([group(0x9110, el(0x28, 0x30, 'DS', textValue('0.5\\0.25'))), group(0x9132, el(0x28, 0x1050, 'DS', textValue('50')), el(0x28, 0x1051, 'DS', textValue('101')))]));
    const perFrame = el(0x5200, 0x9230, 'SQ', sequenceValue([group(0x9145, el(0x28, 0x1052, 'DS', textValue('0')), el(0x28, 0x1053, 'DS', textValue('1')))], [group(0x9145, el(0x28, 0x1052, 'DS', textValue('50')), el(0x28, 0x1053, 'DS', textValue('1')))]));
    const bytes = px(encodeDicom({ rows: 1, cols: 2, frames: 2, pixels: [0, 50, 0, 50], modality: 'MR', tags: [[0x5200, 0x9229, 'SQ', shared.subarray(12)], [0x5200, 0x9230, 'SQ', perFrame.subarray(12)]] }));
    const header = readDicomHeader(bytes, 'e.dcm');
    expect(header).to.deep.include({ frames: 2, modality: 'MR', photometric: 'MONOCHROME2', transferSyntax: '1.2.840.10008.1.2.1' });
    expect(header.pixelSpacing).to.deep.equal({ row: 0.5, col: 0.25, source: 'Pixel Spacing' });
    // window 50/101: ((x − 49.5)/100 + 0.5)·255 on frame 0 (values 0, 50) and frame 1 (rescaled to 50, 100)
    expect(Array.from(decodeDicom(bytes, 'e.dcm', { frames: 'first' }).data)).to.deep.equal([1, 129]);
    expect(Array.from(decodeDicom(bytes, 'e.dcm', { frame: 1 }).data)).to.deep.equal([129, 255]);
  });

  it('reads Imager Pixel Spacing when there is no Pixel Spacing', () => {
    const bytes = px(encodeDicom({ rows: 1, cols: 1, pixels: [0], modality: 'DX', tags: [[0x18, 0x1164, 'DS', textValue('0.1\\0.2')]] }));
    expect(readDicomHeader(bytes, 'dx.dcm').pixelSpacing).to.deep.equal({ row: 0.1, col: 0.2, source: 'Imager Pixel Spacing' });
  });
});
