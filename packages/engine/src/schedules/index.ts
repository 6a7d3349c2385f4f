// Learning rate as a pure function of the step: lr(step) = base × warm-up(step) × schedule(step),
// the schedule looked up in the registry. Nothing is stored, so a run resumed at step s uses
// exactly the rate it would have used.
import { type Checked, ConfigError, type OptimizerConfig, type ScheduleConfig, flowYaml, parseAt, unknownNameMessage } from '@medtransfer/core';
import { z } from 'zod';
import { schedules } from './registry';
import type { ScheduleSpec } from './spec';

export { schedules } from './registry';
export { type ScheduleParams, type ScheduleSpec, afterWarmup, defineSchedule } from './spec';

const strictSchemas = new Map<ScheduleSpec, z.ZodObject>();

/** The mapping form of a schedule: `{ name: <name>, ...params }`, strict. */
function schemaOf(spec: ScheduleSpec): z.ZodObject {
  let s = strictSchemas.get(spec);
  if (!s) strictSchemas.set(spec, (s = z.strictObject({ name: z.literal(spec.name), ...spec.params })));
  return s;
}

const takesBare = (spec: ScheduleSpec) => schemaOf(spec).safeParse({ name: spec.name }).success;

/**
 * Checks `training.optimizer.schedule` at `path`: a bare name stays as written (its defaults are
 * the spec's), a mapping gets its defaults filled in, as the schema of each schedule did before
 * schedules were a registry — so trial keys, which hash the result, do not change.
 */
export function checkSchedule(raw: ScheduleConfig | undefined, path: string): Checked<ScheduleConfig | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const fail = (at: string, detail: string) => ({ ok: false as const, issues: [new ConfigError(at, detail)] });
  const name = typeof raw === 'string' ? raw : raw.name;
  const namePath = typeof raw === 'string' ? path : `${path}.name`;
  if (!schedules.has(name)) return fail(namePath, unknownNameMessage(schedules.kind, name, schedules.names()));
  const spec = schedules.get(name);
  if (typeof raw === 'string') {
    const missing = Object.keys(spec.params).filter((k) => !schemaOf(spec).shape[k].safeParse(undefined).success);
    if (missing.length) {
      const example = spec.examples.find((e) => typeof e !== 'string') ?? { name, ...Object.fromEntries(missing.map((k) => [k, '…'])) };
      return fail(path, `the "${name}" schedule needs ${missing.join(', ')}: write it as a mapping, e.g. ${flowYaml(example)}`);
    }
    const issues = runCheck(spec, schemaOf(spec).parse({ name }), path);
    return issues.length ? { ok: false, issues } : { ok: true, value: raw };
  }
  const parsed = parseAt(schemaOf(spec), raw, path);
  if (!parsed.ok) return parsed;
  const issues = runCheck(spec, parsed.value, path);
  return issues.length ? { ok: false, issues } : { ok: true, value: parsed.value as ScheduleConfig };
}

function runCheck(spec: ScheduleSpec, params: Record<string, unknown>, path: string): ConfigError[] {
  try {
    spec.check?.(params, path);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [err];
    throw err;
  }
}

/** A schedule's spec and its params with defaults (a bare name, or none = constant); throws the first problem as a ConfigError. */
export function resolveSchedule(s: ScheduleConfig | undefined, path = 'training.optimizer.schedule'): { spec: ScheduleSpec; params: Record<string, unknown> } {
  const checked = checkSchedule(s ?? 'constant', path);
  if (!checked.ok) throw checked.issues[0];
  const value = checked.value!;
  const spec = schedules.get(typeof value === 'string' ? value : value.name);
  return { spec, params: schemaOf(spec).parse(typeof value === 'string' ? { name: value } : value) };
}

/**
 * The learning rate of optimiser step `step` (1-based) of a run of `totalSteps` steps: the
 * schedule's factor times the linear warm-up, step / warmupSteps while step ≤ warmupSteps (the
 * first step is never at rate 0). Formulas per schedule: docs/experiments.md.
 */
export function learningRateAt(cfg: OptimizerConfig, step: number, totalSteps: number): number {
  const warm = cfg.warmupSteps ?? 0;
  const { spec, params } = resolveSchedule(cfg.schedule);
  let factor = spec.factor(params, step - 1, totalSteps, warm);
  if (warm > 0 && step <= warm) factor *= step / warm;
  return cfg.lr * factor;
}

/** The config forms of every registered schedule, for the JSON Schema: bare names, then `{name, …}` mappings. */
export function scheduleForms(): z.ZodType[] {
  const specs = schedules.names().map((n) => schedules.get(n));
  const bare = specs.filter(takesBare).map((s) => z.literal(s.name).meta({ description: s.summary }));
  return [...bare, ...specs.map((s) => schemaOf(s).meta({ description: s.summary }))];
}
