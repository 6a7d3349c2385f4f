// Convergence speed-up of a treatment over a baseline: baseline steps-to-threshold ÷ treatment
// steps-to-threshold, with a seeded bootstrap CI and explicit handling of censored runs.
import { MedtransferError, Rng } from '@medtransfer/core';
import { checkLevel, mean, quantileSorted, toRng } from './describe';

/** Steps to threshold of one run; `steps` null = censored (never reached it in `trainedSteps`). */
export interface CensoredSteps {
  steps: number | null;
  /** Steps the run trained for: a censored run would have needed more than this. */
  trainedSteps: number;
}

/**
 * What the estimate is, given censoring. A censored run is counted at its training length,
 * which is a lower bound on its true steps-to-threshold, so:
 *  - 'exact': no run censored;
 *  - 'lower': only baseline runs censored — the true speed-up is at least the estimate;
 *  - 'upper': only treatment runs censored — the true speed-up is at most the estimate;
 *  - 'unknown': both sides have censored runs — the direction of the bias is unknown.
 */
export type SpeedupBound = 'exact' | 'lower' | 'upper' | 'unknown';

export interface Speedup {
  /** mean(baseline steps) / mean(treatment steps); null when a side has no runs. */
  speedup: number | null;
  lo: number | null;
  hi: number | null;
  level: number;
  bound: SpeedupBound;
  nBaseline: number;
  nTreatment: number;
  censoredBaseline: number;
  censoredTreatment: number;
}

export interface SpeedupOptions {
  level?: number;
  resamples?: number;
  seed?: number | Rng;
}

function stepsOrBound(r: CensoredSteps): number {
  return r.steps ?? r.trainedSteps;
}

/** Ratio of means, the speed-up on the scale of total training cost. */
function ratio(base: ArrayLike<number>, treat: ArrayLike<number>): number {
  return mean(Array.from(base)) / mean(Array.from(treat));
}

/**
 * Speed-up of `treatment` over `baseline` (e.g. pretrained over scratch). Censored runs count
 * at their training length (see `SpeedupBound`). The CI is a percentile bootstrap that resamples
 * each side's runs independently (valid with or without seed pairing, and with unequal n).
 */
export function convergenceSpeedup(baseline: readonly CensoredSteps[], treatment: readonly CensoredSteps[], opts: SpeedupOptions = {}): Speedup {
  const level = opts.level ?? 0.95;
  checkLevel(level, 'convergenceSpeedup');
  for (const r of [...baseline, ...treatment]) {
    if (!(Number.isFinite(r.trainedSteps) && r.trainedSteps > 0) || (r.steps !== null && !(Number.isFinite(r.steps) && r.steps > 0))) {
      throw new MedtransferError(
        `convergenceSpeedup: steps must be positive numbers (received steps ${r.steps}, trainedSteps ${r.trainedSteps}); use null steps for a run that never reached the threshold.`,
      );
    }
  }
  const censoredBaseline = baseline.filter((r) => r.steps === null).length;
  const censoredTreatment = treatment.filter((r) => r.steps === null).length;
  const bound: SpeedupBound =
    censoredBaseline === 0 && censoredTreatment === 0 ? 'exact' : censoredTreatment === 0 ? 'lower' : censoredBaseline === 0 ? 'upper' : 'unknown';
  const base = { level, bound, nBaseline: baseline.length, nTreatment: treatment.length, censoredBaseline, censoredTreatment };
  if (baseline.length === 0 || treatment.length === 0) return { ...base, speedup: null, lo: null, hi: null };

  const b = baseline.map(stepsOrBound);
  const t = treatment.map(stepsOrBound);
  const speedup = ratio(b, t);
  if (b.length < 2 && t.length < 2) return { ...base, speedup, lo: null, hi: null };

  const rng = toRng(opts.seed);
  const resamples = opts.resamples ?? 2000;
  const out = new Float64Array(resamples);
  const bs = new Float64Array(b.length);
  const ts = new Float64Array(t.length);
  for (let k = 0; k < resamples; k++) {
    for (let i = 0; i < b.length; i++) bs[i] = b[rng.int(b.length)];
    for (let i = 0; i < t.length; i++) ts[i] = t[rng.int(t.length)];
    out[k] = ratio(bs, ts);
  }
  out.sort();
  const a = (1 - level) / 2;
  return { ...base, speedup, lo: quantileSorted(out, a), hi: quantileSorted(out, 1 - a) };
}
