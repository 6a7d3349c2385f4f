// Value parsers shared by the benchmarks' command lines (`npm run bench`, `npm run bench:data`):
// each error names the option, what was received and an example of a valid value.
import { ConfigError } from '@medtransfer/core';

/** A comma-separated list, trimmed, empty entries dropped. */
export const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function positiveInt(option: string, raw: string, max: number, hint: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new ConfigError(option, `expected a whole number from 1 to ${max}, received "${raw}". ${hint}`);
  }
  return n;
}

/** `xs`, or an error when it is empty (`example` is a valid value for the message). */
export function nonEmpty<T>(option: string, xs: T[], example: string): T[] {
  if (xs.length === 0) throw new ConfigError(option, `give at least one value, e.g. ${option} ${example}`);
  return xs;
}

/** A positive number of seconds (`--time`). */
export function positiveSeconds(option: string, raw: string, example: string): number {
  const s = Number(raw);
  if (!(s > 0) || !Number.isFinite(s)) {
    throw new ConfigError(option, `expected a positive number of seconds, received "${raw}"; e.g. ${option} ${example}`);
  }
  return s;
}
