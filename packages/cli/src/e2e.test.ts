// End-to-end: a tiny real sweep through every package (data → zoo → engine → runner → analysis),
// then a rerun that must skip everything, then CLI behaviour on bad input.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunEvent, editorJsonSchema, runExperimentFile } from '@medtransfer/runner';

const root = resolve(__dirname, '../../..');

const tinyExperiment = `
name: tiny
seeds: [1]
source:
  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, pretrained]
report: { metric: auc, threshold: 0.5 }
`;

function runCli(args: string[], cwd = root) {
  return spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd, encoding: 'utf8' });
}

describe('end to end', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-e2e-'));
    writeFileSync(join(dir, 'tiny.yaml'), tinyExperiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a sweep, writes every file, and skips finished trials on a rerun', async () => {
    const events: RunEvent[] = [];
    const results = join(dir, 'results');
    const first = await runExperimentFile(join(dir, 'tiny.yaml'), { resultsDir: results, workers: 1, onEvent: (e) => events.push(e) });
    expect(first.ran).to.equal(3); // one source stage + two trials
    expect(first.skipped).to.equal(0);
    expect(events.some((e) => e.type === 'progress')).to.equal(true);

    const exp = join(results, 'tiny');
    const trials = readdirSync(exp).filter((d) => d.startsWith('cbr-tiny_'));
    expect(trials.sort()).to.deep.equal(['cbr-tiny_pretrained_seed1', 'cbr-tiny_scratch_seed1']);
    for (const t of trials) {
      const summary = JSON.parse(readFileSync(join(exp, t, 'summary.json'), 'utf8'));
      expect(summary.steps).to.equal(3);
      expect(summary.test.auc).to.be.within(0, 1);
      const curve = readFileSync(join(exp, t, 'curve.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(curve.map((p: { step: number }) => p.step)).to.deep.equal([2, 3]);
      expect(existsSync(join(exp, t, 'config.json'))).to.equal(true);
    }
    const sources = readdirSync(join(exp, 'source'));
    expect(sources).to.have.length(1);
    expect(readdirSync(join(exp, 'source', sources[0])).sort()).to.include.members(['weights.bin', 'weights.json', 'source.json']);
    expect(readFileSync(join(exp, 'summary.md'), 'utf8')).to.contain('cbr-tiny');
    expect(readFileSync(join(exp, 'learning-curves.svg'), 'utf8')).to.contain('<svg');

    const before = readFileSync(join(exp, 'cbr-tiny_scratch_seed1', 'summary.json'), 'utf8');
    const second = await runExperimentFile(join(dir, 'tiny.yaml'), { resultsDir: results, workers: 1 });
    expect(second.ran).to.equal(0);
    expect(second.skipped).to.equal(3);
    expect(readFileSync(join(exp, 'cbr-tiny_scratch_seed1', 'summary.json'), 'utf8')).to.equal(before);

    // Changing a training parameter reruns the trials but keeps the source checkpoint.
    writeFileSync(join(dir, 'tiny.yaml'), tinyExperiment.replace('steps: 3,', 'steps: 4,'));
    const third = await runExperimentFile(join(dir, 'tiny.yaml'), { resultsDir: results, workers: 1 });
    expect(third.ran).to.equal(2);
    expect(third.skipped).to.equal(1);
  });

  it('gives the same results with two worker processes as in one process', async () => {
    writeFileSync(join(dir, 'par.yaml'), tinyExperiment.replace('seeds: [1]', 'seeds: [1, 2]'));
    // wasm: single-threaded, so bit-identical across processes. The native kernels are
    // deterministic per thread count, and workers get cores ÷ workers threads each.
    const one = await runExperimentFile(join(dir, 'par.yaml'), { resultsDir: join(dir, 'one'), workers: 1, backend: 'wasm' });
    const events: RunEvent[] = [];
    const two = await runExperimentFile(join(dir, 'par.yaml'), {
      resultsDir: join(dir, 'two'),
      workers: 2,
      backend: 'wasm',
      onEvent: (e) => events.push(e),
    });
    expect(two.workers).to.equal(2);
    expect(two.ran).to.equal(5); // one source stage + four trials, each exactly once
    expect(events.filter((e) => e.type === 'done')).to.have.length(5);
    expect(events.some((e) => e.type === 'progress')).to.equal(true);
    const strip = (r: (typeof one.results)[number]) => ({ test: r.summary.test, curve: r.curve.map(({ trainSeconds: _t, ...p }) => p) });
    expect(two.results.map(strip)).to.deep.equal(one.results.map(strip));
  });

  it('runs every init strategy end to end', async () => {
    writeFileSync(
      join(dir, 'inits.yaml'),
      tinyExperiment
        .replace('init: [scratch, pretrained]', 'init: [{ transfusion: 1 }, { frozen: 2 }, mean-var, gabor-conv1, { slim: { keep: 2, blocks: 1, filters: 16 } }, pretrained-bn-only]')
        .replace('name: tiny', 'name: inits'),
    );
    const out = await runExperimentFile(join(dir, 'inits.yaml'), { resultsDir: join(dir, 'inits'), workers: 1 });
    expect(out.results.map((r) => r.summary.init)).to.deep.equal(['transfusion-1', 'frozen-2', 'mean-var', 'gabor-conv1', 'slim-2-cbr-b1-f16', 'pretrained-bn-only']);
    for (const r of out.results) expect(r.summary.test.auc, r.summary.trial).to.be.within(0, 1);
    expect(readFileSync(join(out.experimentDir, 'summary.md'), 'utf8')).to.contain('transfusion-1');
  });

  it('exits with a clear, path-carrying error on a bad experiment file', () => {
    writeFileSync(join(dir, 'bad.yaml'), tinyExperiment.replace('backbone: [cbr-tiny]', 'backbone: [cbr-tiny, cbr-smal]'));
    const r = runCli(['validate', join(dir, 'bad.yaml')]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('sweep.backbone[1]: unknown backbone "cbr-smal"; did you mean "cbr-small"?');
  });

  it('validates every shipped experiment file (one whose data or weights are not on this machine fails only on that)', () => {
    const absentHere = /\.dataset\.params(\.\w+)?: (file|folder) not found: |\.backbone\.params\.weights: [\w.-]+ is not in the weights cache .*`medtransfer weights get /;
    for (const f of readdirSync(join(root, 'experiments')).filter((n) => n.endsWith('.yaml'))) {
      const r = runCli(['validate', join('experiments', f)]);
      const issues = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
      if (r.status === 2 && issues.length && issues.every((l) => absentHere.test(l))) {
        console.log(`      (${f}: its data or weights are absent here, and validate says so: ${issues[0].slice(4, 200)}…)`);
        continue;
      }
      expect(r.status, `${f}: ${r.stderr}`).to.equal(0);
    }
  });

  it('ships a JSON Schema that matches the config schema', () => {
    const committed = JSON.parse(readFileSync(join(root, 'experiments/experiment.schema.json'), 'utf8'));
    expect(committed, 'regenerate: npm run medtransfer -- schema > experiments/experiment.schema.json').to.deep.equal(
      editorJsonSchema(),
    );
  });
});
