// The tables of the Transfusion study (Raghu et al., NeurIPS 2019) computed from stored results:
// the model table (Table 1: final test AUC per backbone, scratch vs pretrained), the small-data
// table (Table 2), the convergence speed-ups and the weight-transfusion steps-to-threshold by k.
import type { TrialResult } from '@medtransfer/core';
import { groupStats, pairedComparisons, speedupTable, type GroupStatsRow, type SpeedupRow } from '../comparisons';
import { fmtNumber } from '../format';
import type { CurveMetric } from '../metric';
import { describeSample } from '../stats/describe';
import { compareInits, trialRows } from '../tables';

/** Results of one dataset with the metric and threshold its experiment used for convergence. */
export interface ResultSet {
  dataset: string;
  metric: CurveMetric;
  threshold: number;
  results: TrialResult[];
}

/** One row of the model / small-data table: a backbone (× fraction), scratch vs pretrained. */
export interface ModelTableRow {
  dataset: string;
  backbone: string;
  fraction: number | null;
  params: number | null;
  scratch?: GroupStatsRow;
  pretrained?: GroupStatsRow;
  /** pretrained − scratch, mean over seeds. */
  delta: number | null;
  /** Paired t-test on the common seeds, Holm-adjusted over the table. */
  p: number | null;
}

const TABLE_INITS = ['scratch', 'pretrained'];

/** Scratch vs pretrained on the test `metric` per dataset × backbone × fraction (mean, t-interval over seeds, paired test). */
export function modelTable(set: ResultSet, metric: CurveMetric, opts: { level?: number } = {}): ModelTableRow[] {
  const results = set.results.filter((r) => TABLE_INITS.includes(r.summary.init));
  if (!results.length) return [];
  const stats = groupStats(results, { metric, level: opts.level });
  const tests = pairedComparisons(results, { metric, adjust: 'holm' });
  const params = new Map(set.results.map((r) => [r.summary.backbone, r.summary.params]));
  const keyOf = (r: { dataset: string; backbone: string; fraction: number | null }) => `${r.dataset}\u0000${r.backbone}\u0000${r.fraction}`;
  const rows = new Map<string, ModelTableRow>();
  for (const s of stats) {
    const key = keyOf(s);
    const row = rows.get(key) ?? { dataset: s.dataset, backbone: s.backbone, fraction: s.fraction, params: params.get(s.backbone) ?? null, delta: null, p: null };
    if (s.init === 'scratch') row.scratch = s;
    else row.pretrained = s;
    rows.set(key, row);
  }
  for (const row of rows.values()) {
    if (row.scratch?.mean != null && row.pretrained?.mean != null) row.delta = row.pretrained.mean - row.scratch.mean;
    const t = tests.find((c) => keyOf(c) === keyOf(row) && c.init === 'pretrained');
    row.p = t?.pTAdjusted ?? null;
  }
  return [...rows.values()];
}

/** "0.880 ± 0.021 (3)": mean ± half-width of the t-interval, seeds in brackets. */
export function fmtMeanCi(s: GroupStatsRow | undefined, digits = 3): string {
  if (!s || s.mean === null) return '—';
  const half = s.lo !== null && s.hi !== null ? (s.hi - s.lo) / 2 : null;
  return `${fmtNumber(s.mean, digits)}${half !== null ? ` ± ${fmtNumber(half, digits)}` : ''} (${s.n})`;
}

export function fmtParams(n: number | null): string {
  if (n === null) return '—';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
}

export function fmtP(p: number | null): string {
  if (p === null) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}


/** Convergence speed-ups of every init over scratch (pretrained, transfusion-k, mean-var, ...). */
export function convergenceTable(set: ResultSet, opts: { seed?: number } = {}): (SpeedupRow & { threshold: number; metric: CurveMetric })[] {
  const has = new Set(set.results.map((r) => r.summary.init));
  if (!has.has('scratch') || has.size < 2) return [];
  return speedupTable(set.results, { metric: set.metric, threshold: set.threshold, seed: opts.seed ?? 0 }).map((r) => ({
    ...r,
    threshold: set.threshold,
    metric: set.metric,
  }));
}

/** Steps-to-threshold of one init (one point of the transfusion-k curve). */
export interface TransfusionPoint {
  dataset: string;
  backbone: string;
  fraction: number | null;
  init: string;
  /** 0 = scratch, k = transfusion-k, `kMax + 1` = pretrained (all groups and the head's inputs). */
  k: number;
  label: string;
  n: number;
  /** Mean steps to threshold, censored runs counted at the steps they trained (a lower bound). */
  steps: number | null;
  lo: number | null;
  hi: number | null;
  censored: number;
  threshold: number;
}

const TRANSFUSION = /^transfusion-(\d+)$/;

/** Weight transfusion: steps to threshold against k (scratch = 0 … pretrained = all), per backbone. */
export function transfusionCurve(set: ResultSet, opts: { level?: number } = {}): TransfusionPoint[] {
  const ks = set.results.map((r) => TRANSFUSION.exec(r.summary.init)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  if (!ks.length) return [];
  const kMax = Math.max(...ks);
  const kOf = (init: string) => (init === 'scratch' ? 0 : init === 'pretrained' ? kMax + 1 : TRANSFUSION.test(init) ? Number(TRANSFUSION.exec(init)![1]) : null);
  const rows = trialRows(set.results, { metric: set.metric, threshold: set.threshold });
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    if (kOf(r.init) === null) continue;
    const key = `${r.dataset}\u0000${r.backbone}\u0000${r.fraction}\u0000${r.init}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: TransfusionPoint[] = [];
  for (const g of groups.values()) {
    const first = g[0];
    const k = kOf(first.init)!;
    const steps = g.map((r) => r.steps ?? r.trained_steps);
    const d = describeSample(steps, { level: opts.level });
    out.push({
      dataset: first.dataset,
      backbone: first.backbone,
      fraction: first.fraction,
      init: first.init,
      k,
      label: k === 0 ? '0 (scratch)' : first.init === 'pretrained' ? 'all (pretrained)' : String(k),
      n: d.n,
      steps: d.mean,
      lo: d.lo,
      hi: d.hi,
      censored: g.filter((r) => r.steps === null).length,
      threshold: set.threshold,
    });
  }
  return out.sort((a, b) => (a.backbone < b.backbone ? -1 : a.backbone > b.backbone ? 1 : 0) || a.k - b.k || compareInits(a.init, b.init));
}
