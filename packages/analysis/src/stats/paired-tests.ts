// Paired tests of a treatment against a baseline on the same seeds: paired t-test and Wilcoxon
// signed-rank (exact null distribution for small n, as SciPy), each with its effect size.
import { MedtransferError } from '@medtransfer/core';
import { normalSf, tQuantile, tTwoSided } from './distributions';
import { checkLevel, mean, sampleSd } from './describe';

export interface PairedTTest {
  n: number;
  /** Mean of x − y. */
  meanDiff: number;
  /** Sample sd of x − y. */
  sdDiff: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  pValue: number;
  /** t-interval for the mean difference at `level`. */
  lo: number;
  hi: number;
  level: number;
  /** Cohen's d_z = mean(d) / sd(d): the standardised mean of the paired differences. */
  cohenDz: number;
}

export type WilcoxonMethod = 'auto' | 'exact' | 'approx';

export interface WilcoxonOptions {
  /**
   * 'auto' (default): exact when there are at most 50 non-zero differences and no ties or zeros,
   * else the normal approximation (SciPy 1.10 keeps 'exact' with ties and truncates the tied
   * rank sum; we do not). 'exact' falls back to 'approx' when
   * there are zeros or ties, because the exact distribution assumes distinct ranks 1..n.
   */
  method?: WilcoxonMethod;
  /** Continuity correction of the normal approximation (SciPy's `correction`, default false). */
  correction?: boolean;
}

export interface WilcoxonTest {
  /** Pairs given. */
  n: number;
  /** Pairs with a non-zero difference (zeros are dropped: SciPy's zero_method "wilcox"). */
  nNonZero: number;
  /** min(R+, R−), SciPy's two-sided statistic. */
  statistic: number;
  rPlus: number;
  rMinus: number;
  /** Two-sided p-value; 1 when every difference is zero (no evidence of any difference). */
  pValue: number;
  method: 'exact' | 'approx';
  /** Normal deviate of the approximation (null for the exact test). */
  z: number | null;
  /** Matched-pairs rank-biserial correlation (R+ − R−) / (R+ + R−), in [−1, 1] (Kerby 2014). */
  rankBiserial: number;
}

function differences(x: readonly number[], y: readonly number[], where: string): number[] {
  if (x.length !== y.length) {
    throw new MedtransferError(`${where}: paired samples must have the same length (received ${x.length} and ${y.length}); pair runs by seed first.`);
  }
  const d = x.map((v, i) => v - y[i]);
  if (d.some((v) => !Number.isFinite(v))) {
    throw new MedtransferError(`${where}: the samples contain non-finite values; drop the pairs with a missing metric first.`);
  }
  return d;
}

/** Paired t-test of x against y (two-sided), as scipy.stats.ttest_rel, with a CI and Cohen's d_z. */
export function pairedTTest(x: readonly number[], y: readonly number[], level = 0.95): PairedTTest {
  checkLevel(level, 'pairedTTest');
  const d = differences(x, y, 'pairedTTest');
  const n = d.length;
  if (n < 2) throw new MedtransferError(`pairedTTest: needs at least 2 pairs (received ${n}); run more seeds.`);
  const md = mean(d);
  const sd = sampleSd(d);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  // sd = 0: t is ±∞ (p = 0) when the mean differs from 0, and undefined (NaN) when all d are 0, as SciPy.
  const t = md / se;
  const half = tQuantile(1 - (1 - level) / 2, df) * se;
  return { n, meanDiff: md, sdDiff: sd, t, df, pValue: tTwoSided(t, df), lo: md - half, hi: md + half, level, cohenDz: md / sd };
}

/** Average ranks (1-based) of `values`, ties sharing the mean of their ranks (scipy.stats.rankdata). */
export function rankAverage(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}

/**
 * Number of subsets of {1..n} with each rank sum s = 0..n(n+1)/2: the exact null distribution
 * of R+ (times 2^n). Integer counts stay exact in doubles up to n = 50 (2^50 < 2^53).
 */
export function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let s = (k * (k + 1)) / 2; s >= k; s--) c[s] += c[s - k];
  }
  return c;
}

/** Wilcoxon signed-rank test of x against y (two-sided), following scipy.stats.wilcoxon. */
export function wilcoxonSignedRank(x: readonly number[], y: readonly number[], opts: WilcoxonOptions = {}): WilcoxonTest {
  const method = opts.method ?? 'auto';
  if (!['auto', 'exact', 'approx'].includes(method)) {
    throw new MedtransferError(`wilcoxonSignedRank: method ${JSON.stringify(method)} is not supported; use "auto", "exact" or "approx".`);
  }
  const all = differences(x, y, 'wilcoxonSignedRank');
  const d = all.filter((v) => v !== 0);
  const count = d.length;
  if (count === 0) {
    return { n: all.length, nNonZero: 0, statistic: 0, rPlus: 0, rMinus: 0, pValue: 1, method: 'exact', z: null, rankBiserial: 0 };
  }
  const { ranks, tieSizes } = rankAverage(d.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  d.forEach((v, i) => (v > 0 ? (rPlus += ranks[i]) : (rMinus += ranks[i])));
  const statistic = Math.min(rPlus, rMinus);
  const rankBiserial = (rPlus - rMinus) / (rPlus + rMinus);
  const zeros = all.length - count;
  // Exact needs distinct non-zero ranks; 'auto' also caps n at 50 (beyond, the normal
  // approximation is accurate and the counts would no longer be exact integers).
  const exactOk = zeros === 0 && tieSizes.length === 0 && count <= 1000;
  const useExact = exactOk && (method === 'exact' || (method === 'auto' && count <= 50));
  const base = { n: all.length, nNonZero: count, statistic, rPlus, rMinus, rankBiserial };

  if (useExact) {
    const counts = signedRankCounts(count);
    const max = counts.length - 1;
    const r = rPlus; // an integer: no ties
    let pValue: number;
    if (r === Math.floor(max / 2)) {
      pValue = 1;
    } else {
      // Sum the smaller tail in integers, then scale: exact up to the final division.
      let lower = 0;
      for (let s = 0; s <= r; s++) lower += counts[s];
      let upper = 0;
      for (let s = r; s <= max; s++) upper += counts[s];
      pValue = Math.min(1, (2 * Math.min(lower, upper)) / 2 ** count);
    }
    return { ...base, pValue, method: 'exact', z: null };
  }

  // Normal approximation with the tie correction of the variance (zeros already dropped).
  const mn = (count * (count + 1)) / 4;
  let v = count * (count + 1) * (2 * count + 1);
  for (const t of tieSizes) v -= 0.5 * t * (t * t - 1);
  const se = Math.sqrt(v / 24);
  const cc = opts.correction ? 0.5 * Math.sign(statistic - mn) : 0;
  const z = (statistic - mn - cc) / se;
  return { ...base, pValue: Math.min(1, 2 * normalSf(Math.abs(z))), method: 'approx', z };
}
