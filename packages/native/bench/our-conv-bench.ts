// Our convolution kernels (the addon's conv2d, conv2dBackpropInput, conv2dBackpropFilter: what the
// engine's `native` backend runs for Conv2D and both gradients) on the shapes and batch of
// dnnl-conv-bench.cpp, timed per call: the other half of "oneDNN convolutions against ours" in
// docs/performance.md. It calls the addon directly on Float32Arrays (NHWC images, HWIO filters),
// as the backend does on the wasm heap, so neither side pays tfjs dispatch. (The engine cannot be
// imported from this package: native depends on nothing.)
//
//   MEDTRANSFER_THREADS=2 npx ts-node --project tsconfig.json packages/native/bench/our-conv-bench.ts [shape ...]
//
// Output: one "RESULT <shape> <direction> ours <median ms> <fastest ms> <isa>" line per measurement.
import { loadNative } from '../src';

interface Shape {
  name: string;
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
}

// Keep in step with kShapes in dnnl-conv-bench.cpp (stride 1, 'same' padding, batch 32).
const shapes: Shape[] = [
  { name: 'cbr1', n: 32, h: 28, w: 28, ci: 3, co: 32, k: 7 },
  { name: 'cbr2', n: 32, h: 14, w: 14, ci: 32, co: 64, k: 7 },
  { name: 'cbr3', n: 32, h: 7, w: 7, ci: 64, co: 128, k: 7 },
  { name: 'cbr4', n: 32, h: 4, w: 4, ci: 128, co: 256, k: 7 },
  { name: 'r18s2', n: 32, h: 16, w: 16, ci: 64, co: 64, k: 3 },
  { name: 'r18s3', n: 32, h: 8, w: 8, ci: 128, co: 128, k: 3 },
  { name: 'r18s4', n: 32, h: 4, w: 4, ci: 256, co: 256, k: 3 },
  { name: 'r18s5', n: 32, h: 2, w: 2, ci: 512, co: 512, k: 3 },
];

const WARMUP = 5;
const CALLS = 30;

function random(length: number, seed: number): Float32Array {
  const a = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1; // uniform in [-1, 1)
  }
  return a;
}

/** Median and fastest of CALLS timed calls, in ms. */
function timeCalls(call: () => void): [number, number] {
  for (let i = 0; i < WARMUP; i++) call();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = process.hrtime.bigint();
    call();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return [CALLS % 2 ? times[(CALLS - 1) / 2] : (times[CALLS / 2 - 1] + times[CALLS / 2]) / 2, times[0]];
}

function main(): void {
  const loaded = loadNative();
  if (!loaded.kernels) throw new Error(`the native addon is not available: ${loaded.reason}`);
  const native = loaded.kernels;
  native.setDnnl(false); // our kernels, even in an addon built with oneDNN
  const { isa, threads } = native.info();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !shapes.some((s) => s.name === name));
  if (unknown.length) throw new Error(`no such shape: ${unknown.join(', ')}; shapes: ${shapes.map((s) => s.name).join(' ')}`);
  console.log(`# ours: isa ${isa}, ${threads} threads, batch 32, ${WARMUP} warm-up + ${CALLS} timed calls, median and fastest ms`);
  for (const s of shapes) {
    if (wanted.length && !wanted.includes(s.name)) continue;
    const pad = (s.k - 1) >> 1; // TF 'same', stride 1: top/left (k-1)/2
    const geom = Int32Array.from([s.n, s.h, s.w, s.ci, s.k, s.k, 1, 1, 1, 1, pad, pad, s.h, s.w, s.co]);
    const x = random(s.n * s.h * s.w * s.ci, 1);
    const filter = random(s.k * s.k * s.ci * s.co, 2);
    const dy = random(s.n * s.h * s.w * s.co, 3);
    const y = new Float32Array(dy.length);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(filter.length);
    const results: Array<[string, [number, number]]> = [
      ['forward', timeCalls(() => native.conv2d(geom, x, filter, y, null, 0))],
      ['backward-data', timeCalls(() => native.conv2dBackpropInput(geom, dy, filter, dx))],
      ['backward-weights', timeCalls(() => native.conv2dBackpropFilter(geom, x, dy, dw))],
    ];
    for (const [direction, [median, best]] of results) {
      console.log(`RESULT ${s.name} ${direction} ours ${median.toFixed(3)} ${best.toFixed(3)} ${isa}`);
    }
  }
}

main();
