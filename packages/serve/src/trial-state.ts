// The state of one trial folder, read through the runner's validated readers only (summary and
// curve: readStoredTrial; failed.json: readTrialFailure; lock.json: inspectLock; resume/: the
// engine's inspectTrainState). Nothing is written. Keys are not recomputed (that reads the data):
// a valid result counts as finished whatever key it was made under; `medtransfer status` tells
// whether a changed file or dataset would rerun it.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { TrialResult } from '@medtransfer/core';
import { CURVE_FILE, SUMMARY_FILE, type StoredTrial, inspectLock, inspectTrainState, readStoredTrial, readTrialFailure } from '@medtransfer/runner';

export type TrialState = 'pending' | 'running' | 'finished' | 'failed' | 'damaged';
export const TRIAL_STATES: readonly TrialState[] = ['finished', 'running', 'failed', 'damaged', 'pending'];

export interface RunningInfo {
  pid?: number;
  host?: string;
  /** When the runner took the lock (ISO). */
  startedAt?: string;
  heartbeatAgeSeconds: number;
  /** The step of the last saved training state (`resume/`), when one was saved. */
  step?: number;
  savedAt?: string;
}

export interface FolderState {
  state: TrialState;
  /** The error of a failed trial, what is wrong with a damaged one, a stale lock or saved state of a pending one. */
  detail?: string;
  running?: RunningInfo;
  /** A finished trial's validated records. */
  result?: TrialResult;
}

/**
 * Validated reads cached by the files' identity (inode, size, mtime): the store renames finished
 * files into place, so a changed file has a new identity, and an unchanged trial is not parsed again.
 */
export class TrialReader {
  private readonly cache = new Map<string, { id: string; stored: StoredTrial }>();

  read(dir: string): StoredTrial {
    const id = [SUMMARY_FILE, CURVE_FILE].map((f) => fileId(join(dir, f))).join('|');
    const hit = this.cache.get(dir);
    if (hit && hit.id === id) return hit.stored;
    const stored = readStoredTrial(dir);
    this.cache.set(dir, { id, stored });
    return stored;
  }
}

function fileId(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** The state of the trial folder `dir` (which may not exist yet), in `medtransfer status`'s order of precedence. */
export function folderState(dir: string, reader: TrialReader): FolderState {
  const stored = reader.read(dir);
  if (stored.state === 'finished' || stored.state === 'other-key') return { state: 'finished', result: stored.result };
  const lock = inspectLock(dir);
  const saved = inspectTrainState(join(dir, 'resume'));
  if (lock.state === 'held') {
    const info = lock.info;
    return {
      state: 'running',
      running: {
        ...(info ? { pid: info.pid, host: info.host, startedAt: info.startedAt } : {}),
        heartbeatAgeSeconds: Math.round(lock.heartbeatAgeMs / 1000),
        ...(saved ? { step: saved.step, savedAt: saved.savedAt } : {}),
      },
    };
  }
  const notes: string[] = [];
  if (lock.state === 'stale') notes.push(`stale lock (${lock.why}); the next run takes it over`);
  if (saved) notes.push(`resumes from step ${saved.step}`);
  if (stored.state === 'damaged') return { state: 'damaged', detail: [stored.error.message, ...notes].join('; ') };
  const failure = readTrialFailure(dir);
  if (failure) return { state: 'failed', detail: [`${failure.message} (at ${failure.failedAt} on ${failure.host}, ${failure.backend})`, ...notes].join('; ') };
  return { state: 'pending', ...(notes.length ? { detail: notes.join('; ') } : {}) };
}
