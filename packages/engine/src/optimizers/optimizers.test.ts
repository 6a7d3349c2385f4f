// Optimisers, clipping and schedules against PyTorch: parameter trajectories of torch.optim
// SGD/Adam/AdamW/RMSprop (with weight decay, Nesterov, centring, parameter groups, clipping) and
// the rates of torch's schedulers. Reference JSON produced from the repository root with:
//   /usr/bin/python3 packages/engine/reference/optimizer_reference.py > packages/engine/reference/optimizer-reference.json
// (Debian python3-torch 1.13).
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OptimizerConfig, ScheduleConfig } from '@medtransfer/core';
import { clipGradients } from '../clip';
import { learningRateAt } from '../schedules';
import { AdamOptimizer, SgdOptimizer, createOptimizer, optimizers } from './index';

interface RefCase {
  name: string;
  optimizer: string;
  /** The medtransfer `training.optimizer` asking for torch's optimiser with the case's keywords. */
  config: OptimizerConfig;
  lrs: number[];
  mult1: number;
  clipNorm: number | null;
  clipValue: number | null;
  trajectory: [number[], number[]][];
  /** torch's state of w0 after the last step, under medtransfer's slot names (`m`, `v`, `momentum`, `mg`). */
  slotsW0: Record<string, number[]>;
}
const ref = JSON.parse(readFileSync(join(__dirname, '..', '..', 'reference', 'optimizer-reference.json'), 'utf8')) as {
  problem: Record<'A0' | 'B0' | 'W0' | 'A1' | 'B1' | 'W1', number[]>;
  cases: RefCase[];
  schedules: { name: string; schedule: ScheduleConfig; steps: number; lrs: number[] }[];
};

const configOf = (c: RefCase): OptimizerConfig => c.config;

/** Runs a reference case with medtransfer's optimiser; returns the trajectory and the optimiser's weights. */
async function runCase(c: RefCase) {
  const p = ref.problem;
  // tidy frees the initial values, not the variables
  const [w0, w1] = tf.tidy(() => [tf.variable(tf.tensor1d(p.W0)), tf.variable(tf.tensor1d(p.W1))]);
  const opt = createOptimizer(configOf(c));
  opt.setLrMultipliers(new Map([[w1.name, c.mult1]]));
  const trajectory: [number[], number[]][] = [];
  for (const lr of c.lrs) {
    opt.learningRate = lr;
    tf.tidy(() => {
      const { value, grads } = opt.computeGradients(
        () => tf.add(tf.sum(tf.add(tf.mul(p.A0, tf.square(w0)), tf.mul(p.B0, w0))), tf.sum(tf.add(tf.mul(p.A1, tf.square(w1)), tf.mul(p.B1, w1)))) as tf.Scalar,
        [w0, w1],
      );
      value.dispose();
      opt.applyGradients(clipGradients(grads, { clipNorm: c.clipNorm ?? undefined, clipValue: c.clipValue ?? undefined }));
    });
    trajectory.push([Array.from(w0.dataSync()), Array.from(w1.dataSync())]);
  }
  const weights = await opt.getWeights();
  const named = weights.map((w) => ({ name: w.name, values: Array.from(w.tensor.dataSync()) }));
  weights[0].tensor.dispose(); // `iter` is a new tensor; the rest are the optimiser's own slots
  return { opt, w0, w1, trajectory, named };
}

describe('optimizers against torch.optim', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of ref.cases) {
    it(`${c.name}: ${c.lrs.length} steps match PyTorch to float32 precision`, async () => {
      const start = tf.memory().numTensors;
      const r = await runCase(c);
      r.trajectory.forEach((step, t) => {
        step.forEach((values, v) =>
          values.forEach((x, i) => expect(x, `step ${t + 1}, w${v}[${i}]`).to.be.closeTo(c.trajectory[t][v][i], 2e-6 + 2e-5 * Math.abs(x))),
        );
      });
      // the state the optimiser saves is torch's state for w0, slot by slot, and nothing else
      const slotOf = (suffix: string) => r.named.find((w) => w.name === `${r.w0.name}/${suffix}`)?.values;
      for (const [slot, values] of Object.entries(c.slotsW0)) {
        expect(slotOf(slot), slot).to.satisfy((m: number[]) => m.every((x, i) => Math.abs(x - values[i]) < 1e-5 * Math.max(1, Math.abs(values[i]))));
      }
      expect(r.named.length, 'iter, then each slot of w0 and w1').to.equal(1 + 2 * Object.keys(c.slotsW0).length);
      expect(r.named[0]).to.deep.equal({ name: 'iter', values: [c.lrs.length] });
      r.opt.dispose();
      r.w0.dispose();
      r.w1.dispose();
      expect(tf.memory().numTensors, 'dispose frees the slots').to.equal(start);
    });
  }

  it('AdamW decays decoupled from the gradient: zero gradient still shrinks w by lr·wd per step', () => {
    const w = tf.tidy(() => tf.variable(tf.tensor1d([2, -4])));
    const opt = createOptimizer({ name: 'adamw', lr: 0.1, momentum: 0.9, weightDecay: 0.5 });
    expect(opt).to.be.instanceOf(AdamOptimizer);
    for (let t = 0; t < 3; t++) tf.tidy(() => opt.applyGradients({ [w.name]: tf.zeros([2]) }));
    // m = v = 0, so only w ← w(1 − lr·wd) acts: 0.95³
    Array.from(w.dataSync()).forEach((x, i) => expect(x).to.be.closeTo([2, -4][i] * 0.95 ** 3, 1e-6));
    const l2 = createOptimizer({ name: 'adam', lr: 0.1, momentum: 0.9, weightDecay: 0.5 });
    const u = tf.tidy(() => tf.variable(tf.tensor1d([2, -4])));
    tf.tidy(() => l2.applyGradients({ [u.name]: tf.zeros([2]) }));
    // Adam's L2 term is a gradient wd·w, normalised by Adam: the first step moves each entry by ≈ lr
    expect(u.dataSync()[0]).to.be.closeTo(1.9, 1e-5);
    for (const x of [opt, l2, w, u]) x.dispose();
  });

  it('without weight decay, adam equals tfjs AdamOptimizer step for step', () => {
    const run = (opt: tf.Optimizer) => {
      const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 0.5])));
      for (let t = 0; t < 5; t++) tf.tidy(() => void opt.minimize(() => tf.sum(tf.mul([1, 3, 0.5], tf.pow(w, 4))) as tf.Scalar, false, [w]));
      const out = Array.from(w.dataSync());
      w.dispose();
      opt.dispose();
      return out;
    };
    const ours = run(createOptimizer({ name: 'adam', lr: 0.05, momentum: 0.9 }));
    const theirs = run(tf.train.adam(0.05));
    // tfjs accumulates β^t in float32, medtransfer computes it in float64: equal to float32 rounding
    ours.forEach((x, i) => expect(x).to.be.closeTo(theirs[i], 1e-5 * Math.max(1, Math.abs(x))));
  });

  it('setWeights restores the state so that training continues exactly', async () => {
    const c = ref.cases.find((k) => k.name === 'adamw-cosine-warmup-groups') as RefCase;
    const half = { ...c, lrs: c.lrs.slice(0, 4) };
    const first = await runCase(half);
    const saved = await first.opt.getWeights();
    const copies = saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    saved[0].tensor.dispose();
    first.opt.dispose();
    // a fresh optimiser (as after a restart) with the saved state, on the same variables
    const opt = createOptimizer(configOf(c));
    await opt.setWeights(copies);
    copies.forEach((w) => w.tensor.dispose());
    expect(opt.iterations).to.equal(4);
    opt.setLrMultipliers(new Map([[first.w1.name, c.mult1]]));
    const p = ref.problem;
    for (const lr of c.lrs.slice(4)) {
      opt.learningRate = lr;
      tf.tidy(() => {
        void opt.minimize(
          () => tf.add(tf.sum(tf.add(tf.mul(p.A0, tf.square(first.w0)), tf.mul(p.B0, first.w0))), tf.sum(tf.add(tf.mul(p.A1, tf.square(first.w1)), tf.mul(p.B1, first.w1)))) as tf.Scalar,
          false,
          [first.w0, first.w1],
        );
      });
    }
    const last = c.trajectory[c.trajectory.length - 1];
    Array.from(first.w0.dataSync()).forEach((x, i) => expect(x).to.be.closeTo(last[0][i], 1e-5));
    Array.from(first.w1.dataSync()).forEach((x, i) => expect(x).to.be.closeTo(last[1][i], 1e-5));
    for (const x of [opt, first.w0, first.w1]) x.dispose();
  });

  it('sgd: heavy-ball by default, Nesterov on request; plain SGD keeps no state', async () => {
    const opt = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    expect(opt).to.be.instanceOf(SgdOptimizer);
    expect(opt.getConfig()).to.include({ learningRate: 0.1, momentum: 0.9, nesterov: false });
    opt.dispose();
    const plain = createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0 });
    const w = tf.tidy(() => tf.variable(tf.scalar(1)));
    tf.tidy(() => void plain.minimize(() => w.square() as tf.Scalar, false, [w]));
    expect(w.dataSync()[0]).to.be.closeTo(0.8, 1e-6);
    const weights = await plain.getWeights();
    expect(weights.map((x) => x.name)).to.deep.equal(['iter']);
    weights[0].tensor.dispose();
    plain.dispose();
    w.dispose();
  });

  it('an unknown name or a bad setting is a ConfigError naming the field', () => {
    const bad = { name: 'no-such-optimizer', lr: 0.001, momentum: 0.9 } as unknown as OptimizerConfig;
    expect(() => createOptimizer(bad)).to.throw(`training.optimizer.name: unknown optimizer "no-such-optimizer". Valid optimizer names: ${optimizers.names().sort().join(', ')}`);
    expect(() => createOptimizer({ name: 'adam', lr: 0, momentum: 0.9 })).to.throw(/training\.optimizer\.lr/);
    expect(() => createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, nesterov: true })).to.throw(/training\.optimizer\.nesterov: .*momentum > 0/);
    expect(() => createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, schedule: 'step' })).to.throw(/training\.optimizer\.schedule: .*every/);
  });
});

describe('learning-rate schedules against torch.optim.lr_scheduler', () => {
  for (const s of ref.schedules) {
    it(`${s.name}: the rate of every step`, () => {
      const cfg: OptimizerConfig = { name: 'sgd', lr: 1, momentum: 0.9, schedule: s.schedule };
      s.lrs.forEach((lr, i) => expect(learningRateAt(cfg, i + 1, s.steps), `step ${i + 1}`).to.be.closeTo(lr, 1e-12));
    });
  }

  it('MedMNIST recipe: ×0.1 at 50 % and 75 % of 100 epochs of 10 steps', () => {
    const cfg: OptimizerConfig = { name: 'adam', lr: 1e-3, momentum: 0.9, schedule: 'multistep' };
    expect(learningRateAt(cfg, 500, 1000)).to.equal(1e-3);
    expect(learningRateAt(cfg, 501, 1000)).to.be.closeTo(1e-4, 1e-15);
    expect(learningRateAt(cfg, 751, 1000)).to.be.closeTo(1e-5, 1e-15);
  });

  it('linear warm-up multiplies any schedule; cosine runs over the steps after warm-up', () => {
    const cfg: OptimizerConfig = { name: 'adam', lr: 0.1, momentum: 0.9, schedule: 'cosine', warmupSteps: 4 };
    [0.025, 0.05, 0.075, 0.1].forEach((lr, i) => expect(learningRateAt(cfg, i + 1, 24)).to.be.closeTo(lr, 1e-15));
    expect(learningRateAt(cfg, 5, 24)).to.equal(0.1);
    expect(learningRateAt(cfg, 15, 24)).to.be.closeTo(0.05, 1e-12); // halfway through the 20 cosine steps
    expect(learningRateAt({ ...cfg, schedule: undefined }, 2, 24)).to.equal(0.05);
    expect(learningRateAt({ ...cfg, schedule: undefined }, 9, 24)).to.equal(0.1);
  });
});
