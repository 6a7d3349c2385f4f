// Convergence speed read off a validation curve, shared by the runner (trial summaries) and
// analysis: when a metric first reaches a threshold (Raghu et al. 2019, Sec. 5) and the area
// under the learning curve. Pure functions of the curve; any registered metric.
import { metricOf, metrics } from './metrics';
import type { ConvergenceSummary, CurvePoint, ThresholdReach } from './types';

/** A registered metric name (`auc`, `acc`, `kappa`, …). */
export type ConvergenceMetric = string;

/** The validation value of `metric` at one point (NaN when the point has none). */
export function validationValue(point: CurvePoint, metric: ConvergenceMetric): number {
  return metricOf(point.val, metric);
}

/** Points ordered by step, without those whose metric is not finite (e.g. NaN AUC). */
function usable(curve: readonly CurvePoint[], metric: ConvergenceMetric): CurvePoint[] {
  return curve.filter((p) => Number.isFinite(validationValue(p, metric))).sort((a, b) => a.step - b.step);
}

/**
 * First point whose value reaches the threshold — ≥ it for a higher-is-better metric, ≤ it for a
 * lower-is-better one (equality counts) — or undefined: the run is censored.
 */
export function firstReach(curve: readonly CurvePoint[], metric: ConvergenceMetric, threshold: number): CurvePoint | undefined {
  const higher = metrics.get(metric).higherIsBetter;
  return usable(curve, metric).find((p) => (higher ? validationValue(p, metric) >= threshold : validationValue(p, metric) <= threshold));
}

/**
 * Mean validation value over the step range: trapezoidal area divided by the steps covered,
 * so curves of different lengths compare on one scale. One point gives its value; none gives null.
 */
export function curveArea(curve: readonly CurvePoint[], metric: ConvergenceMetric): number | null {
  const pts = usable(curve, metric);
  if (pts.length === 0) return null;
  const span = pts[pts.length - 1].step - pts[0].step;
  if (span <= 0) return pts.reduce((s, p) => s + validationValue(p, metric), 0) / pts.length;
  let area = 0;
  for (let i = 1; i < pts.length; i++) {
    area += ((validationValue(pts[i - 1], metric) + validationValue(pts[i], metric)) / 2) * (pts[i].step - pts[i - 1].step);
  }
  return area / span;
}

function reach(curve: readonly CurvePoint[], metric: ConvergenceMetric, threshold: number, basis: ThresholdReach['basis'], fraction?: number): ThresholdReach {
  const hit = Number.isFinite(threshold) ? firstReach(curve, metric, threshold) : undefined;
  return {
    threshold,
    basis,
    ...(fraction === undefined ? {} : { fraction }),
    steps: hit ? hit.step : null,
    epochs: hit ? hit.epoch : null,
    imagesSeen: hit ? hit.imagesSeen : null,
    trainSeconds: hit ? hit.trainSeconds : null,
    censored: !hit,
  };
}

export interface ConvergenceOptions {
  metric: ConvergenceMetric;
  /** Absolute threshold, e.g. AUC 0.91. */
  threshold: number;
  /**
   * Relative threshold from the run's final (last finite) or best validation value: fraction ×
   * that value for a higher-is-better metric, that value ÷ fraction for a lower-is-better one
   * (both: a little worse than the reference).
   */
  relative?: { fraction: number; of: 'final' | 'best' };
}

/**
 * Steps, epochs, images seen and training seconds (evaluation excluded) until the validation
 * metric first reached the absolute threshold (and the relative one, when given), plus the
 * area under the curve. A threshold never reached is censored: nulls and `censored: true`.
 * A relative threshold of a curve without any finite value is NaN and censored.
 */
export function convergenceSummary(curve: readonly CurvePoint[], opts: ConvergenceOptions): ConvergenceSummary {
  const higher = metrics.get(opts.metric, 'report.metric').higherIsBetter;
  const reached = [reach(curve, opts.metric, opts.threshold, 'absolute')];
  if (opts.relative) {
    const values = usable(curve, opts.metric).map((p) => validationValue(p, opts.metric));
    const best = higher ? Math.max(...values) : Math.min(...values);
    const ref = values.length === 0 ? NaN : opts.relative.of === 'best' ? best : values[values.length - 1];
    const threshold = higher ? opts.relative.fraction * ref : ref / opts.relative.fraction;
    reached.push(reach(curve, opts.metric, threshold, opts.relative.of, opts.relative.fraction));
  }
  return { metric: opts.metric, areaUnderCurve: curveArea(curve, opts.metric), reached };
}
