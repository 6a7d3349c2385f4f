// `medtransfer figures compare`: the accuracy-for-cost report of one experiment from its stored
// results — the trials the file plans (validated; damaged ones named), their recorded costs and the
// experiment's throughput records — written into `<results>/<experiment>/figures-compare/`.
import { join, resolve } from 'node:path';
import { MedtransferError, type ThroughputRecord, type TrialResult, getLogger } from '@medtransfer/core';
import { type CompareReportOutput, type CostAxis, writeCompareFiles } from '@medtransfer/analysis';
import { readThroughputRecords } from './cost-store';
import { countForwardFlops } from './estimate';
import { loadPlan } from './experiment';
import { type Plan, type PlannedTrial, backboneId } from './plan';
import { type ExperimentResults, planResults } from './report';

const log = getLogger('runner');

/** Folder of the report inside the experiment's folder (as `figures transfusion` writes `figures-transfusion/` under the store). */
export const COMPARE_DIR = 'figures-compare';

export interface CompareFiguresOptions {
  /** Test metric on the y axis and in the table (default: the experiment's `report.metric`). */
  metric?: string;
  /** Costs to draw (default all: flops, params, latency). */
  axes?: readonly CostAxis[];
  /** Output folder (default `<results>/<experiment>/figures-compare`). */
  out?: string;
  png?: boolean;
  /** Count the FLOPs of trials recorded without a cost with the zoo's counter (default true; each architecture is built once). */
  recount?: boolean;
  /** What is being done, for a command's progress lines. */
  onProgress?: (message: string) => void;
}

export interface CompareFiguresOutput extends CompareReportOutput, ExperimentResults {
  outDir: string;
  /** Throughput records left out because they are damaged. */
  throughputProblems: { file: string; message: string }[];
  /** Trials whose FLOPs were counted again (no cost in their summary). */
  recounted: number;
}

/** Image size and data fraction from the plan for summaries written before they recorded them. */
function withPlannedAxes(r: TrialResult, t: PlannedTrial | undefined): TrialResult {
  if (!t || (r.summary.imageSize !== undefined && (r.summary.dataFraction !== undefined || t.dataFraction === undefined))) return r;
  return { ...r, summary: { ...r.summary, imageSize: r.summary.imageSize ?? t.imageSize, dataFraction: r.summary.dataFraction ?? t.dataFraction } };
}

/** Forward FLOPs of the trials without a recorded cost, by trial name (the zoo's counter, 2-class head, as `plan` counts). */
function recountFlops(results: readonly TrialResult[], trials: ReadonlyMap<string, PlannedTrial>): Map<string, number> {
  const todo = results.filter((r) => !r.summary.cost).map((r) => trials.get(r.summary.trial)).filter((t): t is PlannedTrial => t !== undefined);
  if (!todo.length) return new Map();
  try {
    const flops = countForwardFlops(todo.map((t) => ({ ref: t.model, size: t.imageSize, channels: t.target.channels })));
    return new Map(todo.map((t, i) => [t.name, flops[i]]));
  } catch (err) {
    log.warn(`could not count the FLOPs of trials recorded without a cost: ${(err as Error).message}; their FLOPs show "—"`);
    return new Map();
  }
}

/**
 * Throughput records for summaries written before costs were recorded: those `medtransfer cost`
 * measured later for the same backbone, image size and backend (any batch), by trial name.
 */
export function matchThroughput(results: readonly TrialResult[], records: ReadonlyMap<string, ThroughputRecord>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { summary: s } of results) {
    if (s.cost) continue;
    const keys = [...records.values()].filter((t) => t.backbone === s.backbone && t.imageSize === s.imageSize && t.backend === s.backend).map((t) => t.key);
    if (keys.length) out.set(s.trial, keys);
  }
  return out;
}

/**
 * Display names of the plan's backbone ids: a backbone with params (id `mobilenet-v1-7d5b69`) shows
 * as its name and params without the weights (`mobilenet-v1 (alpha 0.5)`); two ids that would show
 * alike keep their id (`… [mobilenet-v1-7d5b69]`).
 */
export function backboneLabels(trials: readonly PlannedTrial[]): Map<string, string> {
  const byId = new Map<string, string>();
  for (const t of trials) {
    const id = backboneId(t.backbone);
    if (byId.has(id)) continue;
    const entries = Object.entries(t.model.params);
    const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));
    byId.set(id, entries.length ? `${t.model.name} (${entries.map(([k, v]) => `${k} ${text(v)}`).join(', ')})` : t.model.name);
  }
  const uses = new Map<string, number>();
  for (const l of byId.values()) uses.set(l, (uses.get(l) ?? 0) + 1);
  return new Map([...byId].map(([id, l]) => [id, (uses.get(l) ?? 0) > 1 && l !== id ? `${l} [${id}]` : l]));
}

/** Reads the experiment's stored results and writes its accuracy-for-cost report. */
export async function writeCompareReport(experiment: string | Plan, resultsDir: string, opts: CompareFiguresOptions = {}): Promise<CompareFiguresOutput> {
  const progress = opts.onProgress ?? (() => {});
  const plan = typeof experiment === 'string' ? loadPlan(experiment) : experiment;
  const experimentDir = resolve(resultsDir, plan.config.name);
  progress(`reading the results of ${plan.config.name} in ${experimentDir}`);
  const found = planResults(plan, experimentDir);
  if (!found.results.length) {
    const damaged = found.damaged.length ? ` (${found.damaged.length} damaged record(s): ${found.damaged.map((d) => d.message).join('; ')})` : '';
    throw new MedtransferError(
      `figures compare: no finished trial of ${plan.file} in ${experimentDir}${damaged}; run the experiment first (\`medtransfer run ${plan.file} --results ${resultsDir}\`)`,
    );
  }
  const trials = new Map(plan.trials.map((t) => [t.name, t]));
  const results = found.results.map((r) => withPlannedAxes(r, trials.get(r.summary.trial)));
  const throughput = readThroughputRecords(experimentDir);
  const uncosted = results.filter((r) => !r.summary.cost).length;
  let recountedFlops = new Map<string, number>();
  if (uncosted && (opts.recount ?? true)) {
    progress(`counting the FLOPs of ${uncosted} trial(s) recorded without a cost (the zoo's counter; each architecture built once)`);
    recountedFlops = recountFlops(results, trials);
  }
  const outDir = opts.out ?? join(experimentDir, COMPARE_DIR);
  progress(`writing ${outDir}`);
  const { report } = plan.config;
  const written = await writeCompareFiles(
    {
      experiment: plan.config.name,
      results,
      throughput: throughput.records,
      recountedFlops,
      throughputByTrial: matchThroughput(results, throughput.records),
      backboneLabels: backboneLabels(plan.trials),
      coverage: { planned: found.planned, damaged: found.damaged },
      throughputProblems: throughput.problems,
    },
    outDir,
    { metric: opts.metric ?? report.metric, convergence: { metric: report.metric, threshold: report.threshold }, axes: opts.axes, png: opts.png },
  );
  return { ...found, results, ...written, outDir, throughputProblems: throughput.problems, recounted: recountedFlops.size };
}
