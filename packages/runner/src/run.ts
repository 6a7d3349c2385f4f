// Runs an experiment: source pretraining once per backbone, then every trial that is not
// already finished with the same key, then the report. Tasks run in this process or, with
// `workers > 1`, in worker processes (see pool.ts), in the scheduler's order (scheduler.ts); each
// writes its folder only when finished.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { ExperimentConfig, Metrics, TrialResult, getLogger } from '@medtransfer/core';
import { TrainProgress, selectBackend, tfjsUsable } from '@medtransfer/engine';
import { isFinished, recordFailure, runTaskLocked } from './claim';
import { TaskContext, createContext } from './context';
import { Plan } from './plan';
import { runInWorkers } from './pool';
import { TimeSplit, TimeSplitter } from './time-split';
import { Scheduler } from './scheduler';
import { Shard, shardOf } from './shard';
import { Task, listTasks } from './tasks';
import { writeExperimentReport } from './report';
import { StoreProblem, finishedResult } from './store';

const log = getLogger('runner');

export type RunEvent =
  | { type: 'stage'; label: string; index: number; total: number }
  | { type: 'skip'; label: string; index: number; total: number; reason: string }
  | { type: 'progress'; label: string; index: number; total: number; progress: TrainProgress }
  | { type: 'done'; label: string; index: number; total: number; outcome: TaskSummary }
  /** The task failed; failed.json holds the error and the sweep goes on. */
  | { type: 'failed'; label: string; index: number; total: number; message: string };

/** What a finished task reports to the progress display (a trial's summary, a source task's training result). */
export interface TaskSummary {
  finalVal: Metrics;
  test?: Metrics;
  trainSeconds: number;
  /** Validation and test evaluation (absent from events of older workers). */
  evalSeconds?: number;
  imagesPerSecond: number;
}

export interface RunOptions {
  /** Root of the result store; the experiment writes to <resultsDir>/<experiment name>/. */
  resultsDir: string;
  /** Rerun finished trials and source tasks. */
  force?: boolean;
  /** Overrides the experiment's backend choice. */
  backend?: ExperimentConfig['backend'];
  /** Worker processes running tasks in parallel; default: cores ÷ threads one trial uses. */
  workers?: number;
  /** Run only this shard's trials (and the source tasks they need); see shard.ts. */
  shard?: Shard;
  /** Write the report at the end (default: yes, except for a shard, which sees only part of the sweep). */
  report?: boolean;
  onEvent?: (e: RunEvent) => void;
}

/** A task that failed in this run (its failed.json holds the stack). */
export interface FailedTask {
  label: string;
  dir: string;
  message: string;
}

export interface RunOutcome {
  experimentDir: string;
  backend: string;
  workers: number;
  /** Every finished trial of the plan in the store (also those finished earlier or by other runners). */
  results: TrialResult[];
  /** Trials the plan describes (the report is partial while `results` holds fewer). */
  planned: number;
  /** Planned trials whose stored records were damaged when the report was written. */
  damaged: StoreProblem[];
  /** Tasks this process ran to the end. */
  ran: number;
  /** Tasks already finished, or finished by another runner meanwhile. */
  skipped: number;
  failed: FailedTask[];
  /** Trials left to another live runner that holds their lock. */
  elsewhere: string[];
  /** Trials of the plan outside this shard (0 without --shard). */
  otherShards: number;
  reportFiles: string[];
  markdown: string;
  /** Where the run's time went (formatTimeSplit prints it). */
  time: TimeSplit;
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

/**
 * The tasks this run considers: its unfinished trials (all, or with a shard the shard's) plus
 * the unfinished source tasks they need (whichever runner needs one first trains it, under its
 * lock; the others wait for it). An unfinished source task no unfinished trial needs is left
 * alone, so a store whose trials are all finished needs no source checkpoint.
 */
function selectPending(tasks: Task[], opts: RunOptions): { pending: Task[]; finished: Task[]; otherShards: number } {
  const inShard = (t: Task) => !opts.shard || t.kind !== 'trial' || shardOf(t.key, opts.shard.count) === opts.shard.index;
  const trials = tasks.filter((t) => t.kind === 'trial');
  const mine = trials.filter(inShard);
  const done = new Map(tasks.map((t) => [t.index, !opts.force && isFinished(t)]));
  const neededSources = new Set(mine.filter((t) => !done.get(t.index)).map((t) => (t.kind === 'trial' ? t.after : undefined)));
  const pending: Task[] = [];
  const finished: Task[] = [];
  for (const task of tasks) {
    if (task.kind === 'trial' && !inShard(task)) continue;
    if (done.get(task.index)) {
      if (task.kind === 'trial' || !opts.shard || neededSources.has(task.index)) finished.push(task);
    } else if (task.kind === 'trial' || neededSources.has(task.index)) pending.push(task);
  }
  return { pending, finished, otherShards: trials.length - mine.length };
}

/**
 * Runs the scheduler's tasks in this process. A source task another runner is training is put off
 * with the trials that need it, so this runner does the other tasks first and waits for that
 * source only when nothing else is left. Stops early when tfjs became unusable (a task ran out of
 * wasm heap): the caller hands the tasks left to a fresh worker process.
 */
async function runHere(ctx: TaskContext, total: number, scheduler: Scheduler<Task>, emit: (e: RunEvent) => void, force?: boolean): Promise<void> {
  while (tfjsUsable()) {
    const task = scheduler.next();
    if (!task) return;
    const waitForSource = scheduler.wasPutOff(task);
    const o = await runTaskLocked(ctx, task, total, emit, { force, waitForSource });
    if (task.kind === 'source' && o.status === 'locked' && !waitForSource) scheduler.putOff(task);
    else scheduler.record(task.index, o);
  }
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunOutcome> {
  const experimentDir = resolve(opts.resultsDir, plan.config.name);
  const backendPref = opts.backend ?? plan.config.backend;
  let tasks: Task[] = [];
  // setup (backend, weights, data) counts from here
  const split = new TimeSplitter((index) => tasks[index - 1]?.kind === 'source');
  const backend = await selectBackend(backendPref);
  const onEvent = opts.onEvent ?? (() => undefined);
  const emit = (e: RunEvent) => {
    split.observe(e);
    onEvent(e);
  };
  const ctx: TaskContext = await createContext(plan, experimentDir, backend.name);
  tasks = listTasks(ctx);
  split.setupDone();

  const { pending, finished, otherShards } = selectPending(tasks, opts);
  for (const task of finished) {
    emit({ type: 'skip', label: task.label, index: task.index, total: tasks.length, reason: task.kind === 'trial' ? 'finished' : 'checkpoint exists' });
  }
  // A trial whose source task is pending waits for it; if the source failed, it is not run.
  const scheduler = new Scheduler(pending);
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(backend.name), pending.length || 1));
  if (workers > 1) {
    log.info(`running ${pending.length} stage(s) in ${workers} worker processes`);
    await runInWorkers(plan.file, { resultsDir: opts.resultsDir, backend: backendPref, workers, force: opts.force }, scheduler, emit);
  } else {
    await runHere(ctx, tasks.length, scheduler, emit, opts.force);
    const left = scheduler.waiting.length;
    if (!tfjsUsable() && left) {
      // a task ran out of wasm heap (its failed.json says so) and tfjs here is unusable
      log.warn(`tfjs in this process is unusable after running out of wasm heap; the ${left} stage(s) left run in a fresh worker process`);
      await runInWorkers(plan.file, { resultsDir: opts.resultsDir, backend: backendPref, workers: 1, force: opts.force }, scheduler, emit);
    }
  }

  const outcomes = scheduler.outcomes;
  const failed: FailedTask[] = [];
  const elsewhere: string[] = [];
  for (const task of pending) {
    let o = outcomes.get(task.index);
    if (!o || (o.status === 'failed' && !o.recorded)) {
      const source = task.kind === 'trial' && task.after !== undefined ? tasks[task.after - 1] : undefined;
      const message = o?.status === 'failed' ? o.message : source && scheduler.sourceFailed(task) ? `not run: its source stage "${source.label}" failed` : 'not run: no worker process was left to run it';
      recordFailure(ctx, task, message);
      emit({ type: 'failed', label: task.label, index: task.index, total: tasks.length, message });
      o = { status: 'failed', message, recorded: true };
    }
    if (o.status === 'failed') failed.push({ label: task.label, dir: task.dir, message: o.message });
    if (o.status === 'locked') elsewhere.push(task.label);
  }

  const trialTasks = tasks.filter((t) => t.kind === 'trial');
  const wantReport = opts.report ?? !opts.shard;
  split.reportStarts();
  // the report reads the store again under its lock: trials other runners finished meanwhile count
  const report = wantReport
    ? await writeExperimentReport(plan, experimentDir, new Map(trialTasks.map((t) => [t.label, t.key])))
    : { files: [] as string[], markdown: '', damaged: [] as StoreProblem[], planned: trialTasks.length, results: undefined };
  const results = report.results ?? trialTasks.flatMap((t) => [finishedResult(t.dir, t.key)].filter((r): r is TrialResult => r !== undefined));
  const ran = pending.filter((t) => outcomes.get(t.index)?.status === 'finished').length;
  const doneElsewhere = pending.filter((t) => outcomes.get(t.index)?.status === 'done-elsewhere').length;
  return {
    experimentDir,
    backend: backend.name,
    workers,
    results,
    planned: report.planned,
    damaged: report.damaged,
    ran,
    skipped: finished.length + doneElsewhere,
    failed,
    elsewhere,
    otherShards,
    reportFiles: report.files,
    markdown: report.markdown,
    time: split.finish(workers),
  };
}
