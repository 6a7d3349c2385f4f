// The accuracy-for-cost report of an experiment: compare.md, a self-contained compare.html and,
// per dataset and cost, the Pareto figure of the test metric and the convergence figure (each
// .svg, .png, .vl.json). Everything is rendered before the first file is written.
import type { ThroughputRecord } from '@medtransfer/core';
import { metricLabel, thresholdText } from '../metric';
import { type ReportCoverage, coverageMarkdown } from '../report';
import { type ReportFigure, writeReportFiles } from '../report-files';
import { COST_NAMES, convergenceCostSpec, paretoSpec } from './figures';
import {
  COST_AXES,
  type CompareInput,
  type CompareOptions,
  type CompareRow,
  type CompareSlice,
  type CostAxis,
  compareRows,
  compareSlices,
  convergenceThresholds,
  costOf,
  missingCosts,
} from './rows';
import { compareTable, dominatedLines, missingCostMarkdown, scoreFronts, throughputMarkdown } from './table';

export const COMPARE_MD = 'compare.md';
export const COMPARE_HTML = 'compare.html';

export interface CompareReportInput extends CompareInput {
  experiment: string;
  /** Trials planned and damaged trial records, for the "partial" notice. */
  coverage?: ReportCoverage;
  /** Throughput records that could not be read (left out, named in the report). */
  throughputProblems?: { file: string; message: string }[];
}

export interface CompareReportOptions extends CompareOptions {
  /** Costs to draw and mark fronts for (default all: flops, params, latency). */
  axes?: readonly CostAxis[];
  png?: boolean;
}

export interface CompareReportOutput {
  markdown: string;
  files: string[];
  rows: CompareRow[];
}

/** `breastmnist`, `synthetic-lesions`, `breastmnist-f0.25`: a slice's part of the figure file names. */
export function sliceSlug(s: Pick<CompareSlice, 'dataset' | 'fraction'>): string {
  const base = s.dataset.replace(/^medmnist\//, '').replace(/[^a-z0-9-]+/gi, '-');
  return s.fraction === null ? base : `${base}-f${s.fraction}`;
}

function sliceTitle(s: CompareSlice): string {
  return `${s.dataset.replace(/^medmnist\//, '')}${s.fraction === null ? '' : ` · ${+(s.fraction * 100).toFixed(2)} % of the training data`}`;
}

/** Writes the report into `dir`; returns the Markdown, the paths written and the table's rows. */
export async function writeCompareFiles(input: CompareReportInput, dir: string, opts: CompareReportOptions): Promise<CompareReportOutput> {
  const rows = compareRows(input, opts);
  const axes = opts.axes ?? COST_AXES;
  const m = metricLabel(opts.metric);
  const thresholds = convergenceThresholds(input.results, opts.convergence);
  const missing = missingCosts(input);
  const figures: ReportFigure[] = [];
  const md: string[] = [`# ${input.experiment}: accuracy for cost`, ''];
  const partial = coverageMarkdown(input.results.length, input.coverage);
  if (partial) md.push(partial.trimEnd(), '');
  md.push(
    `Per backbone, image size and init: test ${m} (mean over seeds ± half-width of the 95 % t-interval) against what the model costs. ` +
      'Parameters and forward FLOPs per image are counted (the zoo’s counter); latency (one image) and inference and training images/s ' +
      '(the trials’ batch, at most 32) are measured once per architecture, size and backend (table at the end). Steps and seconds to threshold are the mean ' +
      `over seeds until ${thresholds.map((t) => thresholdText(t.metric, t.threshold)).join(', ')}; a run that never reached it counts at ` +
      `its length (≥: a lower bound). ${m} / GFLOP is the mean ${m} ÷ forward GFLOPs per image, ${m} / M params the mean ${m} ÷ millions of ` +
      'parameters. A point is on the Pareto front (✓) when no other point of the dataset is at least as cheap and at least as good, and ' +
      'strictly better on one of the two; the front compares means, so read it with the intervals. Definitions: docs/analysis.md.',
    '',
  );
  const note = missingCostMarkdown(missing, input.results.length, input.throughputProblems ?? [], (input.recountedFlops?.size ?? 0) > 0);
  if (note) md.push(note.trimEnd(), '');

  for (const slice of compareSlices(rows)) {
    const slug = sliceSlug(slice);
    const drawn = axes.filter((a) => slice.rows.some((r) => costOf(r, a) !== null));
    const fronts = scoreFronts(slice.rows, drawn, opts.metric);
    md.push(`## ${sliceTitle(slice)}`, '', compareTable(slice.rows, fronts, opts.metric), '');
    if (!drawn.length) {
      md.push('*No figure: no result of this dataset has a recorded cost.*', '');
      continue;
    }
    md.push(...dominatedLines(slice.rows, fronts, opts.metric), '');
    for (const axis of drawn) {
      const base = `pareto-${slug}-${axis}`;
      const alt = `Test ${m} for ${COST_NAMES[axis]} (${sliceTitle(slice)})`;
      figures.push({ base, alt, spec: paretoSpec(slice.rows, { metric: opts.metric, axis, level: opts.level, title: alt }) });
      md.push(`![${alt}](${base}.svg)`, '');
    }
    for (const axis of drawn) {
      if (!slice.rows.some((r) => costOf(r, axis) !== null && r.steps.mean !== null)) continue;
      const base = `convergence-${slug}-${axis}`;
      const alt = `Time to threshold for ${COST_NAMES[axis]} (${sliceTitle(slice)})`;
      figures.push({ base, alt, spec: convergenceCostSpec(slice.rows, { axis, thresholds, title: alt }) });
      md.push(`![${alt}](${base}.svg)`, '');
    }
  }

  const used = new Set(rows.flatMap((r) => r.throughputKeys));
  const records: ThroughputRecord[] = [...used].map((k) => input.throughput.get(k)!);
  if (records.length) {
    md.push(
      '## Throughput measurements',
      '',
      'Medians of timed steps after warm-up. A busy machine measures slower: the load average when the measurement started is given. ' +
        'When one row’s trials ran on several backends, its columns are the median over their records.',
      '',
      throughputMarkdown(records, input.backboneLabels),
      '',
    );
  }
  const markdown = `${md.join('\n').trimEnd()}\n`;
  const files = await writeReportFiles(dir, { markdown, markdownFile: COMPARE_MD, htmlFile: COMPARE_HTML, title: `${input.experiment}: accuracy for cost`, figures, png: opts.png });
  return { markdown, files, rows };
}
