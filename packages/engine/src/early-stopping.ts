// Best-validation tracking and early stopping: which validation was best on the chosen metric,
// and whether `patience` validations have passed without an improvement of more than minDelta.
import type { EarlyStoppingConfig, Metrics } from '@medtransfer/core';

export type BestMetric = EarlyStoppingConfig['metric'];

/** The value of `metric` in a validation result (kappa NaN when the task has none). */
export function metricValue(m: Metrics, metric: BestMetric): number {
  switch (metric) {
    case 'auc':
      return m.auc;
    case 'acc':
      return m.acc;
    case 'kappa':
      return m.kappa ?? NaN;
    case 'loss':
      return m.loss;
  }
}

/** JSON state of a tracker, saved with training checkpoints (LoopState.extra). */
export interface BestState {
  bestStep: number | null;
  bestValue: number | null;
  bestVal?: Metrics;
  /** Validations since the best one. */
  sinceBest: number;
}

/**
 * Tracks the best validation: higher is better for auc, acc and kappa, lower for loss. A value
 * improves on the best when it beats it by more than `minDelta`; the first finite value is the
 * first best. Non-finite values (NaN AUC of a diverged model) never improve. With `patience`,
 * `shouldStop` turns true once `patience` validations in a row did not improve.
 */
export class BestTracker {
  state: BestState;

  constructor(
    readonly cfg: { metric: BestMetric; patience?: number; minDelta: number },
    state?: BestState,
  ) {
    this.state = state ? { ...state } : { bestStep: null, bestValue: null, sinceBest: 0 };
  }

  /** Records the validation after `step`; true when it is a new best. */
  observe(step: number, m: Metrics): boolean {
    const v = metricValue(m, this.cfg.metric);
    const best = this.state.bestValue;
    const lower = this.cfg.metric === 'loss';
    const improved = Number.isFinite(v) && (best === null || (lower ? v < best - this.cfg.minDelta : v > best + this.cfg.minDelta));
    if (improved) this.state = { bestStep: step, bestValue: v, bestVal: m, sinceBest: 0 };
    else this.state = { ...this.state, sinceBest: this.state.sinceBest + 1 };
    return improved;
  }

  get shouldStop(): boolean {
    return this.cfg.patience !== undefined && this.state.sinceBest >= this.cfg.patience;
  }
}
