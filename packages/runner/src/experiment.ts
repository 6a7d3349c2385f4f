// Entry points the CLI calls: load + validate + plan an experiment file, run it, report it.
import { resolve } from 'node:path';
import { loadExperimentFile } from '@medtransfer/core';
import { writeReport } from '@medtransfer/analysis';
import { Plan, planExperiment } from './plan';
import { RunOptions, RunOutcome, runPlan } from './run';
import { listResults } from './store';

/** Reads, validates and plans an experiment file; throws path-carrying errors. */
export function loadPlan(file: string): Plan {
  return planExperiment(loadExperimentFile(file), file);
}

export function runExperimentFile(file: string, opts: RunOptions): Promise<RunOutcome> {
  return runPlan(loadPlan(file), opts);
}

/** Rewrites the report of an experiment from its stored results only. */
export async function reportExperimentFile(file: string, resultsDir: string) {
  const plan = loadPlan(file);
  const dir = resolve(resultsDir, plan.config.name);
  // Only trials the file still describes; folders of removed axes stay on disk but are not reported.
  const names = new Set(plan.trials.map((t) => t.name));
  const results = listResults(dir).filter((r) => names.has(r.summary.trial));
  return {
    results,
    ...(await writeReport(results, dir, {
      experiment: plan.config.name,
      metric: plan.config.report.metric,
      threshold: plan.config.report.threshold,
    })),
  };
}
