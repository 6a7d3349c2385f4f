// Entry points the CLI calls: load + validate + plan an experiment file, run it, report it.
import { resolve } from 'node:path';
import { ConfigIssuesError, loadExperimentFile } from '@medtransfer/core';
import { checkPlanInputs } from './inputs';
import { Plan, planExperiment } from './plan';
import { RunOptions, RunOutcome, runPlan } from './run';
import { ExperimentReport, writeExperimentReport } from './report';

/**
 * Reads, validates and plans an experiment file; throws path-carrying errors. `checkInputs`: also
 * every data file and folder the stages read must exist (validate, plan, run; not report or status,
 * which read only the store).
 */
export function loadPlan(file: string, opts: { checkInputs?: boolean } = {}): Plan {
  const plan = planExperiment(loadExperimentFile(file), file);
  const issues = opts.checkInputs ? checkPlanInputs(plan) : [];
  if (issues.length) throw new ConfigIssuesError(file, issues);
  return plan;
}

export function runExperimentFile(file: string, opts: RunOptions): Promise<RunOutcome> {
  return runPlan(loadPlan(file, { checkInputs: true }), opts);
}

/**
 * Rewrites the report of an experiment from its stored results only: the trials the file still
 * describes (folders of removed axes stay on disk but are not reported); damaged records are
 * named in the report and left out; a report of fewer trials than planned says it is partial.
 */
export async function reportExperimentFile(file: string, resultsDir: string): Promise<ExperimentReport> {
  const plan = loadPlan(file);
  return writeExperimentReport(plan, resolve(resultsDir, plan.config.name));
}
