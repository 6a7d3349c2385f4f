// Which validation/test metric an analysis looks at, and the check that the choice is valid.
import { MedtransferError } from '@medtransfer/core';
import type { CurvePoint, Metrics } from '@medtransfer/core';

/** The metrics every trial records on its curve and on the test split. */
export type CurveMetric = 'auc' | 'acc';

export const CURVE_METRICS: readonly CurveMetric[] = ['auc', 'acc'];

/** Human-readable name, as used in table headers and axis titles. */
export function metricLabel(metric: CurveMetric): string {
  return metric === 'auc' ? 'AUC' : 'ACC';
}

/** The validation value of `metric` at one curve point. */
export function curveValue(point: CurvePoint, metric: CurveMetric): number {
  return metric === 'auc' ? point.valAuc : point.valAcc;
}

export function metricValue(metrics: Metrics, metric: CurveMetric): number {
  return metric === 'auc' ? metrics.auc : metrics.acc;
}

/**
 * Checks options that may come from a config file or a CLI flag, so a typo fails with a clear
 * message instead of an empty table.
 */
export function checkMetricOptions(opts: { metric: unknown; threshold?: unknown }, where = 'analysis'): void {
  if (!CURVE_METRICS.includes(opts.metric as CurveMetric)) {
    throw new MedtransferError(
      `${where}: metric ${JSON.stringify(opts.metric)} is not supported; use one of ${CURVE_METRICS.map((m) => `"${m}"`).join(', ')}.`,
    );
  }
  if (opts.threshold !== undefined && (typeof opts.threshold !== 'number' || !Number.isFinite(opts.threshold))) {
    throw new MedtransferError(
      `${where}: threshold ${JSON.stringify(opts.threshold)} is not a finite number; give the validation ${metricLabel(opts.metric as CurveMetric)} to reach, e.g. 0.9.`,
    );
  }
}
