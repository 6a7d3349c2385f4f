// `medtransfer figures transfusion`: reads every stored trial and similarity result under a
// results folder (any experiment) and regenerates the Transfusion study's tables and figures.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MedtransferError, TrialResult, TrialSummary } from '@medtransfer/core';
import {
  ResultSet,
  SIMILARITY_FILE,
  SimilarityResult,
  TransfusionOutput,
  TransfusionSection,
  checkSimilarityResult,
  writeTransfusionReport,
} from '@medtransfer/analysis';
import { CONFIG_FILE, DAMAGED_DIR, SUMMARY_FILE, SUPERSEDED_DIR, StoreProblem, readJson, readStoredTrial } from './store';

/** Which experiment files produce each section (named in the report when a section has no results). */
export const TRANSFUSION_PRODUCERS: Record<TransfusionSection, string> = {
  model:
    '`experiments/transfusion/retina-models.yaml`, `chest-models.yaml` and `cifar10-models.yaml` ' +
    '(`reference-breastmnist.yaml` gives the BreastMNIST rows)',
  smallData: '`experiments/transfusion/retina-small-data.yaml`',
  convergence: 'any experiment with scratch and another init (all of `experiments/transfusion/`)',
  transfusion: '`experiments/transfusion/retina-transfusion.yaml`',
  meanVar: '`experiments/transfusion/retina-mean-var.yaml`',
  similarity:
    '`medtransfer similarity` on trials of `experiments/transfusion/retina-similarity.yaml` (see `experiments/transfusion/README.md`)',
};

/** Folders never holding trials: source checkpoints, resumable state, saved weights. */
const SKIP_DIRS = new Set(['source', 'resume', 'weights', 'node_modules', DAMAGED_DIR, SUPERSEDED_DIR]);

export interface StoredResults {
  results: TrialResult[];
  similarity: { file: string; result: SimilarityResult }[];
  /** Trial folders whose records are damaged: left out, and named in the report. */
  damaged: StoreProblem[];
}

interface StoredConfig {
  trial?: { dataFraction?: number };
  target?: { subset?: { fraction?: number } };
}

/** Trial results and similarity results found under `root` (at most `depth` folders down); every record validated. */
export function readResultTree(root: string, depth = 4): StoredResults {
  if (!existsSync(root)) throw new MedtransferError(`--results: folder "${root}" does not exist; give the result store root (default "results")`);
  const out: StoredResults = { results: [], similarity: [], damaged: [] };
  const walk = (dir: string, level: number) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === SUMMARY_FILE)) {
      const stored = readStoredTrial(dir);
      if (stored.state === 'damaged') {
        out.damaged.push({ dir, message: stored.error.message });
        return;
      }
      if (stored.state !== 'finished') return;
      const summary: TrialSummary & { dataFraction?: number } = stored.result.summary;
      // The data fraction (a `sweep.dataFraction` value, 1 included, or `target.subset.fraction`) is
      // recorded in config.json; trials without one used the whole training split (model table).
      if (summary.dataFraction === undefined && existsSync(join(dir, CONFIG_FILE))) {
        const cfg = readJson<StoredConfig>(join(dir, CONFIG_FILE));
        const f = cfg.trial?.dataFraction ?? cfg.target?.subset?.fraction;
        if (typeof f === 'number') summary.dataFraction = f;
      }
      out.results.push(stored.result);
      return;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === SIMILARITY_FILE) {
        const file = join(dir, e.name);
        out.similarity.push({ file: relative(root, file), result: checkSimilarityResult(readJson(file), file) });
      } else if (e.isDirectory() && level < depth && !SKIP_DIRS.has(e.name)) walk(join(dir, e.name), level + 1);
    }
  };
  walk(root, 0);
  out.results.sort((a, b) => a.summary.experiment.localeCompare(b.summary.experiment) || a.summary.trial.localeCompare(b.summary.trial));
  out.similarity.sort((a, b) => a.file.localeCompare(b.file));
  out.damaged.sort((a, b) => a.dir.localeCompare(b.dir));
  return out;
}

/**
 * One result set per dataset × convergence metric × threshold, each trial's taken from its summary
 * (`convergence`, written by the run from the experiment's `report`), else `fallback`.
 */
export function resultSets(
  results: readonly TrialResult[],
  fallback: { metric: string; threshold: number },
  override?: { metric?: string; threshold?: number },
): ResultSet[] {
  const sets = new Map<string, ResultSet>();
  for (const r of results) {
    const reach = r.summary.convergence?.reached.find((x) => x.basis === 'absolute');
    const metric = override?.metric ?? r.summary.convergence?.metric ?? fallback.metric;
    const threshold = override?.threshold ?? reach?.threshold ?? fallback.threshold;
    const key = `${r.summary.dataset}\u0000${metric}\u0000${threshold}`;
    if (!sets.has(key)) sets.set(key, { dataset: r.summary.dataset, metric, threshold, results: [] });
    sets.get(key)!.results.push(r);
  }
  return [...sets.values()].sort((a, b) => a.dataset.localeCompare(b.dataset) || a.threshold - b.threshold);
}

export interface TransfusionFiguresOptions {
  /**
   * Convergence metric and threshold for every trial. Absent: each trial's own (recorded in its
   * summary from the experiment's `report`), else AUC 0.8.
   */
  metric?: string;
  threshold?: number;
  png?: boolean;
}

/** Reads the result tree under `resultsDir` and writes the study's tables and figures into `outDir`. */
export async function writeTransfusionFigures(resultsDir: string, outDir: string, opts: TransfusionFiguresOptions = {}): Promise<TransfusionOutput & StoredResults> {
  const stored = readResultTree(resultsDir);
  const sets = resultSets(stored.results, { metric: 'auc', threshold: 0.8 }, { metric: opts.metric, threshold: opts.threshold });
  const out = await writeTransfusionReport({ sets, similarity: stored.similarity, producers: TRANSFUSION_PRODUCERS, damaged: stored.damaged }, outDir, { png: opts.png });
  return { ...out, ...stored };
}
