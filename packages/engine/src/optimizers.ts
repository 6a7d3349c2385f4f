// Optimisers named in the experiment file (`training.optimizer`), built as tfjs optimisers.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@medtransfer/core';
import { ConfigError, optimizerNames, unknownNameMessage } from '@medtransfer/core';

/**
 * tfjs 4.22's MomentumOptimizer.dispose() frees its momentum scalar and slots but not the
 * learning-rate scalar its SGD parent holds, leaking one tensor per optimiser (one per trial).
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose(); // disposing twice is a no-op, so this stays correct if tfjs fixes it
  }
}

/**
 * A tfjs optimiser for `cfg`: `adam` → Adam(lr) with Keras' default betas and epsilon;
 * `sgd` → SGD with (heavy-ball, non-Nesterov) momentum. The caller owns it and must
 * `dispose()` it, which frees its slot variables (moments, velocities).
 */
export function createOptimizer(cfg: OptimizerConfig, path = 'training.optimizer'): tf.Optimizer {
  if (!(cfg.lr > 0) || !Number.isFinite(cfg.lr)) {
    throw new ConfigError(`${path}.lr`, `learning rate must be a positive number, received ${cfg.lr}`);
  }
  switch (cfg.name) {
    case 'adam':
      return tf.train.adam(cfg.lr);
    case 'sgd':
      return new MomentumOptimizer(cfg.lr, cfg.momentum ?? 0.9);
    default:
      // the config schema only lets known names through; this guards hand-built configs
      throw new ConfigError(`${path}.name`, unknownNameMessage('optimizer', String((cfg as { name: unknown }).name), optimizerNames));
  }
}
