// Runs one task under its lock (lock.ts): takes the lock or learns that another runner has the
// task, re-checks that nobody finished it meanwhile, runs it, and records a failure in
// failed.json instead of ending the sweep. Used by the in-process loop and by worker processes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { MedtransferError, StoredRecordError, getLogger, parseRecord, sourceRecordSchema } from '@medtransfer/core';
import { MANIFEST_FILE, WEIGHTS_FILE, readCheckpoint } from '@medtransfer/zoo';
import type { RunEvent } from './run';
import { LockInfo, LockTiming, acquireLock, inspectLock, lockTiming } from './lock';
import { KeyParts, changedKeyParts } from './plan';
import type { TaskContext } from './context';
import { executeTask } from './execute';
import type { Task } from './tasks';
import { DAMAGED_DIR, RESULT_FILES, SOURCE_FILE, SUPERSEDED_DIR, moveAside, readStoredTrial, writeTrialFailure } from './store';

const log = getLogger('runner');

export type TaskOutcome =
  | { status: 'finished' }
  /** Another runner finished it before this one got its lock (or while waiting for a source task). */
  | { status: 'done-elsewhere' }
  /** A live runner holds its lock; this one leaves the task to it. */
  | { status: 'locked'; holder?: LockInfo }
  /** `recorded`: failed.json written (false when the process running it died). */
  | { status: 'failed'; message: string; recorded: boolean };

/** The files of a source task's result, moved aside together. */
const SOURCE_FILES = [SOURCE_FILE, MANIFEST_FILE, WEIGHTS_FILE];

/** What a task's folder holds, checked: every record validated, a source checkpoint verified. */
export type TaskState =
  | { state: 'finished' }
  /** Nothing usable yet; `note` says what is there (a source record whose checkpoint was not kept). */
  | { state: 'absent'; note?: string }
  /** A valid result under another key; `changed` names the key parts that differ (empty when the record predates key parts). */
  | { state: 'other-key'; storedKey: string; storeVersion: number; changed: string[] }
  /** A damaged record or checkpoint: `message` names the file and what is wrong. */
  | { state: 'damaged'; message: string };

function otherKey(stored: { key: string; storeVersion?: number; keyParts?: KeyParts }, task: Task): TaskState {
  return { state: 'other-key', storedKey: stored.key, storeVersion: stored.storeVersion ?? 1, changed: changedKeyParts(stored.keyParts, task.keyParts) };
}

/**
 * Checkpoints this process verified, by folder, with the identity (inode, size, mtime) of their
 * files then: a run checks a source task several times (selecting, after locking, before
 * running), and verifying a ResNet-50 checkpoint reads and hashes ~100 MB each time. The store
 * replaces files by rename, so a changed checkpoint has a new identity and is verified again.
 */
const verified = new Map<string, string>();

function fileIdentity(dir: string): string {
  return SOURCE_FILES.map((f) => {
    const st = statSync(join(dir, f), { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '-';
  }).join('|');
}

function verifyCheckpoint(dir: string): void {
  const id = fileIdentity(dir);
  if (verified.get(dir) === id) return;
  verified.delete(dir);
  readCheckpoint(dir);
  verified.set(dir, id);
}

/** Reads a task's folder (nothing is written). */
export function inspectTask(task: Task): TaskState {
  if (task.kind === 'trial') {
    const stored = readStoredTrial(task.dir, task.key);
    if (stored.state === 'damaged') return { state: 'damaged', message: stored.error.message };
    if (stored.state === 'other-key') return otherKey(stored.result.summary, task);
    return { state: stored.state };
  }
  const file = join(task.dir, SOURCE_FILE);
  if (!existsSync(file)) return { state: 'absent' };
  try {
    const record = parseRecord(sourceRecordSchema, readFileSync(file, 'utf8'), file, 'source stage record');
    if (record.key !== task.key) return otherKey(record, task);
    if (!existsSync(join(task.dir, MANIFEST_FILE)) && !existsSync(join(task.dir, WEIGHTS_FILE))) {
      return { state: 'absent', note: `only ${SOURCE_FILE} is here, not its checkpoint (a result set copied without weights); trained again if an unfinished trial needs it` };
    }
    // The checkpoint is what trials use: verify it (manifest, size, finite weights, checksum) before counting the task done.
    verifyCheckpoint(task.dir);
    return { state: 'finished' };
  } catch (err) {
    if (err instanceof StoredRecordError || err instanceof MedtransferError) return { state: 'damaged', message: err.message };
    throw err;
  }
}

/** True when the task's folder holds its finished, valid result under its current key. */
export function isFinished(task: Task): boolean {
  return inspectTask(task).state === 'finished';
}

/**
 * Before a task runs (under its lock): a damaged result is moved to `damaged/<time>/`, a result of
 * another key (or one rerun with --force) to `superseded/<time>/`, so the folder never holds an
 * old summary beside a new failure, and nothing is deleted.
 */
function clearForRun(task: Task, force: boolean | undefined): void {
  const files = task.kind === 'trial' ? RESULT_FILES : SOURCE_FILES;
  const state = inspectTask(task);
  let moved: string | undefined;
  if (state.state === 'damaged') {
    moved = moveAside(task.dir, files, DAMAGED_DIR, state.message);
    log.warn(`${task.label}: ${state.message}; moved to ${moved} and run again`);
    return;
  }
  if (state.state === 'other-key') {
    const why = state.changed.length ? `changed: ${state.changed.join(', ')}` : `written by store version ${state.storeVersion}`;
    moved = moveAside(task.dir, files, SUPERSEDED_DIR, `key ${state.storedKey} replaced by ${task.key} (${why})`);
  } else if (state.state === 'absent' && state.note) {
    moved = moveAside(task.dir, files, SUPERSEDED_DIR, state.note);
  } else if (state.state === 'finished' && force) {
    moved = moveAside(task.dir, files, SUPERSEDED_DIR, `rerun with --force (key ${task.key})`);
  }
  if (moved) log.info(`${task.label}: the earlier result is kept in ${moved}`);
}

/** Writes failed.json of a task (its error, stack, time, backend and host). */
export function recordFailure(ctx: TaskContext, task: Task, message: string, stack?: string): void {
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
  /** For a source task another runner holds: wait for it (default), or return `locked` at once. */
  waitForSource?: boolean;
}

/**
 * Runs `task` if this process can take its lock. A trial whose lock a live runner holds is left to
 * it (`locked`); a source task is waited for instead (the trials here need it), and run here if
 * its owner dies. Never throws for a failing task: the failure is written to failed.json.
 */
export async function runTaskLocked(ctx: TaskContext, task: Task, total: number, emit: (e: RunEvent) => void, opts: ClaimOptions = {}): Promise<TaskOutcome> {
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
    clearForRun(task, opts.force);
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
