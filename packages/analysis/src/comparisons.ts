// Statistics over a sweep's results: per-group mean/sd/CI, paired treatment-vs-baseline tests on
// the same seeds (with effect sizes and multiple-comparison correction) and convergence speed-up.
import { getLogger, MedtransferError, Rng } from '@medtransfer/core';
import type { TrialResult } from '@medtransfer/core';
import { describeSample, type IntervalMethod } from './stats/describe';
import { adjustPValues, type PAdjustMethod } from './stats/multiple-comparisons';
import { pairedTTest, wilcoxonSignedRank } from './stats/paired-tests';
import { convergenceSpeedup, type SpeedupBound } from './stats/speedup';
import { checkMetricOptions, type CurveMetric } from './metric';
import { compareInits, requireResults, trialRows, type TrialRow } from './tables';

const log = getLogger('analysis');

/** Identifies a group: dataset × backbone × data fraction (× init for per-init rows). */
export interface GroupKey {
  dataset: string;
  backbone: string;
  fraction: number | null;
}

export interface GroupStatsRow extends GroupKey {
  init: string;
  n: number;
  mean: number | null;
  sd: number | null;
  /** Confidence interval of the mean over seeds (t or bootstrap, see `method`). */
  lo: number | null;
  hi: number | null;
  level: number;
  method: IntervalMethod;
}

export interface GroupStatsOptions {
  /** Test metric to describe. */
  metric: CurveMetric;
  level?: number;
  method?: IntervalMethod;
  resamples?: number;
  /** Bootstrap seed; each group draws from its own fork, so adding a group changes no other. */
  seed?: number;
}

function groupId(k: GroupKey): string {
  return `${k.dataset}\u0000${k.backbone}\u0000${k.fraction}`;
}

function compareKeys(a: GroupKey, b: GroupKey): number {
  const s = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return s(a.dataset, b.dataset) || s(a.backbone, b.backbone) || (a.fraction ?? Infinity) - (b.fraction ?? Infinity);
}

/** Rows grouped by dataset × backbone × fraction, then by init. */
function byGroupAndInit(rows: readonly TrialRow[]): { key: GroupKey; inits: Map<string, TrialRow[]> }[] {
  const groups = new Map<string, { key: GroupKey; inits: Map<string, TrialRow[]> }>();
  for (const r of rows) {
    const key = { dataset: r.dataset, backbone: r.backbone, fraction: r.fraction };
    const id = groupId(key);
    if (!groups.has(id)) groups.set(id, { key, inits: new Map() });
    const inits = groups.get(id)!.inits;
    if (!inits.has(r.init)) inits.set(r.init, []);
    inits.get(r.init)!.push(r);
  }
  return [...groups.values()].sort((a, b) => compareKeys(a.key, b.key));
}

function testValue(r: TrialRow, metric: CurveMetric): number | null {
  return r[`test_${metric}`] ?? null;
}

/** Mean, sd and CI of the test metric over seeds, per dataset × backbone × fraction × init. */
export function groupStats(results: readonly TrialResult[], opts: GroupStatsOptions): GroupStatsRow[] {
  requireResults(results, 'groupStats');
  checkMetricOptions(opts, 'groupStats');
  const root = new Rng(opts.seed ?? 0);
  const out: GroupStatsRow[] = [];
  for (const { key, inits } of byGroupAndInit(trialRows(results, { metric: opts.metric, threshold: 0.5 }))) {
    for (const init of [...inits.keys()].sort(compareInits)) {
      const d = describeSample(
        inits.get(init)!.map((r) => testValue(r, opts.metric)),
        { level: opts.level, method: opts.method, resamples: opts.resamples, seed: root.fork(`${groupId(key)}\u0000${init}`) },
      );
      out.push({ ...key, init, n: d.n, mean: d.mean, sd: d.sd, lo: d.lo, hi: d.hi, level: d.level, method: d.method });
    }
  }
  return out;
}

export interface PairedComparisonRow extends GroupKey {
  /** The treatment init (e.g. pretrained); compared with `baseline` on the same seeds. */
  init: string;
  baseline: string;
  /** Seeds present in both (the pairs). */
  seeds: number[];
  n: number;
  /** Mean of treatment − baseline test metric, and its t-interval (null with fewer than 2 pairs). */
  meanDiff: number | null;
  lo: number | null;
  hi: number | null;
  t: number | null;
  pT: number | null;
  /** pT adjusted over all rows of the table (`adjust`). */
  pTAdjusted: number | null;
  cohenDz: number | null;
  wilcoxon: number | null;
  pW: number | null;
  pWAdjusted: number | null;
  wilcoxonMethod: 'exact' | 'approx' | null;
  rankBiserial: number | null;
}

export interface PairedComparisonOptions {
  metric: CurveMetric;
  /** Baseline init (default 'scratch'). */
  baseline?: string;
  /** Correction across all comparisons in the table (default 'holm'). */
  adjust?: PAdjustMethod;
  level?: number;
}

/** Pairs runs of an init with baseline runs of the same seed (first run wins if a seed repeats). */
function pairBySeed(treat: readonly TrialRow[], base: readonly TrialRow[], metric: CurveMetric): { seeds: number[]; x: number[]; y: number[] } {
  const baseBySeed = new Map<number, number>();
  for (const r of base) {
    const v = testValue(r, metric);
    if (v !== null && !baseBySeed.has(r.seed)) baseBySeed.set(r.seed, v);
  }
  const seen = new Set<number>();
  const seeds: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  for (const r of [...treat].sort((a, b) => a.seed - b.seed)) {
    const v = testValue(r, metric);
    if (v === null || seen.has(r.seed) || !baseBySeed.has(r.seed)) continue;
    seen.add(r.seed);
    seeds.push(r.seed);
    x.push(v);
    y.push(baseBySeed.get(r.seed)!);
  }
  return { seeds, x, y };
}

/**
 * Every non-baseline init against the baseline, per dataset × backbone × fraction, on the test
 * metric, paired by seed: paired t-test (with d_z) and Wilcoxon signed-rank (with rank-biserial r).
 * p-values are adjusted over all comparisons in the table (Holm by default).
 */
export function pairedComparisons(results: readonly TrialResult[], opts: PairedComparisonOptions): PairedComparisonRow[] {
  requireResults(results, 'pairedComparisons');
  checkMetricOptions(opts, 'pairedComparisons');
  const baseline = opts.baseline ?? 'scratch';
  const adjust = opts.adjust ?? 'holm';
  if (!['holm', 'bh', 'none'].includes(adjust)) {
    throw new MedtransferError(`pairedComparisons: adjust ${JSON.stringify(adjust)} is not supported; use "holm", "bh" or "none".`);
  }
  const rows: PairedComparisonRow[] = [];
  for (const { key, inits } of byGroupAndInit(trialRows(results, { metric: opts.metric, threshold: 0.5 }))) {
    const base = inits.get(baseline);
    if (!base) continue;
    for (const init of [...inits.keys()].filter((i) => i !== baseline).sort(compareInits)) {
      const { seeds, x, y } = pairBySeed(inits.get(init)!, base, opts.metric);
      const row: PairedComparisonRow = {
        ...key, init, baseline, seeds, n: seeds.length,
        meanDiff: null, lo: null, hi: null, t: null, pT: null, pTAdjusted: null, cohenDz: null,
        wilcoxon: null, pW: null, pWAdjusted: null, wilcoxonMethod: null, rankBiserial: null,
      };
      if (seeds.length >= 2) {
        const t = pairedTTest(x, y, opts.level);
        const w = wilcoxonSignedRank(x, y);
        Object.assign(row, {
          meanDiff: t.meanDiff, lo: t.lo, hi: t.hi, t: t.t, pT: t.pValue, cohenDz: t.cohenDz,
          wilcoxon: w.statistic, pW: w.pValue, wilcoxonMethod: w.method, rankBiserial: w.rankBiserial,
        });
      } else {
        // Common with one seed per arm (quick runs); the table shows "—", so no warning.
        log.debug(`${key.dataset} ${key.backbone} ${init} vs ${baseline}: ${seeds.length} seed(s) in common; a paired test needs at least 2.`);
      }
      rows.push(row);
    }
  }
  const fill = (p: (number | null)[]) => adjustPValues(p.map((v) => v ?? NaN), adjust).map((v) => (Number.isFinite(v) ? v : null));
  const pT = fill(rows.map((r) => r.pT));
  const pW = fill(rows.map((r) => r.pW));
  rows.forEach((r, i) => ((r.pTAdjusted = pT[i]), (r.pWAdjusted = pW[i])));
  return rows;
}

export interface SpeedupRow extends GroupKey {
  init: string;
  baseline: string;
  /** Baseline steps-to-threshold ÷ this init's (ratio of means over seeds). */
  speedup: number | null;
  lo: number | null;
  hi: number | null;
  bound: SpeedupBound;
  nBaseline: number;
  nTreatment: number;
  censoredBaseline: number;
  censoredTreatment: number;
}

export interface SpeedupTableOptions {
  metric: CurveMetric;
  threshold: number;
  baseline?: string;
  level?: number;
  resamples?: number;
  seed?: number;
}

/** Convergence speed-up of every init over the baseline, per dataset × backbone × fraction. */
export function speedupTable(results: readonly TrialResult[], opts: SpeedupTableOptions): SpeedupRow[] {
  requireResults(results, 'speedupTable');
  checkMetricOptions(opts, 'speedupTable');
  const baseline = opts.baseline ?? 'scratch';
  const root = new Rng(opts.seed ?? 0);
  const stepsOf = (rows: TrialRow[]) => rows.map((r) => ({ steps: r.steps, trainedSteps: Math.max(1, r.trained_steps) }));
  const out: SpeedupRow[] = [];
  for (const { key, inits } of byGroupAndInit(trialRows(results, opts))) {
    const base = inits.get(baseline);
    if (!base) continue;
    for (const init of [...inits.keys()].filter((i) => i !== baseline).sort(compareInits)) {
      const s = convergenceSpeedup(stepsOf(base), stepsOf(inits.get(init)!), {
        level: opts.level,
        resamples: opts.resamples,
        seed: root.fork(`${groupId(key)}\u0000${init}`),
      });
      out.push({ ...key, init, baseline, ...s });
    }
  }
  return out;
}
