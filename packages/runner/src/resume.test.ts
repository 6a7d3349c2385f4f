// A trial interrupted mid-training (an exception, or SIGKILL of the process running it) and run
// again continues from its last training checkpoint (`<trial>/resume/`) and ends with the curve
// of an uninterrupted run; the folder goes once the trial is finished.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { CurvePoint } from '@medtransfer/core';
import { inspectTrainState } from '@medtransfer/engine';
import { RunEvent } from './run';
import { runExperimentFile } from './experiment';

const experiment = `
name: resume
seeds: [1]
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  channels: 1
  training: { steps: 5, batchSize: 8, evalEvery: 2, checkpointEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch]
`;

const trialDir = (results: string) => join(results, 'resume', 'cbr-tiny_scratch_seed1');
const summaryOf = (results: string) => JSON.parse(readFileSync(join(trialDir(results), 'summary.json'), 'utf8')) as { test: unknown; key: string; steps: number };
const curveOf = (results: string): Omit<CurvePoint, 'trainSeconds'>[] =>
  readFileSync(join(trialDir(results), 'curve.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { trainSeconds: _t, ...rest } = JSON.parse(line) as CurvePoint;
      return rest;
    });

describe('resuming an interrupted trial', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-resume-'));
    writeFileSync(join(dir, 'resume.yaml'), experiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('continues from the last checkpoint and ends with the curve of an uninterrupted run', async () => {
    const file = join(dir, 'resume.yaml');
    const clean = join(dir, 'clean');
    await runExperimentFile(file, { resultsDir: clean, workers: 1 });

    const results = join(dir, 'interrupted');
    const stop = new Error('interrupted for the test');
    const interrupted = await runExperimentFile(file, {
      resultsDir: results,
      workers: 1,
      onEvent: (e: RunEvent) => {
        if (e.type === 'progress' && e.progress.step === 3) throw stop; // the state of step 2 is on disk
      },
    });
    // the failure is recorded and the run ends normally
    expect(interrupted.failed.map((f) => f.message)).to.deep.equal([stop.message]);
    expect(JSON.parse(readFileSync(join(trialDir(results), 'failed.json'), 'utf8')).message).to.equal(stop.message);
    expect(existsSync(join(trialDir(results), 'resume', 'train-state.bin'))).to.equal(true);
    expect(existsSync(join(trialDir(results), 'summary.json'))).to.equal(false);

    const steps: number[] = [];
    const outcome = await runExperimentFile(file, {
      resultsDir: results,
      workers: 1,
      onEvent: (e: RunEvent) => e.type === 'progress' && steps.push(e.progress.step),
    });
    expect(outcome.ran).to.equal(1);
    expect(steps).to.deep.equal([3, 4, 5]);
    expect(curveOf(results)).to.deep.equal(curveOf(clean));
    expect(existsSync(join(trialDir(results), 'resume')), 'resume folder removed with the result written').to.equal(false);
    expect(existsSync(join(trialDir(results), 'failed.json')), 'failure record removed by the success').to.equal(false);
    expect(existsSync(join(trialDir(results), 'lock.json')), 'lock released').to.equal(false);
    expect(summaryOf(results).test).to.deep.equal(summaryOf(clean).test);
    expect(summaryOf(results).key).to.equal(summaryOf(clean).key);
  });

  it('continues after SIGKILL of the process running the trial, to the curve of an uninterrupted run', async () => {
    const file = join(dir, 'kill.yaml');
    writeFileSync(file, experiment.replace('steps: 5,', 'steps: 12,').replace('name: resume', 'name: kill'));
    const clean = join(dir, 'kill-clean');
    await runExperimentFile(file, { resultsDir: clean, workers: 1 });

    const results = join(dir, 'killed');
    const trial = join(results, 'kill', 'cbr-tiny_scratch_seed1');
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'resume.child.ts'), file, results, '250'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // kill as soon as a training state is on disk (the first one is written after step 2)
    let saved: number | undefined;
    while (saved === undefined && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
      saved = inspectTrainState(join(trial, 'resume'))?.step;
    }
    child.kill('SIGKILL');
    expect(await exited, `child ended before the kill: ${stderr}`).to.equal('SIGKILL');
    saved = inspectTrainState(join(trial, 'resume'))?.step;
    expect(saved).to.be.within(2, 10);
    expect(existsSync(join(trial, 'summary.json'))).to.equal(false);

    const steps: number[] = [];
    await runExperimentFile(file, { resultsDir: results, workers: 1, onEvent: (e: RunEvent) => e.type === 'progress' && steps.push(e.progress.step) });
    expect(steps[0]).to.equal((saved as number) + 1);
    const curve = (d: string) =>
      readFileSync(join(d, 'kill', 'cbr-tiny_scratch_seed1', 'curve.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const { trainSeconds: _t, ...rest } = JSON.parse(l) as CurvePoint;
          return rest;
        });
    expect(curve(results)).to.deep.equal(curve(clean));
    expect(existsSync(join(trial, 'resume'))).to.equal(false);
  });
});
