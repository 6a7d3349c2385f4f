// The store after crashes and failures: a writer SIGKILLed mid-write leaves a readable store and a
// trial that reruns; a lock left by a dead runner is taken over; a failing trial is recorded in
// failed.json while the sweep goes on, and a rerun retries it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CurvePoint } from '@medtransfer/core';
import { runExperimentFile } from './experiment';
import { readAttempts } from './lock';
import { RunEvent } from './run';
import { experimentStatus } from './status';
import { CONFIG_FILE, finishedResult, listResults, readJson, readTrialFailure } from './store';

const experiment = `
name: crash
seeds: [1, 2]
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 3 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch]
`;

const noTime = (c: CurvePoint[]) => c.map(({ trainSeconds: _t, ...rest }) => rest);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('store after crashes and failures', function () {
  this.timeout(180_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-crash-'));
    file = join(dir, 'crash.yaml');
    writeFileSync(file, experiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stays readable when the process writing a trial is SIGKILLed mid-write, and the trial reruns', async () => {
    const results = join(dir, 'killed');
    const clean = await runExperimentFile(file, { resultsDir: results, workers: 1 });
    const trialDir = join(results, 'crash', 'cbr-tiny_scratch_seed1');
    const [cleanResult] = clean.results;
    const input = join(dir, 'result.json');
    writeFileSync(input, JSON.stringify({ config: readJson(join(trialDir, CONFIG_FILE)), result: cleanResult }));
    const pad = 40_000; // a few MB per write, so a kill lands inside one
    let sawUnfinished = false;
    for (let round = 0; round < 8 && !sawUnfinished; round++) {
      const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'store-writer.child.ts'), trialDir, input, String(pad)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await sleep(30 + 37 * round);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      // readable whatever the moment: complete old/new files, a finished trial only with its whole curve
      expect(() => listResults(join(results, 'crash'))).to.not.throw();
      expect(readJson<{ key: string }>(join(trialDir, CONFIG_FILE)).key).to.equal(cleanResult.summary.key);
      const r = finishedResult(trialDir, cleanResult.summary.key);
      if (r) expect(r.curve.length).to.be.oneOf([cleanResult.curve.length + pad]);
      else sawUnfinished = true;
    }
    expect(sawUnfinished, 'some kill landed between the first and the last file of a trial').to.equal(true);
    const temps = readdirSync(trialDir).filter((f) => f.includes('.tmp-'));
    const rerun = await runExperimentFile(file, { resultsDir: results, workers: 1 });
    expect(rerun.ran, 'the interrupted trial, and only it').to.equal(1);
    const again = finishedResult(trialDir, cleanResult.summary.key);
    expect(noTime(again?.curve ?? [])).to.deep.equal(noTime(cleanResult.curve));
    expect(again?.summary.test).to.deep.equal(cleanResult.summary.test);
    // a temp file of the killed writer (if any) is ignored by every reader; nothing reads it
    expect(temps.every((f) => f.startsWith('.'))).to.equal(true);
  });

  it('takes over the lock a killed runner left and reruns its trial', async () => {
    const results = join(dir, 'stale');
    await runExperimentFile(file, { resultsDir: results, workers: 1 });
    const trialDir = join(results, 'crash', 'cbr-tiny_scratch_seed2');
    // a runner on this host killed mid-trial: its lock names a pid that is gone, no summary yet
    rmSync(join(trialDir, 'summary.json'));
    writeFileSync(join(trialDir, 'lock.json'), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: '2026-01-01T00:00:00Z', label: 'x', token: 't' }));
    const status = await experimentStatus(file, results);
    expect(status.stages.find((s) => s.dir === trialDir)?.detail).to.match(/stale lock/);
    const rerun = await runExperimentFile(file, { resultsDir: results, workers: 1 });
    expect(rerun.ran).to.equal(1);
    expect(existsSync(join(trialDir, 'lock.json'))).to.equal(false);
    expect(readAttempts(trialDir).map((a) => a.tookOverFrom?.pid)).to.deep.equal([undefined, 2 ** 22 + 17]);
  });

  it('records a failing trial, goes on with the others, and retries it on the next run', async () => {
    const results = join(dir, 'failing');
    process.env.MEDTRANSFER_FAIL_TRIALS = 'cbr-tiny_scratch_seed1';
    let first;
    const events: RunEvent[] = [];
    try {
      // in worker processes: the failure travels back from the worker that ran the trial
      first = await runExperimentFile(file, { resultsDir: results, workers: 2, onEvent: (e) => events.push(e) });
    } finally {
      delete process.env.MEDTRANSFER_FAIL_TRIALS;
    }
    expect(first.failed.map((f) => f.label)).to.deep.equal(['target[backbone=cbr-tiny,init=scratch,seed=1]']);
    expect(first.ran).to.equal(1);
    expect(first.workers).to.equal(2);
    expect(first.results.map((r) => r.summary.seed)).to.deep.equal([2]);
    expect(events.filter((e) => e.type === 'failed')).to.have.length(1);
    const failedDir = join(results, 'crash', 'cbr-tiny_scratch_seed1');
    const failure = readTrialFailure(failedDir);
    expect(failure?.message).to.match(/injected failure/);
    expect(failure?.stack).to.match(/claim\.ts/);
    expect(failure?.pid, 'recorded by the worker process').to.not.equal(process.pid);
    expect(failure?.backend).to.equal(first.backend);
    expect(Date.parse(failure?.failedAt ?? '')).to.be.within(Date.now() - 120_000, Date.now());
    const status = await experimentStatus(file, results);
    expect(status.totals).to.deep.include({ done: 1, failed: 1, pending: 0, running: 0, trials: 2 });

    const second = await runExperimentFile(file, { resultsDir: results, workers: 1 });
    expect(second.ran).to.equal(1);
    expect(second.failed).to.deep.equal([]);
    expect(existsSync(join(failedDir, 'failed.json'))).to.equal(false);
    expect((await experimentStatus(file, results)).totals).to.deep.include({ done: 2, failed: 0 });
  });

  it('records the trials of a failed source stage as not run, without running them', async () => {
    const withSource = join(dir, 'source.yaml');
    writeFileSync(
      withSource,
      experiment.replace('name: crash', 'name: crash-source').replace('init: [scratch]', 'init: [scratch, pretrained]') +
        'source:\n  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }\n  imageSize: 16\n  training: { steps: 2, batchSize: 8, evalEvery: 2 }\n',
    );
    const results = join(dir, 'source-failing');
    const outcome = await runExperimentFile(withSource, {
      resultsDir: results,
      workers: 1,
      onEvent: (e) => {
        if (e.type === 'stage' && e.label.startsWith('source ')) throw new Error('source broke');
      },
    });
    expect(outcome.failed.map((f) => f.message).sort()).to.deep.equal([
      'not run: its source stage "source cbr-tiny on synthetic/fractal" failed',
      'not run: its source stage "source cbr-tiny on synthetic/fractal" failed',
      'source broke',
    ]);
    expect(outcome.results.map((r) => r.summary.init)).to.deep.equal(['scratch', 'scratch']);
  });
});
