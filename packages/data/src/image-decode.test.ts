import { expect } from 'chai';
import * as jpeg from 'jpeg-js';
import { DataFormatError } from '@medtransfer/core';
import { decodeImage, fitImage, isImageFile } from './image-decode';
import { encodeDicom, encodePng } from './image-fixtures';

describe('image decoding', () => {
  it('reads 8-bit gray PNGs as one channel', () => {
    const img = decodeImage(encodePng({ width: 2, height: 1, colorType: 0, bitDepth: 8, samples: [3, 250] }), 'g.png');
    expect(img).to.include({ width: 2, height: 1, channels: 1 });
    expect(Array.from(img.data)).to.deep.equal([3, 250]);
  });

  it('maps 16-bit gray to 8 bits over the full range, or stretched per image', () => {
    const bytes = encodePng({ width: 3, height: 1, colorType: 0, bitDepth: 16, samples: [0, 1000, 65535] });
    expect(Array.from(decodeImage(bytes, 'g16.png').data)).to.deep.equal([0, 4, 255]);
    const narrow = encodePng({ width: 3, height: 1, colorType: 0, bitDepth: 16, samples: [1000, 1500, 2000] });
    expect(Array.from(decodeImage(narrow, 'g16.png', { png16: 'minmax' }).data)).to.deep.equal([0, 128, 255]);
  });

  it('reads RGB, drops alpha from RGBA and gray+alpha', () => {
    const rgb = decodeImage(encodePng({ width: 1, height: 1, colorType: 2, bitDepth: 8, samples: [10, 20, 30] }), 'c.png');
    expect(rgb.channels).to.equal(3);
    expect(Array.from(rgb.data)).to.deep.equal([10, 20, 30]);
    const rgba = decodeImage(encodePng({ width: 2, height: 1, colorType: 6, bitDepth: 8, samples: [10, 20, 30, 0, 1, 2, 3, 255] }), 'a.png');
    expect(Array.from(rgba.data)).to.deep.equal([10, 20, 30, 1, 2, 3]);
    const ga = decodeImage(encodePng({ width: 1, height: 1, colorType: 4, bitDepth: 8, samples: [77, 9] }), 'ga.png');
    expect([ga.channels, ga.data[0]]).to.deep.equal([1, 77]);
  });

  it('reads palette PNGs: a gray palette gives one channel, a coloured one three', () => {
    const gray = decodeImage(encodePng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [1, 0], palette: [0, 0, 0, 90, 90, 90] }), 'p.png');
    expect([gray.channels, ...gray.data]).to.deep.equal([1, 90, 0]);
    const col = decodeImage(encodePng({ width: 2, height: 1, colorType: 3, bitDepth: 8, samples: [1, 0], palette: [0, 0, 0, 200, 10, 20] }), 'p.png');
    expect([col.channels, ...col.data]).to.deep.equal([3, 200, 10, 20, 0, 0, 0]);
  });

  it('reads JPEGs; a gray JPEG gives one channel', () => {
    const w = 16;
    const gray = new Uint8Array(w * w * 4);
    const colour = new Uint8Array(w * w * 4);
    for (let i = 0; i < w * w; i++) {
      gray.fill(i % w < 8 ? 40 : 200, 4 * i, 4 * i + 3);
      colour.set([200, 30, 30, 255], 4 * i);
    }
    const g = decodeImage(jpeg.encode({ width: w, height: w, data: gray }, 95).data, 'g.jpg');
    expect(g.channels).to.equal(1);
    expect(Math.abs(g.data[0] - 40)).to.be.below(6);
    expect(Math.abs(g.data[15] - 200)).to.be.below(6);
    const c = decodeImage(jpeg.encode({ width: w, height: w, data: colour }, 95).data, 'c.jpg');
    expect(c.channels).to.equal(3);
    expect(c.data[0]).to.be.above(180);
    expect(c.data[1]).to.be.below(60);
  });

  it('reads DICOM by its marker whatever the extension', () => {
    const img = decodeImage(encodeDicom({ rows: 1, cols: 2, pixels: [0, 9] }), 'scan.bin');
    expect(Array.from(img.data)).to.deep.equal([0, 255]);
  });

  it('names the file for truncated, corrupt and non-image data', () => {
    const png = encodePng({ width: 8, height: 8, colorType: 0, bitDepth: 8, samples: new Array(64).fill(5) });
    expect(() => decodeImage(png.subarray(0, 40), '/d/cut.png')).to.throw(DataFormatError, /\/d\/cut\.png: unreadable PNG/);
    const garbled = Buffer.from(png);
    garbled.fill(0x55, 40, 60);
    expect(() => decodeImage(garbled, 'bad.png')).to.throw(/bad\.png: unreadable PNG/);
    const jpg = jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(100) }, 90).data;
    expect(() => decodeImage(jpg.subarray(0, 30), 'cut.jpg')).to.throw(/cut\.jpg: unreadable JPEG/);
    expect(() => decodeImage(Buffer.from('id,label\n1,2\n'), 'notes.png')).to.throw(/notes\.png: not a PNG, JPEG or DICOM/);
  });

  it('fits images: channel mapping and bilinear resize to the target size', () => {
    const out = new Uint8Array(4 * 3);
    // 1×1 RGB → 2×2 gray is not asked; 1×2 gray → 2×2 RGB repeats gray and resizes rows
    fitImage({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 200]) }, 2, 2, 3, out, 0);
    expect(Array.from(out)).to.deep.equal([0, 0, 0, 200, 200, 200, 0, 0, 0, 200, 200, 200]);
    const g = new Uint8Array(1);
    fitImage({ width: 1, height: 1, channels: 3, data: new Uint8Array([255, 0, 0]) }, 1, 1, 1, g, 0);
    expect(g[0]).to.equal(76); // 0.299 · 255
    const down = new Uint8Array(1);
    fitImage({ width: 2, height: 2, channels: 1, data: new Uint8Array([0, 100, 100, 200]) }, 1, 1, 1, down, 0);
    expect(down[0]).to.equal(100);
  });

  it('recognises image extensions case-insensitively', () => {
    expect(['a.PNG', 'b.jpeg', 'c.Dcm', 'd.txt', 'e'].map(isImageFile)).to.deep.equal([true, true, true, false, false]);
  });
});
