// Types shared across packages: what a dataset hands to training, and what a trial records.

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

/** One point of a learning curve. */
export interface CurvePoint {
  step: number;
  epoch: number;
  imagesSeen: number;
  trainLoss: number;
  valLoss: number;
  valAuc: number;
  valAcc: number;
  /** Training wall-clock seconds so far, excluding evaluation time. */
  trainSeconds: number;
}

export interface Metrics {
  loss: number;
  auc: number;
  acc: number;
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
  /** Hash of everything that decides the outcome. */
  key: string;
  backbone: string;
  init: string;
  seed: number;
  dataset: string;
  task: TaskType;
  /** Test metrics of the final model. */
  test: Metrics;
  /** Last validation point. */
  finalVal: Metrics;
  backend: string;
  params: number;
  finishedAt: string;
}

export interface TrialResult {
  summary: TrialSummary;
  curve: CurvePoint[];
}
