// Patch-matrix layouts that turn conv gradients into one large matrix multiply:
// im2col built directly transposed (K × M) for the filter gradient, col2im for the input gradient.
import type { ConvGeometry } from './conv-geometry';

// Channel-major copy of the images being unfolded, reused between calls (JS heap, not wasm);
// kept only while small, so one big layer does not pin its size for the rest of the process.
let scratch = new Float32Array(0);
const KEEP_SCRATCH_FLOATS = 4 * 1024 * 1024;

function scratchOf(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch;
}

function releaseScratch(): void {
  if (scratch.length > KEEP_SCRATCH_FLOATS) scratch = new Float32Array(0);
}

/**
 * Writes the patch matrix of images [b0, b0 + nb) transposed: row k = (kh, kw, ci), column
 * m = (b - b0, oh, ow); padded taps are 0. `out` must hold kH·kW·inC × nb·outH·outW floats.
 * Built transposed because the wasm matmul is ~12× slower with transposeA. The images are first
 * made channel-major, so each row is written in order from contiguous runs of one channel plane.
 */
export function im2colTransposed(x: Float32Array, g: ConvGeometry, b0: number, nb: number, out: Float32Array): void {
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const M = nb * outH * outW;
  const plane = inH * inW;
  const chunkPlane = nb * plane; // one channel of all the chunk's images
  const xc = scratchOf(chunkPlane * inC);
  // NHWC → C,N,H,W for the chunk.
  for (let p = 0, src = b0 * plane * inC; p < chunkPlane; p++, src += inC) {
    for (let ci = 0, dst = p; ci < inC; ci++, dst += chunkPlane) xc[dst] = x[src + ci];
  }
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      // Output columns whose source column iw is inside the image: [owLo, owHi).
      const owLo = Math.min(outW, Math.max(0, Math.ceil((padLeft - kw) / strideW)));
      const owHi = Math.max(owLo, Math.min(outW, Math.floor((inW - 1 + padLeft - kw) / strideW) + 1));
      for (let ci = 0; ci < inC; ci++) {
        let m = ((kh * kW + kw) * inC + ci) * M;
        for (let b = 0; b < nb; b++) {
          const planeBase = ci * chunkPlane + b * plane;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH + kh - padTop;
            if (ih < 0 || ih >= inH) {
              for (let ow = 0; ow < outW; ow++) out[m++] = 0;
              continue;
            }
            for (let ow = 0; ow < owLo; ow++) out[m++] = 0;
            let src = planeBase + ih * inW + owLo * strideW + kw - padLeft;
            if (strideW === 1) {
              for (let ow = owLo; ow < owHi; ow++) out[m++] = xc[src++];
            } else {
              for (let ow = owLo; ow < owHi; ow++, src += strideW) out[m++] = xc[src];
            }
            for (let ow = owHi; ow < outW; ow++) out[m++] = 0;
          }
        }
      }
    }
  }
  releaseScratch();
}

/**
 * Scatter-adds a patch-gradient matrix (row m = (b - b0, oh, ow), column k = (kh, kw, ci)) into
 * dx, the gradient of the input images; dx must be zeroed by the caller before the first chunk.
 */
export function col2imAdd(col: Float32Array, g: ConvGeometry, b0: number, nb: number, dx: Float32Array): void {
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const K = kH * kW * inC;
  const imageSize = inH * inW * inC;
  let row = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const imageBase = b * imageSize;
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++, row += K) {
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh - padTop;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW + kw - padLeft;
            if (iw < 0 || iw >= inW) continue;
            const dst = imageBase + (ih * inW + iw) * inC;
            const src = row + (kh * kW + kw) * inC;
            for (let ci = 0; ci < inC; ci++) dx[dst + ci] += col[src + ci];
          }
        }
      }
    }
  }
}

/**
 * Splits the batch so a patch matrix of `floatsPerImage` per image stays under `maxFloats`
 * (callers count the larger of an image's patch rows and its channel-major copy).
 */
export function batchChunks(batch: number, floatsPerImage: number, maxFloats: number): Array<[number, number]> {
  const per = Math.max(1, Math.floor(maxFloats / Math.max(1, floatsPerImage)));
  const chunks: Array<[number, number]> = [];
  for (let b0 = 0; b0 < batch; b0 += per) chunks.push([b0, Math.min(per, batch - b0)]);
  return chunks;
}

/**
 * Scatter-adds a transposed patch-gradient matrix (row k = (kh, kw, ci), column m = (b - b0, oh, ow))
 * into dx; dx must be zeroed by the caller before the first chunk. Accumulates channel-major so
 * each row is read in order, then adds the chunk's images back into NHWC.
 */
export function col2imTransposedAdd(colT: Float32Array, g: ConvGeometry, b0: number, nb: number, dx: Float32Array): void {
  const { inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const M = nb * outH * outW;
  const plane = inH * inW;
  const chunkPlane = nb * plane;
  const acc = scratchOf(chunkPlane * inC);
  acc.fill(0, 0, chunkPlane * inC);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const owLo = Math.min(outW, Math.max(0, Math.ceil((padLeft - kw) / strideW)));
      const owHi = Math.max(owLo, Math.min(outW, Math.floor((inW - 1 + padLeft - kw) / strideW) + 1));
      for (let ci = 0; ci < inC; ci++) {
        const rowBase = ((kh * kW + kw) * inC + ci) * M;
        for (let b = 0; b < nb; b++) {
          const planeBase = ci * chunkPlane + b * plane;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH + kh - padTop;
            if (ih < 0 || ih >= inH) continue;
            let m = rowBase + (b * outH + oh) * outW + owLo;
            let dst = planeBase + ih * inW + owLo * strideW + kw - padLeft;
            for (let ow = owLo; ow < owHi; ow++, dst += strideW) acc[dst] += colT[m++];
          }
        }
      }
    }
  }
  // C,N,H,W → NHWC for the chunk, added into dx.
  for (let p = 0, dst = b0 * plane * inC; p < chunkPlane; p++, dst += inC) {
    for (let ci = 0, src = p; ci < inC; ci++, src += chunkPlane) dx[dst + ci] += acc[src];
  }
  releaseScratch();
}
