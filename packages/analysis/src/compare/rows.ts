// Accuracy for cost, per architecture: trials grouped by dataset × backbone × image size × data
// fraction × init, with the test metric over seeds (t-interval), what the model costs (counted:
// parameters, FLOPs; measured: latency, throughput) and how long it took to reach the
// convergence threshold.
import { metrics, type ThroughputRecord, type TrialResult } from '@medtransfer/core';
import { stepsToThreshold } from '../convergence';
import { checkMetricOptions, type CurveMetric } from '../metric';
import { describeSample } from '../stats/describe';
import { compareInits, dataFraction, requireResults } from '../tables';

/** Mean over seeds with its t-interval (null bounds for one seed). */
export interface SeedMean {
  n: number;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

/** Steps or seconds to the threshold over seeds; censored runs count at their full length (a lower bound). */
export interface ReachMean extends SeedMean {
  /** Runs that never reached the threshold. */
  censored: number;
}

export interface CompareRow {
  dataset: string;
  /** The backbone's id in the store (`cbr-small`, `mobilenet-v1-7d5b69`). */
  backbone: string;
  /** What the report shows for it: `input.backboneLabels`' entry (`mobilenet-v1 (alpha 0.5)`), else the id. */
  label: string;
  /** Target image size (null when the summary does not record it). */
  imageSize: number | null;
  fraction: number | null;
  init: string;
  trials: string[];
  /** Test value of the compared metric. */
  score: SeedMean;
  /** Mean test ACC over seeds. */
  acc: number | null;
  /** All weights (batch-norm statistics included), and those training updates (null without a recorded cost). */
  params: number | null;
  paramsTrainable: number | null;
  /** Forward FLOPs per image at the trial's size. */
  flops: number | null;
  /** `recorded` in the summaries' cost, `recounted` by the caller (the zoo's counter) for summaries without one. */
  flopsSource: 'recorded' | 'recounted' | null;
  /** Measured (throughput records): median ms of one image, images/s of inference and training at their batch. */
  latencyMs: number | null;
  inferPerSecond: number | null;
  trainPerSecond: number | null;
  /** The throughput records used (several when the group's trials ran on different backends: their median). */
  throughputKeys: string[];
  steps: ReachMean;
  seconds: ReachMean;
  /** Mean test score ÷ forward GFLOPs per image; null for a lower-is-better metric. */
  scorePerGflop: number | null;
  /** Mean test score ÷ millions of parameters (all weights); null for a lower-is-better metric. */
  scorePerMParams: number | null;
}

/** Why part of a trial's cost is missing, for the report. */
export interface MissingCost {
  trial: string;
  /** `no-cost`: the summary has no cost (written before costs were recorded); `not-measured`: no throughput key; `no-record`: the key names no (valid) record. */
  reason: 'no-cost' | 'not-measured' | 'no-record';
  throughputKey?: string;
  /** `no-cost` only: throughput records measured later match it (its throughput columns are filled). */
  throughputMatched?: boolean;
}

export interface CompareInput {
  results: readonly TrialResult[];
  /** Throughput records by key (`cost/<key>/throughput.json`). */
  throughput: ReadonlyMap<string, ThroughputRecord>;
  /** Forward FLOPs per image of trials whose summary has no cost, by trial name (counted by the caller with the zoo's counter). */
  recountedFlops?: ReadonlyMap<string, number>;
  /**
   * Throughput keys of trials whose summary records no cost (written before costs were), matched
   * by the caller to records measured later (`medtransfer cost`), by trial name.
   */
  throughputByTrial?: ReadonlyMap<string, readonly string[]>;
  /** Display names of backbone ids (a backbone with params has a hashed id): `mobilenet-v1-7d5b69` → `mobilenet-v1 (alpha 0.5)`. */
  backboneLabels?: ReadonlyMap<string, string>;
}

export interface CompareOptions {
  /** Test metric compared (y of the accuracy figures). */
  metric: CurveMetric;
  /** Convergence threshold for summaries that record none (they record the experiment's `report`). */
  convergence: { metric: CurveMetric; threshold: number };
  level?: number;
}

/** One trial's time to the threshold: `reached[0]` of its summary, else read off its curve. */
function reachOf(r: TrialResult, fallback: CompareOptions['convergence']): { steps: number; seconds: number; censored: boolean } {
  const s = r.summary;
  const reach = s.convergence?.reached[0] ?? stepsToThreshold(r.curve, fallback.metric, fallback.threshold);
  return reach.steps === null ? { steps: s.steps, seconds: s.trainSeconds, censored: true } : { steps: reach.steps, seconds: reach.trainSeconds ?? NaN, censored: false };
}

function seedMean(xs: readonly (number | null | undefined)[], level: number): SeedMean {
  const d = describeSample(xs, { level });
  return { n: d.n, mean: d.mean, lo: d.lo, hi: d.hi };
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The same value across a group, or null when it differs or is absent. */
function common(xs: readonly (number | undefined)[]): number | null {
  const v = xs[0];
  return typeof v === 'number' && xs.every((x) => x === v) ? v : null;
}

/** Thresholds the trials' summaries record (`reached[0]`), else the fallback: for titles and the report. */
export function convergenceThresholds(results: readonly TrialResult[], fallback: CompareOptions['convergence']): { metric: CurveMetric; threshold: number }[] {
  const seen = new Map<string, { metric: CurveMetric; threshold: number }>();
  for (const r of results) {
    const c = r.summary.convergence;
    const t = c?.reached[0] ? { metric: c.metric, threshold: c.reached[0].threshold } : fallback;
    seen.set(`${t.metric}\u0000${t.threshold}`, t);
  }
  return [...seen.values()];
}

/** Per-trial cost problems: no cost in the summary, no throughput measured, or a throughput record missing. */
export function missingCosts(input: CompareInput): MissingCost[] {
  const out: MissingCost[] = [];
  for (const { summary: s } of input.results) {
    if (!s.cost) out.push({ trial: s.trial, reason: 'no-cost', ...(input.throughputByTrial?.get(s.trial)?.length ? { throughputMatched: true } : {}) });
    else if (s.cost.throughputKey === undefined) out.push({ trial: s.trial, reason: 'not-measured' });
    else if (!input.throughput.has(s.cost.throughputKey)) out.push({ trial: s.trial, reason: 'no-record', throughputKey: s.cost.throughputKey });
  }
  return out;
}

/** Rows per dataset × backbone × image size × fraction × init, ordered by dataset, fraction, backbone, size, init. */
export function compareRows(input: CompareInput, opts: CompareOptions): CompareRow[] {
  requireResults(input.results as TrialResult[], 'compareRows');
  checkMetricOptions({ metric: opts.metric }, 'compareRows');
  checkMetricOptions(opts.convergence, 'compareRows: convergence');
  const level = opts.level ?? 0.95;
  const higher = metrics.get(opts.metric).higherIsBetter;
  const groups = new Map<string, TrialResult[]>();
  for (const r of input.results) {
    const s = r.summary;
    const key = [s.dataset, s.backbone, s.imageSize ?? null, dataFraction(s), s.init].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: CompareRow[] = [];
  for (const g of groups.values()) {
    const s0 = g[0].summary;
    const costs = g.map((r) => r.summary.cost);
    const recorded = costs.every((c) => c !== undefined);
    const recounted = g.map((r) => (r.summary.cost ? r.summary.cost.flopsPerImage : input.recountedFlops?.get(r.summary.trial)));
    const flops = common(recounted);
    // params is recorded by every summary (the same count as cost.paramsTotal)
    const params = common(g.map((r) => r.summary.cost?.paramsTotal ?? r.summary.params));
    const keysOf = (r: TrialResult): readonly (string | undefined)[] => (r.summary.cost ? [r.summary.cost.throughputKey] : (input.throughputByTrial?.get(r.summary.trial) ?? []));
    const records = [...new Set(g.flatMap(keysOf).filter((k): k is string => k !== undefined && input.throughput.has(k)))];
    const measured = records.map((k) => input.throughput.get(k)!);
    const reach = g.map((r) => reachOf(r, opts.convergence));
    const score = seedMean(g.map((r) => r.summary.test[opts.metric] as number | undefined), level);
    const perUnit = (unit: number | null) => (higher && score.mean !== null && unit !== null && unit > 0 ? score.mean / unit : null);
    rows.push({
      dataset: s0.dataset,
      backbone: s0.backbone,
      label: input.backboneLabels?.get(s0.backbone) ?? s0.backbone,
      imageSize: s0.imageSize ?? null,
      fraction: dataFraction(s0),
      init: s0.init,
      trials: g.map((r) => r.summary.trial),
      score,
      acc: seedMean(g.map((r) => r.summary.test.acc), level).mean,
      params,
      paramsTrainable: recorded ? common(costs.map((c) => c!.paramsTrainable)) : null,
      flops,
      flopsSource: flops === null ? null : recorded ? 'recorded' : 'recounted',
      latencyMs: median(measured.map((m) => m.latency.medianMs)),
      inferPerSecond: median(measured.map((m) => m.infer.imagesPerSecond)),
      trainPerSecond: median(measured.map((m) => m.train.imagesPerSecond)),
      throughputKeys: records,
      steps: { ...seedMean(reach.map((x) => x.steps), level), censored: reach.filter((x) => x.censored).length },
      seconds: { ...seedMean(reach.map((x) => x.seconds), level), censored: reach.filter((x) => x.censored).length },
      scorePerGflop: perUnit(flops === null ? null : flops / 1e9),
      scorePerMParams: perUnit(params === null ? null : params / 1e6),
    });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort(
    (a, b) =>
      cmp(a.dataset, b.dataset) ||
      (a.fraction ?? Infinity) - (b.fraction ?? Infinity) ||
      cmp(a.label, b.label) ||
      (a.imageSize ?? 0) - (b.imageSize ?? 0) ||
      compareInits(a.init, b.init),
  );
}

/** The cost on a figure's x axis. */
export type CostAxis = 'flops' | 'params' | 'latency';
export const COST_AXES: readonly CostAxis[] = ['flops', 'params', 'latency'];

/** A row's cost on `axis` in the unit the figures and tables show: MFLOPs, millions of parameters, ms. */
export function costOf(row: CompareRow, axis: CostAxis): number | null {
  const v = axis === 'flops' ? row.flops : axis === 'params' ? row.params : row.latencyMs;
  return v === null ? null : axis === 'latency' ? v : v / 1e6;
}

/** A dataset × fraction: the rows one Pareto front compares. */
export interface CompareSlice {
  dataset: string;
  fraction: number | null;
  rows: CompareRow[];
}

export function compareSlices(rows: readonly CompareRow[]): CompareSlice[] {
  const out = new Map<string, CompareSlice>();
  for (const r of rows) {
    const key = `${r.dataset}\u0000${r.fraction}`;
    if (!out.has(key)) out.set(key, { dataset: r.dataset, fraction: r.fraction, rows: [] });
    out.get(key)!.rows.push(r);
  }
  return [...out.values()];
}
