// Plan estimates: the zoo's FLOP count for every registered backbone (generated from the
// registry), then where throughput comes from — finished trials, the bench's stored
// measurements, FLOPs ÷ the bench's GFLOP/s — and how the plan says which one it used.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError } from '@medtransfer/core';
import { backbones, countFlops, createModel, minInputSize } from '@medtransfer/zoo';
import { type BenchData, type BenchMeasurement, countForwardFlops, defaultThroughput, formatPlan, pickThroughput, planReport, readBenchMeasurements } from './estimate';
import { loadPlan } from './experiment';
import { tinyPretrainExperiment } from './test-fixtures';

const row = (net: string, size: number, backend: string, forwardFlops: number, imagesPerSecond: number): BenchMeasurement => ({
  net,
  size,
  backend,
  forwardFlops,
  imagesPerSecond,
  date: '2026-11-26',
  machine: '2 cores, AMD EPYC',
});
const bench = (...rows: BenchMeasurement[]): BenchData => ({ file: '/bench/measurements.json', rows });
const gflops = (r: BenchMeasurement) => (3 * r.forwardFlops * r.imagesPerSecond) / 1e9;

describe('plan estimates: FLOPs of every registered backbone', function () {
  this.timeout(300_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const name of backbones.names()) {
    it(`${name}: FLOPs > 0, growing with the input size, as a model built at that size counts them`, () => {
      const ref = { name, params: {} };
      const small = Math.max(28, minInputSize(ref));
      const before = tf.memory().numTensors;
      const [a, b, gray] = countForwardFlops([
        { ref, size: small, channels: 3 },
        { ref, size: 2 * small, channels: 3 },
        { ref, size: 2 * small, channels: 1 },
      ]);
      expect(tf.memory().numTensors, 'tensors left after counting').to.equal(before);
      expect(a).to.be.greaterThan(0);
      expect(b).to.be.greaterThan(a);
      expect(gray).to.be.lessThan(b);
      // the larger size was counted on a zero-weight copy of the model built at the smaller one
      const built = createModel(ref, { inputShape: [2 * small, 2 * small, 3], numClasses: 2, seed: 0 });
      try {
        expect(countFlops(built.model).forward).to.equal(b);
      } finally {
        built.dispose();
      }
    });
  }
});

describe('plan estimates: where throughput comes from', () => {
  const tiny = row('cbr-tiny', 28, 'native', 70_119_424, 800);
  const t = { backbone: 'cbr-tiny', imageSize: 28, flops: tiny.forwardFlops, flops3: tiny.forwardFlops };

  it('prefers finished trials in the store to the bench', () => {
    const measured = [{ backbone: 'cbr-tiny', imageSize: 28, backend: 'native', imagesPerSecond: 500 }];
    expect(pickThroughput(measured, bench(tiny), t, 'native')).to.deep.equal({ imagesPerSecond: 500, basis: 'measured', trials: 1 });
    // a trial on another backend counts only for `auto`
    expect(pickThroughput(measured, bench(tiny), t, 'auto').basis).to.equal('measured');
    expect(pickThroughput(measured, bench(tiny), t, 'wasm').basis).to.not.equal('measured');
  });

  it('uses the bench measurement of the same net, size, FLOPs and backend', () => {
    expect(pickThroughput([], bench(tiny, row('cbr-tiny', 28, 'native', tiny.forwardFlops, 900)), t, 'native')).to.deep.equal({
      imagesPerSecond: 850,
      basis: 'bench',
      trials: 2,
      backend: 'native',
    });
    // `auto` takes the first backend of auto's order that the bench measured
    expect(defaultThroughput(bench(row('cbr-tiny', 28, 'wasm', tiny.forwardFlops, 120), tiny), t, 'auto')).to.include({ basis: 'bench', backend: 'native', imagesPerSecond: 800 });
  });

  it('ignores a bench row whose FLOPs differ by more than 1 % (other params, or a net changed since)', () => {
    const stale = row('cbr-tiny', 28, 'native', tiny.forwardFlops * 1.05, 800);
    const got = defaultThroughput(bench(stale), t, 'native');
    expect(got.basis).to.equal('flops');
    expect(got.gflops).to.be.closeTo(gflops(stale), 1e-9);
  });

  it('otherwise divides training FLOPs by the GFLOP/s the bench measured: same net first, nearest size', () => {
    const rows = [tiny, row('cbr-tiny', 64, 'native', 334_234_624, 244), row('resnet18', 28, 'native', 68_487_296, 399), row('resnet18', 224, 'native', 3_627_087_360, 17.3)];
    // cbr-tiny at 96 px: the nearest measured size of cbr-tiny is 64
    const at96 = defaultThroughput(bench(...rows), { backbone: 'cbr-tiny', imageSize: 96, flops: 752e6, flops3: 752e6 }, 'native');
    expect(at96).to.include({ basis: 'flops', backend: 'native' });
    expect(at96.gflops).to.be.closeTo(gflops(rows[1]), 1e-9);
    expect(at96.imagesPerSecond).to.be.closeTo((at96.gflops! * 1e9) / (3 * 752e6), 1e-9);
    // a net the bench never measured: all nets at the nearest size (28 → the median of cbr-tiny and resnet18)
    const other = defaultThroughput(bench(...rows), { backbone: 'resnet50', imageSize: 32, flops: 196e6, flops3: 196e6 }, 'native');
    expect(other.gflops).to.be.closeTo((gflops(rows[0]) + gflops(rows[2])) / 2, 1e-9);
  });

  it('gives no estimate on a backend the bench never measured, rather than borrowing another', () => {
    expect(defaultThroughput(bench(tiny), t, 'cpu')).to.deep.include({ basis: 'none' });
    expect(Number.isNaN(defaultThroughput(bench(), t, 'auto').imagesPerSecond)).to.equal(true);
  });
});

describe('plan estimates: the stored bench measurements', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-estimate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the committed file (packages/bench/measurements.json)', () => {
    const b = readBenchMeasurements();
    expect(b.rows.length).to.be.greaterThan(0);
    expect(b.rows.find((r) => r.net === 'cbr-tiny' && r.size === 28 && r.backend === 'native')).to.include({ forwardFlops: 70_119_424, imagesPerSecond: 847 });
  });

  it('has no rows when the file is absent, and names the field of a malformed one', () => {
    expect(readBenchMeasurements(join(dir, 'absent.json')).rows).to.deep.equal([]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'medtransfer-bench-measurements', version: 1, runs: [{ date: '2026-12-04', command: 'npm run bench', machine: {}, rows: [{ net: 'cbr-tiny', backend: 'native', size: 28, channels: 3, batch: 32, forwardFlops: 1, train: { imagesPerSecond: -1 }, infer: { imagesPerSecond: 1 } }] }] }));
    expect(() => readBenchMeasurements(bad)).to.throw(DataFormatError, /runs\[0\]\.rows\[0\]\.train\.imagesPerSecond: expected a positive number/);
  });

  it('plan says which source each estimate used and counts FLOPs for every task', async function () {
    this.timeout(60_000);
    writeFileSync(join(dir, 'tiny.yaml'), tinyPretrainExperiment('tiny'));
    // CBR-Tiny at 16 px, 3 channels (the fixture's size): 16·16·32·75 + 8·8·64·800 + 4·4·128·1600 + 2·2·256·3200 + 256·2 MACs
    const flops16 = 2 * (16 * 16 * 32 * 75 + 8 * 8 * 64 * 800 + 4 * 4 * 128 * 1600 + 2 * 2 * 256 * 3200 + 256 * 2);
    const file = join(dir, 'bench.json');
    const run = (rows: unknown[]) => ({ date: '2026-11-26', machine: { cores: 2, cpuModel: 'AMD EPYC' }, command: 'npm run bench', rows });
    const benchRow = (size: number, forwardFlops: number, ips: number) => ({ net: 'cbr-tiny', size, channels: 3, batch: 8, backend: 'native', forwardFlops, train: { imagesPerSecond: ips, rme: 1 }, infer: { imagesPerSecond: ips, rme: 1 } });
    writeFileSync(file, JSON.stringify({ format: 'medtransfer-bench-measurements', version: 1, flopConvention: '', runs: [run([benchRow(16, flops16, 1000)])] }));
    const report = await planReport(loadPlan(join(dir, 'tiny.yaml')), join(dir, 'results'), { backend: 'native', benchFile: file });
    expect(report.tasks.map((s) => s.flops)).to.deep.equal(Array(5).fill(flops16));
    expect(report.tasks.map((s) => s.throughput.basis)).to.deep.equal(Array(5).fill('bench'));
    expect(report.tasks[0].seconds).to.equal(24 / 1000); // 3 steps × batch 8
    const text = formatPlan(report);
    expect(text).to.contain('bench native (1)');
    expect(text).to.match(/MFLOP\/img: forward FLOPs per image, counted by the zoo/);
    expect(text).to.contain('bench: measured by npm run bench');

    const wasm = await planReport(loadPlan(join(dir, 'tiny.yaml')), join(dir, 'results'), { backend: 'wasm', benchFile: file });
    expect(wasm.tasks.every((s) => s.throughput.basis === 'none')).to.equal(true);
    expect(formatPlan(wasm)).to.contain('5 pending task(s) without an estimate are not in it');
  });
});
