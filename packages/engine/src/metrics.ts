// AUC and ACC computed the way the MedMNIST evaluator does, per task type, on plain arrays
// (probabilities already copied out of tensors), so metrics need no backend.
import type { TaskType } from '@medtransfer/core';
import { MedtransferError } from '@medtransfer/core';

/** AUC and ACC of one split. AUC is NaN when no class/label has both positives and negatives. */
export interface ScoreMetrics {
  auc: number;
  acc: number;
  /** One-vs-rest AUC per class (per label for multi-label); null where undefined (see computeMetrics). */
  perClassAuc: (number | null)[];
  /** Ordinal tasks: quadratic-weighted Cohen's kappa of the argmax grades (see quadraticKappa). */
  kappa?: number;
}

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

/** Mean of the defined (non-NaN) entries, NaN when none is defined. */
function meanDefined(values: number[]): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count ? sum / count : NaN;
}

function checkShapes(task: TaskType, labels: Int32Array, labelWidth: number, scores: Float32Array, numOutputs: number): number {
  if (!Number.isInteger(numOutputs) || numOutputs < 1 || scores.length % numOutputs !== 0) {
    throw new MedtransferError(`computeMetrics: ${scores.length} scores do not divide into rows of numOutputs = ${numOutputs}`);
  }
  const n = scores.length / numOutputs;
  if (labels.length !== n * labelWidth) {
    throw new MedtransferError(
      `computeMetrics: ${labels.length} labels for ${n} score rows with labelWidth ${labelWidth}; expected ${n * labelWidth}`,
    );
  }
  if (task === 'multi-label' && labelWidth !== numOutputs) {
    throw new MedtransferError(`computeMetrics: multi-label task has ${labelWidth} labels per image but ${numOutputs} outputs; they must match`);
  }
  if (task !== 'multi-label' && labelWidth !== 1) {
    throw new MedtransferError(`computeMetrics: a ${task} task expects one class index per image (labelWidth 1), received labelWidth ${labelWidth}`);
  }
  if (task === 'binary' && numOutputs !== 2) {
    throw new MedtransferError(`computeMetrics: a binary task expects 2 probabilities per image (class 0, class 1), received ${numOutputs}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const ok = task === 'multi-label' ? y === -1 || y === 0 || y === 1 : y >= 0 && y < numOutputs;
    if (!ok) {
      const valid = task === 'multi-label' ? '0, 1 or -1 (masked)' : `a class index 0…${numOutputs - 1}`;
      throw new MedtransferError(`computeMetrics: label entry ${i} is ${y}; a ${task} label must be ${valid}`);
    }
  }
  return n;
}

const toNullable = (values: number[]): (number | null)[] => values.map((v) => (Number.isNaN(v) ? null : v));

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

/** Binary, multi-class and ordinal: labels are class indices, scores are class probabilities. */
function classMetrics(task: TaskType, labels: Int32Array, scores: Float32Array, n: number, k: number): ScoreMetrics {
  let correct = 0;
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    // `>` keeps the first of equal maxima (numpy argmax); NaN never wins
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    predicted[i] = best;
    if (best === labels[i]) correct++;
  }
  const acc = n ? correct / n : NaN;
  const column = new Float32Array(n);
  const isPos = new Uint8Array(n);
  const aucOf = (c: number): number => {
    for (let i = 0; i < n; i++) {
      column[i] = scores[i * k + c];
      isPos[i] = labels[i] === c ? 1 : 0;
    }
    return rocAuc(column, isPos);
  };
  const perClass: number[] = [];
  for (let c = 0; c < k; c++) perClass.push(aucOf(c));
  const perClassAuc = toNullable(perClass);
  if (task === 'binary') return { auc: perClass[1], acc, perClassAuc };
  const m: ScoreMetrics = { auc: meanDefined(perClass), acc, perClassAuc };
  if (task === 'ordinal') m.kappa = quadraticKappa(labels, predicted, k);
  return m;
}

/** Multi-label: per-label AUC and ACC at 0.5 over the unmasked entries (label -1 = unknown). */
function multiLabelMetrics(labels: Int32Array, scores: Float32Array, n: number, k: number): ScoreMetrics {
  const aucs: number[] = [];
  const accs: number[] = [];
  const column = new Float32Array(n);
  const isPos = new Uint8Array(n);
  for (let j = 0; j < k; j++) {
    const keep: number[] = [];
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[i * k + j];
      const s = scores[i * k + j];
      column[i] = s;
      isPos[i] = y === 1 ? 1 : 0;
      if (y === -1) continue;
      keep.push(i);
      if ((s > 0.5 ? 1 : 0) === y) correct++;
    }
    aucs.push(rocAuc(column, isPos, keep));
    accs.push(keep.length ? correct / keep.length : NaN);
  }
  return { auc: meanDefined(aucs), acc: meanDefined(accs), perClassAuc: toNullable(aucs) };
}

/**
 * MedMNIST-evaluator metrics for one split.
 * - binary: AUC of the class-1 probability (column 1 of n×2 scores); ACC by argmax (= p₁ > 0.5).
 * - multi-class, ordinal: AUC = mean one-vs-rest AUC over classes; ACC by argmax.
 * - multi-label: AUC = mean per-label AUC; ACC per label at 0.5, then averaged; label entries
 *   -1 are masked out of both.
 * - ordinal also: `kappa`, quadratic-weighted Cohen's kappa of the argmax grades (`quadraticKappa`).
 * A class (or label) without positives or without negatives in `labels` has no AUC: it is null
 * in `perClassAuc`, left out of the mean, and the AUC is NaN only when every class is
 * undefined. Tied scores share average ranks (half credit per tied positive/negative pair);
 * tied maxima in a row predict the lowest class index. Non-finite scores (a diverged model)
 * give NaN AUC and null per-class AUCs.
 *
 * @param labels `n × labelWidth` class indices (labelWidth 1) or 0/1/-1 label entries.
 * @param scores `n × numOutputs` probabilities (softmax for class tasks, sigmoid for multi-label).
 */
export function computeMetrics(
  task: TaskType,
  labels: Int32Array,
  labelWidth: number,
  scores: Float32Array,
  numOutputs: number,
): ScoreMetrics {
  const n = checkShapes(task, labels, labelWidth, scores, numOutputs);
  let m: ScoreMetrics;
  switch (task) {
    case 'binary':
    case 'multi-class':
    case 'ordinal':
      m = classMetrics(task, labels, scores, n, numOutputs);
      break;
    case 'multi-label':
      m = multiLabelMetrics(labels, scores, n, numOutputs);
      break;
    default:
      throw new MedtransferError(`computeMetrics: unknown task "${String(task)}"; valid: binary, multi-class, ordinal, multi-label`);
  }
  // rocAuc is NaN for a non-finite column, which the mean would silently skip as "undefined"
  return scores.every(Number.isFinite) ? m : { ...m, auc: NaN, perClassAuc: m.perClassAuc.map(() => null) };
}
