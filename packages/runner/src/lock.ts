// Per-task locks on a (possibly shared) result store, so runner processes on one or many
// machines never run the same trial or source task at once (report.ts locks the report the same way). A lock is a file created atomically
// (O_CREAT|O_EXCL) holding its owner; its mtime is a heartbeat the owner refreshes while it runs.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { getLogger, stableHash } from '@medtransfer/core';

const log = getLogger('runner');

export const LOCK_FILE = 'lock.json';
/** One line per time a runner took the task's lock (who, when, whose lock it took over). */
export const ATTEMPTS_FILE = 'attempts.jsonl';

export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  label: string;
  /** Tells this lock from a later one of the same pid and host. */
  token: string;
}

export interface LockTiming {
  /** How often the owner refreshes the heartbeat (ms). */
  heartbeatMs: number;
  /** A heartbeat older than this marks the owner dead (ms); must exceed the longest pause between heartbeats. */
  staleMs: number;
}

/**
 * Defaults: heartbeat every 30 s, stale after 5 min (training yields to the event loop after every
 * step, so only a single step or evaluation longer than that would be misread).
 * MEDTRANSFER_LOCK_HEARTBEAT_S and MEDTRANSFER_LOCK_STALE_S override them.
 */
export function lockTiming(): LockTiming {
  const num = (name: string, fallback: number) => {
    const v = Number(process.env[name]);
    return process.env[name] !== undefined && Number.isFinite(v) && v > 0 ? v * 1000 : fallback;
  };
  return { heartbeatMs: num('MEDTRANSFER_LOCK_HEARTBEAT_S', 30_000), staleMs: num('MEDTRANSFER_LOCK_STALE_S', 300_000) };
}

/** What a lock file says about its task: nobody holds it, a live owner, or a dead one. */
export type LockState =
  | { state: 'free' }
  | { state: 'held' | 'stale'; info?: LockInfo; heartbeatAgeMs: number; why?: string };

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readInfo(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined; // being written right now, or damaged: judged by its age alone
  }
}

/** Reads the lock of the task folder `dir`: on this host a gone pid is dead at once, elsewhere only a stale heartbeat is. */
export function inspectLock(dir: string, timing: LockTiming = lockTiming()): LockState {
  const file = join(dir, LOCK_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return { state: 'free' };
  }
  const info = readInfo(file);
  const heartbeatAgeMs = Math.max(0, Date.now() - mtimeMs);
  if (info && info.host === hostname() && !pidAlive(info.pid)) return { state: 'stale', info, heartbeatAgeMs, why: `process ${info.pid} is gone` };
  if (heartbeatAgeMs > timing.staleMs) return { state: 'stale', info, heartbeatAgeMs, why: `no heartbeat for ${Math.round(heartbeatAgeMs / 1000)} s` };
  return { state: 'held', info, heartbeatAgeMs };
}

let tokenCounter = 0;

/** A held lock: refreshes its heartbeat until released. */
export class TaskLock {
  private timer: NodeJS.Timeout;
  private lastBeat = Date.now();
  /** Set when the lock file stopped being ours (taken over after a too-long pause). */
  lost = false;

  constructor(
    readonly dir: string,
    readonly info: LockInfo,
    private readonly timing: LockTiming,
    /** The dead owner whose lock this one replaced. */
    readonly tookOverFrom?: LockInfo,
  ) {
    this.timer = setInterval(() => this.beat(), timing.heartbeatMs);
    this.timer.unref();
  }

  private get file(): string {
    return join(this.dir, LOCK_FILE);
  }

  private ours(): boolean {
    return readInfo(this.file)?.token === this.info.token;
  }

  /**
   * Appends this run of the task to attempts.jsonl (called once the task is known to need
   * running): one short O_APPEND line, so concurrent appends do not interleave; readers skip a
   * torn last line.
   */
  recordAttempt(): void {
    const from = this.tookOverFrom;
    const line = { pid: this.info.pid, host: this.info.host, startedAt: this.info.startedAt, ...(from ? { tookOverFrom: { pid: from.pid, host: from.host } } : {}) };
    appendFileSync(join(this.dir, ATTEMPTS_FILE), `${JSON.stringify(line)}\n`);
  }

  /** Refreshes the heartbeat (the lock file's mtime). */
  beat(): void {
    if (this.lost) return;
    this.lastBeat = Date.now();
    if (!this.ours()) {
      this.lost = true;
      log.warn(`${this.info.label}: lost its lock in ${this.dir} (another runner took it over after a pause of more than ${this.timing.staleMs / 1000} s)`);
      return;
    }
    const now = new Date();
    utimesSync(this.file, now, now);
  }

  /** A heartbeat at most every heartbeatMs, for callers with their own rhythm (training progress). */
  touch(): void {
    if (Date.now() - this.lastBeat >= this.timing.heartbeatMs) this.beat();
  }

  release(): void {
    clearInterval(this.timer);
    if (!this.lost && this.ours()) rmSync(this.file, { force: true });
  }
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(info));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock under a short-lived takeover lock, re-checking under it, so two runners
 * that both saw the same stale lock cannot both remove it (the second would remove the first's
 * new lock). A takeover lock older than the stale timeout (its holder died in these few
 * milliseconds) is removed first.
 */
function removeStale(dir: string, label: string, timing: LockTiming): void {
  const guard = join(dir, `${LOCK_FILE}.takeover`);
  const old = statSync(guard, { throwIfNoEntry: false });
  if (old && Date.now() - old.mtimeMs > timing.staleMs) rmSync(guard, { force: true });
  if (!tryCreate(guard, { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), label, token: 'takeover' })) return;
  try {
    const state = inspectLock(dir, timing);
    if (state.state !== 'stale') return;
    const who = state.info ? `the lock of pid ${state.info.pid} on ${state.info.host}, since ${state.info.startedAt}` : 'an unreadable lock file';
    log.warn(`${label}: taking over ${who} (${state.why})`);
    // rename first: the stale file is kept beside the new lock for whoever investigates
    renameSync(join(dir, LOCK_FILE), join(dir, `${LOCK_FILE}.stale`));
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the lock of the task folder `dir`, or returns undefined when a live runner holds it.
 * A lock whose owner is dead (same host and pid gone, or heartbeat older than `staleMs`) is taken
 * over and logged.
 */
export function acquireLock(dir: string, label: string, timing: LockTiming = lockTiming()): TaskLock | undefined {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    label,
    token: stableHash({ pid: process.pid, host: hostname(), t: Date.now(), n: tokenCounter++, hr: process.hrtime.bigint().toString() }),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, info)) {
      const previous = existsSync(join(dir, `${LOCK_FILE}.stale`)) ? readInfo(join(dir, `${LOCK_FILE}.stale`)) : undefined;
      rmSync(join(dir, `${LOCK_FILE}.stale`), { force: true });
      return new TaskLock(dir, info, timing, previous);
    }
    const state = inspectLock(dir, timing);
    if (state.state === 'held') return undefined;
    if (state.state === 'stale') removeStale(dir, label, timing);
  }
  return undefined;
}

/** The attempts recorded in a task folder (a torn last line, from a kill mid-append, is skipped). */
export function readAttempts(dir: string): Array<{ pid: number; host: string; startedAt: string; tookOverFrom?: { pid: number; host: string } }> {
  const file = join(dir, ATTEMPTS_FILE);
  if (!existsSync(file)) return [];
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // torn line
    }
  }
  return out;
}
