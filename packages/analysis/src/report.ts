// The standard report of an experiment, written into one directory: summary.md (tables),
// report.html (the same tables with the figures inlined, self-contained) and the figures
// (each as .svg, .png and .vl.json).
import type { TrialResult } from '@medtransfer/core';
import { groupStats, pairedComparisons, speedupTable } from './comparisons';
import { learningCurveSpec } from './figures';
import { finalMetricSpec, hasDataFractions, learningCurveCiSpec, speedupSpec } from './figures-stats';
import { checkMetricOptions, metricLabel, type CurveMetric } from './metric';
import type { PAdjustMethod } from './stats/multiple-comparisons';
import { statisticsMarkdown } from './stats-markdown';
import { summarize, summaryMarkdown } from './summary';
import { requireResults } from './tables';
import { type ReportFigure, writeReportFiles } from './report-files';

export interface ReportOptions {
  /** Experiment name, used in titles. */
  experiment: string;
  metric: CurveMetric;
  threshold: number;
  /** p-value correction across the paired comparisons (default 'holm'). */
  adjust?: PAdjustMethod;
  /** Seed of the bootstrap intervals (default 0), so a report is reproducible. */
  seed?: number;
  /** Also write PNGs of the figures (default true). */
  png?: boolean;
  /** How much of the experiment the results cover; a report of fewer trials than planned says so at its top. */
  coverage?: ReportCoverage;
}

/** The trials an experiment plans and the stored records that could not be used. */
export interface ReportCoverage {
  /** Trials the experiment file describes. */
  planned: number;
  /** Trial folders whose records are damaged (left out of every table), with what is wrong. */
  damaged?: { dir: string; message: string }[];
}

/** The "partial" notice of a report: empty when every planned trial is in it and nothing was left out. */
export function coverageMarkdown(found: number, coverage: ReportCoverage | undefined): string {
  if (!coverage) return '';
  const damaged = coverage.damaged ?? [];
  if (found >= coverage.planned && damaged.length === 0) return '';
  const lines = [`> **Partial: ${found} of ${coverage.planned} trials.**`];
  const missing = coverage.planned - found - damaged.length;
  if (missing > 0) lines.push(`> ${missing} trial(s) not finished (yet); rerun the report when they are.`);
  if (damaged.length) {
    lines.push(`> ${damaged.length} trial(s) left out because their stored records are damaged (\`medtransfer run\` moves them aside and reruns them):`);
    for (const d of damaged) lines.push(`> - ${d.message}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ReportOutput {
  /** Contents of summary.md (the CLI prints it). */
  markdown: string;
  /** Paths written: summary.md, report.html, then each figure's .svg, .png and .vl.json. */
  files: string[];
}

export const SUMMARY_FILE = 'summary.md';
export const HTML_FILE = 'report.html';
export const LEARNING_CURVES_BASE = 'learning-curves';
export const LEARNING_CURVES_CI_BASE = 'learning-curves-ci';
export const FINAL_METRIC_BASE = 'final-metric';
export const SPEEDUP_BASE = 'speedup-vs-fraction';

/**
 * Writes the report into `dir`. Everything is computed and rendered before the first file is
 * written, so a bad input leaves the directory untouched.
 */
export async function writeReport(results: readonly TrialResult[], dir: string, opts: ReportOptions): Promise<ReportOutput> {
  requireResults(results, 'writeReport');
  checkMetricOptions(opts, 'writeReport');
  const { experiment, metric, threshold } = opts;
  const adjust = opts.adjust ?? 'holm';
  const seed = opts.seed ?? 0;
  const m = metricLabel(metric);

  const table = summarize(results, { metric, threshold });
  const speedups = speedupTable(results, { metric, threshold, seed });
  const stats = statisticsMarkdown({
    metric,
    threshold,
    adjust,
    groups: groupStats(results, { metric }),
    comparisons: pairedComparisons(results, { metric, adjust }),
    speedups,
  });
  const figures: ReportFigure[] = [
    { base: FINAL_METRIC_BASE, alt: `Final test ${m} per backbone and init`, spec: finalMetricSpec(results, { metric, title: `${experiment}: final test ${m}` }) },
    {
      base: LEARNING_CURVES_CI_BASE,
      alt: 'Learning curves with confidence bands',
      spec: learningCurveCiSpec(results, { metric, threshold, title: `${experiment}: validation ${m} during training` }),
    },
    {
      base: LEARNING_CURVES_BASE,
      alt: 'Learning curves',
      spec: learningCurveSpec(results, { metric, threshold, title: `${experiment}: validation ${m} during training` }),
    },
  ];
  // the speed-up figure needs a fraction with a scratch run and another init that both have a
  // speed-up (e.g. not when only scratch ran, or every run was censored)
  if (hasDataFractions(results) && speedups.some((r) => r.speedup !== null && r.fraction !== null)) {
    figures.push({ base: SPEEDUP_BASE, alt: 'Convergence speed-up vs data fraction', spec: speedupSpec(results, { metric, threshold, seed }) });
  }
  // a partial report says so right under its title
  const partial = coverageMarkdown(results.length, opts.coverage);
  const [title, ...body] = summaryMarkdown(table, { title: `${experiment}: summary`, metric, threshold }).split('\n');
  const markdown = [
    ...(partial ? [title, '', partial.trimEnd(), ...body] : [title, ...body]),
    stats,
    '## Figures',
    '',
    ...figures.flatMap((f) => [`![${f.alt}](${f.base}.svg)`, '']),
  ].join('\n');
  const files = await writeReportFiles(dir, { markdown, markdownFile: SUMMARY_FILE, htmlFile: HTML_FILE, title: `${experiment}: report`, figures, png: opts.png });
  return { markdown, files };
}
