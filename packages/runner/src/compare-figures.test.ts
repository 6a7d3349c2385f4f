// `figures compare` on a store written by the test: summaries with costs and throughput records,
// one trial recorded without a cost, one throughput record damaged, one trial record damaged and
// one trial not run — the table's numbers, the front marks, the notes and the files.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCost, ThroughputRecord, TrialResult } from '@medtransfer/core';
import { fmtSig } from '@medtransfer/analysis';
import { COMPARE_DIR, backboneLabels, matchThroughput, writeCompareReport } from './compare-figures';
import { COST_DIR, THROUGHPUT_FILE } from './cost-store';
import { countForwardFlops } from './estimate';
import { loadPlan } from './experiment';
import type { Plan } from './plan';
import { writeFileAtomic, writeJsonAtomic } from './store';

const EXPERIMENT = `
name: compare
seeds: [1, 2, 3]
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 4, batchSize: 8, evalEvery: 1 }
sweep:
  backbone: [cbr-tiny, cbr-small]
  init: [scratch]
report: { metric: auc, threshold: 0.8 }
`;

/** t(0.975, 2), as scipy.stats.t.ppf gives it. */
const T2 = 4.302652729911275;

function record(key: string, backbone: string): ThroughputRecord {
  const timing = (batch: number, medianMs: number) => ({ batch, medianMs, imagesPerSecond: batch / (medianMs / 1000), samples: 5 });
  return {
    key,
    storeVersion: 2,
    keyParts: {},
    backbone,
    architecture: 'fingerprint',
    imageSize: 16,
    channels: 3,
    numClasses: 2,
    backend: 'wasm',
    threads: 1,
    train: timing(8, 40),
    infer: timing(8, 10),
    latency: timing(1, 2.5),
    loadAverage: [0.5, 0.5, 0.5],
    cpu: 'test CPU',
    measuredAt: '2026-12-01T00:00:00.000Z',
  };
}

describe('runner/compare-figures: figures compare on a stored experiment', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: Plan;
  let flops: { tiny: number; small: number };
  const results = () => join(dir, 'results');
  const exp = () => join(results(), 'compare');

  /** A finished trial: test AUC `auc`, val AUC per step `vals` (steps 1…4, 0.5 s each). */
  function trial(backbone: string, seed: number, auc: number, vals: number[], cost?: ModelCost) {
    const t = plan.trials.find((x) => x.backbone.name === backbone && x.seed === seed)!;
    const curve = vals.map((v, i) => ({ step: i + 1, epoch: (i + 1) / 3, imagesSeen: 8 * (i + 1), trainLoss: 1, valLoss: 1, val: { auc: v, acc: v - 0.1 }, trainSeconds: 0.5 * (i + 1) }));
    writeFileAtomic(join(exp(), t.dir, 'curve.jsonl'), `${curve.map((p) => JSON.stringify(p)).join('\n')}\n`);
    writeJsonAtomic(join(exp(), t.dir, 'summary.json'), {
      experiment: 'compare',
      trial: t.name,
      key: `k-${t.dir}`,
      backbone,
      init: 'scratch',
      seed,
      dataset: 'synthetic/lesions',
      task: 'binary',
      test: { loss: 1, auc, acc: auc - 0.1 },
      finalVal: { loss: 1, auc: vals[3], acc: vals[3] - 0.1 },
      steps: 4,
      imagesSeen: 32,
      trainSeconds: 2,
      evalSeconds: 1,
      imagesPerSecond: 16,
      backend: 'wasm',
      params: backbone === 'cbr-tiny' ? 1000 : 2000,
      imageSize: 16,
      ...(cost ? { cost } : {}),
      finishedAt: '2026-12-01T00:00:00Z',
    });
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mt-compare-'));
    writeFileSync(join(dir, 'compare.yaml'), EXPERIMENT);
    plan = loadPlan(join(dir, 'compare.yaml'));
    const [tiny, small] = countForwardFlops(['cbr-tiny', 'cbr-small'].map((name) => ({ ref: plan.trials.find((t) => t.backbone.name === name)!.model, size: 16, channels: 3 })));
    flops = { tiny, small };
    const tinyCost: ModelCost = { paramsTotal: 1000, paramsTrainable: 1000, flopsPerImage: tiny, checkpointBytes: 4000, throughputKey: 'ktiny' };
    trial('cbr-tiny', 1, 0.8, [0.5, 0.7, 0.8, 0.85], tinyCost);
    trial('cbr-tiny', 2, 0.82, [0.6, 0.8, 0.85, 0.9], tinyCost);
    trial('cbr-tiny', 3, 0.84, [0.6, 0.7, 0.75, 0.79], tinyCost); // never reaches 0.8: censored at 4 steps, 2 s
    // cbr-small: seed 1's throughput record is damaged; seed 2 was written before costs were recorded; seed 3's summary is torn
    trial('cbr-small', 1, 0.9, [0.8, 0.85, 0.9, 0.9], { paramsTotal: 2000, paramsTrainable: 2000, flopsPerImage: small, checkpointBytes: 8000, throughputKey: 'ksmall' });
    trial('cbr-small', 2, 0.9, [0.8, 0.85, 0.9, 0.9]);
    writeFileAtomic(join(exp(), plan.trials.find((t) => t.backbone.name === 'cbr-small' && t.seed === 3)!.dir, 'summary.json'), '{"experiment": "compare", ');
    writeJsonAtomic(join(exp(), COST_DIR, 'cbr-tiny-16px-wasm-ktiny', THROUGHPUT_FILE), record('ktiny', 'cbr-tiny'));
    writeJsonAtomic(join(exp(), COST_DIR, 'cbr-small-16px-wasm-ksmall', THROUGHPUT_FILE), { ...record('ksmall', 'cbr-small'), latency: 'fast' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the table with the stored numbers, the front marks, the missing costs and every figure', async () => {
    const progress: string[] = [];
    const r = await writeCompareReport(plan, results(), { onProgress: (m) => progress.push(m) });
    const out = join(exp(), COMPARE_DIR);
    expect(r.outDir).to.equal(out);
    expect(progress.join('\n')).to.match(/counting the FLOPs of 1 trial\(s\) recorded without a cost/);
    expect(r.recounted).to.equal(1);
    expect(r.results).to.have.length(5);
    for (const base of ['pareto-synthetic-lesions-flops', 'pareto-synthetic-lesions-params', 'pareto-synthetic-lesions-latency', 'convergence-synthetic-lesions-flops']) {
      for (const ext of ['svg', 'png', 'vl.json']) expect(existsSync(join(out, `${base}.${ext}`)), `${base}.${ext}`).to.equal(true);
    }
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).to.contain('<svg');
    // partial: 5 of 6 planned, the torn summary named
    expect(md).to.contain('> **Partial: 5 of 6 trials.**');
    expect(md).to.match(/> - .*cbr-small_scratch_seed3.*summary\.json/);
    // the trial without a cost, the damaged throughput record (by key and by file)
    expect(md).to.contain('> **Cost missing for 2 of 5 trials**');
    expect(md).to.match(/Recorded without a cost .*`target\[backbone=cbr-small,init=scratch,seed=2\]`/);
    expect(md).to.match(/Throughput record missing or damaged \(`cost\/ksmall\/throughput.json`\): `target\[backbone=cbr-small,init=scratch,seed=1\]`/);
    expect(md).to.match(/throughput record\(s\) left out because they are damaged:\n> {3}- .*cbr-small-16px-wasm-ksmall.*latency/);

    const row = (b: string) => md.split('\n').find((l) => l.startsWith(`| ${b} |`))!.split('|').map((c) => c.trim()).slice(1, -1);
    // | backbone | init | seeds | AUC | ACC | params | MFLOPs | latency | infer | train | steps | seconds | AUC/GFLOP | AUC/M params | front ×3 |
    const tiny = row('cbr-tiny');
    expect(tiny.slice(0, 5)).to.deep.equal(['cbr-tiny', 'scratch', '3', `0.820 ± ${((T2 * 0.02) / Math.sqrt(3)).toFixed(3)}`, '0.720']);
    expect(tiny.slice(5, 10)).to.deep.equal(['0.00100', fmtSig(flops.tiny / 1e6), '2.50', '800', '200']);
    // steps to val AUC ≥ 0.8: 3, 2 and (censored) 4; seconds 1.5, 1, 2
    expect(tiny.slice(10, 12)).to.deep.equal(['≥ 3 (1/3 censored)', '≥ 1.5 (1/3 censored)']);
    expect(Number(tiny[12])).to.be.closeTo(0.82 / (flops.tiny / 1e9), 0.01 * (0.82 / (flops.tiny / 1e9)));
    const small = row('cbr-small');
    expect(small.slice(0, 4)).to.deep.equal(['cbr-small', 'scratch', '2', '0.900 ± 0.000']);
    // FLOPs: seed 1 recorded, seed 2 recounted by the zoo's counter (the same count): marked *
    expect(small[6]).to.equal(`${fmtSig(flops.small / 1e6)}*`);
    expect(small.slice(7, 10)).to.deep.equal(['—', '—', '—']);
    // cbr-tiny is cheaper in FLOPs and params but worse: both on those fronts; only cbr-tiny has a latency
    expect(flops.small).to.be.above(flops.tiny);
    expect(tiny.slice(14)).to.deep.equal(['✓', '✓', '✓']);
    expect(small.slice(14)).to.deep.equal(['✓', '✓', '—']);

    const svg = readFileSync(join(out, 'pareto-synthetic-lesions-flops.svg'), 'utf8');
    expect((svg.match(/<g class="mark-symbol role-mark[^"]*"[^>]*?(?<!\/)>([\s\S]*?)<\/g>/g) ?? []).join('').match(/<path/g)).to.have.length(2);
    expect(svg).to.contain('forward MFLOPs per image, log scale');
    expect(svg).to.match(/<g class="mark-line role-mark[^>]*>\s*<path/); // the front
    expect(JSON.parse(readFileSync(join(out, 'pareto-synthetic-lesions-latency.vl.json'), 'utf8')).data.values).to.have.length(1);
  });

  it('without finished trials, says to run the experiment first', async () => {
    const empty = join(dir, 'empty');
    try {
      await writeCompareReport(plan, empty);
      expect.fail('expected an error');
    } catch (err) {
      expect((err as Error).message).to.match(/figures compare: no finished trial of .*compare\.yaml in .*empty.compare; run the experiment first \(`medtransfer run /);
    }
  });
});

describe('runner/compare-figures: backbone labels', () => {
  it('names a backbone with params by its name and params (weights left out), and keeps the id where two would show alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mt-compare-labels-'));
    try {
      writeFileSync(join(dir, 'weights.h5'), '');
      writeFileSync(
        join(dir, 'labels.yaml'),
        EXPERIMENT.replace(
          'backbone: [cbr-tiny, cbr-small]',
          `backbone: [cbr-tiny, { name: mobilenet-v1, params: { alpha: 0.5 } }, { name: mobilenet-v1, params: { alpha: 0.25, stem: small } },
            { name: cbr-small, params: { weights: { kind: keras-h5, path: weights.h5 } } }, cbr-small]`,
        ).replace('imageSize: 16', 'imageSize: 32'),
      );
      const p = loadPlan(join(dir, 'labels.yaml'));
      const labels = backboneLabels(p.trials);
      const ids = [...new Set(p.trials.map((t) => t.name.match(/backbone=([^,\]]+)/)![1]))];
      expect(ids).to.have.length(5);
      const shown = ids.map((id) => labels.get(id));
      expect(shown.slice(0, 3)).to.deep.equal(['cbr-tiny', 'mobilenet-v1 (alpha 0.5)', 'mobilenet-v1 (alpha 0.25, stem small)']);
      // cbr-small with and without weights would both show as "cbr-small"
      expect(shown[3]).to.equal(`cbr-small [${ids[3]}]`);
      expect(shown[4]).to.equal('cbr-small');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runner/compare-figures: throughput of trials recorded without a cost', () => {
  it('matches records of the same backbone, size and backend (any batch), only for summaries without a cost', () => {
    const result = (trial: string, backbone: string, imageSize: number, backend: string, cost?: ModelCost) => ({ summary: { trial, backbone, imageSize, backend, cost } }) as unknown as TrialResult;
    const records = new Map([
      ['a', record('a', 'cbr-tiny')],
      ['b', { ...record('b', 'cbr-tiny'), train: { ...record('b', 'cbr-tiny').train, batch: 4 } }],
      ['c', { ...record('c', 'cbr-tiny'), backend: 'native' }],
      ['d', { ...record('d', 'cbr-tiny'), imageSize: 28 }],
      ['e', record('e', 'cbr-small')],
    ]);
    const cost: ModelCost = { paramsTotal: 1, paramsTrainable: 1, flopsPerImage: 1, checkpointBytes: 1, throughputKey: 'a' };
    const matched = matchThroughput(
      [result('old', 'cbr-tiny', 16, 'wasm'), result('new', 'cbr-tiny', 16, 'wasm', cost), result('other', 'cbr-large-w', 16, 'wasm')],
      records,
    );
    expect([...matched]).to.deep.equal([['old', ['a', 'b']]]);
  });
});
