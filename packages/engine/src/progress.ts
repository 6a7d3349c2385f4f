// What a training run reports while it runs (per step) and when it ends, plus small formatters
// for progress lines.
import type { CurvePoint, Metrics } from '@medtransfer/core';

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
export interface TrainResult {
  curve: CurvePoint[];
  /** Test metrics of the final model, when a test split was given. */
  test?: Metrics;
  /** Validation metrics of the final model (the last curve point). */
  finalVal: Metrics;
  steps: number;
  imagesSeen: number;
  /** Wall-clock seconds spent training (steps and batch preparation), evaluation excluded. */
  trainSeconds: number;
  /** Wall-clock seconds spent on validation and test evaluation. */
  evalSeconds: number;
  /** imagesSeen / trainSeconds. */
  imagesPerSecond: number;
  /** tfjs backend the run used, e.g. `cpu`, `wasm`, `tensorflow`. */
  backend: string;
}

/** `1h 02m`, `3m 05s`, `42s`, `0.4s`; `?` for a non-finite or negative value. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (v: number) => String(v).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

/** One progress line: `step 120/500 · epoch 2.30 · loss 0.4120 · 850 img/s · val AUC 0.871 ACC 0.802 · ETA 1m 05s`. */
export function formatProgress(p: TrainProgress): string {
  const parts = [
    `step ${p.step}/${p.totalSteps}`,
    `epoch ${p.epoch.toFixed(2)}`,
    `loss ${p.loss.toFixed(4)}`,
    `${p.imagesPerSecond.toFixed(0)} img/s`,
  ];
  if (p.lastVal) parts.push(`val AUC ${p.lastVal.auc.toFixed(3)} ACC ${p.lastVal.acc.toFixed(3)}`);
  parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return parts.join(' · ');
}
