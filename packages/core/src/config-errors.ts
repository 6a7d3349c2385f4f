// Zod's validation issues turned into messages a researcher can act on: each names the field
// path, what was received and what is valid ("did you mean …" for keys and names).
import { z } from 'zod';
import { ConfigError, MedtransferError, formatPath } from './errors';
import { unknownNameMessage } from './suggest';

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

/** Unwraps defaults, optionals, nullables and pipes down to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let guard = 0; guard < 10; guard++) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else break;
  }
  return s;
}

/** The keys a strict object schema accepts at `path`, for "did you mean" on unknown keys. */
function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s: z.ZodType | undefined = schema;
  for (const seg of [...path, null]) {
    if (!s) return [];
    s = unwrap(s);
    if (s instanceof z.ZodUnion) {
      // The object option that has the next key (e.g. `slim` among the init mappings), else the first one.
      const objects = (s.options as readonly z.ZodType[]).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      s = objects.find((o) => seg !== null && String(seg) in o.shape) ?? objects[0];
      if (!s) return [];
    }
    if (seg === null) return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
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
      // (Problems only below the top level: the branch's own keys matched, e.g. `{slim: {kep: 1}}`.)
      const near = got && typeof got === 'object' ? branches.find((b) => b.every((e) => e.path.length > 0)) : undefined;
      const names = branches.flat().flatMap((e) => (e.code === 'invalid_value' ? e.values.map(String) : []));
      const keys = branches.flat().flatMap((e) => (e.code === 'invalid_type' && e.path.length === 1 ? [String(e.path[0])] : []));
      if (near) {
        const rebased = near.map((e) => ({ ...e, path: [...path, ...e.path] }) as z.core.$ZodIssue);
        out.push(...toConfigErrors(schema, raw, rebased, file));
      } else if (typeof got === 'string' && names.length) {
        out.push(new ConfigError(formatPath(path), unknownNameMessage('value', got, names), file));
      } else if (names.length) {
        const mapping = keys.length ? ` or a mapping with one of the keys ${[...new Set(keys)].join(', ')}` : ' or a mapping (see docs/experiments.md)';
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

/** A value checked against a schema: the parsed value, or every problem with its config path. */
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: ConfigError[] };

/** `inner` (a path inside a value, `kep` or `[0].top`) under `prefix` (`sweep.init[0].slim`). */
export function joinPath(prefix: string, inner: string): string {
  if (!inner) return prefix;
  if (!prefix) return inner;
  return inner.startsWith('[') ? `${prefix}${inner}` : `${prefix}.${inner}`;
}

/**
 * Parses `value` (found at config path `path`) with `schema`: defaults filled in, or all problems
 * as ConfigErrors whose paths point into the value, with "did you mean" for unknown keys and names.
 * Registries use it to check the params of a component named in an experiment file.
 */
export function parseAt<S extends z.ZodType>(schema: S, value: unknown, path: string): Checked<z.output<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issues = toConfigErrors(schema, value, result.error.issues).map((e) => new ConfigError(joinPath(path, e.path), e.detail));
  return { ok: false, issues };
}

/** A value as YAML flow style for messages: `{transfusion: 2}`, `{name: step, every: 10}`. */
export function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${flowYaml(v)}`).join(', ')}}`;
  return typeof value === 'string' && /^[\w./-]+$/.test(value) ? value : JSON.stringify(value);
}
