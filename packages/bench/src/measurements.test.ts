// The stored measurements (`--record`): what a run stores, how a newer row replaces an older one,
// the file's round trip and errors, and that the committed file still matches the zoo's nets.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError } from '@medtransfer/core';
import { countFlopsAt, createModel } from '@medtransfer/zoo';
import { parseBenchArgs } from './args';
import type { JsResult } from './measure';
import { MEASUREMENTS_FILE, addRun, benchCommand, measurementRun, readMeasurements, recordMeasurements } from './measurements';
import { FLOP_CONVENTION, type BenchReport } from './report';

const t = (ips: number) => ({ meanSeconds: 32 / ips, rme: 2, samples: 10, imagesPerSecond: ips });
const ours = (net: string, size: number, backend: string, ips: number): JsResult => ({
  net,
  size,
  backend,
  backendNote: '',
  batch: 32,
  flopsForward: 1e6 * size,
  paramCount: 1,
  train: t(ips),
  infer: t(3 * ips),
});
const report = (rows: BenchReport['rows']): BenchReport => ({
  machine: { cores: 2, cpuModel: 'AMD EPYC', cpuFlags: ['avx2'], node: 'v20.20.2', tfjs: '4.22.0', platform: 'linux x64', loadStart: [1, 1, 1], loadEnd: [1.5, 1, 1], date: '2026-12-01T10:00:00.000Z' },
  settings: { batch: 32, timeSeconds: 5, threads: 2, backends: ['auto'] },
  flopConvention: FLOP_CONVENTION,
  rows,
  skipped: [],
});

describe('stored measurements', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-bench-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores measured rows under the backend that ran, without failed ones', () => {
    const run = measurementRun(
      report([
        { net: 'cbr-tiny', size: 28, backend: 'auto', ours: ours('cbr-tiny', 28, 'native', 800) },
        { net: 'mobilenet-v1', size: 28, backend: 'auto', params: { stem: 'small' }, ours: ours('mobilenet-v1', 28, 'native', 270) },
        { net: 'resnet50', size: 28, backend: 'auto', oursError: 'out of memory' },
      ]),
      'npm run bench -- --record',
    );
    expect(run.rows.map((r) => [r.net, r.backend, r.params])).to.deep.equal([
      ['cbr-tiny', 'native', undefined],
      ['mobilenet-v1', 'native', { stem: 'small' }],
    ]);
    expect(run.rows[0]).to.deep.include({ size: 28, channels: 3, batch: 32, forwardFlops: 28e6, train: { imagesPerSecond: 800, rme: 2 } });
    expect(run).to.deep.include({ date: '2026-12-01T10:00:00.000Z', load: { start: [1, 1, 1], end: [1.5, 1, 1] }, command: 'npm run bench -- --record' });
    expect(run.machine).to.deep.equal({ cores: 2, cpuModel: 'AMD EPYC', cpuFlags: ['avx2'], node: 'v20.20.2', tfjs: '4.22.0', platform: 'linux x64' });
  });

  it('replaces older rows of the same net, params, size, batch and backend, and drops emptied runs', () => {
    const first = measurementRun(report([{ net: 'cbr-tiny', size: 28, backend: 'native', ours: ours('cbr-tiny', 28, 'native', 800) }]), 'a');
    const second = measurementRun(
      report([
        { net: 'cbr-tiny', size: 28, backend: 'native', ours: ours('cbr-tiny', 28, 'native', 850) },
        { net: 'cbr-tiny', size: 64, backend: 'native', ours: ours('cbr-tiny', 64, 'native', 240) },
      ]),
      'b',
    );
    const wasm = measurementRun(report([{ net: 'cbr-tiny', size: 28, backend: 'wasm', ours: ours('cbr-tiny', 28, 'wasm', 128) }]), 'c');
    const one = addRun(addRun(undefined, first).measurements, wasm).measurements;
    const { measurements, replaced } = addRun(one, second);
    expect(replaced).to.equal(1);
    expect(measurements.runs.map((r) => r.command)).to.deep.equal(['c', 'b']);
    expect(measurements.runs[1].rows.map((r) => r.train.imagesPerSecond)).to.deep.equal([850, 240]);
  });

  it('writes a file it reads back, and names the field of a malformed one', () => {
    const file = join(dir, 'measurements.json');
    expect(readMeasurements(file)).to.equal(undefined);
    expect(recordMeasurements(file, report([{ net: 'cbr-tiny', size: 28, backend: 'native', ours: ours('cbr-tiny', 28, 'native', 800) }]), 'a')).to.deep.equal({ rows: 1, replaced: 0 });
    expect(recordMeasurements(file, report([{ net: 'cbr-tiny', size: 28, backend: 'native', ours: ours('cbr-tiny', 28, 'native', 810) }]), 'b')).to.deep.equal({ rows: 1, replaced: 1 });
    const back = readMeasurements(file)!;
    expect(back.runs).to.have.length(1);
    expect(back.runs[0].rows[0].train.imagesPerSecond).to.equal(810);
    // one line per row, so a recorded run reads as a diff
    expect(readFileSync(file, 'utf8')).to.match(/\n {8}\{"net":"cbr-tiny","size":28,.*\}\n/);

    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.runs[0].rows[0].forwardFlops = 0;
    writeFileSync(file, JSON.stringify(data));
    expect(() => readMeasurements(file)).to.throw(DataFormatError, /runs\[0\]\.rows\[0\]\.forwardFlops: expected a positive number, found 0/);
    writeFileSync(file, '{');
    expect(() => readMeasurements(file)).to.throw(DataFormatError, /not JSON/);
  });

  it('gives the command that reproduces a run', () => {
    const o = parseBenchArgs(['--nets', 'mobilenet-v1', '--sizes', '28', '--backends', 'native', '--torch', 'off', '--time', '3', '--params', 'mobilenet-v1:{"stem":"small"}', '--record']);
    expect(o.record).to.equal(true);
    expect(parseBenchArgs([]).record).to.equal(false);
    expect(benchCommand(o)).to.equal(`npm run bench -- --nets mobilenet-v1 --sizes 28 --backends native --batch 32 --time 3 --torch off --params 'mobilenet-v1:{"stem":"small"}' --record`);
  });

  it('the committed file holds FLOP counts the zoo still gives (else re-measure that net with --record)', async function () {
    this.timeout(120_000);
    await tf.setBackend('cpu');
    const stored = readMeasurements(MEASUREMENTS_FILE)!;
    const rows = stored.runs.flatMap((r) => r.rows);
    expect(rows.length).to.be.greaterThan(0);
    const nets = new Map<string, typeof rows>();
    for (const r of rows) nets.set(JSON.stringify([r.net, r.params ?? {}]), [...(nets.get(JSON.stringify([r.net, r.params ?? {}])) ?? []), r]);
    for (const group of nets.values()) {
      const { net, params, size } = group[0];
      const m = createModel({ name: net, params: params ?? {} }, { inputShape: [size, size, 3], numClasses: 2, seed: 1 });
      try {
        for (const r of group) expect(countFlopsAt(m.model, [r.size, r.size, r.channels]).forward, `${net} at ${r.size} px`).to.equal(r.forwardFlops);
      } finally {
        m.dispose();
      }
    }
  });
});
