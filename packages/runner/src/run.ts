// Runs an experiment: source pretraining once per backbone, then every trial that is not
// already finished with the same key, then the report. Stages run in this process or, with
// `workers > 1`, in worker processes (see pool.ts); each writes its folder only when finished.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { ExperimentConfig, Metrics, TrialResult, getLogger } from '@medtransfer/core';
import { TrainProgress, selectBackend } from '@medtransfer/engine';
import { writeReport } from '@medtransfer/analysis';
import { Plan } from './plan';
import { runInWorkers } from './pool';
import { StageContext, Task, createContext, executeTask, listTasks } from './stages';
import { finishedResult, readJson } from './store';

const log = getLogger('runner');

export type RunEvent =
  | { type: 'stage'; label: string; index: number; total: number }
  | { type: 'skip'; label: string; index: number; total: number; reason: string }
  | { type: 'progress'; label: string; index: number; total: number; progress: TrainProgress }
  | { type: 'done'; label: string; index: number; total: number; outcome: StageOutcome };

/** What a finished stage reports to the progress display. */
export interface StageOutcome {
  finalVal: Metrics;
  test?: Metrics;
  trainSeconds: number;
  imagesPerSecond: number;
}

export interface RunOptions {
  /** Root of the result store; the experiment writes to <resultsDir>/<experiment name>/. */
  resultsDir: string;
  /** Rerun finished trials and source stages. */
  force?: boolean;
  /** Overrides the experiment's backend choice. */
  backend?: ExperimentConfig['backend'];
  /** Worker processes running stages in parallel; default: cores ÷ threads one trial uses. */
  workers?: number;
  onEvent?: (e: RunEvent) => void;
}

export interface RunOutcome {
  experimentDir: string;
  backend: string;
  workers: number;
  results: TrialResult[];
  ran: number;
  skipped: number;
  reportFiles: string[];
  markdown: string;
}

/**
 * Threads one trial keeps busy on a backend: native TensorFlow uses every core. wasm and cpu use
 * one; so does `native` by default here, because the pool gives each worker cores ÷ workers
 * kernel threads, and processes scale better than threads (quickstart-sized sweep, 2 cores:
 * 2 workers × 1 thread took 63 s, 1 worker × 2 threads 78 s).
 */
export function threadsPerTrial(backend: string): number {
  return backend === 'node' || backend === 'node-gpu' ? cpus().length : 1;
}

export function defaultWorkers(backend: string): number {
  return Math.max(1, Math.floor(cpus().length / threadsPerTrial(backend)));
}

function isFinished(task: Task): boolean {
  if (task.kind === 'trial') return finishedResult(task.dir, task.key) !== undefined;
  const record = join(task.dir, 'source.json');
  return existsSync(record) && readJson<{ key: string }>(record).key === task.key;
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunOutcome> {
  const experimentDir = resolve(opts.resultsDir, plan.config.name);
  const backendPref = opts.backend ?? plan.config.backend;
  const backend = await selectBackend(backendPref);
  const emit = opts.onEvent ?? (() => undefined);
  const ctx: StageContext = createContext(plan, experimentDir, backend.name);
  const tasks = listTasks(ctx);

  const pending: Task[] = [];
  for (const task of tasks) {
    if (!opts.force && isFinished(task)) {
      emit({ type: 'skip', label: task.label, index: task.index, total: tasks.length, reason: task.kind === 'trial' ? 'finished' : 'checkpoint exists' });
    } else {
      pending.push(task);
    }
  }
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(backend.name), pending.length || 1));
  if (workers > 1) {
    log.info(`running ${pending.length} stage(s) in ${workers} worker processes`);
    await runInWorkers(plan.file, { resultsDir: opts.resultsDir, backend: backendPref, workers }, tasks, pending, emit);
  } else {
    for (const task of pending) await executeTask(ctx, task, tasks.length, emit);
  }

  const results = tasks
    .filter((t) => t.kind === 'trial')
    .map((t) => {
      const r = finishedResult(t.dir, t.key);
      if (!r) throw new Error(`internal: trial ${t.label} finished without a result in ${t.dir}`);
      return r;
    });
  const report = await writeReport(results, experimentDir, {
    experiment: plan.config.name,
    metric: plan.config.report.metric,
    threshold: plan.config.report.threshold,
  });
  return {
    experimentDir,
    backend: backend.name,
    workers,
    results,
    ran: pending.length,
    skipped: tasks.length - pending.length,
    reportFiles: report.files,
    markdown: report.markdown,
  };
}
