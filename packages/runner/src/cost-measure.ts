// `medtransfer cost <file>`: the throughput records of an experiment's architectures measured
// without training — for a store written before costs were recorded, or to measure again on a
// quiet machine (`force`) what a busy one measured during the run.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentConfig } from '@medtransfer/core';
import { selectBackend } from '@medtransfer/engine';
import { architectureFingerprint } from '@medtransfer/zoo';
import { buildModel } from './build-model';
import { createContext } from './context';
import { THROUGHPUT_FILE, throughputDir, throughputKeyParts, throughputSubject, trialCostOutcome } from './cost-store';
import { loadPlan } from './experiment';
import { backboneId, keyOf } from './plan';
import { SUPERSEDED_DIR, moveAside } from './store';
import { targetFor } from './stage-data';

export interface CostMeasureOptions {
  resultsDir: string;
  backend?: ExperimentConfig['backend'];
  /** Measure again what is already measured (the old record goes to `superseded/`). */
  force?: boolean;
  onProgress?: (line: string) => void;
}

export interface CostMeasureOutcome {
  backend: string;
  /** `<backbone> @ <size> px`, each measured now or found measured. */
  measured: string[];
  cached: string[];
  /** Could not be measured (the reason was logged). */
  failed: string[];
}

/** Measures the throughput record of every architecture, input size and batch the experiment's trials use. */
export async function measureExperimentCosts(file: string, opts: CostMeasureOptions): Promise<CostMeasureOutcome> {
  const plan = loadPlan(file);
  const backend = await selectBackend(opts.backend ?? plan.config.backend);
  const experimentDir = join(resolve(opts.resultsDir), plan.config.name);
  // the models' architecture only: no pretrained weights and no source data are read
  const ctx = await createContext(plan, experimentDir, backend.name, { batches: false, pretraining: false });
  const out: CostMeasureOutcome = { backend: backend.name, measured: [], cached: [], failed: [] };
  const seen = new Set<string>();
  for (const trial of plan.trials) {
    const target = targetFor(ctx, trial);
    const build = () => buildModel(trial.model, target.stage, target.dataset.numClasses, trial.seed, trial.strategy, trial.initPath);
    const model = build();
    try {
      const subject = throughputSubject(backboneId(trial.backbone), target.stage, model.numClasses, backend.name);
      const full = { ...subject, architecture: architectureFingerprint(model.model) };
      const key = keyOf(throughputKeyParts(full));
      if (seen.has(key)) continue;
      seen.add(key);
      const label = `${subject.backbone} @ ${subject.imageSize} px`;
      const dir = throughputDir(experimentDir, full, key);
      if (existsSync(join(dir, THROUGHPUT_FILE)) && opts.force) moveAside(dir, [THROUGHPUT_FILE], SUPERSEDED_DIR, 'measured again (medtransfer cost --force)');
      opts.onProgress?.(`${label} on ${backend.name}, batch ${subject.batch} and 1`);
      const { cost, measuredNow } = trialCostOutcome(experimentDir, model, subject, build, true);
      (cost.throughputKey === undefined ? out.failed : measuredNow ? out.measured : out.cached).push(label);
    } finally {
      model.dispose();
    }
  }
  return out;
}
