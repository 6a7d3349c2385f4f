// `medtransfer status`: the state of every task of an experiment in the store, read without
// running anything — done, running (a live lock), failed (failed.json), damaged (a record that
// cannot be used; the next run moves it aside and reruns the task), or pending.
import { join, resolve } from 'node:path';
import { inspectTrainState } from '@medtransfer/engine';
import { inspectTask } from './claim';
import { loadPlan } from './experiment';
import { LockTiming, inspectLock, lockTiming } from './lock';
import { shardOf } from './shard';
import { createContext } from './context';
import { Task, listTasks } from './tasks';
import { readTrialFailure } from './store';

export type TaskStatusState = 'done' | 'running' | 'failed' | 'damaged' | 'pending';

export interface TaskStatus {
  kind: 'source' | 'trial';
  label: string;
  dir: string;
  key: string;
  state: TaskStatusState;
  /** Who runs it, the error, a stale lock, a saved training state… */
  detail?: string;
  /** With `shards`: the shard the trial belongs to. */
  shard?: number;
}

export interface StatusReport {
  experiment: string;
  experimentDir: string;
  /** Every task (named `stages` in `medtransfer status --json`, which scripts read). */
  stages: TaskStatus[];
  /** Counts over trials (source tasks are listed but not counted). */
  totals: Record<TaskStatusState, number> & { trials: number };
}

const ago = (ms: number) => `${Math.round(ms / 1000)} s ago`;

/** The state of one task, from its folder alone. */
export function taskStatus(task: Task, timing: LockTiming = lockTiming()): Pick<TaskStatus, 'state' | 'detail'> {
  const stored = inspectTask(task);
  if (stored.state === 'finished') return { state: 'done' };
  const lock = inspectLock(task.dir, timing);
  if (lock.state === 'held') {
    const who = lock.info ? `pid ${lock.info.pid} on ${lock.info.host} since ${lock.info.startedAt}, ` : '';
    return { state: 'running', detail: `${who}heartbeat ${ago(lock.heartbeatAgeMs)}` };
  }
  const failure = readTrialFailure(task.dir, task.key);
  const notes: string[] = [];
  if (lock.state === 'stale') notes.push(`stale lock (${lock.why}); the next run takes it over`);
  if (stored.state === 'other-key') {
    const what = stored.changed.length ? `changed: ${stored.changed.join(', ')}` : `written by store version ${stored.storeVersion}; \`medtransfer upgrade\` re-keys it after checking it`;
    notes.push(`its stored result has another key (${what}): reruns`);
  }
  if (stored.state === 'absent' && stored.note) notes.push(stored.note);
  const saved = inspectTrainState(join(task.dir, 'resume'));
  if (saved) notes.push(`resumes from step ${saved.step}`);
  if (stored.state === 'damaged') return { state: 'damaged', detail: [`${stored.message}; the next run moves it to damaged/ and reruns it`, ...notes].join('; ') };
  if (failure) return { state: 'failed', detail: [`${failure.message} (at ${failure.failedAt} on ${failure.host}, ${failure.backend})`, ...notes].join('; ') };
  return { state: 'pending', detail: notes.length ? notes.join('; ') : undefined };
}

/**
 * Status of every task of an experiment file in `resultsDir`. Computing the keys reads the data
 * (as `run` does), so a changed dataset shows its trials as pending.
 */
export async function experimentStatus(file: string, resultsDir: string, opts: { shards?: number; timing?: LockTiming } = {}): Promise<StatusReport> {
  const plan = loadPlan(file);
  const experimentDir = resolve(resultsDir, plan.config.name);
  const ctx = await createContext(plan, experimentDir, 'status');
  const stages = listTasks(ctx).map((task): TaskStatus => ({
    kind: task.kind,
    label: task.label,
    dir: task.dir,
    key: task.key,
    ...taskStatus(task, opts.timing),
    ...(opts.shards && task.kind === 'trial' ? { shard: shardOf(task.key, opts.shards) } : {}),
  }));
  const totals = { done: 0, running: 0, failed: 0, damaged: 0, pending: 0, trials: 0 };
  for (const s of stages) {
    if (s.kind !== 'trial') continue;
    totals[s.state]++;
    totals.trials++;
  }
  return { experiment: plan.config.name, experimentDir, stages, totals };
}

/** A plain-text table of a status report, for the terminal. */
export function formatStatus(report: StatusReport): string {
  const lines = [`${report.experiment} (${report.experimentDir})`];
  const width = Math.max(...report.stages.map((s) => s.label.length), 5);
  for (const s of report.stages) {
    const shard = s.shard === undefined ? '' : ` [shard ${s.shard}]`;
    lines.push(`  ${s.state.padEnd(7)}  ${s.label.padEnd(width)}${shard}${s.detail ? `  ${s.detail}` : ''}`);
  }
  const t = report.totals;
  lines.push(`${t.trials} trial(s): ${t.done} done, ${t.running} running, ${t.failed} failed, ${t.damaged ? `${t.damaged} damaged, ` : ''}${t.pending} pending`);
  return `${lines.join('\n')}\n`;
}
