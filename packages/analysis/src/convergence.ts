// Convergence speed read off a learning curve, for the analysis tables: the argument-checked
// face of core's convergence functions (first reach of a threshold — the speed measure of Raghu
// et al. 2019, Sec. 5 — and the curve's mean level), which the runner's trial summaries use too.
import { type CurvePoint, curveArea, firstReach } from '@medtransfer/core';
import { checkMetricOptions, type CurveMetric } from './metric';

/** Where a curve first reached the threshold; all fields null when it never did (censored). */
export interface ThresholdCrossing {
  steps: number | null;
  epochs: number | null;
  imagesSeen: number | null;
  trainSeconds: number | null;
}

/**
 * The first curve point whose validation `metric` reaches `threshold` (≥ it; ≤ it for a
 * lower-is-better metric; equality counts; points whose metric is not finite are skipped). Returns nulls when no point reaches it: the
 * run is censored, not "infinitely slow".
 */
export function stepsToThreshold(curve: readonly CurvePoint[], metric: CurveMetric, threshold: number): ThresholdCrossing {
  checkMetricOptions({ metric, threshold }, 'stepsToThreshold');
  const hit = firstReach(curve, metric, threshold);
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
  return curveArea(curve, metric);
}
