// Validation of a dataset's `params` with a strict zod schema; problems become ConfigErrors whose
// path points into the experiment file (`target.dataset.params.size`).
import { z } from 'zod';
import { ConfigError, closestNames, formatPath } from '@medtransfer/core';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function issueDetail(issue: z.core.$ZodIssue, raw: Record<string, unknown>, kind: string): string {
  const got = issue.path.length ? raw[String(issue.path[0])] : raw;
  switch (issue.code) {
    case 'invalid_type':
      return got === undefined ? `missing (required by ${kind}); expected ${issue.expected}` : `expected ${issue.expected}, received ${describe(got)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${describe(got)}`;
    case 'too_small':
    case 'too_big':
      return `${issue.message.replace(/^Too (small|big): /, '')}; received ${describe(got)}`;
    default:
      return `${issue.message}; received ${describe(got)}`;
  }
}

/**
 * Parses `raw` with `schema`; on failure throws a ConfigError at `${path}.params.<field>` (the first
 * problem; the message mentions how many more there are). `kind` names the component, e.g. `synthetic/fractal`.
 */
export function parseParams<S extends z.ZodObject>(schema: S, raw: unknown, path: string, kind: string): z.infer<S> {
  const prefix = path ? `${path}.params` : 'params';
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(prefix, `parameters of ${kind} must be a mapping, received ${describe(raw)}`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const result = schema.safeParse(obj);
  if (result.success) return result.data;
  const validKeys = Object.keys(schema.shape);
  const errors: ConfigError[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = closestNames(key, validKeys);
        const hint = near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : '.';
        errors.push(new ConfigError(`${prefix}.${key}`, `unknown parameter "${key}" for ${kind}${hint} Valid parameters: ${validKeys.join(', ')}`));
      }
    } else {
      const sub = formatPath(issue.path);
      errors.push(new ConfigError(sub ? `${prefix}${sub.startsWith('[') ? '' : '.'}${sub}` : prefix, issueDetail(issue, obj, kind)));
    }
  }
  const [first] = errors;
  if (errors.length === 1) throw first;
  const more = errors.slice(1).map((e) => e.message);
  throw new ConfigError(first.path, `${first.detail} (and ${more.length} more: ${more.join('; ')})`);
}
