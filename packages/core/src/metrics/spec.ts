// What a metric is (MetricSpec) and what it computes from (MetricInput: the labels and
// probabilities of one split, shape-checked once, with derived values shared between metrics).
import { MedtransferError } from '../errors';
import type { TaskType } from '../types';

export const ALL_TASKS: readonly TaskType[] = ['binary', 'multi-class', 'ordinal', 'multi-label'];
/** Tasks whose labels are one class index per image (all but multi-label). */
export const CLASS_TASKS: readonly TaskType[] = ['binary', 'multi-class', 'ordinal'];

/** A metric of one split, registered by name in `metrics` (registry.ts). */
export interface MetricSpec {
  /** Registry name: the config value (`report.metric`), the key in stored metrics and in a curve point's `val`. */
  name: string;
  /** Short name for table headers and thresholds (`AUC`, `ACC`). */
  label: string;
  /** Name in prose and axis titles when the label is an abbreviation (`accuracy`); default: the label. */
  title?: string;
  /** One line: what it measures and how, for docs and the JSON Schema. */
  description: string;
  /** Early stopping and convergence thresholds read this: ≥ threshold reaches when true, ≤ when false. */
  higherIsBetter: boolean;
  /** The values it can take; confidence bands are clipped to it. */
  range: readonly [number, number];
  /** Task types it is defined for; it is not computed (and reads as NaN) for the others. */
  tasks: readonly TaskType[];
  /** Its value on one split; NaN where undefined (e.g. a class missing from the split), never a throw. */
  compute(input: MetricInput): number;
}

function checkShapes(task: TaskType, labels: Int32Array, labelWidth: number, scores: Float32Array, numOutputs: number): number {
  if (!Number.isInteger(numOutputs) || numOutputs < 1 || scores.length % numOutputs !== 0) {
    throw new MedtransferError(`computeMetrics: ${scores.length} scores do not divide into rows of numOutputs = ${numOutputs}`);
  }
  const n = scores.length / numOutputs;
  if (labels.length !== n * labelWidth) {
    throw new MedtransferError(`computeMetrics: ${labels.length} labels for ${n} score rows with labelWidth ${labelWidth}; expected ${n * labelWidth}`);
  }
  if (!ALL_TASKS.includes(task)) {
    throw new MedtransferError(`computeMetrics: unknown task "${String(task)}"; valid: ${ALL_TASKS.join(', ')}`);
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

/**
 * The labels and probabilities of one split, checked once. `labels` is `n × labelWidth`: class
 * indices (labelWidth 1) or, for multi-label, 0/1 entries with -1 for a masked (unknown) one;
 * `scores` is `n × numOutputs` probabilities (softmax for class tasks, sigmoid for multi-label).
 */
export class MetricInput {
  readonly n: number;
  private readonly derived = new Map<string, unknown>();

  constructor(
    readonly task: TaskType,
    readonly labels: Int32Array,
    readonly labelWidth: number,
    readonly scores: Float32Array,
    readonly numOutputs: number,
  ) {
    this.n = checkShapes(task, labels, labelWidth, scores, numOutputs);
  }

  /** A value derived from the input, computed on first use and shared by the metrics that need it. */
  shared<T>(key: string, compute: () => T): T {
    if (!this.derived.has(key)) this.derived.set(key, compute());
    return this.derived.get(key) as T;
  }

  /**
   * The predicted class of each row (class tasks): the argmax, the first of equal maxima (numpy
   * argmax), so binary predicts class 1 when p₁ > p₀, i.e. p₁ > 0.5 (p₁ = 0.5 is class 0). NaN never wins.
   */
  get predicted(): Int32Array {
    return this.shared('argmax', () => {
      const { n, numOutputs: k, scores } = this;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
        out[i] = best;
      }
      return out;
    });
  }

  /** True when every score is finite (a diverged model's are not). */
  get finite(): boolean {
    return this.shared('finite', () => this.scores.every(Number.isFinite));
  }
}

/** Mean of the defined (non-NaN) entries, NaN when none is defined. */
export function meanDefined(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i])) {
      sum += values[i];
      count++;
    }
  }
  return count ? sum / count : NaN;
}
