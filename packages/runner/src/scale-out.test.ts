// Scale-out pieces that need no second process: the shard rule, the long results table (read
// back with arquero) and merging stores (the SLURM script: slurm.test.ts).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MedtransferError, TrialResult, stableHash } from '@medtransfer/core';
import { importEsm } from '@medtransfer/analysis';
import { runExperimentFile } from './experiment';
import { LEADING_COLUMNS, exportRowsFor, tableColumns, toCsv, toJsonl } from './export';
import { finishedTasks, mergeStores } from './merge';
import { parseShard, shardOf } from './shard';
import { finishedResult, writeFileAtomic, writeJsonAtomic, writeTrialResult } from './store';

describe('shards', () => {
  const keys = Array.from({ length: 200 }, (_, i) => stableHash({ trial: i }));

  it('parses i/n and explains what is valid', () => {
    expect(parseShard('2/5')).to.deep.equal({ index: 2, count: 5 });
    for (const bad of ['5/5', '1/0', 'a/b', '1', '-1/3']) expect(() => parseShard(bad), bad).to.throw(MedtransferError, /0 ≤ i < n/);
  });

  it('puts every trial in exactly one shard, by its key alone, roughly evenly', () => {
    for (const n of [1, 2, 3, 7]) {
      const counts = new Array(n).fill(0);
      for (const k of keys) counts[shardOf(k, n)]++;
      expect(counts.reduce((a, b) => a + b, 0)).to.equal(keys.length);
      for (const c of counts) expect(c, `n=${n}: ${counts}`).to.be.within((keys.length / n) * 0.6, (keys.length / n) * 1.4);
    }
    // the same key gives the same shard, whatever else is listed (finished trials do not shift it)
    const first = keys.map((k) => shardOf(k, 4));
    expect(keys.slice(100).map((k) => shardOf(k, 4))).to.deep.equal(first.slice(100));
    // the documented rule (docs/scaling-out.md): changing it would reshuffle the shards of a running sweep
    const rule = (k: string, n: number) => parseInt(createHash('sha256').update(k).digest('hex').slice(0, 8), 16) % n;
    expect(keys.map((k) => shardOf(k, 5))).to.deep.equal(keys.map((k) => rule(k, 5)));
  });
});

function fakeResult(trial: string, key: string, auc: number): TrialResult {
  const m = { loss: 0.5, auc, acc: 0.7 };
  return {
    summary: {
      experiment: 'e', trial, key, backbone: 'cbr-tiny', init: 'scratch', seed: 1, dataset: 'd', task: 'binary',
      test: m, finalVal: m, steps: 2, imagesSeen: 16, trainSeconds: 1, evalSeconds: 0.1, imagesPerSecond: 16,
      backend: 'cpu', params: 10, finishedAt: '2026-01-01T00:00:00Z',
    },
    curve: [{ step: 2, epoch: 1, imagesSeen: 16, trainLoss: 0.6, valLoss: 0.5, val: { auc, acc: 0.7 }, trainSeconds: 1 }],
  };
}

describe('results table and merging stores', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'medtransfer-table-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a curve row per point and a summary row per trial, which arquero reads as such', async () => {
    const file = join(dir, 'table.yaml');
    writeFileSync(
      file,
      `name: table
seeds: [1, 2]
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 4, batchSize: 8, evalEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch]
`,
    );
    const results = join(dir, 'results');
    const run = await runExperimentFile(file, { resultsDir: results, workers: 1 });
    const rows = exportRowsFor(file, results);
    expect(exportRowsFor(results, results), 'from the store root').to.deep.equal(rows);
    expect(exportRowsFor(join(results, 'table'), results), 'from the experiment folder').to.deep.equal(rows);
    const points = run.results.reduce((n, r) => n + r.curve.length, 0);
    expect(points).to.equal(4);
    expect(rows.filter((r) => r.row === 'curve')).to.have.length(points);
    expect(rows.filter((r) => r.row === 'summary')).to.have.length(2);
    const cols = tableColumns(rows);
    expect(cols.slice(0, LEADING_COLUMNS.length)).to.deep.equal([...LEADING_COLUMNS]);
    for (const c of ['test.auc', 'finalVal.acc', 'backend', 'machine.host', 'machine.cpus', 'target.training.steps', 'evalSeconds', 'imagesPerSecond']) expect(cols, c).to.include(c);

    const aq = await importEsm<{ fromCSV: (text: string) => ArqueroTable; from: (rows: object[]) => ArqueroTable }>('arquero');
    const table = aq.fromCSV(toCsv(rows));
    expect(table.numRows()).to.equal(rows.length);
    const summaries = table.filter("d => d.row === 'summary'").objects() as Array<Record<string, unknown>>;
    expect(summaries.map((s) => s['test.auc'])).to.deep.equal(run.results.map((r) => r.summary.test.auc));
    expect(summaries.every((s) => typeof s.seed === 'number' && s['target.training.steps'] === 4 && s.step === 4)).to.equal(true);
    const curve = table.filter("d => d.row === 'curve'").objects() as Array<Record<string, unknown>>;
    expect(curve.map((c) => c.step)).to.deep.equal([2, 4, 2, 4]);
    expect(curve.every((c) => c['test.auc'] === undefined || c['test.auc'] === null)).to.equal(true);
    // JSON lines: every row with every column
    const lines = toJsonl(rows).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => Object.keys(l).length === cols.length)).to.equal(true);
    expect(aq.from(lines).numRows()).to.equal(rows.length);
  });

  it('merges stores, skips identical copies and refuses conflicting ones without writing anything', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const into = join(dir, 'into');
    writeTrialResult(join(a, 'e', 't1'), { k: 1 }, fakeResult('t1', 'k1', 0.8));
    writeTrialResult(join(a, 'e', 't2'), { k: 2 }, fakeResult('t2', 'k2', 0.7));
    const sameButLater = fakeResult('t2', 'k2', 0.7);
    sameButLater.summary.finishedAt = '2026-02-02T00:00:00Z'; // timings differ between runs of one key
    writeTrialResult(join(b, 'e', 't2'), { k: 2 }, sameButLater);
    writeTrialResult(join(b, 'e', 't3'), { k: 3 }, fakeResult('t3', 'k3', 0.6));
    writeJsonAtomic(join(b, 'e', 'source', 'cbr-tiny-s1', 'source.json'), { key: 's1', backbone: { name: 'cbr-tiny', params: {} }, dataset: 'synthetic/fractal', result: { steps: 5 } });
    writeTrialResult(join(b, 'e', 't6'), {}, fakeResult('t6', 'k6', 0.5));
    writeFileSync(join(b, 'e', 't6', 'summary.json'), '{"key": "k6"}'); // damaged: reported, not merged
    writeFileSync(join(b, 'e', 'source', 'cbr-tiny-s1', 'weights.bin'), 'weights');
    writeFileSync(join(b, 'e', 't3', 'lock.json'), '{}'); // a runner's lock is not copied
    const unfinished = join(b, 'e', 't4');
    writeJsonAtomic(join(unfinished, 'failed.json'), { key: 'k4' });

    const r = mergeStores([a, b], into);
    expect(r.copied.sort()).to.deep.equal(['e/source/cbr-tiny-s1', 'e/t1', 'e/t2', 'e/t3']);
    expect(r.identical).to.deep.equal(['e/t2']);
    expect(r.damaged).to.have.length(1);
    expect(r.damaged[0]).to.match(/t6[/\\]summary\.json: not a valid trial summary/);
    expect(finishedResult(join(into, 'e', 't3'), 'k3')).to.deep.equal(fakeResult('t3', 'k3', 0.6));
    expect(readdirSync(join(into, 'e', 't3')).sort()).to.deep.equal(['config.json', 'curve.jsonl', 'summary.json']);
    expect(readFileSync(join(into, 'e', 'source', 'cbr-tiny-s1', 'weights.bin'), 'utf8')).to.equal('weights');
    expect(mergeStores([a, b], into).copied, 'merging again copies nothing').to.deep.equal([]);

    const c = join(dir, 'c');
    writeTrialResult(join(c, 'e', 't1'), {}, fakeResult('t1', 'k1', 0.99)); // same key, another result
    writeTrialResult(join(c, 'e', 't5'), {}, fakeResult('t5', 'k5', 0.5));
    const before = finishedTasks(into).length;
    expect(() => mergeStores([c], into)).to.throw(MedtransferError, /nothing was written:\n  e\/t1: key k1 has different results/);
    expect(finishedTasks(into).length).to.equal(before);
    writeTrialResult(join(c, 'e', 't1'), {}, fakeResult('t1', 'other-key', 0.8));
    expect(() => mergeStores([c], into)).to.throw(MedtransferError, /e\/t1: key other-key in .* but k1/);
  });

  it('merges throughput records: one copy per key (the first kept), damaged ones reported', () => {
    const record = (medianMs: number) => {
      const timing = (batch: number) => ({ batch, medianMs, imagesPerSecond: batch / (medianMs / 1000), samples: 5 });
      return { key: 'tk1', storeVersion: 2, keyParts: {}, backbone: 'cbr-tiny', architecture: 'arch', imageSize: 28, channels: 3, numClasses: 2, backend: 'wasm', threads: 2, train: timing(32), infer: timing(32), latency: timing(1), loadAverage: [1, 1, 1], cpu: 'cpu', measuredAt: '2026-12-01T00:00:00.000Z' };
    };
    const a = join(dir, 'ta');
    const b = join(dir, 'tb');
    const into = join(dir, 'tinto');
    writeJsonAtomic(join(a, 'e', 'cost', 'cbr-tiny-28px-wasm-tk1', 'throughput.json'), record(10));
    writeJsonAtomic(join(b, 'e', 'cost', 'cbr-tiny-28px-wasm-tk1', 'throughput.json'), record(12)); // measured elsewhere
    writeFileAtomic(join(b, 'e', 'cost', 'cbr-tiny-28px-wasm-tk2', 'throughput.json'), '{"key": "tk2"'); // torn
    const r = mergeStores([a, b], into);
    expect(r.copied).to.deep.equal(['e/cost/cbr-tiny-28px-wasm-tk1']);
    expect(r.identical).to.deep.equal(['e/cost/cbr-tiny-28px-wasm-tk1']);
    expect(r.damaged).to.have.length(1);
    expect(r.damaged[0]).to.match(/tk2[/\\]throughput\.json: not valid JSON/);
    const merged = JSON.parse(readFileSync(join(into, 'e', 'cost', 'cbr-tiny-28px-wasm-tk1', 'throughput.json'), 'utf8')) as { train: { medianMs: number } };
    expect(merged.train.medianMs).to.equal(10);
  });
});

interface ArqueroTable {
  numRows(): number;
  filter(expr: string): ArqueroTable;
  objects(): object[];
}
