// Learning rate as a pure function of the step: lr(step) = base × warm-up(step) × schedule(step).
// Nothing is stored, so a run resumed at step s uses exactly the rate it would have used.
import type { OptimizerConfig, ScheduleConfig } from '@medtransfer/core';
import { ConfigError } from '@medtransfer/core';

type Resolved =
  | { name: 'constant' }
  | { name: 'step'; every: number; gamma: number }
  | { name: 'multistep'; milestones: number[]; gamma: number }
  | { name: 'cosine'; minFactor: number };

/** A schedule with its defaults filled in (a bare name, or none = constant). */
export function resolveSchedule(s: ScheduleConfig | undefined, path = 'training.optimizer.schedule'): Resolved {
  if (s === undefined || s === 'constant') return { name: 'constant' };
  if (s === 'multistep') return { name: 'multistep', milestones: [0.5, 0.75], gamma: 0.1 };
  if (s === 'cosine') return { name: 'cosine', minFactor: 0 };
  if (s === 'step') throw new ConfigError(path, 'the "step" schedule needs its interval: write { name: step, every: <steps>, gamma: 0.1 }');
  const r = s as Resolved;
  if (r.name === 'multistep' && r.milestones.some((m, i) => i > 0 && m <= r.milestones[i - 1])) {
    throw new ConfigError(`${path}.milestones`, `milestones must increase, received [${r.milestones.join(', ')}]`);
  }
  return r;
}

/**
 * The learning rate of optimiser step `step` (1-based) of a run of `totalSteps` steps.
 * - warm-up: × step / warmupSteps while step ≤ warmupSteps (the first step is never at rate 0);
 * - step: × gamma^floor((step − 1) / every);
 * - multistep: × gamma for each milestone fraction m with step − 1 ≥ m × totalSteps
 *   (100 steps, [0.5, 0.75]: steps 1–50 at lr, 51–75 at lr/10, 76–100 at lr/100, as
 *   PyTorch's MultiStepLR with milestones [50, 75] stepped once per step);
 * - cosine: over the steps after warm-up, i = step − warmupSteps − 1 of S = totalSteps − warmupSteps:
 *   × minFactor + (1 − minFactor)(1 + cos(π i / S)) / 2 (PyTorch's CosineAnnealingLR with T_max = S).
 * Step and multistep count from the start of the run, warm-up included.
 */
export function learningRateAt(cfg: OptimizerConfig, step: number, totalSteps: number): number {
  const warm = cfg.warmupSteps ?? 0;
  const s = resolveSchedule(cfg.schedule);
  const i = step - 1;
  let factor = 1;
  switch (s.name) {
    case 'constant':
      break;
    case 'step':
      factor = s.gamma ** Math.floor(i / s.every);
      break;
    case 'multistep':
      for (const m of s.milestones) if (i >= m * totalSteps) factor *= s.gamma;
      break;
    case 'cosine': {
      const span = Math.max(1, totalSteps - warm);
      const j = Math.min(Math.max(0, i - warm), span);
      factor = s.minFactor + ((1 - s.minFactor) * (1 + Math.cos((Math.PI * j) / span))) / 2;
      break;
    }
  }
  if (warm > 0 && step <= warm) factor *= step / warm;
  return cfg.lr * factor;
}
