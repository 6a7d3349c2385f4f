// The report of an experiment from its stored results: only the trials the file plans, every
// record validated (a damaged one is named, never counted), written under the experiment's report
// lock so two runners finishing together never leave an older report on top of a newer one, and
// marked "partial: N of M trials" until every planned trial is finished.
import { join } from 'node:path';
import { TrialResult } from '@medtransfer/core';
import { ReportCoverage, writeReport } from '@medtransfer/analysis';
import { acquireLock, lockTiming } from './lock';
import { Plan } from './plan';
import { StoreProblem, readStoredTrial } from './store';

/** Folder of the experiment-wide report lock (hidden: it holds no trial). */
export const REPORT_LOCK_DIR = '.report';

export interface ExperimentResults {
  results: TrialResult[];
  /** Planned trials whose records are damaged. */
  damaged: StoreProblem[];
  /** Planned trials. */
  planned: number;
}

/**
 * The stored results of the plan's trials, in plan order. With `keys` (trial name → key, as `run` computes them),
 * only results under the current key count; without, any valid result of a planned trial does
 * (`medtransfer report`, which does not load the data to compute keys).
 */
export function planResults(plan: Plan, experimentDir: string, keys?: ReadonlyMap<string, string>): ExperimentResults {
  const out: ExperimentResults = { results: [], damaged: [], planned: plan.trials.length };
  for (const trial of plan.trials) {
    const dir = join(experimentDir, trial.dir);
    const stored = readStoredTrial(dir, keys?.get(trial.name));
    if (stored.state === 'damaged') out.damaged.push({ dir, message: stored.error.message });
    else if (stored.state === 'finished' && stored.result.summary.trial === trial.name) out.results.push(stored.result);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ExperimentReport extends ExperimentResults {
  /** Files written (none when no planned trial has a result). */
  files: string[];
  markdown: string;
}

/**
 * Reads the plan's results and writes the report, both under the experiment's report lock: the
 * runner that takes it last reads the most complete store, so the report left is never older
 * than another one written meanwhile.
 */
export async function writeExperimentReport(plan: Plan, experimentDir: string, keys?: ReadonlyMap<string, string>): Promise<ExperimentReport> {
  const timing = lockTiming();
  const lockDir = join(experimentDir, REPORT_LOCK_DIR);
  let lock = acquireLock(lockDir, `report of ${plan.config.name}`, timing);
  while (!lock) {
    await sleep(Math.min(500, timing.heartbeatMs));
    lock = acquireLock(lockDir, `report of ${plan.config.name}`, timing);
  }
  try {
    const found = planResults(plan, experimentDir, keys);
    if (!found.results.length) return { ...found, files: [], markdown: '' };
    const coverage: ReportCoverage = { planned: found.planned, damaged: found.damaged };
    const { report } = plan.config;
    const written = await writeReport(found.results, experimentDir, { experiment: plan.config.name, metric: report.metric, threshold: report.threshold, coverage });
    return { ...found, ...written };
  } finally {
    lock.release();
  }
}
