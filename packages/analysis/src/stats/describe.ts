// Descriptive statistics over seeds: mean, sample sd and a confidence interval for the mean
// (Student t by default; percentile bootstrap, seeded through core's Rng, as an option).
import { MedtransferError, Rng } from '@medtransfer/core';
import { tQuantile } from './distributions';

export type IntervalMethod = 't' | 'bootstrap';

export interface DescribeOptions {
  /** Confidence level of the interval, in (0, 1). Default 0.95. */
  level?: number;
  /** 't' (default): mean ± t(1−α/2, n−1)·sd/√n. 'bootstrap': percentile interval of resampled means. */
  method?: IntervalMethod;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Bootstrap seed (default 0), or an Rng to draw from. */
  seed?: number | Rng;
}

export interface Description {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null when n < 2. */
  sd: number | null;
  /** Interval for the mean; null when n < 2 (no spread to estimate). */
  lo: number | null;
  hi: number | null;
  level: number;
  method: IntervalMethod;
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator), two-pass for accuracy; NaN when n < 2. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

export function checkLevel(level: number, where: string): void {
  if (!(typeof level === 'number' && level > 0 && level < 1)) {
    throw new MedtransferError(`${where}: confidence level ${JSON.stringify(level)} must be a number in (0, 1), e.g. 0.95.`);
  }
}

export function toRng(seed: number | Rng | undefined): Rng {
  return seed instanceof Rng ? seed : new Rng(seed ?? 0);
}

/** Student-t interval for the mean: mean ± t(1 − α/2, n − 1) · sd / √n (as scipy.stats.t.interval). */
export function tInterval(xs: readonly number[], level = 0.95): [number, number] {
  checkLevel(level, 'tInterval');
  const n = xs.length;
  if (n < 2) return [NaN, NaN];
  const m = mean(xs);
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sampleSd(xs) / Math.sqrt(n));
  return [m - half, m + half];
}

/**
 * Quantile of sorted values with linear interpolation between order statistics (NumPy's default,
 * "linear" / Hyndman–Fan type 7).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < n ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[n - 1];
}

/**
 * Percentile bootstrap interval of `statistic` (default: the mean): resample with replacement
 * `resamples` times, take the α/2 and 1 − α/2 quantiles. Deterministic for a given seed.
 */
export function bootstrapInterval(
  xs: readonly number[],
  opts: { level?: number; resamples?: number; seed?: number | Rng; statistic?: (sample: number[]) => number } = {},
): [number, number] {
  const level = opts.level ?? 0.95;
  checkLevel(level, 'bootstrapInterval');
  const n = xs.length;
  if (n < 2) return [NaN, NaN];
  const resamples = opts.resamples ?? 2000;
  const stat = opts.statistic ?? mean;
  const rng = toRng(opts.seed);
  const out = new Float64Array(resamples);
  const sample = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = xs[rng.int(n)];
    out[b] = stat(sample);
  }
  out.sort();
  const a = (1 - level) / 2;
  return [quantileSorted(out, a), quantileSorted(out, 1 - a)];
}

/** Mean, sample sd and a confidence interval for the mean of `xs` (non-finite values are dropped). */
export function describeSample(xs: readonly (number | null | undefined)[], opts: DescribeOptions = {}): Description {
  const level = opts.level ?? 0.95;
  const method = opts.method ?? 't';
  checkLevel(level, 'describeSample');
  if (method !== 't' && method !== 'bootstrap') {
    throw new MedtransferError(`describeSample: interval method ${JSON.stringify(method)} is not supported; use "t" or "bootstrap".`);
  }
  const vals = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = vals.length;
  if (n === 0) return { n, mean: null, sd: null, lo: null, hi: null, level, method };
  const m = mean(vals);
  if (n < 2) return { n, mean: m, sd: null, lo: null, hi: null, level, method };
  const [lo, hi] =
    method === 't' ? tInterval(vals, level) : bootstrapInterval(vals, { level, resamples: opts.resamples, seed: opts.seed });
  return { n, mean: m, sd: sampleSd(vals), lo, hi, level, method };
}
