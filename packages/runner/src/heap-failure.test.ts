// A trial that runs out of wasm heap mid-step (ResNet-50 at 512 px: ~4 GB at batch 1) fails with
// the engine's message in failed.json; tfjs of that process is unusable, so the tasks left run
// in fresh worker processes and the other trials still finish. Slow (~1 min, ~4.5 GB of memory):
// MEDTRANSFER_SLOW_TESTS=1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

/** Runs the experiment in its own process (its tfjs ends up unusable) with one in-process worker. */
function runInChild(file: string, resultsDir: string): { failed: string[]; results: number } {
  const script =
    `require(${JSON.stringify(join(__dirname, 'experiment.ts'))}).runExperimentFile(${JSON.stringify(file)}, { resultsDir: ${JSON.stringify(resultsDir)}, workers: 1 })` +
    `.then((o) => console.log('RESULT ' + JSON.stringify({ failed: o.failed.map((f) => f.label), results: o.results.length })))`;
  const r = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the run printed no result (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice('RESULT '.length));
}

// a 1-image training split: the engine's estimate needs two images, so the step itself runs out
const experiment = `
name: heap
seeds: [1, 2]
backend: wasm
target:
  dataset: { name: synthetic/lesions, params: { train: 1, val: 2, test: 2, size: 512 } }
  imageSize: 512
  channels: 3
  training: { steps: 1, batchSize: 1, evalEvery: 1 }
sweep:
  backbone: [resnet50, cbr-tiny]
  init: [scratch]
`;

describe('a trial that runs out of wasm heap', function () {
  this.timeout(600_000);

  it('is recorded as failed with the fixes; the other tasks run in fresh processes and finish (MEDTRANSFER_SLOW_TESTS=1)', function () {
    if (process.env.MEDTRANSFER_SLOW_TESTS !== '1') {
      console.log('      (skipped: set MEDTRANSFER_SLOW_TESTS=1; ~1 min, ~4.5 GB of memory)');
      return this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'medtransfer-heap-'));
    try {
      writeFileSync(join(dir, 'heap.yaml'), experiment);
      const out = runInChild(join(dir, 'heap.yaml'), join(dir, 'results'));
      expect(out.failed.sort()).to.deep.equal(['target[backbone=resnet50,init=scratch,seed=1]', 'target[backbone=resnet50,init=scratch,seed=2]']);
      for (const seed of [1, 2]) {
        const failure = JSON.parse(readFileSync(join(dir, 'results', 'heap', `resnet50_scratch_seed${seed}`, 'failed.json'), 'utf8')) as { message: string };
        for (const s of ['out of wasm heap memory', 'resnet50', 'batch size 1', '512×512 px', 'training.batchSize', 'imageSize', '@tensorflow/tfjs-node', 'unusable']) {
          expect(failure.message).to.include(s);
        }
        expect(existsSync(join(dir, 'results', 'heap', `cbr-tiny_scratch_seed${seed}`, 'summary.json')), `cbr-tiny seed ${seed} finished`).to.equal(true);
      }
      expect(out.results).to.equal(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
