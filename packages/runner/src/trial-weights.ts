// Where a target trial keeps its weights when `report.saveWeights` is on: `<trial>/weights/initial/`
// (right after the init strategy) and `<trial>/weights/final/` (after training), as zoo checkpoints.
import { join } from 'node:path';
import { ClassifierModel, saveCheckpoint } from '@medtransfer/zoo';

export const TRIAL_WEIGHTS_DIR = 'weights';
export type TrialWeightsWhich = 'initial' | 'final';

/** The checkpoint folder of a trial's `initial` or `final` weights. */
export function trialWeightsDir(trialDir: string, which: TrialWeightsWhich): string {
  return join(trialDir, TRIAL_WEIGHTS_DIR, which);
}

/** Saves `model` as the trial's `which` weights; `meta` records the trial and its key. */
export function saveTrialWeights(model: ClassifierModel, trialDir: string, which: TrialWeightsWhich, meta: Record<string, unknown>): void {
  saveCheckpoint(model, trialWeightsDir(trialDir, which), { ...meta, weights: which });
}
