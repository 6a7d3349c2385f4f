// The experiment file: a zod schema (strict, defaults here), YAML parsing, and errors that
// carry the field path. Registry names (backbones, datasets) are checked by the runner, which
// knows the registries, with the same path-carrying errors.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, MedtransferError, formatPath } from './errors';
import { unknownNameMessage } from './suggest';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');

/** A component reference: a registry name, with parameters. A bare string means no parameters. */
export const componentSchema = z.union([
  z.string(),
  z.strictObject({ name: z.string(), params: z.record(z.string(), z.unknown()).default({}) }),
]);
export type ComponentRef = { name: string; params: Record<string, unknown> };

export function normalizeComponent(ref: z.infer<typeof componentSchema>): ComponentRef {
  return typeof ref === 'string' ? { name: ref, params: {} } : { name: ref.name, params: ref.params ?? {} };
}

export const optimizerNames = ['adam', 'sgd'] as const;
export const backendNames = ['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu'] as const;
export const initNames = ['scratch', 'pretrained', 'mean-var', 'gabor-conv1'] as const;

/**
 * An initialisation strategy: a name, or a mapping for the ones with a parameter —
 * `{transfusion: k}` (pretrained layer groups 1..k), `{frozen: k}` (groups 1..k not trained),
 * `{mean-var: {batchNorm: false}}`.
 */
export const initSchema = z.union([
  z.enum(initNames),
  z.strictObject({ transfusion: z.number().int().min(1) }),
  z.strictObject({ frozen: z.number().int().min(1) }),
  z.strictObject({ 'mean-var': z.strictObject({ batchNorm: z.boolean().default(true) }) }),
]);
export type InitConfig = z.infer<typeof initSchema>;

export const optimizerSchema = z.strictObject({
  name: z.enum(optimizerNames).default('adam'),
  lr: z.number().positive().default(1e-3),
  /** SGD momentum (ignored by Adam). */
  momentum: z.number().min(0).max(1).default(0.9),
});

export const trainingSchema = z
  .strictObject({
    /** Length of training in optimiser steps; or give `epochs`. */
    steps: z.number().int().positive().optional(),
    epochs: z.number().positive().optional(),
    batchSize: z.number().int().positive().default(32),
    optimizer: optimizerSchema.default({ name: 'adam', lr: 1e-3, momentum: 0.9 }),
    /** Evaluate on the validation split every N steps (and at the end). */
    evalEvery: z.number().int().positive().default(50),
  })
  .refine((t) => (t.steps === undefined) !== (t.epochs === undefined), {
    message: 'give exactly one of "steps" or "epochs"',
  });

export const stageSchema = z.strictObject({
  dataset: componentSchema,
  /** Images are resized to imageSize × imageSize before training. */
  imageSize: z.number().int().min(8).max(512).default(28),
  /** Input channels the model sees: gray images are repeated to 3 when this is 3. */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  training: trainingSchema,
});

export const reportSchema = z.strictObject({
  /** Validation metric and threshold for "steps to threshold" (Transfusion used AUC 0.91 on Retina). */
  metric: z.enum(['auc', 'acc']).default('auc'),
  threshold: z.number().min(0).max(1).default(0.8),
});

export const experimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name,
  description: z.string().default(''),
  backend: z.enum(backendNames).default('auto'),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([1]),
  /** Source pretraining, run once per backbone; needed by `init: pretrained`. */
  source: stageSchema.optional(),
  target: stageSchema,
  sweep: z.strictObject({
    backbone: z.array(componentSchema).min(1),
    init: z.array(initSchema).min(1).default(['scratch']),
  }),
  report: reportSchema.default({ metric: 'auc', threshold: 0.8 }),
});

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
export type TrainingConfig = z.infer<typeof trainingSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

/** Several problems in one config, each with its path; the message lists them all. */
export class ConfigIssuesError extends MedtransferError {
  constructor(
    readonly file: string,
    readonly issues: ConfigError[],
  ) {
    super(`${file}: invalid experiment file\n${issues.map((i) => `  - ${i.message}`).join('\n')}`);
    this.name = 'ConfigIssuesError';
  }
}

/** The keys a strict object schema accepts at `path`, for "did you mean" on unknown keys. */
type Def = Record<string, unknown>;
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s: z.ZodType | undefined = schema;
  for (const seg of [...path, null]) {
    // unwrap wrappers until an object, array or union
    for (let guard = 0; s && guard < 10; guard++) {
      const def: Def = defOf(s);
      if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'pipe') {
        s = (def.innerType ?? def.in) as z.ZodType;
      } else break;
    }
    if (!s) return [];
    const def: Def = defOf(s);
    if (def.type === 'union') {
      s = (def.options as z.ZodType[]).find((o) => defOf(o).type === 'object');
      if (!s) return [];
    }
    const d2: Def = defOf(s);
    if (seg === null) return d2.type === 'object' ? Object.keys(d2.shape as object) : [];
    if (d2.type === 'object') s = (d2.shape as Record<string, z.ZodType>)[String(seg)];
    else if (d2.type === 'array') s = d2.element as z.ZodType;
    else if (d2.type === 'record') s = d2.valueType as z.ZodType;
    else return [];
  }
  return [];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

/** Turns zod issues into path-carrying messages a researcher can act on. */
export function toConfigErrors(schema: z.ZodType, raw: unknown, issues: z.core.$ZodIssue[], file?: string): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, path);
      for (const key of issue.keys) {
        out.push(new ConfigError(formatPath([...path, key]), unknownNameMessage('key', key, valid), file));
      }
    } else if (issue.code === 'invalid_value' && 'values' in issue) {
      const got = valueAt(raw, path);
      const valid = (issue.values as unknown[]).map(String);
      out.push(new ConfigError(formatPath(path), unknownNameMessage('value', String(got), valid), file));
    } else if (issue.code === 'invalid_union') {
      const got = valueAt(raw, path);
      const branches = issue.errors as z.core.$ZodIssue[][];
      // A mapping that matches one branch's keys but has a bad value: report that branch's problems.
      const near = got && typeof got === 'object' ? branches.find((b) => b.every((e) => e.code !== 'unrecognized_keys' && e.path.length > 0)) : undefined;
      const names = branches.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values.map(String) : []));
      const keys = branches.flat().flatMap((e) => (e.code === 'invalid_type' && e.path.length === 1 ? [String(e.path[0])] : []));
      if (near) {
        const rebased = near.map((e) => ({ ...e, path: [...path, ...e.path] }) as z.core.$ZodIssue);
        out.push(...toConfigErrors(schema, raw, rebased, file));
      } else if (typeof got === 'string' && names.length) {
        out.push(new ConfigError(formatPath(path), unknownNameMessage('value', got, names), file));
      } else if (names.length) {
        const mapping = keys.length ? ` or a mapping with one of the keys ${[...new Set(keys)].join(', ')}` : ' or a mapping (see docs/configs.md)';
        out.push(new ConfigError(formatPath(path), `expected one of ${names.join(', ')}${mapping}, received ${describe(got)}`, file));
      } else {
        out.push(new ConfigError(formatPath(path), `expected a name or a mapping {name, params}, received ${describe(got)}`, file));
      }
    } else if (issue.code === 'invalid_type') {
      const got = valueAt(raw, path);
      const what = got === undefined ? 'missing (required)' : `received ${describe(got)}`;
      out.push(new ConfigError(formatPath(path), `expected ${issue.expected}, ${what}`, file));
    } else {
      out.push(new ConfigError(formatPath(path), issue.message, file));
    }
  }
  return out;
}

/** Validates an already-parsed object against the experiment schema. */
export function validateExperiment(raw: unknown, file = '<experiment>'): ExperimentConfig {
  const result = experimentSchema.safeParse(raw);
  if (!result.success) throw new ConfigIssuesError(file, toConfigErrors(experimentSchema, raw, result.error.issues, file));
  return result.data;
}

/** Parses YAML text; syntax errors name the line and column. */
export function parseExperimentYaml(text: string, file = '<experiment>'): ExperimentConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const where = e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new ConfigError(where, `YAML syntax error: ${e.message.split('\n')[0]}`, file);
  }
  return validateExperiment(doc.toJS(), file);
}

export function loadExperimentFile(file: string): ExperimentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MedtransferError(`cannot read experiment file ${file}: ${(err as Error).message}`);
  }
  return parseExperimentYaml(text, file);
}

/** JSON Schema of the experiment file, for editors (`$schema` in experiment files). */
export function experimentJsonSchema(): unknown {
  return z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' });
}
