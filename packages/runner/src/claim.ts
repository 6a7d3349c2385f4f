// Runs one stage under its lock (lock.ts): takes the lock or learns that another runner has the
// stage, re-checks that nobody finished it meanwhile, runs it, and records a failure in
// failed.json instead of ending the sweep. Used by the in-process loop and by worker processes.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { getLogger } from '@medtransfer/core';
import type { RunEvent } from './run';
import { LockInfo, LockTiming, acquireLock, inspectLock, lockTiming } from './lock';
import { StageContext, Task, executeTask } from './stages';
import { finishedResult, readJson, writeTrialFailure } from './store';

const log = getLogger('runner');

export type TaskOutcome =
  | { status: 'finished' }
  /** Another runner finished it before this one got its lock (or while waiting for a source stage). */
  | { status: 'done-elsewhere' }
  /** A live runner holds its lock; this one leaves the trial to it. */
  | { status: 'locked'; holder?: LockInfo }
  /** `recorded`: failed.json written (false when the process running it died). */
  | { status: 'failed'; message: string; recorded: boolean };

export const isDone = (o: TaskOutcome | undefined) => o?.status === 'finished' || o?.status === 'done-elsewhere';

/** True when the stage's folder holds its finished result under its current key. */
export function isFinished(task: Task): boolean {
  if (task.kind === 'trial') return finishedResult(task.dir, task.key) !== undefined;
  const record = join(task.dir, 'source.json');
  return existsSync(record) && readJson<{ key: string }>(record).key === task.key;
}

/** Writes failed.json of a stage (its error, stack, time, backend and host). */
export function recordFailure(ctx: StageContext, task: Task, message: string, stack?: string): void {
  writeTrialFailure(task.dir, {
    trial: task.label,
    key: task.key,
    message,
    ...(stack ? { stack } : {}),
    failedAt: new Date().toISOString(),
    backend: ctx.backend,
    host: hostname(),
    pid: process.pid,
  });
}

/**
 * Fault injection for tests of failure handling: MEDTRANSFER_FAIL_TRIALS lists trial folder names
 * (comma-separated) that throw when they start.
 */
function injectedFailure(task: Task): void {
  const names = (process.env.MEDTRANSFER_FAIL_TRIALS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (task.kind === 'trial' && names.includes(basename(task.dir))) {
    throw new Error(`injected failure of ${basename(task.dir)} (MEDTRANSFER_FAIL_TRIALS)`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClaimOptions {
  force?: boolean;
  timing?: LockTiming;
  /** For a source stage another runner holds: wait for it (default), or return `locked` at once. */
  waitForSource?: boolean;
}

/**
 * Runs `task` if this process can take its lock. A trial whose lock a live runner holds is left to
 * it (`locked`); a source stage is waited for instead (the trials here need it), and run here if
 * its owner dies. Never throws for a failing stage: the failure is written to failed.json.
 */
export async function runTaskLocked(ctx: StageContext, task: Task, total: number, emit: (e: RunEvent) => void, opts: ClaimOptions = {}): Promise<TaskOutcome> {
  const timing = opts.timing ?? lockTiming();
  let lock = acquireLock(task.dir, task.label, timing);
  if (!lock && task.kind === 'source' && opts.waitForSource !== false) {
    const holder = inspectLock(task.dir, timing);
    log.info(`${task.label}: another runner is training it${holder.state !== 'free' && holder.info ? ` (pid ${holder.info.pid} on ${holder.info.host})` : ''}; waiting for its checkpoint`);
    while (!lock) {
      await sleep(Math.min(1000, timing.heartbeatMs));
      if (!opts.force && isFinished(task)) return { status: 'done-elsewhere' };
      lock = acquireLock(task.dir, task.label, timing);
    }
  }
  if (!lock && task.kind === 'source') return { status: 'locked' };
  if (!lock) {
    const holder = inspectLock(task.dir, timing);
    const info = holder.state === 'free' ? undefined : holder.info;
    emit({ type: 'skip', label: task.label, index: task.index, total, reason: `running in another runner${info ? ` (pid ${info.pid} on ${info.host})` : ''}` });
    return { status: 'locked', holder: info };
  }
  const held = lock;
  try {
    if (!opts.force && isFinished(task)) {
      emit({ type: 'skip', label: task.label, index: task.index, total, reason: 'finished by another runner' });
      return { status: 'done-elsewhere' };
    }
    held.recordAttempt();
    injectedFailure(task);
    await executeTask(ctx, task, total, (e) => {
      if (e.type === 'progress') held.touch();
      emit(e);
    });
    return { status: 'finished' };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    log.error(`${task.label} failed: ${e.message}`);
    recordFailure(ctx, task, e.message, e.stack);
    emit({ type: 'failed', label: task.label, index: task.index, total, message: e.message });
    return { status: 'failed', message: e.message, recorded: true };
  } finally {
    held.release();
  }
}
