// Real JPEG lossless DICOM files: the samples jpeg-lossless-decoder-js 2.1.2 ships in its npm
// package (tests/data, MIT licence; anonymised MR knee, XA cine, RGB fundus photograph). They are
// read from node_modules, not copied; the tests skip if a package install leaves them out.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeDicom, decodeDicomFrames, readDicomHeader } from './dicom';
import { encodeJpegLs } from './dicom-fixtures';
import { encodeDicom } from './image-fixtures';

const dataDir = join(dirname(require.resolve('jpeg-lossless-decoder-js/package.json')), 'tests', 'data');
const sample = (name: string) => readFileSync(join(dataDir, name));

describe('DICOM sample files (jpeg-lossless-decoder-js tests/data)', function () {
  before(function () {
    if (!existsSync(join(dataDir, 'jpeg_lossless_sel1.dcm'))) this.skip();
  });

  it('the seven JPEG lossless predictors (.4.57) of one MR slice decode to the same image', () => {
    const first = decodeDicom(sample('jpeg_lossless_sel1.dcm'), 'sel1');
    expect([first.width, first.height, first.channels]).to.deep.equal([256, 256, 1]);
    for (let sv = 2; sv <= 7; sv++) expect(decodeDicom(sample(`jpeg_lossless_sel${sv}.dcm`), `sel${sv}`).data, `selection value ${sv}`).to.deep.equal(first.data);
    expect(readDicomHeader(sample('jpeg_lossless_sel1.dcm'), 'sel1')).to.deep.equal({
      transferSyntax: '1.2.840.10008.1.2.4.57',
      frames: 1,
      rows: 256,
      cols: 256,
      samplesPerPixel: 1,
      photometric: 'MONOCHROME2',
      modality: 'MR',
      pixelSpacing: { row: 0.625, col: 0.625, source: 'Pixel Spacing' },
    });
  });

  it('the decoded MR slice stored again uncompressed and as JPEG-LS (CharLS) gives the same image', () => {
    // its 8-bit image (min…max), written as 8-bit data: min…max of 0…255 maps it to itself
    const raw = decodeDicom(sample('jpeg_lossless_sel1.dcm'), 'sel1', { window: 'none' });
    const again = (transferSyntax: string, fragments?: Uint8Array[][]) =>
      decodeDicom(px(encodeDicom({ rows: 256, cols: 256, pixels: Array.from(raw.data), bitsAllocated: 8, transferSyntax, fragments })), 'x', { window: 'none' }).data;
    const jls = encodeJpegLs({ width: 256, height: 256, bits: 8, components: 1, samples: raw.data });
    expect(again('1.2.840.10008.1.2.1')).to.deep.equal(raw.data);
    expect(again('1.2.840.10008.1.2.4.80', [[jls]])).to.deep.equal(raw.data);
  });

  it('a 12-frame XA cine (.4.70) with a Basic Offset Table: every frame, the middle one by default', () => {
    const bytes = sample('jpeg_lossless_sel1-8bit.dcm');
    expect(readDicomHeader(bytes, 'xa')).to.deep.include({ frames: 12, modality: 'XA', transferSyntax: '1.2.840.10008.1.2.4.70' });
    const all = decodeDicomFrames(bytes, 'xa', { frames: 'all' });
    expect(all).to.have.length(12);
    expect(all.every((img) => img.width === 512 && img.height === 512 && img.channels === 1)).to.equal(true);
    expect(decodeDicom(bytes, 'xa').data).to.deep.equal(all[6].data);
    expect(all[0].data).to.not.deep.equal(all[11].data); // the contrast agent moves
  });
});

const px = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
