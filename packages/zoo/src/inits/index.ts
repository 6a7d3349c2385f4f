// Init strategies by registry: an `init` entry of an experiment file → a strategy (checked, with
// its config path), its id, whether it needs pretrained weights, its model and its application.
import { type Checked, ComponentRef, ConfigError, type InitConfig, flowYaml, getLogger, parseAt, unknownNameMessage } from '@medtransfer/core';
import { z } from 'zod';
import type { NamedWeights } from '../checkpoint';
import { type ClassifierModel, type CreateModelOptions, createModel } from '../model';
import { type AnyInitSpec, type InitStrategy, inits } from './registry';
import type { InitOutcome } from './spec';

export { inits, type InitStrategy } from './registry';
export type { InitContext, InitOutcome, InitSpec } from './spec';
export { defineInit } from './spec';
export { gaborBank } from './gabor-conv1';

const log = getLogger('zoo');

const specOf = (s: InitStrategy): AnyInitSpec => inits.get(s.kind);

/** Does a spec take its bare name? (No parameters, or parameters whose defaults suffice.) */
const takesBare = (spec: AnyInitSpec) => !spec.params || spec.bare === true;

const fail = (path: string, detail: string): Checked<InitStrategy> => ({ ok: false, issues: [new ConfigError(path, detail)] });

/**
 * The strategy an `init` entry of an experiment file names — `scratch`, `{transfusion: 2}`,
 * `{slim: {keep: 2}}` — or its problems, each with its config path under `path` and "did you
 * mean" for unknown names and keys.
 */
export function parseInit(raw: InitConfig, path: string): Checked<InitStrategy> {
  if (typeof raw === 'string') {
    if (!inits.has(raw)) return fail(path, unknownNameMessage(inits.kind, raw, inits.names()));
    const spec = inits.get(raw);
    if (!takesBare(spec)) return fail(path, `init "${raw}" needs its parameters: write it as a mapping, e.g. ${flowYaml(spec.examples.find((e) => typeof e !== 'string'))}`);
    return { ok: true, value: spec.strategy(spec.params ? spec.params.parse({}) : undefined) };
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    return fail(
      path,
      keys.length
        ? `a mapping names one init strategy, received ${keys.length} (${keys.join(', ')}); give each as its own entry of the list`
        : 'an empty mapping names no init strategy; write a name (scratch) or a mapping of one name to its parameters ({transfusion: 2})',
    );
  }
  const [name] = keys;
  const at = `${path}.${name}`;
  if (!inits.has(name)) return fail(at, unknownNameMessage(inits.kind, name, inits.names()));
  const spec = inits.get(name);
  if (!spec.params) return fail(at, `init "${name}" takes no parameters; write the bare name ${name}`);
  const parsed = parseAt(spec.params, raw[name], at);
  return parsed.ok ? { ok: true, value: spec.strategy(parsed.value) } : parsed;
}

/** Stable identifier used in trial names, skips and result tables: `transfusion-2`, `mean-var-nobn`, … */
export function strategyId(s: InitStrategy): string {
  const spec = specOf(s);
  return spec.id ? spec.id(s) : s.kind;
}

/** Does the strategy need pretrained weights (a source stage or the backbone's `params.weights`)? */
export function needsPretrained(s: InitStrategy): boolean {
  return specOf(s).needsPretrained;
}

/** The model a strategy starts from: `createModel`, or the strategy's own architecture (slim). `initPath` is the init entry's config path. */
export function createInitModel(ref: ComponentRef, opts: CreateModelOptions, s: InitStrategy, initPath = 'sweep.init'): ClassifierModel {
  const spec = specOf(s);
  return spec.buildModel ? spec.buildModel(ref, opts, s, initPath) : createModel(ref, opts);
}

/**
 * Applies a strategy to a freshly created model (`createInitModel`, which holds the "scratch"
 * initialisation). `weights` are the pretrained weights; `path` is the config path for errors.
 */
export function applyInit(m: ClassifierModel, s: InitStrategy, weights: NamedWeights | undefined, seed: number, path = 'sweep.init'): InitOutcome {
  const spec = specOf(s);
  if (spec.needsPretrained && !weights) throw new ConfigError(path, `init "${strategyId(s)}" needs pretrained weights (a source stage)`);
  const done = spec.apply(m, s, { weights, seed, path });
  log.debug(`${m.backbone}: ${done.description}`);
  return { description: done.description, report: done.report, frozenLayers: done.frozenLayers ?? [] };
}

/** The config forms of every registered init, for the JSON Schema: bare names, then `{name: params}` mappings. */
export function initForms(): z.ZodType[] {
  const specs = inits.names().map((n) => inits.get(n));
  const bare = specs.filter(takesBare).map((s) => z.literal(s.name).meta({ description: s.summary }));
  const mappings = specs.filter((s) => s.params).map((s) => z.strictObject({ [s.name]: s.params as z.ZodType }).meta({ description: s.summary }));
  return [...bare, ...mappings];
}

