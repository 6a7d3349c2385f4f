// A trial's page: its state, config.json, validated summary and curve, the recorded failure, the
// runs that took its lock, and every file of its folder (checkpoints, saved state, records moved
// aside) to link to. Hidden files (a writer's temporary files) are not listed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CurvePoint, TrialSummary } from '@medtransfer/core';
import { CONFIG_FILE, type TrialFailure, readAttempts, readJson, readTrialFailure } from '@medtransfer/runner';
import type { TrialView } from './experiments';

export interface TrialDetail {
  trial: TrialView;
  /** config.json as written by the runner (it records the trial, its target stage and the machine). */
  config?: unknown;
  configError?: string;
  summary?: TrialSummary;
  curve?: CurvePoint[];
  failure?: TrialFailure;
  attempts: ReturnType<typeof readAttempts>;
  files: { path: string; size: number; mtime: string }[];
}

/** Files under `dir` (relative paths, depth-first, sorted), hidden ones and their folders left out. */
export function listTree(dir: string, limit = 500): TrialDetail['files'] {
  const out: TrialDetail['files'] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit || e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          const s = statSync(p);
          out.push({ path: relative(dir, p), size: s.size, mtime: s.mtime.toISOString() });
        } catch {
          // moved away meanwhile
        }
      }
    }
  };
  walk(dir);
  return out;
}

/** `result`: the validated records when the trial is finished (read by the caller's TrialReader). */
export function trialDetail(dir: string, trial: TrialView, result: { summary: TrialSummary; curve: CurvePoint[] } | undefined): TrialDetail {
  const detail: TrialDetail = { trial, attempts: readAttempts(dir), files: listTree(dir) };
  const configFile = join(dir, CONFIG_FILE);
  if (existsSync(configFile)) {
    try {
      detail.config = readJson(configFile);
    } catch (err) {
      detail.configError = (err as Error).message;
    }
  }
  if (result) {
    detail.summary = result.summary;
    detail.curve = result.curve;
  }
  const failure = readTrialFailure(dir);
  if (failure) detail.failure = failure;
  return detail;
}
