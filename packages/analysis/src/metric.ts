// Which validation/test metric an analysis looks at — any metric registered in core — and the
// check that the choice is valid.
import { MedtransferError, metricOf, metrics, unknownNameMessage, validationValue } from '@medtransfer/core';
import type { CurvePoint, Metrics } from '@medtransfer/core';

/** A registered metric name (`auc`, `acc`, `kappa`, …): every trial records it on its curve and on the test split where its task defines it. */
export type CurveMetric = string;

/** The registered metric names. */
export function curveMetrics(): string[] {
  return metrics.names();
}

/** Short name, as used in table headers and thresholds (`AUC`, `ACC`). */
export function metricLabel(metric: CurveMetric): string {
  return metrics.get(metric).label;
}

/** Name in axis titles (`AUC`, `accuracy`). */
export function metricTitle(metric: CurveMetric): string {
  const spec = metrics.get(metric);
  return spec.title ?? spec.label;
}

/** `val AUC ≥ 0.8`: what reaching the threshold means (≤ for a lower-is-better metric). */
export function thresholdText(metric: CurveMetric, threshold: number | string): string {
  return `val ${metricLabel(metric)} ${metrics.get(metric).higherIsBetter ? '≥' : '≤'} ${threshold}`;
}

/** The validation value of `metric` at one curve point (NaN where the point has none). */
export function curveValue(point: CurvePoint, metric: CurveMetric): number {
  return validationValue(point, metric);
}

export function metricValue(m: Metrics, metric: CurveMetric): number {
  return metricOf(m, metric);
}

/**
 * Checks options that may come from a config file or a CLI flag, so a typo fails with a clear
 * message ("did you mean …") instead of an empty table.
 */
export function checkMetricOptions(opts: { metric: unknown; threshold?: unknown }, where = 'analysis'): void {
  if (typeof opts.metric !== 'string' || !metrics.has(opts.metric)) {
    throw new MedtransferError(`${where}: ${unknownNameMessage('metric', String(opts.metric), metrics.names())}`);
  }
  if (opts.threshold !== undefined && (typeof opts.threshold !== 'number' || !Number.isFinite(opts.threshold))) {
    throw new MedtransferError(
      `${where}: threshold ${JSON.stringify(opts.threshold)} is not a finite number; give the validation ${metricLabel(opts.metric)} to reach, e.g. 0.9.`,
    );
  }
}
