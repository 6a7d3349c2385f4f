// Backbone parameter validation: a strict zod schema per backbone, errors as ConfigError at
// `<path>.params.<key>` so a researcher sees exactly which config field to change.
import { ConfigError, toConfigErrors } from '@medtransfer/core';
import type { z } from 'zod';

/** The config path of one backbone parameter: `sweep.backbone[1].params.padding` (or `params.padding`). */
export function paramPath(path: string, key: string): string {
  return path ? `${path}.params.${key}` : `params.${key}`;
}

/**
 * Parses `params` with a strict schema (defaults filled in). The first problem is thrown as a
 * ConfigError whose path points into `params`; unknown keys get "did you mean".
 */
export function parseParams<S extends z.ZodType>(schema: S, params: Record<string, unknown>, path: string): z.infer<S> {
  const result = schema.safeParse(params ?? {});
  if (result.success) return result.data;
  const [first, ...rest] = toConfigErrors(schema, params, result.error.issues);
  const inner = first.path ? `.${first.path}` : '';
  const where = path ? `${path}.params${inner}` : `params${inner}`;
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''} in params)` : '';
  throw new ConfigError(where, `${first.detail}${more}`);
}
