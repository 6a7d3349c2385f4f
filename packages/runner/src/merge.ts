// `medtransfer merge`: gathers result stores from machines without a shared file system into one.
// Finished tasks only (trials with summary.json, source checkpoints with source.json) and the
// throughput records (cost/<id>/throughput.json) their costs name; all or nothing: a conflict
// anywhere writes nothing.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { MedtransferError, StoredRecordError, canonicalJson, parseRecord, parseThroughputRecord, sourceRecordSchema } from '@medtransfer/core';
import { COST_DIR, THROUGHPUT_FILE } from './cost-store';
import { ATTEMPTS_FILE, LOCK_FILE } from './lock';
import { DAMAGED_DIR, FAILED_FILE, RESULT_FILES, SOURCE_FILE, SUMMARY_FILE, SUPERSEDED_DIR, moveAside, readStoredTrial, writeFileAtomic } from './store';

interface FinishedTask {
  /** Folder relative to the store root: `<experiment>/<trial>` or `<experiment>/source/<id>`. */
  rel: string;
  from: string;
  /** The file whose presence marks it finished (written last). */
  marker: string;
  key: string;
  /** What must be equal for two copies of the same key to be the same result. */
  identity: string;
  /** Set when its records are damaged: never copied, and replaced by a valid copy from a source store. */
  damaged?: string;
}

export interface MergeOutcome {
  /** Task folders copied into the target. */
  copied: string[];
  /** Already in the target (or in an earlier source) with an equal result. */
  identical: string[];
  /** Task folders of the sources whose records are damaged, with what is wrong: not copied. */
  damaged: string[];
}

function finishedTaskIn(root: string, dir: string): FinishedTask | undefined {
  const rel = relative(root, dir);
  if (existsSync(join(dir, SUMMARY_FILE))) {
    const stored = readStoredTrial(dir);
    if (stored.state === 'damaged') return { rel, from: dir, marker: SUMMARY_FILE, key: '', identity: '', damaged: stored.error.message };
    if (stored.state !== 'finished') return undefined;
    // Two runs of one key differ in timing only; everything else must match (compared as stored, not as parsed).
    const raw = JSON.parse(readFileSync(join(dir, SUMMARY_FILE), 'utf8')) as Record<string, unknown>;
    const { finishedAt: _f, trainSeconds: _t, evalSeconds: _e, imagesPerSecond: _i, ...rest } = raw;
    return { rel, from: dir, marker: SUMMARY_FILE, key: stored.result.summary.key, identity: canonicalJson(rest) };
  }
  if (existsSync(join(dir, SOURCE_FILE))) {
    const file = join(dir, SOURCE_FILE);
    try {
      const record = parseRecord(sourceRecordSchema, readFileSync(file, 'utf8'), file, 'source stage record');
      return { rel, from: dir, marker: SOURCE_FILE, key: record.key, identity: record.key };
    } catch (err) {
      if (!(err instanceof StoredRecordError)) throw err;
      return { rel, from: dir, marker: SOURCE_FILE, key: '', identity: '', damaged: err.message };
    }
  }
  if (existsSync(join(dir, THROUGHPUT_FILE))) {
    const file = join(dir, THROUGHPUT_FILE);
    try {
      // two measurements of one key differ in their timings only: the first one kept stands
      const record = parseThroughputRecord(readFileSync(file, 'utf8'), file);
      return { rel, from: dir, marker: THROUGHPUT_FILE, key: record.key, identity: record.key };
    } catch (err) {
      if (!(err instanceof StoredRecordError)) throw err;
      return { rel, from: dir, marker: THROUGHPUT_FILE, key: '', identity: '', damaged: err.message };
    }
  }
  return undefined;
}

/** Finished task folders of a store: `<root>/<experiment>/<trial>/`, `<root>/<experiment>/source/<id>/` and `<root>/<experiment>/cost/<id>/`. */
export function finishedTasks(root: string): FinishedTask[] {
  const out: FinishedTask[] = [];
  const dirs = (d: string) => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name)).sort() : []);
  for (const exp of dirs(root)) {
    for (const dir of dirs(exp)) {
      const task = finishedTaskIn(root, dir);
      if (task) out.push(task);
      else if (basename(dir) === 'source' || basename(dir) === COST_DIR) {
        for (const src of dirs(dir)) {
          const s = finishedTaskIn(root, src);
          if (s) out.push(s);
        }
      }
    }
  }
  return out;
}

/** Copies the finished files of a task folder; its marker last, so the copy counts only once complete. */
function copyTask(task: FinishedTask, into: string): void {
  const target = join(into, task.rel);
  const damaged = finishedTaskIn(into, target)?.damaged;
  if (damaged) moveAside(target, task.marker === SUMMARY_FILE ? RESULT_FILES : [task.marker], DAMAGED_DIR, `${damaged} (replaced by merge from ${task.from})`);
  rmSync(join(target, task.marker), { force: true });
  const skip = new Set([task.marker, LOCK_FILE, FAILED_FILE, ATTEMPTS_FILE, 'resume', DAMAGED_DIR, SUPERSEDED_DIR]);
  const copyTree = (from: string, to: string) => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (skip.has(e.name) || e.name.startsWith('.') || e.name.startsWith(`${LOCK_FILE}.`)) continue;
      if (e.isDirectory()) copyTree(join(from, e.name), join(to, e.name));
      else writeFileAtomic(join(to, e.name), readFileSync(join(from, e.name)));
    }
  };
  copyTree(task.from, target);
  writeFileAtomic(join(target, task.marker), readFileSync(join(task.from, task.marker)));
  // the copied result supersedes a failure or an unfinished attempt recorded in the target
  rmSync(join(target, FAILED_FILE), { force: true });
  rmSync(join(target, 'resume'), { recursive: true, force: true });
}

/**
 * Merges the finished tasks of `sources` into the store `into`. A task present in several
 * places must hold the same result (same key and summary, timings aside); a conflict (same
 * folder, different key or different summary) throws before anything is written.
 */
export function mergeStores(sources: string[], into: string): MergeOutcome {
  const chosen = new Map<string, FinishedTask>();
  // a damaged task in the target counts as absent: a valid copy from a source replaces it
  for (const s of finishedTasks(into)) if (!s.damaged) chosen.set(s.rel, s);
  const inTarget = new Set(chosen.keys());
  const conflicts: string[] = [];
  const copied: FinishedTask[] = [];
  const identical: string[] = [];
  const damaged: string[] = [];
  for (const root of sources) {
    if (!existsSync(root)) throw new MedtransferError(`merge: ${root} does not exist; pass result store folders (the --results of the runs)`);
    for (const task of finishedTasks(root)) {
      if (task.damaged) {
        damaged.push(task.damaged);
        continue;
      }
      const have = chosen.get(task.rel);
      if (!have) {
        chosen.set(task.rel, task);
        copied.push(task);
      } else if (have.key !== task.key) {
        conflicts.push(`${task.rel}: key ${task.key} in ${root} but ${have.key} in ${inTarget.has(task.rel) ? into : have.from}`);
      } else if (have.identity !== task.identity) {
        conflicts.push(`${task.rel}: key ${task.key} has different results in ${task.from} and ${have.from}`);
      } else {
        identical.push(task.rel);
      }
    }
  }
  if (conflicts.length) {
    throw new MedtransferError(
      `merge: ${conflicts.length} conflicting stage(s), nothing was written:\n  ${conflicts.join('\n  ')}\n` +
        'Remove the copy you do not want (or rerun it with --force in one store) and merge again.',
    );
  }
  for (const task of copied) copyTask(task, into);
  return { copied: copied.map((s) => s.rel), identical, damaged };
}
