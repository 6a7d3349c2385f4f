// What a training run reports while it runs (per step) and when it ends; the CLI formats it.
import type { CurvePoint, Metrics, TrainingStats } from '@medtransfer/core';

/** Reported after every optimiser step. */
export interface TrainProgress {
  /** Steps done so far (1-based after the first step). */
  step: number;
  totalSteps: number;
  /** Fractional epochs: images seen / training-split size. */
  epoch: number;
  /** This step's training loss. */
  loss: number;
  /** Training throughput so far (evaluation time excluded). */
  imagesPerSecond: number;
  /** Metrics of the latest validation, once there has been one. */
  lastVal?: Metrics;
  /** Estimated seconds to finish, remaining evaluations included. */
  etaSeconds: number;
}

/** What `train` returns. `test` and `finalVal` are metrics of the final model (not the best checkpoint). */
export interface TrainResult extends TrainingStats {
  curve: CurvePoint[];
  /** Test metrics of the final model, when a test split was given. */
  test?: Metrics;
  /** Validation metrics of the final model (the last curve point). */
  finalVal: Metrics;
  /** tfjs backend the run used, e.g. `cpu`, `wasm`, `tensorflow`. */
  backend: string;
}
