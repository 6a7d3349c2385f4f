// DICOM RLE Lossless (1.2.840.10008.1.2.5), decoded as DICOM PS3.5 Annex G specifies it: a 64-byte
// header of segment offsets, then one PackBits segment per byte plane (most significant first) per
// sample. No maintained npm package decodes it in Node without a browser image loader, so it is here.
import { CodecError, type CodecFrame } from './dicom-codecs';

/**
 * Decodes one RLE frame of `rows × cols` pixels, `samples` per pixel, `bitsAllocated` 8 or 16, to
 * pixel-interleaved samples (stored bit patterns, as uncompressed data would hold them).
 */
export function decodeRle(frame: Uint8Array, rows: number, cols: number, samples: number, bitsAllocated: number): CodecFrame {
  const bytesPer = bitsAllocated / 8;
  if (bytesPer !== 1 && bytesPer !== 2) throw new CodecError(`RLE with Bits Allocated ${bitsAllocated} is not decoded (8 or 16)`);
  if (frame.length < 64) throw new CodecError(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header: truncated`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0, true);
  const want = samples * bytesPer;
  if (count !== want) throw new CodecError(`RLE header lists ${count} segments, but ${samples} sample(s) of ${bitsAllocated} bits need ${want}`);
  const offsets: number[] = [];
  for (let s = 0; s < count; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  const pixels = rows * cols;
  const plane = new Uint8Array(pixels);
  const out = bytesPer === 1 ? new Uint8Array(pixels * samples) : new Uint16Array(pixels * samples);
  for (let s = 0; s < count; s++) {
    const start = offsets[s];
    const end = s + 1 < count ? offsets[s + 1] : frame.length;
    if (start < 64 || end > frame.length || end < start) {
      throw new CodecError(`RLE segment ${s + 1} of ${count} spans bytes ${start}–${end} of a ${frame.length}-byte frame: truncated or corrupt`);
    }
    const got = unpackBits(frame, start, end, plane);
    if (got < pixels) throw new CodecError(`RLE segment ${s + 1} of ${count} decodes to ${got} bytes, ${pixels} expected: truncated`);
    const sample = Math.floor(s / bytesPer);
    const shift = 8 * (bytesPer - 1 - (s % bytesPer)); // most significant byte plane first
    for (let i = 0; i < pixels; i++) out[i * samples + sample] |= plane[i] << shift;
  }
  return { width: cols, height: rows, components: samples, bitsPerSample: bitsAllocated, samples: out, signed: false };
}

/** PackBits (PS3.5 G.3.2): header n ≥ 0 copies n + 1 bytes, −127…−1 repeats the next byte 1 − n times, −128 does nothing. */
function unpackBits(src: Uint8Array, pos: number, end: number, out: Uint8Array): number {
  let o = 0;
  while (pos < end && o < out.length) {
    const n = (src[pos++] << 24) >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, out.length - o);
      if (pos + n + 1 > end) throw new CodecError(`RLE literal run of ${n + 1} bytes runs past the end of its segment: truncated`);
      out.set(src.subarray(pos, pos + len), o);
      o += len;
      pos += n + 1;
    } else if (n !== -128) {
      if (pos >= end) throw new CodecError('RLE replicate run without its byte: truncated');
      out.fill(src[pos++], o, Math.min(out.length, o + 1 - n));
      o = Math.min(out.length, o + 1 - n);
    }
  }
  return o;
}
