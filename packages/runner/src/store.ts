// The result store on disk: results/<experiment>/<trial>/{config.json, curve.jsonl, summary.json}.
// summary.json is written last and atomically, so its presence (with the right key) marks a
// finished trial; a crash leaves at most an unfinished trial that the next run redoes.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CurvePoint, DataFormatError, TrialResult, TrialSummary } from '@medtransfer/core';

/** Writes via a temp file in the same directory and a rename, so readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

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

export function writeTrialResult(dir: string, config: unknown, result: TrialResult): void {
  writeJsonAtomic(join(dir, CONFIG_FILE), config);
  writeFileAtomic(join(dir, CURVE_FILE), result.curve.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeJsonAtomic(join(dir, SUMMARY_FILE), result.summary);
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
