// Before anything loads or trains: every data file and folder the experiment's stages read, and
// every cached weight file its backbones name, must exist, each problem named by its field
// (`target.dataset.params.path: file not found: …`).
import { ConfigError, normalizeComponent } from '@medtransfer/core';
import { checkDatasetInputs } from '@medtransfer/data';
import type { Plan } from './plan';
import { checkCachedWeights } from './weights-cache';

/** One ConfigError (carrying the plan's file) per missing input or bad dataset param of the stages that run. */
export function checkPlanInputs(plan: Plan): ConfigError[] {
  const issues: ConfigError[] = [];
  // The source stage is read only when some backbone pretrains on it (as createContext loads it).
  const stages: Array<'source' | 'target'> = plan.sourceBackbones.length ? ['source', 'target'] : ['target'];
  for (const key of stages) {
    const stage = plan.config[key];
    if (!stage) continue;
    try {
      issues.push(...checkDatasetInputs(normalizeComponent(stage.dataset), { path: `${key}.dataset` }));
    } catch (err) {
      if (err instanceof ConfigError) issues.push(err);
      else throw err;
    }
  }
  // Keras Applications files named by the backbones (`weights: imagenet`) must be in their cache.
  issues.push(...checkCachedWeights(plan));
  return issues.map((e) => new ConfigError(e.path, e.detail, plan.file));
}
