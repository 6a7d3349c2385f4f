// The result store on disk: results/<experiment>/<trial>/{config.json, curve.jsonl, summary.json}.
// summary.json is written last and atomically, so its presence (with the right key) marks a
// finished trial; a crash leaves at most an unfinished trial that the next run redoes. Every
// record is validated when read (core's record schemas): a damaged one is reported by path,
// never counted, and moved aside (not deleted) by the run that redoes its trial.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CurvePoint,
  DataFormatError,
  StoredRecordError,
  TrialFailureRecord,
  TrialResult,
  parseCurve,
  parseRecord,
  parseTrialSummary,
  trialFailureSchema,
  writeFileAtomic,
} from '@medtransfer/core';

/** Atomic writes (temp file, fsync, rename) are core's; the store's writers are re-exported here. */
export { writeFileAtomic };

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file the store does not validate further (config.json); not JSON is a DataFormatError naming it. */
export function readJson<T>(file: string): T {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataFormatError(file, `not valid JSON (${(err as Error).message})`);
  }
}

export const SUMMARY_FILE = 'summary.json';
export const CURVE_FILE = 'curve.jsonl';
export const CONFIG_FILE = 'config.json';
/** A source task's record, written after its checkpoint (`weights.json`, `weights.bin`): marks it finished. */
export const SOURCE_FILE = 'source.json';
/** Written when a trial fails (`TrialFailure`); removed when it later succeeds. */
export const FAILED_FILE = 'failed.json';
/** Where damaged records are moved (`damaged/<time>/…`), and results of an earlier key (`superseded/<time>/…`). */
export const DAMAGED_DIR = 'damaged';
export const SUPERSEDED_DIR = 'superseded';

/** What `failed.json` holds. */
export type TrialFailure = TrialFailureRecord;

/** A trial folder as the store finds it. */
export type StoredTrial =
  | { state: 'absent' }
  /** A valid result (with `key`: produced under that key). */
  | { state: 'finished'; result: TrialResult }
  /** A valid result under another key than the one asked for. */
  | { state: 'other-key'; result: TrialResult }
  /** summary.json or curve.jsonl cannot be used; `error` names the file (and line or field). */
  | { state: 'damaged'; error: StoredRecordError };

export function readCurve(file: string): CurvePoint[] {
  if (!existsSync(file)) throw new StoredRecordError(file, 'missing; a finished trial writes its curve before its summary');
  return parseCurve(readFileSync(file, 'utf8'), file);
}

/** Reads and validates the trial folder `dir`; with `key`, a result under another key is `other-key`. */
export function readStoredTrial(dir: string, key?: string): StoredTrial {
  const summaryFile = join(dir, SUMMARY_FILE);
  if (!existsSync(summaryFile)) return { state: 'absent' };
  try {
    const summary = parseTrialSummary(readFileSync(summaryFile, 'utf8'), summaryFile);
    const curve = readCurve(join(dir, CURVE_FILE));
    const last = curve[curve.length - 1];
    if (last && last.step > summary.steps) throw new StoredRecordError(join(dir, CURVE_FILE), `reaches step ${last.step} but ${SUMMARY_FILE} says the trial ran ${summary.steps} steps; the two files come from different runs`);
    const result = { summary, curve };
    return key === undefined || summary.key === key ? { state: 'finished', result } : { state: 'other-key', result };
  } catch (err) {
    if (err instanceof StoredRecordError) return { state: 'damaged', error: err };
    throw err;
  }
}

/** The finished result in `dir` if it was produced by `key`; otherwise (absent, other key, damaged) undefined. */
export function finishedResult(dir: string, key: string): TrialResult | undefined {
  const stored = readStoredTrial(dir, key);
  return stored.state === 'finished' ? stored.result : undefined;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * Moves the named files of `dir` that exist into `dir/<into>/<time>/` (never deletes them), with
 * a `why.txt` saying why; returns the folder, or undefined when none of the files existed.
 */
export function moveAside(dir: string, files: readonly string[], into: typeof DAMAGED_DIR | typeof SUPERSEDED_DIR, why: string): string | undefined {
  const present = files.filter((f) => existsSync(join(dir, f)));
  if (!present.length) return undefined;
  let target = join(dir, into, stamp());
  for (let n = 1; existsSync(target); n++) target = join(dir, into, `${stamp()}-${n}`);
  mkdirSync(target, { recursive: true });
  writeFileAtomic(join(target, 'why.txt'), `${why}\n`);
  for (const f of present) {
    try {
      renameSync(join(dir, f), join(target, f));
    } catch (err) {
      // another runner moved it first
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return target;
}

/** The files of a trial's result, moved aside together. */
export const RESULT_FILES = [SUMMARY_FILE, CURVE_FILE, CONFIG_FILE] as const;

/**
 * Writes a finished trial. An older summary.json (a forced rerun, or an earlier key) goes first,
 * so a crash between the files can never pair an old summary with a new curve; summary.json is
 * written last and marks the trial finished; failed.json of an earlier attempt goes after it.
 */
export function writeTrialResult(dir: string, config: unknown, result: TrialResult): void {
  rmSync(join(dir, SUMMARY_FILE), { force: true });
  writeJsonAtomic(join(dir, CONFIG_FILE), config);
  writeFileAtomic(join(dir, CURVE_FILE), result.curve.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeJsonAtomic(join(dir, SUMMARY_FILE), result.summary);
  rmSync(join(dir, FAILED_FILE), { force: true });
}

export function writeTrialFailure(dir: string, failure: TrialFailure): void {
  writeJsonAtomic(join(dir, FAILED_FILE), failure);
}

/**
 * The recorded failure in `dir` of the trial with `key`, if any (a failure under another key is
 * outdated). A damaged failed.json reads as a failure whose message says so.
 */
export function readTrialFailure(dir: string, key?: string): TrialFailure | undefined {
  const file = join(dir, FAILED_FILE);
  if (!existsSync(file)) return undefined;
  let failure: TrialFailure;
  try {
    failure = parseRecord(trialFailureSchema, readFileSync(file, 'utf8'), file, 'failure record');
  } catch (err) {
    if (!(err instanceof StoredRecordError)) throw err;
    return { trial: '?', key: key ?? '?', message: `unreadable failure record: ${err.message}`, failedAt: '?', backend: '?', host: '?', pid: 0 };
  }
  return key === undefined || failure.key === key ? failure : undefined;
}

/** A stored record that could not be used, for reports and status. */
export interface StoreProblem {
  /** The trial folder. */
  dir: string;
  message: string;
}

export interface StoreListing {
  results: TrialResult[];
  /** Trial folders whose records are damaged: not in `results`, to be named by whoever reports. */
  problems: StoreProblem[];
}

/** Every valid finished trial under an experiment's folder (any key), and the damaged ones. */
export function listResults(experimentDir: string): StoreListing {
  const out: StoreListing = { results: [], problems: [] };
  if (!existsSync(experimentDir)) return out;
  for (const entry of readdirSync(experimentDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(experimentDir, entry.name);
    const stored = readStoredTrial(dir);
    if (stored.state === 'finished') out.results.push(stored.result);
    else if (stored.state === 'damaged') out.problems.push({ dir, message: stored.error.message });
  }
  out.results.sort((a, b) => a.summary.trial.localeCompare(b.summary.trial));
  out.problems.sort((a, b) => a.dir.localeCompare(b.dir));
  return out;
}
