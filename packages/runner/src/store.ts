// The result store on disk: results/<experiment>/<trial>/{config.json, curve.jsonl, summary.json}.
// summary.json is written last and atomically, so its presence (with the right key) marks a
// finished trial; a crash leaves at most an unfinished trial that the next run redoes.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CurvePoint, DataFormatError, TrialResult, TrialSummary, writeFileAtomic } from '@medtransfer/core';

/** Atomic writes (temp file, fsync, rename) are core's; the store's writers are re-exported here. */
export { writeFileAtomic };

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(file: string): T {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new DataFormatError(file, `not valid JSON (${(err as Error).message}); delete it to recompute`);
  }
}

export const SUMMARY_FILE = 'summary.json';
export const CURVE_FILE = 'curve.jsonl';
export const CONFIG_FILE = 'config.json';
/** Written when a trial fails (`TrialFailure`); removed when it later succeeds. */
export const FAILED_FILE = 'failed.json';

/** What `failed.json` holds. */
export interface TrialFailure {
  trial: string;
  key: string;
  message: string;
  stack?: string;
  /** ISO time of the failure. */
  failedAt: string;
  backend: string;
  host: string;
  pid: number;
}

/** The finished result in `dir` if it was produced by `key`; otherwise undefined. */
export function finishedResult(dir: string, key: string): TrialResult | undefined {
  const summaryFile = join(dir, SUMMARY_FILE);
  if (!existsSync(summaryFile)) return undefined;
  const summary = readJson<TrialSummary>(summaryFile);
  if (summary.key !== key) return undefined;
  return { summary, curve: readCurve(join(dir, CURVE_FILE)) };
}

export function readCurve(file: string): CurvePoint[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as CurvePoint;
      } catch {
        throw new DataFormatError(file, `line ${i + 1} is not valid JSON; delete the trial folder to rerun it`);
      }
    });
}

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

/** The recorded failure in `dir` of the trial with `key`, if any (a failure under another key is outdated). */
export function readTrialFailure(dir: string, key?: string): TrialFailure | undefined {
  const file = join(dir, FAILED_FILE);
  if (!existsSync(file)) return undefined;
  const failure = readJson<TrialFailure>(file);
  return key === undefined || failure.key === key ? failure : undefined;
}

/** Every finished trial under an experiment's folder (any key), for reports. */
export function listResults(experimentDir: string): TrialResult[] {
  if (!existsSync(experimentDir)) return [];
  const out: TrialResult[] = [];
  for (const entry of readdirSync(experimentDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(experimentDir, entry.name);
    const summaryFile = join(dir, SUMMARY_FILE);
    if (!existsSync(summaryFile)) continue;
    out.push({ summary: readJson<TrialSummary>(summaryFile), curve: readCurve(join(dir, CURVE_FILE)) });
  }
  out.sort((a, b) => a.summary.trial.localeCompare(b.summary.trial));
  return out;
}
