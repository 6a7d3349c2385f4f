// Stable keys: a SHA-256 over canonical JSON (sorted keys), so equal configs give equal keys.
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Hex SHA-256 of the canonical JSON of `value`, cut to `length` characters. */
export function stableHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** A run name in the benchopt style: `name[k=v,…]` with sorted keys. */
export function runName(name: string, params: Record<string, string | number | boolean>): string {
  const keys = Object.keys(params).sort();
  return `${name}[${keys.map((k) => `${k}=${params[k]}`).join(',')}]`;
}
