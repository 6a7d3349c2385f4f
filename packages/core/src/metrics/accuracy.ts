// Accuracy as the MedMNIST evaluator computes it: argmax for class tasks (binary: p₁ > 0.5),
// per label at 0.5 then averaged for multi-label.
import type { MetricSpec } from './spec';
import { ALL_TASKS, meanDefined } from './spec';

export const acc: MetricSpec = {
  name: 'acc',
  label: 'ACC',
  title: 'accuracy',
  description: 'Accuracy (MedMNIST): argmax class for binary (p₁ > 0.5), multi-class and ordinal; multi-label per label at 0.5 over unmasked entries, averaged over labels.',
  higherIsBetter: true,
  range: [0, 1],
  tasks: ALL_TASKS,
  compute(input) {
    const { n, numOutputs: k, labels, scores } = input;
    if (input.task !== 'multi-label') {
      const predicted = input.predicted;
      let correct = 0;
      for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) correct++;
      return n ? correct / n : NaN;
    }
    const perLabel: number[] = [];
    for (let j = 0; j < k; j++) {
      let known = 0;
      let correct = 0;
      for (let i = 0; i < n; i++) {
        const y = labels[i * k + j];
        if (y === -1) continue;
        known++;
        if ((scores[i * k + j] > 0.5 ? 1 : 0) === y) correct++;
      }
      perLabel.push(known ? correct / known : NaN);
    }
    return meanDefined(perLabel);
  },
};
