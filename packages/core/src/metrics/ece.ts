// Expected calibration error: how far the predicted confidence is from the accuracy, in 15
// equal-width confidence bins (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017,
// Sec. 2; 15 bins as in their experiments). Lower is better.
import type { MetricSpec } from './spec';
import { CLASS_TASKS } from './spec';

const BINS = 15;

/** Bin b holds confidences in (b/15, (b+1)/15]; the first bin also holds 0 (and anything below), the last anything above 1. */
function binOf(confidence: number): number {
  let b = Math.min(BINS - 1, Math.max(0, Math.ceil(confidence * BINS) - 1));
  // the product can round across an edge; compare with the edges themselves, as the reference does
  while (b > 0 && confidence <= b / BINS) b--;
  while (b < BINS - 1 && confidence > (b + 1) / BINS) b++;
  return b;
}

export const ece: MetricSpec = {
  name: 'ece',
  label: 'ECE',
  title: 'expected calibration error',
  description:
    'Expected calibration error: confidence = the largest class probability, correct = the argmax class is the true one; 15 equal-width bins (b/15, (b+1)/15]; ECE = Σ over bins of (images in bin / n) · |accuracy − mean confidence| (Guo et al. 2017). Lower is better.',
  higherIsBetter: false,
  range: [0, 1],
  tasks: CLASS_TASKS,
  compute(input) {
    const { n, numOutputs: k, labels, scores } = input;
    if (n === 0 || !input.finite) return NaN;
    const predicted = input.predicted;
    const count = new Float64Array(BINS);
    const correct = new Float64Array(BINS);
    const confidence = new Float64Array(BINS);
    for (let i = 0; i < n; i++) {
      const c = scores[i * k + predicted[i]];
      const b = binOf(c);
      count[b]++;
      confidence[b] += c;
      if (predicted[i] === labels[i]) correct[b]++;
    }
    let e = 0;
    for (let b = 0; b < BINS; b++) if (count[b] > 0) e += (count[b] / n) * Math.abs(correct[b] / count[b] - confidence[b] / count[b]);
    return e;
  },
};
