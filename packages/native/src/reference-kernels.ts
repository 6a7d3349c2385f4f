// Plain JavaScript definitions of the addon's kernels, for its tests: the same NHWC/HWIO layouts
// and conventions as tfjs' cpu backend (max-pool gradient to the first maximum of a window,
// population variance in batch norm), sums in double precision; the Adam step and the
// element-wise kernels in float32 steps (Math.fround after every operation), which is what the
// element-wise tfjs version computes, bit for bit.

/** Convolution geometry as the addon takes it (see `NativeKernels`). */
export interface Geometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; oh: number; ow: number; co: number;
}

export function geometryArray(g: Geometry): Int32Array {
  return Int32Array.from([g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, g.co]);
}

/** Calls f(ky, kx, iy, ix) for each tap of output pixel (oy, ox) inside the image. */
function forTaps(g: Geometry, oy: number, ox: number, f: (ky: number, kx: number, iy: number, ix: number) => void): void {
  for (let ky = 0; ky < g.kh; ky++) {
    const iy = oy * g.sh - g.pt + ky * g.dh;
    if (iy < 0 || iy >= g.h) continue;
    for (let kx = 0; kx < g.kw; kx++) {
      const ix = ox * g.sw - g.pl + kx * g.dw;
      if (ix >= 0 && ix < g.w) f(ky, kx, iy, ix);
    }
  }
}

/** Calls f(n, oy, ox, outputPixel) for every output pixel. */
function forOutputs(g: Geometry, f: (n: number, oy: number, ox: number, p: number) => void): void {
  for (let n = 0; n < g.n; n++)
    for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) f(n, oy, ox, (n * g.oh + oy) * g.ow + ox);
}

const pixel = (g: Geometry, n: number, iy: number, ix: number) => (n * g.h + iy) * g.w + ix;
const activations = [(v: number) => v, (v: number) => Math.max(v, 0), (v: number) => Math.min(Math.max(v, 0), 6)];

export function conv2d(g: Geometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, activation: number): Float32Array {
  const y = new Float32Array(g.n * g.oh * g.ow * g.co);
  forOutputs(g, (n, oy, ox, p) => {
    for (let o = 0; o < g.co; o++) {
      let s = bias ? bias[o] : 0;
      forTaps(g, oy, ox, (ky, kx, iy, ix) => {
        for (let ci = 0; ci < g.c; ci++) s += x[pixel(g, n, iy, ix) * g.c + ci] * w[((ky * g.kw + kx) * g.c + ci) * g.co + o];
      });
      y[p * g.co + o] = activations[activation](s);
    }
  });
  return y;
}

export function conv2dBackpropInput(g: Geometry, dy: Float32Array, w: Float32Array): Float32Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  forOutputs(g, (n, oy, ox, p) =>
    forTaps(g, oy, ox, (ky, kx, iy, ix) => {
      for (let ci = 0; ci < g.c; ci++)
        for (let o = 0; o < g.co; o++) dx[pixel(g, n, iy, ix) * g.c + ci] += dy[p * g.co + o] * w[((ky * g.kw + kx) * g.c + ci) * g.co + o];
    }),
  );
  return Float32Array.from(dx);
}

export function conv2dBackpropFilter(g: Geometry, x: Float32Array, dy: Float32Array): Float32Array {
  const dw = new Float64Array(g.kh * g.kw * g.c * g.co);
  forOutputs(g, (n, oy, ox, p) =>
    forTaps(g, oy, ox, (ky, kx, iy, ix) => {
      for (let ci = 0; ci < g.c; ci++)
        for (let o = 0; o < g.co; o++) dw[((ky * g.kw + kx) * g.c + ci) * g.co + o] += x[pixel(g, n, iy, ix) * g.c + ci] * dy[p * g.co + o];
    }),
  );
  return Float32Array.from(dw);
}

// Depthwise: filter [kh, kw, c, m] with co = c·m; output channel ci·m + q reads input channel ci.

export function depthwiseConv2d(g: Geometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, activation: number): Float32Array {
  const m = g.co / g.c;
  const y = new Float32Array(g.n * g.oh * g.ow * g.co);
  forOutputs(g, (n, oy, ox, p) => {
    for (let o = 0; o < g.co; o++) {
      let s = bias ? bias[o] : 0;
      forTaps(g, oy, ox, (ky, kx, iy, ix) => (s += x[pixel(g, n, iy, ix) * g.c + Math.floor(o / m)] * w[(ky * g.kw + kx) * g.co + o]));
      y[p * g.co + o] = activations[activation](s);
    }
  });
  return y;
}

export function depthwiseConv2dBackpropInput(g: Geometry, dy: Float32Array, w: Float32Array): Float32Array {
  const m = g.co / g.c;
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  forOutputs(g, (n, oy, ox, p) =>
    forTaps(g, oy, ox, (ky, kx, iy, ix) => {
      for (let o = 0; o < g.co; o++) dx[pixel(g, n, iy, ix) * g.c + Math.floor(o / m)] += dy[p * g.co + o] * w[(ky * g.kw + kx) * g.co + o];
    }),
  );
  return Float32Array.from(dx);
}

export function depthwiseConv2dBackpropFilter(g: Geometry, x: Float32Array, dy: Float32Array): Float32Array {
  const m = g.co / g.c;
  const dw = new Float64Array(g.kh * g.kw * g.co);
  forOutputs(g, (n, oy, ox, p) =>
    forTaps(g, oy, ox, (ky, kx, iy, ix) => {
      for (let o = 0; o < g.co; o++) dw[(ky * g.kw + kx) * g.co + o] += x[pixel(g, n, iy, ix) * g.c + Math.floor(o / m)] * dy[p * g.co + o];
    }),
  );
  return Float32Array.from(dw);
}

export function maxPool(g: Geometry, x: Float32Array): Float32Array {
  const y = new Float32Array(g.n * g.oh * g.ow * g.c).fill(-Infinity);
  forOutputs(g, (n, oy, ox, p) =>
    forTaps(g, oy, ox, (_ky, _kx, iy, ix) => {
      for (let ci = 0; ci < g.c; ci++) y[p * g.c + ci] = Math.max(y[p * g.c + ci], x[pixel(g, n, iy, ix) * g.c + ci]);
    }),
  );
  return y;
}

/** dy of each window to the first element (in window order) equal to the window's maximum y. */
export function maxPoolGrad(g: Geometry, x: Float32Array, y: Float32Array, dy: Float32Array): Float32Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  forOutputs(g, (n, oy, ox, p) => {
    for (let ci = 0; ci < g.c; ci++) {
      let done = false;
      forTaps(g, oy, ox, (_ky, _kx, iy, ix) => {
        const i = pixel(g, n, iy, ix) * g.c + ci;
        if (done || x[i] !== y[p * g.c + ci]) return;
        dx[i] += dy[p * g.c + ci];
        done = true;
      });
    }
  });
  return Float32Array.from(dx);
}

/** op(A) · op(B) for one m × k by k × n product, row-major. */
export function matMul(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

export function reduceOuter(x: Float32Array, outer: number, inner: number, scale: number): Float32Array {
  const y = new Float64Array(inner);
  for (let i = 0; i < outer; i++) for (let j = 0; j < inner; j++) y[j] += x[i * inner + j];
  return Float32Array.from(y, (v) => v * Math.fround(scale));
}

const binaryOps = [(a: number, b: number) => a + b, (a: number, b: number) => a - b, (a: number, b: number) => a * b, (a: number, b: number) => a / b];

/** out[i] = a[i % a.length] op b[i % b.length], rounded to float32: the same bits as float32 arithmetic. */
export function binary(op: number, a: Float32Array, b: Float32Array, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => binaryOps[op](a[i % a.length], b[i % b.length]));
}

export function relu6Grad(dy: Float32Array, x: Float32Array): Float32Array {
  return dy.map((d, i) => (x[i] > 0 && x[i] <= 6 ? d : 0));
}

export function reluGrad(dy: Float32Array, x: Float32Array): Float32Array {
  return dy.map((d, i) => (x[i] > 0 ? d : 0));
}

/** Batch statistics per channel of rows × c values (population variance, two passes). */
function moments(x: Float32Array, c: number): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / c;
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c] += x[i] / rows;
  for (let i = 0; i < x.length; i++) variance[i % c] += (x[i] - mean[i % c]) ** 2 / rows;
  return { mean, variance };
}

/** [y, mean, variance] of batch norm in training mode. */
export function batchNormTrain(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number): Float32Array[] {
  const c = gamma.length;
  const { mean, variance } = moments(x, c);
  const y = x.map((v, i) => ((v - mean[i % c]) / Math.sqrt(variance[i % c] + eps)) * gamma[i % c] + beta[i % c]);
  return [y, Float32Array.from(mean), Float32Array.from(variance)];
}

/** [dx, dgamma, dbeta] of batch norm in training mode. */
export function batchNormGrad(dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): Float32Array[] {
  const c = gamma.length, rows = x.length / c;
  const rstd = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const xHat = (i: number) => (x[i] - mean[i % c]) * rstd[i % c];
  const dbeta = new Float64Array(c), dgamma = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    dbeta[i % c] += dy[i];
    dgamma[i % c] += dy[i] * xHat(i);
  }
  const dx = dy.map((d, i) => gamma[i % c] * rstd[i % c] * (d - dbeta[i % c] / rows - (xHat(i) * dgamma[i % c]) / rows));
  return [dx, Float32Array.from(dgamma), Float32Array.from(dbeta)];
}

/**
 * [w2, m2, v2] of one Adam/AdamW step with the addon's params (see `NativeKernels.adam`): the
 * operations of medtransfer's element-wise AdamOptimizer in its order, each rounded to float32.
 */
export function adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, params: Float64Array): Float32Array[] {
  const f = Math.fround;
  const [beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc1, bc2, eps, negLr, l2, decay] = Array.from(params, f);
  const out = [new Float32Array(w.length), new Float32Array(w.length), new Float32Array(w.length)];
  for (let i = 0; i < w.length; i++) {
    const gi = l2 !== 0 ? f(g[i] + f(w[i] * l2)) : g[i];
    const wi = decay !== 1 ? f(w[i] * decay) : w[i];
    const mi = f(f(m[i] * beta1) + f(gi * oneMinusBeta1));
    const vi = f(f(v[i] * beta2) + f(f(gi * gi) * oneMinusBeta2));
    const mHat = f(mi / bc1), vHat = f(vi / bc2);
    out[0][i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * negLr) + wi);
    out[1][i] = mi;
    out[2][i] = vi;
  }
  return out;
}
