// A running trial's remaining time, from what the store holds: the runner writes a trial's curve
// only when it finishes, so its progress is the step of its last saved training state (or 0 at
// the lock's start). The planned steps and the seconds per step come from finished trials of the
// same experiment: same data fraction (steps), same backbone and image size (pace).
import type { TrialResult } from '@medtransfer/core';
import type { TrialAxes } from './experiments';
import type { RunningInfo } from './trial-state';

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * `plannedSteps` and `etaSeconds` of a running trial, each absent when no finished trial can
 * stand in for it. ETA = (planned − saved step) × seconds per step − time since that step.
 */
export function estimateRemaining(axes: TrialAxes, running: RunningInfo, finished: readonly TrialResult[], now = Date.now()): { plannedSteps?: number; etaSeconds?: number } {
  const fraction = (a: { dataFraction?: number }) => a.dataFraction ?? 1;
  const planned = median(finished.filter((r) => fraction(r.summary) === fraction(axes)).map((r) => r.summary.plannedSteps ?? r.summary.steps));
  if (planned === undefined) return {};
  const pace = median(
    finished
      .filter((r) => r.summary.backbone === axes.backbone && r.summary.imageSize === axes.imageSize && r.summary.steps > 0)
      .map((r) => (r.summary.trainSeconds + r.summary.evalSeconds) / r.summary.steps),
  );
  if (pace === undefined) return { plannedSteps: planned };
  const times = [running.savedAt, running.startedAt].map((t) => (t ? Date.parse(t) : NaN)).filter(Number.isFinite);
  // a state saved before this runner took the lock was left by an earlier run: its step is where this one started
  const since = times.length ? Math.max(0, (now - Math.max(...times)) / 1000) : 0;
  const eta = Math.max(0, (planned - (running.step ?? 0)) * pace - since);
  return { plannedSteps: planned, etaSeconds: Math.round(eta) };
}
