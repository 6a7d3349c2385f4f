// The printed report: number formats, one table row per measurement, the machine header and
// its busy-machine warning.
import { expect } from 'chai';
import type { MachineInfo } from './machine';
import { parseCpuInfo } from './machine';
import type { JsResult } from './measure';
import { FLOP_CONVENTION, TABLE_COLUMNS, type BenchReport, formatRate, formatRatio, formatReport, tableRow } from './report';
import type { PeerResult } from './torch-peer';

const t = (ips: number, rme = 3) => ({ meanSeconds: 32 / ips, rme, samples: 10, imagesPerSecond: ips });
const ours: JsResult = { net: 'cbr-small', size: 28, backend: 'wasm', backendNote: '', batch: 32, flopsForward: 137433088, paramCount: 1, train: t(66.4, 4.2), infer: t(250) };
const torch: PeerResult = {
  torchVersion: '1.13.0',
  threads: 2,
  net: 'cbr-small',
  size: 28,
  batch: 32,
  variant: 'same',
  flopsForward: 137433088,
  layouts: { nchw: { train: t(636), infer: t(1500) }, channels_last: { train: t(700), infer: t(1200) } },
};
const machine = (load: number): MachineInfo => ({
  cores: 2,
  cpuModel: 'AMD EPYC',
  cpuFlags: ['avx2', 'fma'],
  node: 'v20.20.2',
  tfjs: '4.22.0',
  platform: 'linux x64',
  loadStart: [load, 1, 1],
  loadEnd: [1, 1, 1],
  date: '2026-01-01T00:00:00.000Z',
});
const report = (load: number): BenchReport => ({
  machine: machine(load),
  settings: { batch: 32, timeSeconds: 10, threads: 2, backends: ['wasm'] },
  torch: { torchVersion: '1.13.0', threads: 2, python: '3.11.2' },
  flopConvention: FLOP_CONVENTION,
  rows: [{ net: 'cbr-small', size: 28, backend: 'wasm', ours, torch }],
  skipped: ['resnet18: not in the zoo yet, skipped'],
});

describe('report formatting', () => {
  it('formats rates and ratios', () => {
    expect(formatRate(1899.6)).to.equal('1900');
    expect(formatRate(66.44)).to.equal('66.4');
    expect(formatRate(0.4321)).to.equal('0.432');
    expect(formatRatio(0.0949)).to.equal('0.095×');
    expect(formatRatio(1.26)).to.equal('1.3×');
    expect(formatRatio(Infinity)).to.equal('–');
  });

  it('makes one row with GFLOP/s and ratios against the faster torch layout', () => {
    const row = tableRow({ net: 'cbr-small', size: 28, backend: 'wasm', ours, torch });
    expect(row).to.have.length(TABLE_COLUMNS.length);
    // 3 × 137.43 MFLOP × 66.4 img/s = 27.4 GFLOP/s; torch CL 700 img/s → 288.6 GFLOP/s
    expect(row.slice(0, 11)).to.deep.equal(['cbr-small', '28', 'wasm', '66.4 ±4%', '27.4', '250 ±3%', '636 / 700', '288.6 (CL)', '1500 ±3%', '0.095×', '0.17×']);
    expect(row[11]).to.equal('');
  });

  it('notes different architectures, failures and a missing peer', () => {
    const row = tableRow({ net: 'resnet18', size: 28, backend: 'wasm', ours, torch: { ...torch, flopsForward: 2e8, variant: 'small' } });
    expect(row[11]).to.include('nets differ: torch 200 vs ours 137 MFLOP/img').and.include('torch variant: small');
    const failed = tableRow({ net: 'cbr-small', size: 28, backend: 'cpu', oursError: 'out of memory', torch });
    expect(failed[3]).to.equal('–');
    expect(failed[9]).to.equal('–');
    expect(failed[11]).to.equal('ours failed: out of memory');
    expect(tableRow({ net: 'cbr-small', size: 28, backend: 'wasm', ours }).slice(6, 11)).to.deep.equal(['–', '–', '–', '–', '–']);
  });

  it('names the backbone params from --params in the notes', () => {
    const row = tableRow({ net: 'mobilenet-v1', size: 64, backend: 'native', params: { stem: 'small', alpha: 0.5 }, ours });
    expect(row[11].split('; ')[0]).to.equal('params {"stem":"small","alpha":0.5}');
  });

  it('prints the machine, the load and skipped nets, warning when the machine was busy', () => {
    const quiet = formatReport(report(0.5));
    expect(quiet).to.include('2 cores, AMD EPYC (avx2 fma)').and.include('torch: 1.13.0, 2 threads').and.include('start 0.50 / 1.00 / 1.00');
    expect(quiet).to.include('training = 3 × forward').and.include('resnet18: not in the zoo yet, skipped');
    expect(quiet, 'no native description, no clause').not.to.include('native kernels:');
    const withOneDnn = formatReport({ ...report(0.5), machine: { ...machine(0.5), native: 'avx512, 2 threads, oneDNN 2.6.3 convolutions' } });
    expect(withOneDnn).to.include('backends wasm; native kernels: avx512, 2 threads, oneDNN 2.6.3 convolutions');
    expect(quiet).not.to.include('WARNING');
    const lines = quiet.split('\n').filter((l) => l.startsWith('|'));
    expect(lines).to.have.length(3); // header, rule, one row
    expect(new Set(lines.map((l) => l.length)).size).to.equal(1); // columns aligned
    expect(formatReport(report(3.1))).to.include('WARNING: the machine was busy (1-min load up to 3.10 on 2 cores)');
    expect(formatReport({ ...report(1), torch: undefined, torchNote: '--torch off' })).to.include('torch: not measured (--torch off)');
    const torch = { torchVersion: '1.13.0', threads: 2, python: '3.11', unsetEnv: ['OPENBLAS_CORETYPE=Haswell'] };
    expect(formatReport({ ...report(1), torch })).to.include('python 3.11, run without OPENBLAS_CORETYPE=Haswell (set on this machine)');
  });

  it('reads the CPU model and vector flags from /proc/cpuinfo text', () => {
    const text = 'processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f\n';
    expect(parseCpuInfo(text)).to.deep.equal({ model: 'AMD EPYC 9R14', flags: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'] });
  });
});
