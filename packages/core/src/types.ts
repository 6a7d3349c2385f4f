// Types shared across packages: what a dataset hands to training, and what a trial records.
import type { ModelCost } from './cost';

/** Task types as MedMNIST defines them. */
export type TaskType = 'binary' | 'multi-class' | 'ordinal' | 'multi-label';

export type SplitName = 'train' | 'val' | 'test';

/**
 * One split of an image dataset, held as uint8 pixels in NHWC order.
 * `labels` is `count × labelWidth`: a class index per image (labelWidth 1), or for
 * multi-label tasks one 0/1 entry per label (-1 marks a masked, unknown entry).
 */
export interface ImageSplit {
  images: Uint8Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  labelWidth: number;
}

export interface ImageDataset {
  /** Registry name, e.g. `medmnist/breastmnist`, `synthetic/fractal`. */
  name: string;
  task: TaskType;
  /** Classes (binary: 2) or, for multi-label tasks, labels. */
  numClasses: number;
  labelNames?: string[];
  splits: Partial<Record<SplitName, ImageSplit>>;
  /** Hash of the contents (a file's bytes, or a generator's parameters and seed). */
  fingerprint: string;
  /** Where it came from: a file path or a generator description. */
  source: string;
}

/** A batch ready for a model: float pixels NHWC plus labels (`size × labelWidth`). */
export interface Batch {
  x: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  labelWidth: number;
  size: number;
}

/** Produces batches of one split; `epoch` and the seed decide the order, so runs repeat exactly. */
export interface BatchSource {
  readonly count: number;
  readonly task: TaskType;
  readonly numClasses: number;
  /** Batches of one pass over the split; shuffled when `shuffleSeed` is given. */
  epoch(batchSize: number, shuffleSeed?: number): Iterable<Batch>;
}

/**
 * Values of registered metrics by registry name (core/src/metrics): `auc` and `acc` for every
 * task, the others where the task defines them (`kappa` for ordinal tasks, …); NaN where a
 * metric is undefined on the split.
 */
export interface MetricValues {
  auc: number;
  acc: number;
  [metric: string]: number;
}

/** One point of a learning curve. */
export interface CurvePoint {
  step: number;
  epoch: number;
  imagesSeen: number;
  trainLoss: number;
  valLoss: number;
  /** Validation value of every registered metric the task defines (stores before it had `valAuc`, `valAcc`, `valKappa`; read as `val`). */
  val: MetricValues;
  /** Training wall-clock seconds so far, excluding evaluation time. */
  trainSeconds: number;
}

/**
 * Loss and metrics of one split: the mean loss, every registered metric the task defines by
 * name (`auc`, `acc`, `kappa`, …; see `MetricValues`) and `perClassAuc`: one-vs-rest AUC per
 * class (per label for multi-label), `null` where undefined (the class has no positives or no
 * negatives in the split).
 */
export interface Metrics {
  loss: number;
  auc: number;
  acc: number;
  perClassAuc?: (number | null)[];
  [metric: string]: number | (number | null)[] | undefined;
}

/** How long a training run was and how fast it went; shared by training results and trial records. */
export interface TrainingStats {
  steps: number;
  imagesSeen: number;
  /** Wall-clock seconds spent training (steps and batch preparation), evaluation excluded. */
  trainSeconds: number;
  /** Wall-clock seconds spent on validation and test evaluation. */
  evalSeconds: number;
  /** imagesSeen / trainSeconds. */
  imagesPerSecond: number;
}

/** What a finished trial records (summary.json); analysis reads only these and the curves. */
export interface TrialSummary extends TrainingStats {
  experiment: string;
  /** Stable run name, e.g. `target[backbone=cbr-small,init=pretrained,seed=1]`. */
  trial: string;
  /** Hash of everything that decides the outcome (the hash of `keyParts`). */
  key: string;
  /** The store layout version that wrote it (absent: 1, before keys were portable). */
  storeVersion?: number;
  /** What the key is made of, each part hashed, so a changed part can be named (absent before store version 2). */
  keyParts?: Record<string, string>;
  backbone: string;
  init: string;
  seed: number;
  dataset: string;
  task: TaskType;
  /** Test metrics of the final model, or of the best validation checkpoint when `testFrom` is `best-val`. */
  test: Metrics;
  /** Last validation point. */
  finalVal: Metrics;
  /** Which model `test` comes from (absent in records written before it existed: final). */
  testFrom?: TestFrom;
  /** Step and validation metrics of the best validation checkpoint, when one was tracked. */
  bestStep?: number;
  bestVal?: Metrics;
  /** True when early stopping ended the run before its planned steps. */
  stoppedEarly?: boolean;
  /** Planned steps (`steps` is the steps run, fewer when stopped early). */
  plannedSteps?: number;
  /** Steps/epochs/images/seconds to threshold and area under the learning curve. */
  convergence?: ConvergenceSummary;
  backend: string;
  params: number;
  /** What the model costs (absent in records written before costs were recorded). */
  cost?: ModelCost;
  finishedAt: string;
}

export interface TrialResult {
  summary: TrialSummary;
  curve: CurvePoint[];
}

// --- Training rigour: per-class metrics, best-checkpoint selection, convergence (appended) ---

/** Which model the test metrics of a run come from. */
export type TestFrom = 'final' | 'best-val';

/** When the validation metric first reached a threshold; nulls and `censored` when it never did. */
export interface ThresholdReach {
  /** The absolute value that had to be reached (for a relative threshold: fraction × reference). */
  threshold: number;
  /** `absolute`, or the reference of a relative threshold: the run's `final` or `best` value. */
  basis: 'absolute' | 'final' | 'best';
  /** For a relative threshold: the fraction of the reference value. */
  fraction?: number;
  steps: number | null;
  epochs: number | null;
  imagesSeen: number | null;
  trainSeconds: number | null;
  censored: boolean;
}

/** Convergence speed of one run, read off its validation curve. */
export interface ConvergenceSummary {
  /** The registered metric the thresholds apply to (`report.metric`). */
  metric: string;
  /** Mean validation value over the steps covered (trapezoidal area / step span); null without a finite point. */
  areaUnderCurve: number | null;
  /** The absolute threshold first, then the relative one when configured. */
  reached: ThresholdReach[];
}

// --- Sweep axes recorded per trial (appended; merges into TrialSummary above) ---

export interface TrialSummary {
  /** The target image size the trial trained at (absent in records written before sweeps had an imageSize axis). */
  imageSize?: number;
  /** Fraction of the target training split the trial trained on (absent = all of it); analysis groups by it. */
  dataFraction?: number;
}
