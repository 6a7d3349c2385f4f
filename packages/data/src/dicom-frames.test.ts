// Multi-frame DICOM: frame choice, native frames, encapsulated frames with and without offset
// tables, several fragments per frame, and the errors for broken frame layouts.
import { expect } from 'chai';
import { DataFormatError } from '@medtransfer/core';
import { decodeDicom, decodeDicomFrames, selectFrames } from './dicom';
import { encodeJpegLs, encodeRle } from './dicom-fixtures';
import { encodeDicom, type DicomSpec } from './image-fixtures';

const px = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const JLS = '1.2.840.10008.1.2.4.80';
const RLE = '1.2.840.10008.1.2.5';
/** Three 2×3 frames of 8-bit gray; the window 128/256 maps x to x/255, keeping values as they are. */
const frames = [0, 1, 2].map((f) => Uint8Array.from({ length: 6 }, (_, i) => 40 * f + 10 * i + 5));
const spec: DicomSpec = { rows: 2, cols: 3, bitsAllocated: 8, frames: 3, pixels: frames.flatMap((f) => Array.from(f)), windowCenter: 128, windowWidth: 256 };
const jls = frames.map((f) => encodeJpegLs({ width: 3, height: 2, bits: 8, components: 1, samples: f }));
const pixelsOf = (bytes: Uint8Array, opts = {}) => decodeDicomFrames(bytes, 'm.dcm', opts).map((img) => Array.from(img.data));
const expected = frames.map((f) => Array.from(f));

describe('multi-frame DICOM', () => {
  it('chooses frames: middle by default, first, an index, or all', () => {
    const bytes = px(encodeDicom(spec));
    expect(Array.from(decodeDicom(bytes, 'm.dcm').data)).to.deep.equal(expected[1]);
    expect(Array.from(decodeDicom(bytes, 'm.dcm', { frames: 'first' }).data)).to.deep.equal(expected[0]);
    expect(Array.from(decodeDicom(bytes, 'm.dcm', { frames: 2 }).data)).to.deep.equal(expected[2]);
    expect(pixelsOf(bytes, { frames: 'all' })).to.deep.equal(expected);
    expect(Array.from(decodeDicom(bytes, 'm.dcm', { frames: 'all', frame: 2 }).data)).to.deep.equal(expected[2]);
    expect(Array.from(decodeDicom(bytes, 'm.dcm', { frames: 'all' }).data)).to.deep.equal(expected[0]); // one decode of `all`: frame 0
    expect(selectFrames(4, {}, 'f')).to.deep.equal([2]);
    expect(selectFrames(1, { frames: 'middle' }, 'f')).to.deep.equal([0]);
  });

  it('a frame index out of range names the file and the frames it has', () => {
    expect(() => decodeDicom(px(encodeDicom(spec)), '/s/cine.dcm', { frames: 3 }))
      .to.throw(DataFormatError)
      .with.property('message', '/s/cine.dcm: frame index 3 is out of range: the file has 3 frame(s) (0–2); set params.frames to first, middle, all or an index below 3');
    expect(() => decodeDicom(px(encodeDicom({ rows: 1, cols: 1, pixels: [0] })), 'one.dcm', { frames: 1 })).to.throw(/one\.dcm: frame index 1 is out of range: the file has 1 frame/);
  });

  it('finds encapsulated frames through the Basic Offset Table, one fragment per frame, or codestream start markers', () => {
    const base = { ...spec, transferSyntax: JLS };
    expect(pixelsOf(px(encodeDicom({ ...base, fragments: jls.map((c) => [c]), offsetTable: true })), { frames: 'all' })).to.deep.equal(expected);
    expect(pixelsOf(px(encodeDicom({ ...base, fragments: jls.map((c) => [c]) })), { frames: 'all' })).to.deep.equal(expected);
    // each codestream split over two fragments: with a table, and without one (a new frame at each SOI marker)
    const split = jls.map((c) => [c.subarray(0, 10), c.subarray(10)]);
    expect(pixelsOf(px(encodeDicom({ ...base, fragments: split, offsetTable: true })), { frames: 'all' })).to.deep.equal(expected);
    expect(pixelsOf(px(encodeDicom({ ...base, fragments: split })), { frames: 'all' })).to.deep.equal(expected);
    // a single frame may span any number of fragments
    const one = { ...base, frames: 1, pixels: [], fragments: [[jls[0].subarray(0, 8), jls[0].subarray(8, 20), jls[0].subarray(20)]] }; // fragments have even lengths
    expect(pixelsOf(px(encodeDicom(one)))).to.deep.equal([expected[0]]);
    // RLE: one fragment per frame
    const rle = frames.map((f) => [encodeRle(f, 2, 3, 1, 8)]);
    expect(pixelsOf(px(encodeDicom({ ...spec, transferSyntax: RLE, fragments: rle })), { frames: 'all' })).to.deep.equal(expected);
  });

  it('says when a fragment is cut short by the end of the file', () => {
    const whole = encodeDicom({ ...spec, transferSyntax: JLS, fragments: jls.map((c) => [c]), offsetTable: true });
    const cut = px(whole.subarray(0, whole.length - 8 - 6)); // the delimiter and 6 bytes of the last fragment gone
    expect(pixelsOf(cut, { frames: 0 })).to.deep.equal([expected[0]]); // earlier frames still read
    expect(() => decodeDicom(cut, '/t/cut.dcm', { frames: 2 }))
      .to.throw(DataFormatError)
      .with.property('message')
      .that.matches(/^\/t\/cut\.dcm: fragment 1 of 1 of frame 2 needs \d+ bytes from byte \d+, but the file ends after \d+: truncated file \(transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80 \(JPEG-LS Lossless\)\)$/);
    // cut inside an item header: the parser itself stops
    const inTag = px(whole.subarray(0, whole.length - 8 - jls[2].length - 4 - (jls[2].length % 2)));
    expect(() => decodeDicom(inTag, 'tag.dcm', { frames: 0 })).to.throw(/tag\.dcm: truncated or corrupt DICOM data set \(.*; transfer syntax 1\.2\.840\.10008\.1\.2\.4\.80 \(JPEG-LS Lossless\)\)/);
  });

  it('says when native frames are cut short', () => {
    const whole = encodeDicom(spec);
    const cut = px(whole.subarray(0, whole.length - 2));
    expect(Array.from(decodeDicom(cut, 'n.dcm', { frames: 1 }).data)).to.deep.equal(expected[1]);
    expect(() => decodeDicom(cut, 'n.dcm', { frames: 2 })).to.throw(
      /n\.dcm: pixel data holds 16 bytes but 3 frame\(s\) of 6 bytes need 18; frame 2 ends at byte 18: truncated file\? \(transfer syntax 1\.2\.840\.10008\.1\.2\.1 \(Explicit VR Little Endian\)\)/,
    );
  });

  it('refuses offset tables and fragment lists that do not match Number of Frames', () => {
    const twoTable = encodeDicom({ ...spec, frames: 2, pixels: [], transferSyntax: JLS, fragments: jls.slice(0, 2).map((c) => [c]), offsetTable: true });
    // claim 3 frames with a 2-entry table: patch Number of Frames "2 " → "3 "
    const patched = Buffer.from(twoTable);
    patched.write('3 ', patched.indexOf('2 ', patched.indexOf(Buffer.from([0x28, 0x00, 0x08, 0x00]))), 'latin1');
    expect(() => decodeDicom(px(patched), 'bot.dcm', { frames: 0 })).to.throw(/bot\.dcm: the Basic Offset Table lists 2 frame\(s\) but Number of Frames is 3 \(transfer syntax .*JPEG-LS Lossless/);
    const rle = encodeDicom({ ...spec, transferSyntax: RLE, fragments: [[encodeRle(frames[0], 2, 3, 1, 8)], [encodeRle(frames[1], 2, 3, 1, 8)]] });
    expect(() => decodeDicom(px(rle), 'rle.dcm', { frames: 0 })).to.throw(/rle\.dcm: 2 fragments without an offset table, 1 of them starting a codestream, but Number of Frames is 3; the frames cannot be told apart \(transfer syntax 1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)\)/);
    const shortRle = encodeRle(frames[0], 2, 3, 1, 8).subarray(0, 64 + 2);
    expect(() => decodeDicom(px(encodeDicom({ ...spec, frames: 1, pixels: [], transferSyntax: RLE, fragments: [[shortRle]] })), 'r1.dcm')).to.throw(
      /r1\.dcm: cannot decode the image: RLE literal run of 6 bytes runs past the end of its segment: truncated \(transfer syntax 1\.2\.840\.10008\.1\.2\.5 \(RLE Lossless\)\)/,
    );
  });
});
