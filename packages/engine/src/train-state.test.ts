// Checkpoint and resume: the state file survives a kill mid-write, a resumed run (after an abort,
// or after SIGKILL of a child process) gives the same curve as an uninterrupted one, the same
// seed gives the same curve, and saving/restoring leaks no tensor. cpu backend throughout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { type CurvePoint, DataFormatError, type TrainingConfig } from '@medtransfer/core';
import { createOptimizer } from './optimizers';
import { readStateFile, writeStateFile } from './state-file';
import { TRAIN_STATE_FILE, TrainCheckpointer, runFingerprint } from './train-state';
import { resumeProblem } from './train-state.fixture';
import { train } from './train';
import type { TrainResult } from './progress';

const withoutTime = (curve: CurvePoint[]) => curve.map(({ trainSeconds: _t, ...rest }) => rest);

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

/** The uninterrupted reference run of the fixture (model init seed 7), with its final weights. */
async function referenceRun(over: Partial<TrainingConfig> = {}): Promise<{ result: TrainResult; weights: number[][] }> {
  const p = resumeProblem(over);
  const model = p.model(7);
  const result = await train({ ...p.options, model });
  const weights = await weightsOf(model);
  model.dispose();
  return { result, weights };
}

describe('train-state', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('state file', () => {
    const groups = () => ({
      a: [{ name: 'w', shape: [2, 3], dtype: 'float32' as const, data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      b: [{ name: 'iter', shape: [], dtype: 'int32' as const, data: Int32Array.from([42]) }],
    });

    it('round-trips header (NaN and ±Infinity included) and tensors', () => {
      const file = join(dir, 's.bin');
      writeStateFile(file, { auc: NaN, up: Infinity, down: -Infinity, list: [1, null] }, groups());
      const { header, groups: g } = readStateFile<Record<string, unknown>>(file);
      expect(header).to.deep.equal({ auc: NaN, up: Infinity, down: -Infinity, list: [1, null] });
      expect(Array.from(g.a[0].data)).to.deep.equal([1, 2, 3, 4, 5, -6.5]);
      expect(g.a[0].shape).to.deep.equal([2, 3]);
      expect(g.b[0].data).to.be.instanceOf(Int32Array);
      expect(Array.from(g.b[0].data)).to.deep.equal([42]);
    });

    it('rejects a truncated or corrupted file with a DataFormatError', () => {
      const file = join(dir, 's.bin');
      writeStateFile(file, { step: 1 }, groups());
      const bytes = readFileSync(file);
      bytes[bytes.length - 40] ^= 1;
      writeFileSync(file, bytes);
      expect(() => readStateFile(file)).to.throw(DataFormatError, /checksum mismatch/);
      writeStateFile(file, { step: 1 }, groups());
      truncateSync(file, 30);
      expect(() => readStateFile(file)).to.throw(DataFormatError, /truncated/);
    });

    it('a writer killed mid-write leaves the previous state valid; the next write clears its temp file', () => {
      const file = join(dir, 's.bin');
      writeStateFile(file, { step: 3 }, groups());
      // what a kill during the next write leaves behind: a partial temp file of another process
      const partial = readFileSync(file).subarray(0, 50);
      writeFileSync(`${file}.tmp-99999`, partial);
      expect(readStateFile<{ step: number }>(file).header.step).to.equal(3);
      writeStateFile(file, { step: 6 }, groups());
      expect(readStateFile<{ step: number }>(file).header.step).to.equal(6);
      expect(readdirSync(dir)).to.deep.equal(['s.bin']);
    });
  });

  for (const name of ['adam', 'sgd'] as const) {
    it(`save then restore into a fresh model and optimiser reproduces the next step exactly, no leaked tensors (${name})`, async () => {
      const p = resumeProblem();
      const cfg = { name, lr: 0.05, momentum: 0.9 };
      const [batch] = p.options.train.epoch(8);
      const x = tf.tensor4d(batch.x, batch.shape);
      const step = (m: tf.LayersModel, o: tf.Optimizer) =>
        tf.tidy(() => {
          o.minimize(() => tf.mean(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
        });
      const a = p.model(1);
      const optA = createOptimizer(cfg);
      for (let i = 0; i < 3; i++) step(a, optA);
      const ckpt = new TrainCheckpointer({ dir, every: 1 }, runFingerprint(a, { training: p.options.training, seed: 1, trainCount: 40, valCount: 18 }));
      const before = tf.memory().numTensors;
      const loop = { step: 3, position: { pass: 0, batch: 3 }, curve: [], imagesSeen: 24, trainSeconds: 1, evalSeconds: 0, lossSinceEval: 0.5, stepsSinceEval: 3 };
      await ckpt.save(a, optA, loop);
      expect(tf.memory().numTensors, 'tensors after save').to.equal(before);

      const b = p.model(2); // other init: the restore must overwrite every weight
      const optB = createOptimizer(cfg);
      const beforeRestore = tf.memory().numTensors;
      const restored = await ckpt.restore(b, optB);
      const added = tf.memory().numTensors - beforeRestore;
      expect(restored?.loop).to.deep.equal(loop);
      // the fresh optimiser gained exactly the slot variables the first one holds (getWeights' first entry is a new `iter` scalar)
      const named = await optA.getWeights();
      named[0].tensor.dispose();
      expect(named.length - 1).to.be.greaterThan(0);
      expect(added, 'tensors after restore').to.equal(named.length - 1);
      expect(await weightsOf(b)).to.deep.equal(await weightsOf(a));
      step(a, optA);
      step(b, optB);
      expect(await weightsOf(b)).to.deep.equal(await weightsOf(a));
      for (const t of [a, b]) t.dispose();
      optA.dispose();
      optB.dispose();
      x.dispose();
    });
  }

  it('an aborted run rerun with the same checkpoint folder ends with the curve, test metrics and weights of an uninterrupted run', async () => {
    const ref = await referenceRun();
    const p = resumeProblem();
    const abort = new AbortController();
    const first = p.model(7);
    const err = await train({
      ...p.options,
      model: first,
      checkpoint: { dir, every: 4 },
      onProgress: (s) => s.step === 10 && abort.abort(),
      signal: abort.signal,
    }).catch((e: unknown) => e);
    first.dispose();
    expect(err).to.have.property('step', 10);
    expect(readStateFile<{ loop: { step: number } }>(join(dir, TRAIN_STATE_FILE)).header.loop.step).to.equal(8);

    const second = p.model(99); // a different init: everything must come from the checkpoint
    const steps: number[] = [];
    const result = await train({ ...p.options, model: second, checkpoint: { dir, every: 4 }, onProgress: (s) => steps.push(s.step) });
    expect(steps[0], 'first step after resuming').to.equal(9);
    expect(withoutTime(result.curve)).to.deep.equal(withoutTime(ref.result.curve));
    expect(result.test).to.deep.equal(ref.result.test);
    expect(result.imagesSeen).to.equal(ref.result.imagesSeen);
    expect(await weightsOf(second)).to.deep.equal(ref.weights);
    expect(existsSync(join(dir, TRAIN_STATE_FILE)), 'state removed when the run finished').to.equal(false);
    second.dispose();
  });

  it('resumes early-stopping state and the best-validation weights: same best step and test metrics', async () => {
    const over = { earlyStopping: { metric: 'acc', minDelta: 0 }, testFrom: 'best-val' } as Partial<TrainingConfig>;
    const ref = await referenceRun(over);
    const p = resumeProblem(over);
    const abort = new AbortController();
    const first = p.model(7);
    await train({ ...p.options, model: first, checkpoint: { dir, every: 5 }, signal: abort.signal, onProgress: (s) => s.step === 12 && abort.abort() }).catch(() => undefined);
    first.dispose();
    const second = p.model(99);
    const result = await train({ ...p.options, model: second, checkpoint: { dir, every: 5 } });
    expect(ref.result.bestStep, 'the best step falls before the checkpoint, so it must come from the saved state').to.be.at.most(10);
    expect(result.bestStep).to.equal(ref.result.bestStep);
    expect(result.test).to.deep.equal(ref.result.test);
    expect(await weightsOf(second)).to.deep.equal(ref.weights);
    second.dispose();
  });

  it('same seed, same backend, same data: the same curve, with or without checkpoints', async () => {
    const a = await referenceRun({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
    const b = await referenceRun({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
    expect(withoutTime(b.result.curve)).to.deep.equal(withoutTime(a.result.curve));
    expect(b.weights).to.deep.equal(a.weights);
    const p = resumeProblem({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
    const model = p.model(7);
    const c = await train({ ...p.options, model, checkpoint: { dir, every: 2 } });
    expect(withoutTime(c.curve)).to.deep.equal(withoutTime(a.result.curve));
    model.dispose();
    // and the check can fail: another seed changes the curve
    const q = resumeProblem({ optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
    const other = q.model(7);
    const d = await train({ ...q.options, seed: 6, model: other });
    expect(withoutTime(d.curve)).to.not.deep.equal(withoutTime(a.result.curve));
    other.dispose();
  });

  it('keeps tf.memory().numTensors flat across steps with saves and after a resume', async () => {
    const start = tf.memory().numTensors;
    const p = resumeProblem();
    const counts: number[] = [];
    const abort = new AbortController();
    const first = p.model(7);
    await train({ ...p.options, model: first, checkpoint: { dir, every: 2 }, signal: abort.signal, onProgress: (s) => (counts.push(tf.memory().numTensors), s.step === 7 && abort.abort()) }).catch(
      () => undefined,
    );
    first.dispose();
    expect(tf.memory().numTensors, 'after the aborted run').to.equal(start);
    const second = p.model(7);
    await train({ ...p.options, model: second, checkpoint: { dir, every: 2 }, onProgress: () => counts.push(tf.memory().numTensors) });
    expect(new Set(counts.slice(1)).size, `counts per step: ${counts.join(' ')}`).to.equal(1);
    second.dispose();
    expect(tf.memory().numTensors, 'after the resumed run').to.equal(start);
  });

  it('ignores a state saved by a different run (here: another seed) and starts from step 0', async () => {
    const p = resumeProblem();
    const abort = new AbortController();
    const first = p.model(7);
    await train({ ...p.options, seed: 1, model: first, checkpoint: { dir, every: 2 }, signal: abort.signal, onProgress: (s) => s.step === 5 && abort.abort() }).catch(() => undefined);
    first.dispose();
    const ref = await referenceRun();
    const second = p.model(7);
    const steps: number[] = [];
    const result = await train({ ...p.options, model: second, checkpoint: { dir, every: 2 }, onProgress: (s) => steps.push(s.step) });
    expect(steps[0]).to.equal(1);
    expect(withoutTime(result.curve)).to.deep.equal(withoutTime(ref.result.curve));
    second.dispose();
  });

  it('a child process killed with SIGKILL after a checkpoint resumes (here) to the curve of an uninterrupted run', async function () {
    const every = 3;
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'train-state.child.ts'), dir, String(every), '150'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const killedAt = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        const steps = [...out.matchAll(/^step (\d+)$/gm)].map((m) => Number(m[1]));
        // once step 3·every + 1 is reported, the state of step 3·every is on disk
        if (steps.length && steps[steps.length - 1] > 3 * every && !child.killed) {
          child.kill('SIGKILL');
          resolve(steps[steps.length - 1]);
        }
      });
      child.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`child exited (${code}) before it was killed: ${stderr}`)));
    });
    await new Promise((resolve) => child.once('close', resolve));
    const saved = readStateFile<{ loop: { step: number } }>(join(dir, TRAIN_STATE_FILE)).header.loop.step;
    expect(saved % every).to.equal(0);
    expect(saved).to.be.within(3 * every, 15);
    expect(killedAt).to.be.lessThan(16);

    const ref = await referenceRun();
    const p = resumeProblem();
    const model = p.model(99);
    const steps: number[] = [];
    const result = await train({ ...p.options, model, checkpoint: { dir, every }, onProgress: (s) => steps.push(s.step) });
    expect(steps[0], 'resumed after the last checkpoint').to.equal(saved + 1);
    expect(withoutTime(result.curve)).to.deep.equal(withoutTime(ref.result.curve));
    expect(result.test).to.deep.equal(ref.result.test);
    expect(await weightsOf(model)).to.deep.equal(ref.weights);
    model.dispose();
  });
});
