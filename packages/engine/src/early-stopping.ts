// Best-validation tracking and early stopping: which validation was best on the chosen metric,
// and whether `patience` validations have passed without an improvement of more than minDelta.
import { metricOf, metrics } from '@medtransfer/core';
import type { EarlyStoppingConfig, Metrics } from '@medtransfer/core';

/** A registered metric name or `loss`. */
export type BestMetric = EarlyStoppingConfig['metric'];

/** The value of `metric` in a validation result (NaN when the task does not define it). */
export function metricValue(m: Metrics, metric: BestMetric): number {
  return metric === 'loss' ? m.loss : metricOf(m, metric);
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
 * Tracks the best validation: higher is better for a metric registered as such (auc, acc,
 * kappa, …), lower for loss and the others. A value improves on the best when it beats it by
 * more than `minDelta`; the first finite value is the first best. Non-finite values (NaN AUC of
 * a diverged model) never improve. With `patience`, `shouldStop` turns true once `patience`
 * validations in a row did not improve.
 */
export class BestTracker {
  state: BestState;
  private readonly lower: boolean;

  constructor(
    readonly cfg: { metric: BestMetric; patience?: number; minDelta: number },
    state?: BestState,
  ) {
    this.lower = cfg.metric === 'loss' || !metrics.get(cfg.metric, 'training.earlyStopping.metric').higherIsBetter;
    this.state = state ? { ...state } : { bestStep: null, bestValue: null, sinceBest: 0 };
  }

  /** Records the validation after `step`; true when it is a new best. */
  observe(step: number, m: Metrics): boolean {
    const v = metricValue(m, this.cfg.metric);
    const best = this.state.bestValue;
    const lower = this.lower;
    const improved = Number.isFinite(v) && (best === null || (lower ? v < best - this.cfg.minDelta : v > best + this.cfg.minDelta));
    if (improved) this.state = { bestStep: step, bestValue: v, bestVal: m, sinceBest: 0 };
    else this.state = { ...this.state, sinceBest: this.state.sinceBest + 1 };
    return improved;
  }

  get shouldStop(): boolean {
    return this.cfg.patience !== undefined && this.state.sinceBest >= this.cfg.patience;
  }
}
