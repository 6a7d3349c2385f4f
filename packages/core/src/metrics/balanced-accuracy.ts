// Balanced accuracy: the mean recall over the classes present in the split, so a rare class
// counts as much as a common one (scikit-learn's balanced_accuracy_score).
import type { MetricSpec } from './spec';
import { CLASS_TASKS, meanDefined } from './spec';

export const balancedAccuracy: MetricSpec = {
  name: 'balanced-accuracy',
  label: 'balanced ACC',
  title: 'balanced accuracy',
  description:
    'Mean over the classes present in the split of the recall (the fraction of the class predicted as it; argmax class, binary p₁ > 0.5); classes absent from the truth are left out, as scikit-learn balanced_accuracy_score does.',
  higherIsBetter: true,
  range: [0, 1],
  tasks: CLASS_TASKS,
  compute(input) {
    const { n, numOutputs: k, labels } = input;
    const predicted = input.predicted;
    const support = new Float64Array(k);
    const hits = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      support[labels[i]]++;
      if (predicted[i] === labels[i]) hits[labels[i]]++;
    }
    const recalls: number[] = [];
    for (let c = 0; c < k; c++) if (support[c] > 0) recalls.push(hits[c] / support[c]);
    return meanDefined(recalls);
  },
};
