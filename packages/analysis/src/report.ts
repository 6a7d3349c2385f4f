// The standard report of an experiment: summary table (Markdown) and learning-curve figure,
// written into one directory.
import * as path from 'node:path';
import type { TrialResult } from '@medtransfer/core';
import { learningCurveSpec } from './figures';
import { checkMetricOptions, metricLabel, type CurveMetric } from './metric';
import { writeFigure } from './render';
import { summarize, summaryMarkdown } from './summary';
import { requireResults } from './tables';
import { writeFileAtomic } from './write-atomic';

export interface ReportOptions {
  /** Experiment name, used in titles. */
  experiment: string;
  metric: CurveMetric;
  threshold: number;
}

export interface ReportOutput {
  /** Contents of summary.md (the CLI prints it). */
  markdown: string;
  /** Paths written, in order: summary.md, learning-curves.svg, learning-curves.vl.json. */
  files: string[];
}

export const SUMMARY_FILE = 'summary.md';
export const LEARNING_CURVES_BASE = 'learning-curves';

/** Writes `dir/summary.md`, `dir/learning-curves.svg` and `dir/learning-curves.vl.json`. */
export async function writeReport(results: readonly TrialResult[], dir: string, opts: ReportOptions): Promise<ReportOutput> {
  requireResults(results, 'writeReport');
  checkMetricOptions(opts, 'writeReport');
  const { experiment, metric, threshold } = opts;

  // Build everything before writing anything, so a bad input leaves the directory untouched.
  const table = summarize(results, { metric, threshold });
  const spec = learningCurveSpec(results, {
    metric,
    threshold,
    title: `${experiment}: validation ${metricLabel(metric)} during training`,
  });
  const markdown = [
    summaryMarkdown(table, { title: `${experiment}: summary`, metric, threshold }),
    `![Learning curves](${LEARNING_CURVES_BASE}.svg)`,
    '',
  ].join('\n');

  const figureFiles = await writeFigure(spec, path.join(dir, LEARNING_CURVES_BASE));
  const summaryFile = path.join(dir, SUMMARY_FILE);
  writeFileAtomic(summaryFile, markdown);
  return { markdown, files: [summaryFile, ...figureFiles] };
}
