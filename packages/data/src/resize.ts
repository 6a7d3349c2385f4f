// Bilinear resizing of one HWC float image, with align_corners=false semantics. Half-pixel centres
// (PyTorch `interpolate(align_corners=False)`, TF2 `tf.image.resize`) by default; the legacy
// mapping of tfjs `tf.image.resizeBilinear` with its default `halfPixelCenters=false` on request.

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  t: Float32Array;
}

/** Source indices and weights along one axis, computed once per (in, out) pair. */
function axis(inSize: number, outSize: number, halfPixel: boolean): Axis {
  const scale = inSize / outSize;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixel ? Math.max((o + 0.5) * scale - 0.5, 0) : o * scale;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    lo[o] = i0;
    hi[o] = Math.min(i0 + 1, inSize - 1);
    t[o] = src - i0;
  }
  return { lo, hi, t };
}

const axisCache = new Map<string, Axis>();
function cachedAxis(inSize: number, outSize: number, halfPixel: boolean): Axis {
  const key = `${inSize}:${outSize}:${halfPixel}`;
  let a = axisCache.get(key);
  if (!a) axisCache.set(key, (a = axis(inSize, outSize, halfPixel)));
  return a;
}

/**
 * Resizes `src` (h × w × c) to outH × outW × c, writing into `out` at `offset`.
 * `halfPixelCenters` false reproduces tfjs `resizeBilinear(x, size)` (alignCorners=false, halfPixelCenters=false).
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  h: number,
  w: number,
  c: number,
  outH: number,
  outW: number,
  out: Float32Array = new Float32Array(outH * outW * c),
  offset = 0,
  halfPixelCenters = true,
): Float32Array {
  const ay = cachedAxis(h, outH, halfPixelCenters);
  const ax = cachedAxis(w, outW, halfPixelCenters);
  for (let y = 0; y < outH; y++) {
    const r0 = ay.lo[y] * w;
    const r1 = ay.hi[y] * w;
    const ty = ay.t[y];
    for (let x = 0; x < outW; x++) {
      const c0 = ax.lo[x];
      const c1 = ax.hi[x];
      const tx = ax.t[x];
      const o = offset + (y * outW + x) * c;
      for (let k = 0; k < c; k++) {
        const top = src[(r0 + c0) * c + k] * (1 - tx) + src[(r0 + c1) * c + k] * tx;
        const bottom = src[(r1 + c0) * c + k] * (1 - tx) + src[(r1 + c1) * c + k] * tx;
        out[o + k] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}
