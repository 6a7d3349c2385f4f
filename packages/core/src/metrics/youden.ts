// Sensitivity and specificity at the Youden point: the threshold on the class-1 probability that
// maximises Youden's J = sensitivity + specificity − 1 (TPR − FPR on the ROC curve). Binary only:
// a multi-class task has no single positive class (one-vs-rest per class would be several values).
import type { MetricInput, MetricSpec } from './spec';

interface YoudenPoint {
  sensitivity: number;
  specificity: number;
}

/**
 * The ROC point of the class-1 probability with the largest TPR − FPR, thresholds taken in
 * decreasing order from "predict nothing positive" (TPR = FPR = 0); of equal maxima the first,
 * i.e. the highest threshold (numpy argmax over scikit-learn's `roc_curve(…,
 * drop_intermediate=False)`). NaN without positives or negatives, or with a non-finite score.
 */
function youdenPoint(input: MetricInput): YoudenPoint {
  return input.shared('youden', () => {
    const { n, labels, scores } = input;
    let positives = 0;
    for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0;
    const negatives = n - positives;
    if (!input.finite || positives === 0 || negatives === 0) return { sensitivity: NaN, specificity: NaN };
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[2 * b + 1] - scores[2 * a + 1]);
    let tp = 0;
    let fp = 0;
    let best = { j: 0, tpr: 0, fpr: 0 };
    for (let i = 0; i < n; ) {
      // all samples with this score cross the threshold together
      const s = scores[2 * order[i] + 1];
      for (; i < n && scores[2 * order[i] + 1] === s; i++) {
        if (labels[order[i]] === 1) tp++;
        else fp++;
      }
      const tpr = tp / positives;
      const fpr = fp / negatives;
      if (tpr - fpr > best.j) best = { j: tpr - fpr, tpr, fpr };
    }
    return { sensitivity: best.tpr, specificity: 1 - best.fpr };
  });
}

export const sensitivityYouden: MetricSpec = {
  name: 'sensitivity-youden',
  label: 'sensitivity (Youden)',
  description:
    "Sensitivity (true-positive rate) at the threshold on the class-1 probability that maximises Youden's J = TPR − FPR (binary tasks); of equal maxima the highest threshold.",
  higherIsBetter: true,
  range: [0, 1],
  tasks: ['binary'],
  compute: (input) => youdenPoint(input).sensitivity,
};

export const specificityYouden: MetricSpec = {
  name: 'specificity-youden',
  label: 'specificity (Youden)',
  description:
    "Specificity (1 − false-positive rate) at the threshold on the class-1 probability that maximises Youden's J = TPR − FPR (binary tasks); of equal maxima the highest threshold.",
  higherIsBetter: true,
  range: [0, 1],
  tasks: ['binary'],
  compute: (input) => youdenPoint(input).specificity,
};
