// Results as one long table: one row per curve point and one summary row per trial, each with the
// trial's identity, parameters, backend and machine, so a data-frame library (arquero, pandas, R)
// filters and groups them without knowing the store's layout.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MedtransferError, TrialResult, getLogger, metrics } from '@medtransfer/core';
import { loadPlan } from './experiment';
import { CONFIG_FILE, SUMMARY_FILE, readJson, readStoredTrial } from './store';

const log = getLogger('runner');

export type Cell = string | number | boolean | null;
export type TableRow = Record<string, Cell>;

/**
 * Identity columns first, then the curve columns (`val.<name>` for every registered metric), in
 * this order; every other column follows in first-seen order.
 */
export const LEADING_COLUMNS: readonly string[] = [
  'row',
  'experiment',
  'trial',
  'key',
  'backbone',
  'init',
  'seed',
  'dataset',
  'task',
  'step',
  'epoch',
  'imagesSeen',
  'trainLoss',
  'valLoss',
  ...metrics.names().map((name) => `val.${name}`),
  'trainSeconds',
];

/** Nested objects become `a.b` columns; arrays (per-class AUCs) a JSON string; undefined is dropped. */
function flatten(value: unknown, prefix: string, out: TableRow): TableRow {
  if (value === undefined) return out;
  if (value === null || typeof value !== 'object') {
    out[prefix] = value as Cell;
  } else if (Array.isArray(value)) {
    out[prefix] = JSON.stringify(value);
  } else {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

export interface StoredConfig {
  target?: unknown;
  trial?: { backbone?: unknown; strategy?: unknown };
  machine?: unknown;
}

/** The rows of one trial: its curve points, then its summary. */
export function trialRows(result: TrialResult, config: StoredConfig = {}): TableRow[] {
  const s = result.summary;
  const identity: TableRow = {
    experiment: s.experiment,
    trial: s.trial,
    key: s.key,
    backbone: s.backbone,
    init: s.init,
    seed: s.seed,
    dataset: s.dataset,
    task: s.task,
  };
  // Parameters, backend and machine on every row, so any row can be filtered on them.
  const context: TableRow = { backend: s.backend };
  flatten(config.machine, 'machine', context);
  flatten(config.trial?.backbone, 'backboneRef', context);
  flatten(config.trial?.strategy, 'strategy', context);
  flatten(config.target, 'target', context);
  const curve = result.curve.map((p) => ({ row: 'curve', ...identity, ...flatten(p, '', {}), ...context }));
  const { experiment: _e, trial: _t, key: _k, backbone: _b, init: _i, seed: _s, dataset: _d, task: _k2, backend: _be, steps, ...rest } = s;
  const summary: TableRow = { row: 'summary', ...identity, step: steps, ...flatten(rest, '', {}), ...context };
  return [...curve, summary];
}

function isTrialDir(dir: string): boolean {
  return existsSync(join(dir, SUMMARY_FILE));
}

/**
 * Experiment folders under `dir`: `dir` itself when it holds trial folders, else its
 * sub-folders that do (a result store's root).
 */
export function experimentDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const subdirs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  if (subdirs.some(isTrialDir)) return [dir];
  return subdirs.filter((d) => existsSync(d) && readdirSync(d, { withFileTypes: true }).some((e) => e.isDirectory() && isTrialDir(join(d, e.name)))).sort();
}

/** A finished trial as the exporters read it: its folder, its records and its config.json. */
export interface ExportedTrial {
  dir: string;
  result: TrialResult;
  config: StoredConfig;
}

/**
 * Every finished trial under `experimentDir` (only the named trials when `trials` is given), in
 * folder order; a trial whose records are damaged is left out with a warning naming the file.
 */
export function experimentTrials(experimentDir: string, trials?: Set<string>): ExportedTrial[] {
  const out: ExportedTrial[] = [];
  for (const entry of readdirSync(experimentDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(experimentDir, entry.name);
    if (!entry.isDirectory() || !isTrialDir(dir)) continue;
    const stored = readStoredTrial(dir);
    if (stored.state === 'damaged') {
      log.warn(`export: left out, damaged: ${stored.error.message}`);
      continue;
    }
    if (stored.state !== 'finished') continue;
    const result: TrialResult = stored.result;
    if (trials && !trials.has(result.summary.trial)) continue;
    const configFile = join(dir, CONFIG_FILE);
    out.push({ dir, result, config: existsSync(configFile) ? readJson<StoredConfig>(configFile) : {} });
  }
  return out;
}

/** Every finished trial under `experimentDir` as rows (see `experimentTrials`). */
export function experimentRows(experimentDir: string, trials?: Set<string>): TableRow[] {
  return experimentTrials(experimentDir, trials).flatMap((t) => trialRows(t.result, t.config));
}

/** The columns of `rows`: LEADING_COLUMNS, then the rest in first-seen order. */
export function tableColumns(rows: readonly TableRow[]): string[] {
  const seen = new Set<string>(LEADING_COLUMNS);
  const rest: string[] = [];
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      rest.push(k);
    }
  }
  return [...LEADING_COLUMNS, ...rest];
}

function csvCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header; empty cells where a row has no value. */
export function toCsv(rows: readonly TableRow[]): string {
  const cols = tableColumns(rows);
  return [cols.map(csvCell).join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** One JSON object per line, every row with every column (null where it has no value). */
export function toJsonl(rows: readonly TableRow[]): string {
  const cols = tableColumns(rows);
  return rows.map((r) => JSON.stringify(Object.fromEntries(cols.map((c) => [c, r[c] ?? null])))).join('\n') + (rows.length ? '\n' : '');
}

/**
 * The finished trials of an experiment file (in `resultsDir`), or of every experiment under a
 * results folder (a store root or one experiment's folder).
 */
export function exportTrialsFor(target: string, resultsDir: string): ExportedTrial[] {
  if (existsSync(target) && statSync(target).isFile()) {
    const plan = loadPlan(target);
    const dir = resolve(resultsDir, plan.config.name);
    return existsSync(dir) ? experimentTrials(dir, new Set(plan.trials.map((t) => t.name))) : [];
  }
  if (!existsSync(target)) throw new MedtransferError(`export: ${target} does not exist; pass an experiment file or a results folder`);
  return experimentDirs(target).flatMap((d) => experimentTrials(d));
}

/** The long table of `exportTrialsFor(target, resultsDir)`. */
export function exportRowsFor(target: string, resultsDir: string): TableRow[] {
  return exportTrialsFor(target, resultsDir).flatMap((t) => trialRows(t.result, t.config));
}
