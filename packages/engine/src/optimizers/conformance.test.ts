// Conformance suite generated from the optimiser and schedule registries: every example config of
// every optimiser, with every example of every schedule (and warm-up), is checked and round-trips,
// lowers a simple loss, saves and restores its state so that training continues bit for bit,
// reports its slots truthfully and leaks no tensor. A new optimiser or schedule gets these tests
// without editing this file.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { type OptimizerConfig, type ScheduleConfig, optimizerSchema } from '@medtransfer/core';
import { checkSchedule, learningRateAt, schedules } from '../schedules';
import { checkOptimizer, createOptimizer, optimizerMemory, optimizers } from './index';

const STEPS = 12;
const A = [1, 0.5, 2, 0.25, 3];
const B = [0.3, -0.2, 0.1, -1, 0.4];
const W0 = [1, -2, 0.5, 2, -0.7];

/** A checked config (as the runner plans it) from an example mapping. */
function planned(raw: Record<string, unknown>): OptimizerConfig {
  const c = checkOptimizer(optimizerSchema.parse(raw), 'training.optimizer');
  if (!c.ok) throw new Error(c.issues.map((e) => e.message).join('\n'));
  return c.value;
}

/** Two variables (so per-variable slots are exercised) under loss Σ a·w² + b·w. */
function problem() {
  const [w0, w1] = tf.tidy(() => [tf.variable(tf.tensor1d(W0.slice(0, 3))), tf.variable(tf.tensor1d(W0.slice(3)))]);
  const loss = () =>
    tf.tidy(() => tf.add(tf.sum(tf.add(tf.mul(A.slice(0, 3), tf.square(w0)), tf.mul(B.slice(0, 3), w0))), tf.sum(tf.add(tf.mul(A.slice(3), tf.square(w1)), tf.mul(B.slice(3), w1)))) as tf.Scalar);
  return { vars: [w0, w1], loss, dispose: () => tf.dispose([w0, w1]) };
}

/** Steps `from`..`to` (1-based, inclusive) of a run of STEPS, each at its scheduled rate. */
function run(opt: ReturnType<typeof createOptimizer>, cfg: OptimizerConfig, p: ReturnType<typeof problem>, from: number, to: number) {
  for (let step = from; step <= to; step++) {
    opt.learningRate = learningRateAt(cfg, step, STEPS);
    tf.tidy(() => void opt.minimize(p.loss, false, p.vars));
  }
}

const values = (p: ReturnType<typeof problem>) => p.vars.map((v) => Array.from(v.dataSync()));
const lossOf = (p: ReturnType<typeof problem>) => {
  const l = p.loss();
  const v = l.dataSync()[0];
  l.dispose();
  return v;
};

const scheduleExamples: Array<{ label: string; schedule?: ScheduleConfig; warmupSteps?: number }> = [
  { label: 'no schedule' },
  ...schedules.names().flatMap((n) => schedules.get(n).examples.map((schedule) => ({ label: JSON.stringify(schedule), schedule }))),
  { label: 'cosine + warm-up 3', schedule: 'cosine', warmupSteps: 3 },
];

describe('optimiser conformance (every registered optimiser × every schedule)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('has optimisers and schedules registered, each with examples', () => {
    expect(optimizers.names()).to.include.members(['adam', 'adamw', 'sgd', 'rmsprop']);
    expect(schedules.names()).to.include.members(['constant', 'step', 'multistep', 'cosine', 'linear']);
    for (const n of optimizers.names()) expect(optimizers.get(n).examples.length, n).to.be.greaterThan(0);
    for (const n of schedules.names()) expect(schedules.get(n).examples.length, n).to.be.greaterThan(0);
  });

  for (const name of optimizers.names()) {
    for (const example of optimizers.get(name).examples) {
      describe(JSON.stringify(example), () => {
        for (const s of scheduleExamples) {
          it(`${s.label}: checked config round-trips, lowers the loss, resumes exactly, leaks nothing`, async () => {
            const cfg = planned({ ...example, ...(s.schedule === undefined ? {} : { schedule: s.schedule }), ...(s.warmupSteps ? { warmupSteps: s.warmupSteps } : {}) });
            expect(planned(cfg), 'checking a checked config changes nothing').to.deep.equal(cfg);
            const start = tf.memory().numTensors;

            // uninterrupted
            const a = problem();
            const before = lossOf(a);
            const optA = createOptimizer(cfg);
            run(optA, cfg, a, 1, STEPS);
            const after = lossOf(a);
            expect(after, 'the loss goes down').to.be.below(before);
            for (const v of values(a).flat()) expect(Number.isFinite(v)).to.equal(true);
            // slots: what memory() says the update keeps per weight
            const saved = await optA.getWeights();
            expect(saved.length - 1, 'slots per variable × variables').to.equal(optimizerMemory(cfg).slots * a.vars.length);
            saved[0].tensor.dispose(); // `iter` is new; the rest are the optimiser's own slots

            // interrupted after half the steps: state saved, a fresh optimiser restores it
            const b = problem();
            const optB = createOptimizer(cfg);
            run(optB, cfg, b, 1, STEPS / 2);
            const state = await optB.getWeights();
            const copies = state.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
            state[0].tensor.dispose();
            optB.dispose();
            const optC = createOptimizer(cfg);
            await optC.setWeights(copies);
            tf.dispose(copies.map((c) => c.tensor));
            expect(optC.iterations).to.equal(STEPS / 2);
            run(optC, cfg, b, STEPS / 2 + 1, STEPS);
            expect(values(b), 'resumed = uninterrupted, bit for bit').to.deep.equal(values(a));

            for (const x of [optA, optC, a, b]) x.dispose();
            expect(tf.memory().numTensors, 'no leaked tensors').to.equal(start);
          });
        }
      });
    }
  }

  for (const name of schedules.names()) {
    it(`schedule ${name}: every example checks, round-trips and gives rates in [0, lr]`, () => {
      for (const example of schedules.get(name).examples) {
        const c = checkSchedule(example, 'training.optimizer.schedule');
        expect(c.ok, JSON.stringify(example)).to.equal(true);
        const value = (c as { value: ScheduleConfig }).value;
        expect(checkSchedule(value, 'training.optimizer.schedule')).to.deep.equal({ ok: true, value });
        for (const warmupSteps of [0, 4]) {
          const cfg = planned({ name: 'sgd', lr: 0.5, schedule: value, warmupSteps });
          for (let step = 1; step <= 40; step++) expect(learningRateAt(cfg, step, 40)).to.be.within(0, 0.5);
        }
      }
    });
  }
});
