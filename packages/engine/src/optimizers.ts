// Optimisers named in the experiment file (`training.optimizer`): SGD (momentum, Nesterov),
// Adam and AdamW, with weight decay; all medtransfer SlotOptimizers (schedulable rate,
// per-variable multipliers, state through getWeights/setWeights).
import type { OptimizerConfig } from '@medtransfer/core';
import { ConfigError, optimizerNames, unknownNameMessage } from '@medtransfer/core';
import { AdamOptimizer } from './adam-optimizer';
import { resolveSchedule } from './schedules';
import { SgdOptimizer } from './sgd-optimizer';
import type { SlotOptimizer } from './slot-optimizer';

export { AdamOptimizer, type AdamOptions } from './adam-optimizer';
export { SgdOptimizer, type SgdOptions } from './sgd-optimizer';
export { SlotOptimizer } from './slot-optimizer';

/** Defaults of the optional optimiser fields. */
export const OPTIMIZER_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, adamwWeightDecay: 0.01 } as const;

function positive(v: number | undefined, path: string, what: string): void {
  if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new ConfigError(path, `${what} must be a positive number, received ${v}`);
}

/**
 * A medtransfer optimiser for `cfg`, at learning rate `cfg.lr` (the training loop applies the
 * schedule by setting `learningRate` each step):
 * - `sgd` → SGD with heavy-ball momentum (`momentum`, default 0.9), Nesterov when `nesterov`;
 * - `adam` → Adam (β₁ 0.9, β₂ 0.999, ε 1e-7 unless given); `weightDecay` adds an L2 term;
 * - `adamw` → Adam with decoupled weight decay (`weightDecay`, default 0.01).
 * The caller owns it and must `dispose()` it, which frees its slot variables.
 */
export function createOptimizer(cfg: OptimizerConfig, path = 'training.optimizer'): SlotOptimizer {
  if (!(cfg.lr > 0) || !Number.isFinite(cfg.lr)) {
    throw new ConfigError(`${path}.lr`, `learning rate must be a positive number, received ${cfg.lr}`);
  }
  positive(cfg.clipNorm, `${path}.clipNorm`, 'clipNorm');
  positive(cfg.clipValue, `${path}.clipValue`, 'clipValue');
  resolveSchedule(cfg.schedule, `${path}.schedule`);
  const weightDecay = cfg.weightDecay ?? (cfg.name === 'adamw' ? OPTIMIZER_DEFAULTS.adamwWeightDecay : 0);
  if (!(weightDecay >= 0)) throw new ConfigError(`${path}.weightDecay`, `weight decay must be ≥ 0, received ${weightDecay}`);
  switch (cfg.name) {
    case 'sgd':
      if (cfg.nesterov && !(cfg.momentum > 0)) {
        throw new ConfigError(`${path}.nesterov`, `Nesterov momentum needs momentum > 0, received momentum ${cfg.momentum}`);
      }
      return new SgdOptimizer(cfg.lr, { momentum: cfg.momentum ?? 0.9, nesterov: cfg.nesterov ?? false, weightDecay });
    case 'adam':
    case 'adamw':
      return new AdamOptimizer(cfg.lr, {
        beta1: cfg.beta1 ?? OPTIMIZER_DEFAULTS.beta1,
        beta2: cfg.beta2 ?? OPTIMIZER_DEFAULTS.beta2,
        epsilon: cfg.epsilon ?? OPTIMIZER_DEFAULTS.epsilon,
        weightDecay,
        decoupled: cfg.name === 'adamw',
      });
    default:
      // the config schema only lets known names through; this guards hand-built configs
      throw new ConfigError(`${path}.name`, unknownNameMessage('optimizer', String((cfg as { name: unknown }).name), optimizerNames));
  }
}
