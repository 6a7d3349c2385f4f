// Convergence speed read off a learning curve: when the validation metric first reaches a
// threshold (the speed measure of Raghu et al. 2019, Sec. 5), and the curve's mean level.
import type { CurvePoint } from '@medtransfer/core';
import { checkMetricOptions, curveValue, type CurveMetric } from './metric';

/** Where a curve first reached the threshold; all fields null when it never did (censored). */
export interface ThresholdCrossing {
  steps: number | null;
  epochs: number | null;
  imagesSeen: number | null;
  trainSeconds: number | null;
}

/** Curve points ordered by step; points whose metric is not finite (e.g. NaN AUC) are dropped. */
function usablePoints(curve: readonly CurvePoint[], metric: CurveMetric): CurvePoint[] {
  return curve.filter((p) => Number.isFinite(curveValue(p, metric))).sort((a, b) => a.step - b.step);
}

/**
 * The first curve point whose validation `metric` is ≥ `threshold` (equality counts as reached).
 * Returns nulls when no point reaches it: the run is censored, not "infinitely slow".
 */
export function stepsToThreshold(curve: readonly CurvePoint[], metric: CurveMetric, threshold: number): ThresholdCrossing {
  checkMetricOptions({ metric, threshold }, 'stepsToThreshold');
  const hit = usablePoints(curve, metric).find((p) => curveValue(p, metric) >= threshold);
  if (!hit) return { steps: null, epochs: null, imagesSeen: null, trainSeconds: null };
  return { steps: hit.step, epochs: hit.epoch, imagesSeen: hit.imagesSeen, trainSeconds: hit.trainSeconds };
}

/**
 * Mean value of the validation `metric` over the step range (trapezoidal area divided by the
 * number of steps covered), so curves of different lengths compare on the same scale.
 * A single point gives its own value; no usable point gives null.
 */
export function areaUnderCurve(curve: readonly CurvePoint[], metric: CurveMetric): number | null {
  checkMetricOptions({ metric }, 'areaUnderCurve');
  const pts = usablePoints(curve, metric);
  if (pts.length === 0) return null;
  const span = pts[pts.length - 1].step - pts[0].step;
  if (span <= 0) return pts.reduce((s, p) => s + curveValue(p, metric), 0) / pts.length;
  let area = 0;
  for (let i = 1; i < pts.length; i++) {
    area += ((curveValue(pts[i - 1], metric) + curveValue(pts[i], metric)) / 2) * (pts[i].step - pts[i - 1].step);
  }
  return area / span;
}
