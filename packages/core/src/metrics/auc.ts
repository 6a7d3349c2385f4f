// ROC AUC as the MedMNIST evaluator computes it: binary on the class-1 probability, multi-class
// and ordinal as the mean one-vs-rest AUC, multi-label as the mean per-label AUC.
import type { MetricInput, MetricSpec } from './spec';
import { ALL_TASKS, meanDefined } from './spec';

/**
 * ROC AUC of `scores` for the samples where `isPositive` holds versus the rest, by the rank
 * (Mann–Whitney U) formula with average ranks for tied scores — the value scikit-learn's
 * `roc_auc_score` gives. `isPositive` holds booleans or 0/1; `index` selects the samples
 * (all when omitted).
 * Returns NaN when there are no positives or no negatives (AUC undefined) or a score is not finite.
 */
export function rocAuc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>, index?: ArrayLike<number>): number {
  const n = index ? index.length : scores.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = index ? index[i] : i;
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[order[i]])) return NaN;
  order.sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    // a run of equal scores [i, j) shares the average of ranks i+1 … j
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (isPositive[order[k]]) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * One-vs-rest AUC of each class (per label for multi-label, over its unmasked entries), NaN
 * where undefined: the class has no positives or no negatives in the split. All NaN when a
 * score is not finite, so a diverged model is not scored on the finite part.
 */
export function classAucs(input: MetricInput): number[] {
  return input.shared('class-auc', () => {
    const { n, numOutputs: k, labels, scores, task } = input;
    if (!input.finite) return new Array<number>(k).fill(NaN);
    const column = new Float32Array(n);
    const isPos = new Uint8Array(n);
    const out: number[] = [];
    for (let c = 0; c < k; c++) {
      const keep: number[] = [];
      for (let i = 0; i < n; i++) {
        column[i] = scores[i * k + c];
        const y = task === 'multi-label' ? labels[i * k + c] : labels[i] === c ? 1 : 0;
        isPos[i] = y === 1 ? 1 : 0;
        if (y !== -1) keep.push(i);
      }
      out.push(rocAuc(column, isPos, task === 'multi-label' ? keep : undefined));
    }
    return out;
  });
}

/** `classAucs` as stored (`perClassAuc`): null where undefined. */
export function perClassAuc(input: MetricInput): (number | null)[] {
  return classAucs(input).map((v) => (Number.isNaN(v) ? null : v));
}

export const auc: MetricSpec = {
  name: 'auc',
  label: 'AUC',
  description:
    'ROC AUC (MedMNIST): binary on the class-1 probability; multi-class and ordinal the mean one-vs-rest AUC; multi-label the mean per-label AUC. Classes without positives or negatives are left out of the mean.',
  higherIsBetter: true,
  range: [0, 1],
  tasks: ALL_TASKS,
  compute(input) {
    const aucs = classAucs(input);
    return input.task === 'binary' ? aucs[1] : meanDefined(aucs);
  },
};
