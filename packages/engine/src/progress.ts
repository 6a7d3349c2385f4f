// What a training run reports while it runs (per step) and when it ends; the CLI formats it.
import type { CurvePoint, Metrics, TestFrom, TrainingStats } from '@medtransfer/core';

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

/**
 * What `train` returns. `finalVal` is the last validation (final model); `test` is of the model
 * named by `testFrom`. `steps` counts the steps run (fewer than `plannedSteps` when stopped early).
 */
export interface TrainResult extends TrainingStats {
  plannedSteps: number;
  stoppedEarly: boolean;
  /** `best-val`: the best validation checkpoint was restored into the model before testing. */
  testFrom: TestFrom;
  /** Step and validation metrics of the best validation, when best-validation tracking was on. */
  bestStep?: number;
  bestVal?: Metrics;
  curve: CurvePoint[];
  /** Test metrics of the final model, when a test split was given. */
  test?: Metrics;
  /** Validation metrics of the final model (the last curve point). */
  finalVal: Metrics;
  /** tfjs backend the run used, e.g. `cpu`, `wasm`, `tensorflow`. */
  backend: string;
}
