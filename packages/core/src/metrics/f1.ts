// F1 score, 2·TP / (2·TP + FP + FN) (the harmonic mean of precision and recall): binary for
// class 1 at 0.5, macro-averaged over classes (multi-class, ordinal) or labels (multi-label).
import type { MetricSpec } from './spec';
import { ALL_TASKS, meanDefined } from './spec';

/** 2·TP / (2·TP + FP + FN); NaN when the class is neither true nor predicted anywhere (0/0). */
function f1Of(tp: number, fp: number, fn: number): number {
  const denominator = 2 * tp + fp + fn;
  return denominator > 0 ? (2 * tp) / denominator : NaN;
}

export const f1: MetricSpec = {
  name: 'f1',
  label: 'F1',
  description:
    'F1 = 2·TP / (2·TP + FP + FN): binary for class 1 predicted at p₁ > 0.5; multi-class and ordinal the macro mean over the classes in the truth or the predictions (argmax), as scikit-learn f1_score(average="macro"); multi-label the mean over labels at 0.5 (unmasked entries). NaN, not 0, where a class is neither true nor predicted.',
  higherIsBetter: true,
  range: [0, 1],
  tasks: ALL_TASKS,
  compute(input) {
    const { n, numOutputs: k, labels, scores, task } = input;
    const tp = new Float64Array(k);
    const fp = new Float64Array(k);
    const fn = new Float64Array(k);
    if (task === 'multi-label') {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < k; j++) {
          const y = labels[i * k + j];
          if (y === -1) continue;
          const p = scores[i * k + j] > 0.5;
          if (p && y === 1) tp[j]++;
          else if (p) fp[j]++;
          else if (y === 1) fn[j]++;
        }
      }
    } else {
      const predicted = input.predicted;
      for (let i = 0; i < n; i++) {
        if (predicted[i] === labels[i]) tp[labels[i]]++;
        else {
          fp[predicted[i]]++;
          fn[labels[i]]++;
        }
      }
    }
    if (task === 'binary') return f1Of(tp[1], fp[1], fn[1]);
    return meanDefined(Array.from({ length: k }, (_, c) => f1Of(tp[c], fp[c], fn[c])));
  },
};
