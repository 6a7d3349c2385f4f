// Every kernel of the addon, in the optimised build (build/) and the generic one (portable C++,
// MEDTRANSFER_NATIVE_ISA=generic, compiled into build-generic/ by this suite when out of date),
// against the plain JavaScript definitions in reference-kernels.ts and against each other: the
// same bits where the code allows no freedom (no reordered or fused operations), within float
// tolerance where the GEMM's register tiles and fused multiply-adds differ. The engine's tests
// compare the optimised build with tfjs' cpu backend through tfjs.
import { expect } from 'chai';
import { type NativeKernels, loadNative, nativeAddonPath, nativeTestSkipReason } from '.';
import * as ref from './reference-kernels';
import { type ConvSpec, buildGenericAddon, convGeometry, expectClose, expectSameBits, filled, inChild, quantised } from './test-support';

interface KernelCase {
  label: string;
  /** The kernel's outputs from one build. */
  run(k: NativeKernels): Float32Array[];
  reference(): Float32Array[];
  /** Tolerance against the reference, or 'exact' (the same bits). */
  tol: number | 'exact';
  /** Whether the two builds must agree bit for bit (else within 1e-5). */
  sameBits: boolean;
}

/** Runs fill on new outputs of the given sizes, filled with NaN so that unwritten elements show. */
function into(sizes: number[], fill: (...outputs: Float32Array[]) => void): Float32Array[] {
  const outputs = sizes.map((n) => new Float32Array(n).fill(Number.NaN));
  fill(...outputs);
  return outputs;
}

const convKernels = ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const;
const depthwiseKernels = ['depthwiseConv2d', 'depthwiseConv2dBackpropInput', 'depthwiseConv2dBackpropFilter'] as const;

/** Forward (with bias and activation), input and filter gradient of one convolution. */
function convCases(label: string, spec: ConvSpec, activation: number, depthwise = false): KernelCase[] {
  const g = convGeometry(spec), geom = ref.geometryArray(g);
  const wSize = g.kh * g.kw * (depthwise ? g.co : g.c * g.co);
  const x = filled(g.n * g.h * g.w * g.c, 1), w = filled(wSize, 2), bias = filled(g.co, 3), dy = filled(g.n * g.oh * g.ow * g.co, 4);
  const [forward, inputGrad, filterGrad] = depthwise ? depthwiseKernels : convKernels;
  // Depthwise kernels are direct loops, the same operations in both builds; convolutions are GEMMs.
  const common = { tol: 1e-4, sameBits: depthwise };
  return [
    { ...common, label: `${forward} ${label}`, reference: () => [ref[forward](g, x, w, bias, activation)],
      run: (k) => into([dy.length], (y) => k[forward](geom, x, w, y, bias, activation)) },
    { ...common, label: `${inputGrad} ${label}`, reference: () => [ref[inputGrad](g, dy, w)],
      run: (k) => into([x.length], (dx) => k[inputGrad](geom, dy, w, dx)) },
    { ...common, label: `${filterGrad} ${label}`, reference: () => [ref[filterGrad](g, x, dy)],
      run: (k) => into([wSize], (dw) => k[filterGrad](geom, x, dy, dw)) },
  ];
}

function poolCases(label: string, spec: ConvSpec): KernelCase[] {
  const g = convGeometry(spec), geom = ref.geometryArray(g);
  const x = quantised(g.n * g.h * g.w * g.c, 5), dy = filled(g.n * g.oh * g.ow * g.c, 6), y = ref.maxPool(g, x);
  return [
    { label: `maxPool ${label}`, tol: 'exact', sameBits: true, reference: () => [y], run: (k) => into([y.length], (o) => k.maxPool(geom, x, o)) },
    // overlapping windows add dy in float32 in the kernel, in double in the reference
    { label: `maxPoolGrad ${label}`, tol: 1e-6, sameBits: true, reference: () => [ref.maxPoolGrad(g, x, y, dy)],
      run: (k) => into([x.length], (dx) => k.maxPoolGrad(geom, x, y, dy, dx)) },
  ];
}

/** A batch of op(A) · op(B); a B batch stride of 0 broadcasts B. */
function matMulCase(batch: number, m: number, n: number, k: number, ta: boolean, tb: boolean, bBatchStride = k * n): KernelCase {
  const a = filled(batch * m * k, 7), b = filled(bBatchStride ? batch * k * n : k * n, 8);
  const products = Array.from({ length: batch }, (_, i) => () =>
    ref.matMul(a.subarray(i * m * k, (i + 1) * m * k), b.subarray(i * bBatchStride, i * bBatchStride + k * n), m, n, k, ta, tb));
  return {
    label: `matMul ${batch} × ${m}×${k} · ${k}×${n}${ta ? ', A transposed' : ''}${tb ? ', B transposed' : ''}${bBatchStride ? '' : ', B broadcast'}`,
    tol: 1e-4,
    sameBits: false,
    reference: () => {
      const c = new Float32Array(batch * m * n);
      products.forEach((p, i) => c.set(p(), i * m * n));
      return [c];
    },
    run: (kernels) => into([batch * m * n], (c) => kernels.matMul(a, b, c, batch, m, n, k, ta ? 1 : 0, tb ? 1 : 0, m * k, bBatchStride)),
  };
}

function elementwiseCases(): KernelCase[] {
  const n = 70_000; // past the 64 K elements from which these kernels split over the threads
  const a = filled(n, 9), channels = filled(70, 10).map((v) => v + 2), scalar = Float32Array.of(0.37);
  const cases: KernelCase[] = [];
  for (const [op, name] of ['add', 'sub', 'mul', 'div'].entries())
    for (const [shape, x, y] of [['same shape', a, filled(n, 11)], ['per channel', a, channels], ['scalar first', scalar, a]] as const)
      cases.push({ label: `binary ${name}, ${shape}`, tol: 'exact', sameBits: true, reference: () => [ref.binary(op, x, y, n)],
        run: (k) => into([n], (o) => k.binary(op, x, y, o)) });
  const x6 = filled(n, 12).map((v, i) => (i % 97 === 0 ? 6 : i % 89 === 0 ? 0 : v * 8 - 1));
  cases.push({ label: 'relu6Grad', tol: 'exact', sameBits: true, reference: () => [ref.relu6Grad(a, x6)], run: (k) => into([n], (o) => k.relu6Grad(a, x6, o)) });
  const xr = x6.map((v, i) => (i % 83 === 0 ? Infinity : i % 79 === 0 ? -0 : v));
  cases.push({ label: 'reluGrad', tol: 'exact', sameBits: true, reference: () => [ref.reluGrad(a, xr)], run: (k) => into([n], (o) => k.reluGrad(a, xr, o)) });
  for (const [outer, inner, scale] of [[3000, 70, 1], [50_000, 1, 1 / 50_000], [7, 5, 1]]) {
    const x = filled(outer * inner, 13);
    cases.push({ label: `reduceOuter ${outer} × ${inner}, scale ${scale}`, tol: 1e-4, sameBits: true,
      reference: () => [ref.reduceOuter(x, outer, inner, scale)], run: (k) => into([inner], (y) => k.reduceOuter(x, y, outer, inner, scale)) });
  }
  return cases;
}

function batchNormCases(rows: number, c: number): KernelCase[] {
  const x = filled(rows * c, 14).map((v, i) => v * (1 + (i % c)) + (i % c)), gamma = filled(c, 15), beta = filled(c, 16), dy = filled(rows * c, 17);
  const eps = 1e-3;
  const [, mean, variance] = ref.batchNormTrain(x, gamma, beta, eps);
  return [
    { label: `batchNormTrain ${rows} × ${c}`, tol: 1e-4, sameBits: true, reference: () => ref.batchNormTrain(x, gamma, beta, eps),
      run: (k) => into([x.length, c, c], (y, mu, v) => k.batchNormTrain(x, gamma, beta, eps, y, mu, v)) },
    { label: `batchNormGrad ${rows} × ${c}`, tol: 1e-4, sameBits: true, reference: () => ref.batchNormGrad(dy, x, gamma, mean, variance, eps),
      run: (k) => into([x.length, c, c], (dx, dg, db) => k.batchNormGrad(dy, x, gamma, mean, variance, eps, dx, dg, db)) },
  ];
}

/** The Adam step is documented as bit-identical to the element-wise one: exact everywhere. */
function adamCase(n: number, l2: number, decayFactor: number): KernelCase {
  const w = filled(n, 18), g = filled(n, 19), m = filled(n, 20).map((v) => v / 10), v = filled(n, 21).map((x) => x * x);
  const [b1, b2, t, lr] = [0.9, 0.999, 3, 3e-3];
  const params = Float64Array.from([b1, 1 - b1, b2, 1 - b2, 1 - b1 ** t, 1 - b2 ** t, 1e-7, -lr, l2, decayFactor].map(Math.fround));
  return {
    label: `adam, ${n} values${l2 ? ', L2' : ''}${decayFactor !== 1 ? ', decoupled decay' : ''}`,
    tol: 'exact',
    sameBits: true,
    reference: () => ref.adam(w, g, m, v, params),
    run: (k) => into([n, n, n], (w2, m2, v2) => k.adam(w, g, m, v, w2, m2, v2, params)),
  };
}

const cases: KernelCase[] = [
  ...convCases('3×3 same, 3 → 8 channels, relu6 (input gradient by col2im)', { n: 2, h: 9, w: 9, c: 3, co: 8, k: [3, 3], pad: 'same' }, 2),
  ...convCases('3×3 same, 16 → 20 channels, relu (input gradient as a convolution)', { n: 1, h: 10, w: 10, c: 16, co: 20, k: [3, 3], pad: 'same' }, 1),
  ...convCases('2×2 stride 2 valid on 9×9, 5 → 7 channels', { n: 2, h: 9, w: 9, c: 5, co: 7, k: [2, 2], stride: [2, 2], pad: 'valid' }, 0),
  ...convCases('3×3 dilation 2, padding 2, 4 → 6 channels', { n: 1, h: 8, w: 7, c: 4, co: 6, k: [3, 3], dilation: [2, 2], pad: 2 }, 0),
  ...convCases('3×3 window on a 1×1 map, padding 1', { n: 3, h: 1, w: 1, c: 8, co: 12, k: [3, 3], pad: 1 }, 1),
  ...convCases('3×3 same on 2 × 20×20, 32 → 40 channels (GEMM depth past one block)', { n: 2, h: 20, w: 20, c: 32, co: 40, k: [3, 3], pad: 'same' }, 0),
  ...convCases('3×3 same, 85 channels (64 + 16 + 5 channel blocks), relu', { n: 2, h: 7, w: 7, c: 85, co: 85, k: [3, 3], pad: 'same' }, 1, true),
  ...convCases('3×3 stride 2, 5 channels × multiplier 2, relu6', { n: 2, h: 9, w: 9, c: 5, co: 10, k: [3, 3], stride: [2, 2], pad: 'same' }, 2, true),
  ...convCases('5×5 dilation 2 valid, 20 channels', { n: 1, h: 12, w: 13, c: 20, co: 20, k: [5, 5], dilation: [2, 2], pad: 'valid' }, 0, true),
  ...poolCases('3×3 stride 2 same (overlapping windows, ties)', { n: 2, h: 9, w: 8, c: 6, co: 6, k: [3, 3], stride: [2, 2], pad: 'same' }),
  ...poolCases('2×2 stride 2 valid', { n: 1, h: 8, w: 8, c: 3, co: 3, k: [2, 2], stride: [2, 2], pad: 'valid' }),
  matMulCase(1, 150, 70, 300, false, false),
  matMulCase(1, 150, 70, 300, true, true),
  matMulCase(1, 5, 2100, 40, false, true),
  matMulCase(1, 301, 17, 513, true, false),
  matMulCase(3, 7, 9, 11, false, false, 0),
  ...elementwiseCases(),
  ...batchNormCases(4096, 12),
  ...batchNormCases(10, 3),
  adamCase(37, 0, 1),
  adamCase(70_001, 0.01, 1),
  adamCase(70_001, 0, 1 - 3e-3 * 0.05),
];

describe('@medtransfer/native conformance: the generic build, the optimised build and plain JavaScript', function () {
  const builds: { name: string; path: string; kernels: NativeKernels }[] = [];
  let wasDnnl = false;

  before(function () {
    this.timeout(600_000); // compiling the generic build, when out of date, takes 10–30 s
    const skip = nativeTestSkipReason(); // throws under MEDTRANSFER_REQUIRE_NATIVE=1
    const load = loadNative();
    if (!load.kernels) {
      console.log(`      (skipped: ${skip})`);
      this.skip();
    }
    // our kernels in both builds: the oneDNN path (when built) has its own suite, dnnl.test.ts
    wasDnnl = load.kernels.setDnnl(false);
    const generic = buildGenericAddon();
    builds.push({ name: load.kernels.info().isa, path: nativeAddonPath, kernels: load.kernels });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    builds.push({ name: 'generic build', path: generic.path, kernels: require(generic.path) as NativeKernels });
    console.log(`      (optimised build: ${builds[0].name}; generic build: ${generic.report})`);
  });

  after(() => builds[0]?.kernels.setDnnl(wasDnnl));

  it('the generic build reports isa "generic", the same thread count and no oneDNN', () => {
    const [optimised, generic] = builds.map((b) => b.kernels.info());
    expect(generic).to.deep.equal({ isa: 'generic', threads: optimised.threads, dnnl: null });
  });

  for (const c of cases) {
    it(c.label, () => {
      const expected = c.reference();
      const [optimised, generic] = builds.map((b) => c.run(b.kernels));
      for (const [b, outputs] of [[builds[0], optimised], [builds[1], generic]] as const) {
        outputs.forEach((o, i) => {
          const label = `${b.name}, output ${i} against the reference`;
          if (c.tol === 'exact') expectSameBits(o, expected[i], label);
          else expectClose(o, expected[i], label, c.tol);
        });
      }
      generic.forEach((o, i) => {
        if (c.sameBits) expectSameBits(o, optimised[i], `output ${i}: generic against optimised`);
        else expectClose(o, optimised[i], `output ${i}: generic against optimised`, 1e-5);
      });
    });
  }

  it('both builds: an exception in a pool worker becomes a JavaScript Error, and the process and the pool carry on', () => {
    // a fresh process per build, with more threads than cores so that there are workers
    const expr =
      `(() => { const seen = []; for (const m of ['first', 'second']) { try { n._throwInPool(m); seen.push('returned'); } ` +
      `catch (e) { seen.push(e.constructor.name + ': ' + e.message); } } const c = new Float32Array(4); ` +
      `n.matMul(Float32Array.of(1, 2, 3, 4), Float32Array.of(0, 1, 1, 0), c, 1, 2, 2, 2, 0, 0, 0, 0); ` +
      `return { seen, product: Array.from(c), info: n.info() }; })()`;
    for (const b of builds) {
      const r = inChild(b.path, expr, { MEDTRANSFER_THREADS: '4' }).value as { seen: string[]; product: number[]; info: { threads: number } };
      expect(r.seen, b.name).to.have.length(2);
      r.seen.forEach((s, i) => expect(s, b.name).to.match(new RegExp(`^Error: _throwInPool: ${['first', 'second'][i]} \\(pool thread [123]\\)$`)));
      expect(r.product, b.name).to.deep.equal([2, 1, 4, 3]);
      expect(r.info.threads, b.name).to.equal(4);
    }
  });
});
