// The oneDNN convolution path (csrc/dnnl-conv.cc), where the install found oneDNN: each direction
// of the convolutions and depthwise convolutions against the plain JavaScript definitions and
// against our own kernels (the same addon with oneDNN switched off), on odd shapes, strides, dilations and paddings; bit-identical repeats per
// thread count; the switches.
// Skipped, saying why, in a build without oneDNN (the engine's tests cover whichever is built).
import { expect } from 'chai';
import { type NativeKernels, loadNative, nativeAddonPath, nativeTestSkipReason } from '.';
import * as ref from './reference-kernels';
import { type ConvSpec, convGeometry, expectClose, filled, inChild } from './test-support';

const specs: [string, ConvSpec, number][] = [
  ['7×7 same, 3 → 32, relu (a CBR first layer)', { n: 4, h: 28, w: 28, c: 3, co: 32, k: [7, 7], pad: 'same' }, 1],
  ['7×7 same, 32 → 64 on 7×7, relu6', { n: 3, h: 7, w: 7, c: 32, co: 64, k: [7, 7], pad: 'same' }, 2],
  ['3×3 same, 5 → 7 on 9×11, linear', { n: 2, h: 9, w: 11, c: 5, co: 7, k: [3, 3], pad: 'same' }, 0],
  ['3×3 stride 2 same on 9×9 (padding only at the bottom/right), 16 → 24', { n: 2, h: 9, w: 9, c: 16, co: 24, k: [3, 3], stride: [2, 2], pad: 'same' }, 1],
  ['7×7 stride 2 same on 30×30, 3 → 8 (a ResNet stem)', { n: 2, h: 30, w: 30, c: 3, co: 8, k: [7, 7], stride: [2, 2], pad: 'same' }, 1],
  ['1×1 stride 2, 12 → 20 (a projection shortcut)', { n: 2, h: 8, w: 8, c: 12, co: 20, k: [1, 1], stride: [2, 2], pad: 'valid' }, 0],
  ["3×3 stride 2 'valid' on 10×10: the last row and column unread (negative far padding to oneDNN)", { n: 2, h: 10, w: 10, c: 4, co: 6, k: [3, 3], stride: [2, 2], pad: 'valid' }, 1],
  ['3×3 dilation 2, padding 2, 4 → 6 on 8×7', { n: 1, h: 8, w: 7, c: 4, co: 6, k: [3, 3], dilation: [2, 2], pad: 2 }, 0],
  ['3×3 on a 1×1 map, padding 1, 8 → 12', { n: 3, h: 1, w: 1, c: 8, co: 12, k: [3, 3], pad: 1 }, 1],
  ['3×3 same on 2×2, 64 → 64 (a deep stage)', { n: 5, h: 2, w: 2, c: 64, co: 64, k: [3, 3], pad: 'same' }, 1],
  ['3×1 same, 6 → 10 on 5×9 (a factorised Inception conv)', { n: 2, h: 5, w: 9, c: 6, co: 10, k: [3, 1], pad: 'same' }, 2],
];

/** Depthwise convolutions (co = c × multiplier): forward and input gradient run by oneDNN as grouped convolutions. */
const depthwiseSpecs: [string, ConvSpec, number][] = [
  ['3×3 same, 32 channels, relu6 (a MobileNet block)', { n: 3, h: 14, w: 14, c: 32, co: 32, k: [3, 3], pad: 'same' }, 2],
  ['3×3 stride 2 same on 9×9, 85 channels (past a 64-channel block), relu', { n: 2, h: 9, w: 9, c: 85, co: 85, k: [3, 3], stride: [2, 2], pad: 'same' }, 1],
  ['3×3 stride 2 same, 5 channels × multiplier 2, linear', { n: 2, h: 9, w: 9, c: 5, co: 10, k: [3, 3], stride: [2, 2], pad: 'same' }, 0],
  ['5×5 dilation 2 valid, 20 channels', { n: 1, h: 12, w: 13, c: 20, co: 20, k: [5, 5], dilation: [2, 2], pad: 'valid' }, 0],
  ["3×3 stride 2 'valid' on 10×10, 16 channels × multiplier 3: the last row and column unread", { n: 2, h: 10, w: 10, c: 16, co: 48, k: [3, 3], stride: [2, 2], pad: 'valid' }, 1],
  ['3×3 on a 1×1 map, padding 1, 8 channels', { n: 3, h: 1, w: 1, c: 8, co: 8, k: [3, 3], pad: 1 }, 2],
];

/** The geometry of `spec` and the inputs every direction is run on. */
function inputs(spec: ConvSpec, depthwise: boolean) {
  const g = convGeometry(spec);
  const x = filled(g.n * g.h * g.w * g.c, 1), w = filled(g.kh * g.kw * (depthwise ? g.co : g.c * g.co), 2), bias = filled(g.co, 3).map((v) => v * 2);
  return { g, x, w, bias, dy: filled(g.n * g.oh * g.ow * g.co, 4) };
}

const convDirections = ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const;
const depthwiseDirections = ['depthwiseConv2d', 'depthwiseConv2dBackpropInput', 'depthwiseConv2dBackpropFilter'] as const;
const directionsOf = (depthwise: boolean) => (depthwise ? depthwiseDirections : convDirections);

/** The three directions of one convolution on one addon: [forward (bias + activation), dx, dw]. */
function runAll(k: NativeKernels, spec: ConvSpec, activation: number, depthwise = false): Float32Array[] {
  const { g, x, w, bias, dy } = inputs(spec, depthwise), geom = ref.geometryArray(g);
  const [forward, inputGrad, filterGrad] = directionsOf(depthwise);
  const y = new Float32Array(dy.length).fill(Number.NaN), dx = new Float32Array(x.length).fill(Number.NaN);
  const dw = new Float32Array(w.length).fill(Number.NaN);
  k[forward](geom, x, w, y, bias, activation);
  k[inputGrad](geom, dy, w, dx);
  k[filterGrad](geom, x, dy, dw);
  return [y, dx, dw];
}

function reference(spec: ConvSpec, activation: number, depthwise = false): Float32Array[] {
  const { g, x, w, bias, dy } = inputs(spec, depthwise);
  const [forward, inputGrad, filterGrad] = directionsOf(depthwise);
  return [ref[forward](g, x, w, bias, activation), ref[inputGrad](g, dy, w), ref[filterGrad](g, x, dy)];
}

describe('@medtransfer/native oneDNN convolutions', function () {
  let k: NativeKernels;

  before(function () {
    nativeTestSkipReason(); // throws under MEDTRANSFER_REQUIRE_NATIVE=1 when the addon is missing
    const load = loadNative();
    if (!load.kernels) {
      console.log(`      (skipped: ${load.reason})`);
      this.skip();
    }
    k = load.kernels;
    if (!k.info().dnnl) {
      console.log('      (skipped: the addon was built without oneDNN; install libdnnl-dev (oneDNN 2.x) and rebuild with "npm run build -w @medtransfer/native")');
      this.skip();
    }
    k.setDnnl(true);
  });

  after(() => k?.setDnnl(process.env.MEDTRANSFER_DNNL !== '0'));

  const cases = [...specs.map(([l, s, a]) => [l, s, a, false] as const), ...depthwiseSpecs.map(([l, s, a]) => [`depthwise ${l}`, s, a, true] as const)];
  for (const [label, spec, activation, depthwise] of cases) {
    it(`${label}: each direction equal to the reference and to our kernels`, () => {
      const before = k.info().dnnl!.calls;
      k.setDnnl(true);
      const viaDnnl = runAll(k, spec, activation, depthwise);
      // a depthwise filter gradient is ours either way
      const calls = depthwise ? 2 : 3;
      expect(k.info().dnnl!.calls - before, 'convolutions run by oneDNN').to.equal(calls);
      k.setDnnl(false);
      const ours = runAll(k, spec, activation, depthwise);
      expect(k.info().dnnl!.calls - before, 'switched off: no further oneDNN call').to.equal(calls);
      k.setDnnl(true);
      const expected = reference(spec, activation, depthwise);
      directionsOf(depthwise).forEach((d, i) => {
        expectClose(viaDnnl[i], expected[i], `${d}: oneDNN against the reference`, 1e-4);
        expectClose(viaDnnl[i], ours[i], `${d}: oneDNN against ours`, 1e-4);
      });
    });
  }

  it('the same inputs give the same bits on every repeat, for 1, 2 and 3 threads', () => {
    const spec = specs[1][1];
    const expr =
      `(() => { const f = ${runAllInChild}; const a = f(n), b = f(n); ` +
      `return { info: n.info(), same: a.every((o, i) => o.length === b[i].length && o.every((v, j) => Object.is(v, b[i][j]))), ` +
      `first: a.map((o) => Array.from(o.subarray(0, 64))) }; })()`;
    for (const threads of ['1', '2', '3']) {
      const r = inChild(nativeAddonPath, expr.replace('SPEC', JSON.stringify(convGeometry(spec))), { MEDTRANSFER_THREADS: threads }).value as {
        info: { threads: number; dnnl: { calls: number } }; same: boolean; first: number[][];
      };
      expect(r.info.threads).to.equal(Number(threads));
      expect(r.info.dnnl.calls, `${threads} thread(s): oneDNN ran the convolutions`).to.equal(6);
      expect(r.same, `${threads} thread(s): two runs of the three directions, bit for bit`).to.equal(true);
      const here = runAll(k, spec, 2).map((o) => o.subarray(0, 64));
      r.first.forEach((o, i) => expectClose(Float32Array.from(o), here[i], `${threads} thread(s), ${convDirections[i]} against this process`, 1e-4));
    }
  });

  it('MEDTRANSFER_DNNL=0 starts a process with oneDNN off; setDnnl switches it and returns the old setting', () => {
    const r = inChild(nativeAddonPath, '[n.info().dnnl, n.setDnnl(true), n.info().dnnl.enabled, n.setDnnl(false)]', { MEDTRANSFER_DNNL: '0' }).value as [
      { enabled: boolean; calls: number }, boolean, boolean, boolean,
    ];
    expect(r[0]).to.include({ enabled: false, calls: 0 });
    expect(r.slice(1)).to.deep.equal([false, true, true]);
    expect(() => (k.setDnnl as (on: unknown) => boolean)('yes')).to.throw(TypeError, 'argument 0 must be a boolean');
  });

  it('loading sets OMP_WAIT_POLICY=passive for oneDNN only: a user value is kept, ours is not left for child processes', () => {
    const src = require.resolve('.');
    const expr = `(() => { const k = n.loadNative().kernels; return [Boolean(k), process.env.OMP_WAIT_POLICY ?? null]; })()`;
    expect(inChild(src, expr, { OMP_WAIT_POLICY: undefined }).value).to.deep.equal([true, null]);
    expect(inChild(src, expr, { OMP_WAIT_POLICY: 'active' }).value).to.deep.equal([true, 'active']);
  });
});

/**
 * runAll for a child process (a function's source, no imports): the geometry is substituted for
 * SPEC; the same inputs as `filled` makes them here.
 */
const runAllInChild = `(k) => {
  const g = SPEC;
  const filled = (len, seed) => { const v = new Float32Array(len); for (let i = 0; i < len; i++) v[i] = (((i * 2654435761 + seed * 40503) >>> 0) % 2000) / 1000 - 1; return v; };
  const geom = Int32Array.from([g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow, g.co]);
  const x = filled(g.n * g.h * g.w * g.c, 1), w = filled(g.kh * g.kw * g.c * g.co, 2), bias = filled(g.co, 3).map((v) => v * 2);
  const dy = filled(g.n * g.oh * g.ow * g.co, 4);
  const y = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  k.conv2d(geom, x, w, y, bias, 2); k.conv2dBackpropInput(geom, dy, w, dx); k.conv2dBackpropFilter(geom, x, dy, dw);
  return [y, dx, dw];
}`;
