// What the dashboard shows of an experiment: its trials (from the plan when its file is known,
// plus any other trial folder), each with its state, and the report files beside them.
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { metrics, type TrialResult, type TrialSummary } from '@medtransfer/core';
import { ATTEMPTS_FILE, CONFIG_FILE, CURVE_FILE, FAILED_FILE, LOCK_FILE, SUMMARY_FILE, backboneId } from '@medtransfer/runner';
import { isInside } from './confine';
import { estimateRemaining } from './eta';
import type { PlanInfo, PlanSource } from './plans';
import { type FolderState, type RunningInfo, TRIAL_STATES, type TrialReader, type TrialState, folderState } from './trial-state';

/** A folder holding any of these is a trial folder (finished, failed, running or resumable). */
const TRIAL_MARKERS = [SUMMARY_FILE, CONFIG_FILE, CURVE_FILE, FAILED_FILE, LOCK_FILE, ATTEMPTS_FILE, 'resume'];

export interface TrialAxes {
  backbone?: string;
  init?: string;
  seed?: number;
  imageSize?: number;
  dataFraction?: number;
}

export interface TrialView extends TrialAxes {
  /** Folder name under the experiment. */
  dir: string;
  /** Run name (`target[backbone=…,init=…,seed=1]`), or the folder name when nothing records it. */
  name: string;
  /** False for a folder the experiment file does not describe (an axis removed since); absent without a plan. */
  inPlan?: boolean;
  /** Every axis but the seed: trials of one group are averaged over seeds. */
  group: string;
  state: TrialState;
  detail?: string;
  running?: RunningInfo & { plannedSteps?: number; etaSeconds?: number };
  finished?: { test: Record<string, number>; steps: number; stepsToThreshold: number | null; finishedAt: string; backend: string; trainSeconds: number };
}

export interface ExperimentView {
  name: string;
  plan?: { file: string; from: PlanInfo['from']; loaded: boolean; error?: string; skipped: { name: string; reason: string }[] };
  /** The metric of the report (`report.metric`), its threshold, and every metric the curves record. */
  metric: string;
  threshold?: number;
  metrics: string[];
  /** Axes besides backbone, init and seed whose values differ between trials. */
  axes: ('imageSize' | 'dataFraction')[];
  counts: Record<TrialState, number> & { trials: number };
  trials: TrialView[];
  /** Files of the report beside the trials (summary.md, report.html, figures). */
  files: { name: string; size: number; mtime: string }[];
}

/** True when `dir` holds a trial folder, a source stage or a report. */
function isExperimentDir(dir: string): boolean {
  if (existsSync(join(dir, 'summary.md')) || existsSync(join(dir, 'source'))) return true;
  return trialDirs(dir).length > 0;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Trial folders of an experiment folder: those holding a trial record, a lock or a saved state. */
export function trialDirs(experimentDir: string): string[] {
  return subdirs(experimentDir).filter((name) => TRIAL_MARKERS.some((m) => existsSync(join(experimentDir, name, m))));
}

/** The experiments under `root`: folders holding trials or a report, and those named by experiment files given. */
export function listExperimentNames(root: string, plans: PlanSource): string[] {
  const names = new Set(subdirs(root).filter((name) => isExperimentDir(join(root, name))));
  for (const name of plans.explicitNames()) names.add(name);
  return [...names].sort();
}

function axesOfSummary(s: TrialSummary): TrialAxes {
  return { backbone: s.backbone, init: s.init, seed: s.seed, imageSize: s.imageSize, dataFraction: s.dataFraction };
}

function groupLabel(t: TrialAxes, axes: ExperimentView['axes']): string {
  if (t.backbone === undefined || t.init === undefined) return 'other';
  const parts = [t.backbone, t.init];
  if (axes.includes('imageSize') && t.imageSize !== undefined) parts.push(`${t.imageSize}px`);
  if (axes.includes('dataFraction')) parts.push(`fraction ${t.dataFraction ?? 1}`);
  return parts.join(' · ');
}

/** The test metrics of a summary that are numbers (per-class AUCs left out). */
function testNumbers(s: TrialSummary): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.test)) if (typeof v === 'number') out[k] = v;
  return out;
}

function listFiles(dir: string): ExperimentView['files'] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => {
        const s = statSync(join(dir, e.name));
        return { name: e.name, size: s.size, mtime: s.mtime.toISOString() };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

/** The report metric and threshold: the plan's `report`, else what the trials' summaries recorded. */
function reportSettings(info: PlanInfo | undefined, results: readonly TrialResult[]): { metric: string; threshold?: number } {
  const report = info?.plan?.config.report;
  if (report) return { metric: report.metric, threshold: report.threshold };
  for (const r of results) {
    const c = r.summary.convergence;
    if (c && metrics.has(c.metric)) return { metric: c.metric, threshold: c.reached[0]?.threshold };
  }
  return { metric: 'auc' };
}

/** The state of a trial folder; one that links out of the results directory is not read. */
function confinedState(realRoot: string, dir: string, reader: TrialReader): FolderState {
  let real: string | undefined;
  try {
    real = realpathSync(dir);
  } catch {
    // not created yet
  }
  if (real !== undefined && !isInside(realRoot, real)) return { state: 'pending', detail: 'its folder links outside the results directory; not read' };
  return folderState(dir, reader);
}

interface Row {
  dir: string;
  name: string;
  inPlan?: boolean;
  axes: TrialAxes;
  state: FolderState;
}

/** Everything the experiment page shows; `reader` caches validated trial records between calls. */
export function experimentView(root: string, name: string, plans: PlanSource, reader: TrialReader): ExperimentView {
  const dir = join(root, name);
  const realRoot = realpathSync(root);
  const info = plans.forExperiment(name, dir);
  const plan = info?.plan;
  const rows: Row[] = [];
  const seen = new Set<string>();
  for (const t of plan?.trials ?? []) {
    seen.add(t.dir);
    const axes: TrialAxes = { backbone: backboneId(t.backbone), init: t.init, seed: t.seed, imageSize: t.imageSize, dataFraction: t.dataFraction };
    rows.push({ dir: t.dir, name: t.name, inPlan: true, axes, state: confinedState(realRoot, join(dir, t.dir), reader) });
  }
  for (const d of trialDirs(dir)) {
    if (seen.has(d)) continue;
    const state = confinedState(realRoot, join(dir, d), reader);
    const s = state.result?.summary;
    rows.push({ dir: d, name: s?.trial ?? d, ...(plan ? { inPlan: false } : {}), axes: s ? axesOfSummary(s) : {}, state });
  }
  // a finished record names the trial's axes even when the plan does not know its folder
  const results = rows.flatMap((r) => (r.state.result ? [r.state.result] : []));
  const { metric, threshold } = reportSettings(info, results);
  const known = rows.filter((r) => r.axes.backbone !== undefined);
  const varies = (k: 'imageSize' | 'dataFraction') => new Set(known.map((r) => r.axes[k] ?? (k === 'dataFraction' ? 1 : undefined))).size > 1;
  const axes = (['imageSize', 'dataFraction'] as const).filter(varies);
  const counts = { ...Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])), trials: rows.length } as ExperimentView['counts'];
  const trials = rows.map((r): TrialView => {
    counts[r.state.state]++;
    const view: TrialView = { dir: r.dir, name: r.name, ...r.axes, group: groupLabel(r.axes, axes), state: r.state.state };
    if (r.inPlan !== undefined) view.inPlan = r.inPlan;
    // messages name files by absolute path; relative to the experiment folder they are shorter and say the same
    if (r.state.detail) view.detail = r.state.detail.split(`${dir}${sep}`).join('');
    if (r.state.running) view.running = { ...r.state.running, ...estimateRemaining(r.axes, r.state.running, results) };
    const s = r.state.result?.summary;
    if (s) {
      const reach = s.convergence?.metric === metric ? s.convergence.reached[0] : undefined;
      view.finished = { test: testNumbers(s), steps: s.steps, stepsToThreshold: reach?.steps ?? null, finishedAt: s.finishedAt, backend: s.backend, trainSeconds: s.trainSeconds };
    }
    return view;
  });
  const recorded = new Set(results.flatMap((r) => r.curve.flatMap((p) => Object.keys(p.val))));
  return {
    name,
    ...(info ? { plan: { file: info.file, from: info.from, loaded: !!plan, ...(info.error ? { error: info.error } : {}), skipped: (plan?.skipped ?? []).map((s) => ({ name: s.name, reason: s.reason })) } } : {}),
    metric,
    ...(threshold === undefined ? {} : { threshold }),
    metrics: metrics.names().filter((m) => recorded.has(m)),
    axes,
    counts,
    trials,
    files: listFiles(dir),
  };
}
