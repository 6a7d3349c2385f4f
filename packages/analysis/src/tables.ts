// Results as long tables (one row per trial, one row per curve point): the shape every summary
// and figure starts from, so a new column is added here once and is then available everywhere.
import * as aq from 'arquero';
import { MedtransferError, metrics } from '@medtransfer/core';
import type { MetricValues, Metrics, TrialResult } from '@medtransfer/core';
import { areaUnderCurve, stepsToThreshold } from './convergence';
import { checkMetricOptions, type CurveMetric } from './metric';

export type Table = aq.ColumnTable;

/** The columns that identify a trial, first in every row of both tables. */
export interface TrialIdentity {
  experiment: string;
  trial: string;
  dataset: string;
  backbone: string;
  init: string;
  seed: number;
  /**
   * Fraction of the training split used (small-data sweeps); null when the trial does not record
   * one (the full split). Read from the summary's optional `dataFraction` field.
   */
  fraction: number | null;
}

/** The data fraction a trial records, if any (`dataFraction` in summary.json; absent = full data). */
export function dataFraction(s: TrialResult['summary']): number | null {
  return finiteOrNull((s as TrialResult['summary'] & { dataFraction?: number }).dataFraction);
}

function identity(s: TrialResult['summary']): TrialIdentity {
  return {
    experiment: s.experiment,
    trial: s.trial,
    dataset: s.dataset,
    backbone: s.backbone,
    init: s.init,
    seed: s.seed,
    fraction: dataFraction(s),
  };
}

/** One row per trial: identity, test metrics, and convergence for the chosen metric and threshold. */
export interface TrialRow extends TrialIdentity {
  /** Null when the trial recorded a non-finite value. */
  test_auc: number | null;
  test_acc: number | null;
  /** `test_<name>` for every registered metric: null when the trial did not record it (its task does not define it) or it is not finite. */
  [metric: `test_${string}`]: number | null;
  /** Steps until the val metric reached the threshold (≥; ≤ for a lower-is-better metric); null when never reached (censored). */
  steps: number | null;
  /** Mean validation metric over the curve's step range. */
  val_mean: number | null;
  /** Steps the trial trained for (a censored run needed more than this). */
  trained_steps: number;
  train_seconds: number;
  params: number;
}

/** One row per curve point (benchopt-style long format). */
export interface CurveRow extends TrialIdentity {
  step: number;
  epoch: number;
  images_seen: number;
  train_loss: number;
  val_loss: number;
  val_auc: number | null;
  val_acc: number | null;
  /** `val_<name>` for every registered metric (null where the point has none or it is not finite). */
  [metric: `val_${string}`]: number | null;
  train_seconds: number;
}

/** Throws a message that says what is missing, rather than letting an empty table through. */
export function requireResults(results: readonly TrialResult[], where: string): void {
  if (!Array.isArray(results) || results.length === 0) {
    throw new MedtransferError(
      `${where}: no trial results to analyse (received ${Array.isArray(results) ? 'an empty list' : typeof results}); run the experiment first or check the results directory.`,
    );
  }
}

/** Values that cannot be summarised (NaN, ±Infinity, missing) become null, which arquero skips. */
export function finiteOrNull(x: number | undefined | null): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** One column per registered metric, `<prefix><name>`, in registry order (every row has them all, so tables keep one shape). */
function metricColumns<P extends string>(prefix: P, values: Metrics | MetricValues | undefined): Record<`${P}${string}`, number | null> & Record<`${P}auc` | `${P}acc`, number | null> {
  const out: Record<string, number | null> = {};
  for (const name of metrics.names()) {
    const v = values?.[name];
    out[`${prefix}${name}`] = finiteOrNull(typeof v === 'number' ? v : null);
  }
  return out as Record<`${P}${string}`, number | null> & Record<`${P}auc` | `${P}acc`, number | null>;
}

export function trialRows(results: readonly TrialResult[], opts: { metric: CurveMetric; threshold: number }): TrialRow[] {
  checkMetricOptions(opts, 'trialsTable');
  return results.map(({ summary: s, curve }) => ({
    ...identity(s),
    ...metricColumns('test_', s.test),
    steps: stepsToThreshold(curve ?? [], opts.metric, opts.threshold).steps,
    val_mean: areaUnderCurve(curve ?? [], opts.metric),
    trained_steps: s.steps,
    train_seconds: s.trainSeconds,
    params: s.params,
  }));
}

export function trialsTable(results: readonly TrialResult[], opts: { metric: CurveMetric; threshold: number }): Table {
  requireResults(results, 'trialsTable');
  return aq.from(trialRows(results, opts));
}

export function curveRows(results: readonly TrialResult[]): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const { summary: s, curve } of results) {
    const id = identity(s);
    for (const p of curve ?? []) {
      rows.push({
        ...id,
        step: p.step,
        epoch: p.epoch,
        images_seen: p.imagesSeen,
        train_loss: p.trainLoss,
        val_loss: p.valLoss,
        ...metricColumns('val_', p.val),
        train_seconds: p.trainSeconds,
      });
    }
  }
  return rows;
}

export function curvesTable(results: readonly TrialResult[]): Table {
  requireResults(results, 'curvesTable');
  return aq.from(curveRows(results));
}

/**
 * Sort rank of an initialisation: scratch first (the baseline), then pretrained, then the rest
 * (transfusion, mean-var, ...) by name, so tables and legends read baseline → treatment.
 */
export function initRank(init: string): number {
  return init === 'scratch' ? 0 : init === 'pretrained' ? 1 : 2;
}

export function compareInits(a: string, b: string): number {
  return initRank(a) - initRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}
