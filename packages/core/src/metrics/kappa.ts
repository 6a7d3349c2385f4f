// Quadratic-weighted Cohen's kappa of the argmax grades: the diabetic-retinopathy grading
// convention, for ordinal tasks.
import { MedtransferError } from '../errors';
import type { MetricSpec } from './spec';

/**
 * Quadratic-weighted Cohen's kappa between true grades and predicted grades 0…k−1:
 * κ = 1 − Σ w·O / Σ w·E with w_ij = (i − j)², O the k×k confusion counts and E the outer
 * product of its row and column sums divided by n. All k grades enter the weights, whether
 * or not they occur in the split (scikit-learn's `cohen_kappa_score(..., weights='quadratic',
 * labels=range(k))`; without `labels` scikit-learn would re-index the grades present, so an
 * absent grade would shrink the distances). NaN when Σ w·E = 0, i.e. the true and predicted
 * grades are all one and the same grade (chance agreement is perfect, kappa undefined), and for
 * an empty split.
 */
export function quadraticKappa(truth: ArrayLike<number>, predicted: ArrayLike<number>, k: number): number {
  const n = truth.length;
  if (predicted.length !== n) throw new MedtransferError(`quadraticKappa: ${n} true grades but ${predicted.length} predictions`);
  const o = new Float64Array(k * k);
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const a = truth[i];
    const b = predicted[i];
    if (!(a >= 0 && a < k && b >= 0 && b < k)) throw new MedtransferError(`quadraticKappa: entry ${i} has grades ${a}, ${b}; grades must be 0…${k - 1}`);
    o[a * k + b]++;
    rows[a]++;
    cols[b]++;
  }
  let observed = 0;
  let expected = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const w = (a - b) ** 2;
      observed += w * o[a * k + b];
      expected += (w * rows[a] * cols[b]) / n;
    }
  }
  return expected > 0 ? 1 - observed / expected : NaN;
}

export const kappa: MetricSpec = {
  name: 'kappa',
  label: 'kappa',
  title: 'quadratic kappa',
  description: "Quadratic-weighted Cohen's kappa of the argmax grades, weights over all grades of the task (ordinal tasks).",
  higherIsBetter: true,
  range: [-1, 1],
  tasks: ['ordinal'],
  compute: (input) => quadraticKappa(input.labels, input.predicted, input.numOutputs),
};
