// A tiny swept experiment run for real: each data fraction trains on its own subset and records
// it; extending the sweep runs only the new trials; `plan` sees what is cached; --force reruns.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatPlan, imagesToTrain, planReport } from './estimate';
import { loadPlan, runExperimentFile } from './experiment';
import { createContext } from './context';
import { targetFor } from './stage-data';

const experiment = `
name: swept
target:
  dataset: { name: synthetic/lesions, params: { train: 40, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, gabor-conv1]
  imageSize: [16]
  dataFraction: [0.5, 1]
  seed: [1]
# Threshold 0: every trial reaches it, so the report's speed-up-vs-fraction figure has values.
report: { metric: auc, threshold: 0 }
`;

describe('a swept experiment, run', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-sweep-'));
    writeFileSync(join(dir, 'swept.yaml'), experiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each data fraction its own subset and key', async () => {
    const plan = loadPlan(join(dir, 'swept.yaml'));
    const ctx = await createContext(plan, join(dir, 'results', 'swept'), 'wasm', { batches: false });
    const [half, all] = plan.trials.filter((t) => t.init === 'scratch').map((t) => targetFor(ctx, t).dataset);
    expect(all.splits.train!.count).to.equal(40);
    expect(half.splits.train!.count).to.equal(20);
    expect(half.fingerprint).to.not.equal(all.fingerprint);
  });

  it('records dataFraction, extends with only the new trials, and reruns with force', async () => {
    const file = join(dir, 'swept.yaml');
    const results = join(dir, 'results');
    const before = await planReport(loadPlan(file), results, { backend: 'wasm' });
    expect(before.tasks.map((s) => s.cached)).to.deep.equal([false, false, false, false]);
    expect(before.tasks[0].images).to.equal(16);
    expect(formatPlan(before)).to.contain('0 cached, 4 pending');

    const first = await runExperimentFile(file, { resultsDir: results, workers: 1, backend: 'wasm' });
    expect(first.ran).to.equal(4);
    const summaries = first.results.map((r) => r.summary);
    expect(summaries.map((s) => [s.init, s.dataFraction, s.imageSize])).to.have.deep.members([
      ['scratch', 0.5, 16],
      ['scratch', 1, 16],
      ['gabor-conv1', 0.5, 16],
      ['gabor-conv1', 1, 16],
    ]);
    const stored = JSON.parse(readFileSync(join(first.experimentDir, 'cbr-tiny_16px_scratch_frac0.5_seed1', 'summary.json'), 'utf8'));
    expect(stored.dataFraction).to.equal(0.5);

    writeFileSync(file, experiment.replace('seed: [1]', 'seed: [1, 2]'));
    const after = await planReport(loadPlan(file), results, { backend: 'wasm' });
    expect(after.tasks.map((s) => s.cached)).to.deep.equal([true, false, true, false, true, false, true, false]);
    // The finished trials now give a measured throughput for this backbone and size.
    expect(after.tasks[1].throughput.basis).to.equal('measured');
    const second = await runExperimentFile(file, { resultsDir: results, workers: 1, backend: 'wasm' });
    expect(second.ran).to.equal(4);
    expect(second.skipped).to.equal(4);

    const forced = await runExperimentFile(file, { resultsDir: results, workers: 1, backend: 'wasm', force: true });
    expect(forced.ran).to.equal(8);
  });

  it('counts images to train from steps or epochs', () => {
    const t = { batchSize: 32, evalEvery: 50, optimizer: { name: 'adam', lr: 1e-3, momentum: 0.9 } } as const;
    expect(imagesToTrain({ ...t, steps: 10 }, 1000)).to.equal(320);
    expect(imagesToTrain({ ...t, epochs: 2 }, 100)).to.equal(7 * 32);
  });
});
