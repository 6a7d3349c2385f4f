// Optimisers named in the experiment file (`training.optimizer`), looked up in the registry: all
// medtransfer SlotOptimizers (schedulable rate, per-variable multipliers, state through
// getWeights/setWeights).
import { type Checked, ConfigError, type OptimizerConfig, optimizerSchema, parseAt, unknownNameMessage } from '@medtransfer/core';
import { z } from 'zod';
import { checkSchedule } from '../schedules';
import { optimizers } from './registry';
import type { OptimizerSpec, UpdateMemory } from './spec';
import type { SlotOptimizer } from './slot-optimizer';

export { AdamOptimizer, type AdamOptions, OPTIMIZER_DEFAULTS } from './adam';
export { SgdOptimizer, type SgdOptions } from './sgd';
export { SlotOptimizer } from './slot-optimizer';
export { optimizers } from './registry';
export { type OptimizerOf, type OptimizerSpec, type UpdateMemory, defineOptimizer } from './spec';

/** The optimiser a config leaves unnamed: core's default. */
const DEFAULT_NAME: string = optimizerSchema.shape.name.parse(undefined);

const strictSchemas = new Map<OptimizerSpec, z.ZodObject>();

/** A spec's config mapping: the common fields (core's optimizerSchema) and its own, strict. */
function schemaOf(spec: OptimizerSpec): z.ZodObject {
  let s = strictSchemas.get(spec);
  if (!s) {
    const name = spec.name === DEFAULT_NAME ? z.literal(spec.name).default(spec.name) : z.literal(spec.name);
    strictSchemas.set(spec, (s = z.strictObject({ ...optimizerSchema.shape, name, ...spec.params })));
  }
  return s;
}

/**
 * Checks `training.optimizer` at `path` against its spec: the name (with "did you mean"), every
 * field (unknown keys included), the schedule, and the spec's checks between fields. The value
 * has the spec's defaults filled in; for the optimisers and schedules that existed before the
 * registry it equals what the experiment schema gave then, so trial keys do not change.
 */
export function checkOptimizer(cfg: unknown, path: string): Checked<OptimizerConfig> {
  const common = parseAt(optimizerSchema, cfg, path);
  if (!common.ok) return common;
  const { name } = common.value;
  if (!optimizers.has(name)) return { ok: false, issues: [new ConfigError(`${path}.name`, unknownNameMessage(optimizers.kind, name, optimizers.names()))] };
  const spec = optimizers.get(name);
  const parsed = parseAt(schemaOf(spec), common.value, path);
  const schedule = checkSchedule(common.value.schedule, `${path}.schedule`);
  const issues = [...(parsed.ok ? [] : parsed.issues.filter((e) => !e.path.startsWith(`${path}.schedule`))), ...(schedule.ok ? [] : schedule.issues)];
  if (issues.length || !parsed.ok || !schedule.ok) return { ok: false, issues };
  const value = { ...parsed.value, schedule: schedule.value } as OptimizerConfig;
  if (value.schedule === undefined) delete value.schedule;
  try {
    spec.check?.(value, path);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, issues: [err] };
    throw err;
  }
  return { ok: true, value };
}

const checked = (cfg: OptimizerConfig, path: string): { spec: OptimizerSpec; cfg: OptimizerConfig } => {
  const c = checkOptimizer(cfg, path);
  if (!c.ok) throw c.issues[0];
  return { spec: optimizers.get(c.value.name), cfg: c.value };
};

/**
 * A medtransfer optimiser for `cfg` at learning rate `cfg.lr` (the training loop applies the
 * schedule by setting `learningRate` each step). A bad config throws its first problem as a
 * ConfigError under `path`. The caller owns the optimiser and must `dispose()` it, which frees its
 * slot variables.
 */
export function createOptimizer(cfg: OptimizerConfig, path = 'training.optimizer'): SlotOptimizer {
  const c = checked(cfg, path);
  return c.spec.create(c.cfg);
}

/** The update's memory in units of the trainable weights' bytes (slots and temporaries; see memory-check.ts). */
export function optimizerMemory(cfg: OptimizerConfig): UpdateMemory {
  const c = checked(cfg, 'training.optimizer');
  return c.spec.memory(c.cfg);
}

/** The config forms of every registered optimiser, for the JSON Schema (the schedule field refers to the schedules' forms). */
export function optimizerForms(): z.ZodType[] {
  return optimizers.names().map((n) => {
    const spec = optimizers.get(n);
    return schemaOf(spec).meta({ description: spec.summary });
  });
}
