// Per backbone × initialisation summary of a sweep: test metrics over seeds, convergence speed
// (steps to a validation threshold, with censoring), and the gain of each init over scratch.
import * as aq from 'arquero';
import { getLogger } from '@medtransfer/core';
import type { TrialResult } from '@medtransfer/core';
import { fmtDelta, fmtMeanStd, fmtNumber, markdownTable, type Align } from './format';
import { checkMetricOptions, metricLabel, thresholdText, type CurveMetric } from './metric';
import { dataFraction, finiteOrNull, initRank, requireResults, trialRows, type Table } from './tables';

const log = getLogger('analysis');

export interface SummaryOptions {
  /** Validation metric the convergence threshold applies to. */
  metric: CurveMetric;
  /** Value of the validation metric that counts as converged (e.g. 0.91 AUC in Raghu et al.). */
  threshold: number;
}

/** One row of the table `summarize` returns. Stds are sample stds (n − 1), null when n = 1. */
export interface SummaryRow {
  dataset: string;
  backbone: string;
  /** Data fraction of the training split (null: full split / not recorded). */
  fraction: number | null;
  init: string;
  /** Trials (seeds) in the group. */
  n: number;
  auc_mean: number | null;
  auc_std: number | null;
  acc_mean: number | null;
  acc_std: number | null;
  /** Mean steps to threshold over the seeds that reached it; null when none did. */
  steps_mean: number | null;
  /** How many of the n seeds reached the threshold. */
  reached: number;
  /** Mean test AUC minus that of `scratch` for the same dataset and backbone; null for scratch rows. */
  delta_auc: number | null;
}

/** Column order of the summary table (also the order `summaryMarkdown` expects to find). */
export const SUMMARY_COLUMNS: readonly (keyof SummaryRow)[] = [
  'dataset', 'backbone', 'fraction', 'init', 'n', 'auc_mean', 'auc_std', 'acc_mean', 'acc_std', 'steps_mean', 'reached', 'delta_auc',
];

function warnOnRepeatedSeeds(results: readonly TrialResult[]): void {
  const seen = new Map<string, string>();
  for (const { summary: s } of results) {
    const fraction = dataFraction(s);
    const id = `${s.dataset} ${s.backbone}${fraction === null ? '' : ` fraction ${fraction}`} ${s.init} seed ${s.seed}`;
    const prev = seen.get(id);
    if (prev !== undefined) {
      log.warn(`${id} appears twice (trials ${prev} and ${s.trial}); both count towards its mean. Remove stale results if this is a rerun.`);
    }
    seen.set(id, s.trial);
  }
}

/**
 * Summarises trial results into one row per dataset × backbone × init (see `SummaryRow`),
 * sorted by dataset, backbone, then init with scratch first and pretrained second.
 */
export function summarize(results: readonly TrialResult[], opts: SummaryOptions): Table {
  requireResults(results, 'summarize');
  checkMetricOptions(opts, 'summarize');
  warnOnRepeatedSeeds(results);
  const { op } = aq;
  // arquero's mean/stdev skip null values: a censored run (steps null) drops out of steps_mean
  // and `valid` counts the runs that reached the threshold.
  const grouped = aq
    .from(trialRows(results, opts))
    .groupby('dataset', 'backbone', 'fraction', 'init')
    .rollup({
      n: op.count(),
      auc_mean: op.mean('test_auc'),
      auc_std: op.stdev('test_auc'),
      acc_mean: op.mean('test_acc'),
      acc_std: op.stdev('test_acc'),
      steps_mean: op.mean('steps'),
      reached: op.valid('steps'),
    })
    // stdev of one value and mean of no values come back undefined/NaN; store null ("empty").
    .derive({
      auc_mean: aq.escape((d: SummaryRow) => finiteOrNull(d.auc_mean)),
      auc_std: aq.escape((d: SummaryRow) => finiteOrNull(d.auc_std)),
      acc_mean: aq.escape((d: SummaryRow) => finiteOrNull(d.acc_mean)),
      acc_std: aq.escape((d: SummaryRow) => finiteOrNull(d.acc_std)),
      steps_mean: aq.escape((d: SummaryRow) => finiteOrNull(d.steps_mean)),
      // arquero's lookup does not match null keys, and fraction is null for full-data runs.
      fraction_key: aq.escape((d: SummaryRow) => String(d.fraction)),
    });

  const scratch = grouped
    .filter(aq.escape((d: SummaryRow) => d.init === 'scratch'))
    .select({ dataset: 'dataset', backbone: 'backbone', fraction_key: 'fraction_key', auc_mean: 'scratch_auc' });
  const keys = ['dataset', 'backbone', 'fraction_key'];
  return grouped
    .lookup(scratch, [keys, keys], 'scratch_auc')
    .derive({
      delta_auc: aq.escape((d: SummaryRow & { scratch_auc?: number | null }) =>
        d.init !== 'scratch' && d.auc_mean !== null && typeof d.scratch_auc === 'number' ? d.auc_mean - d.scratch_auc : null,
      ),
      init_rank: aq.escape((d: SummaryRow) => initRank(d.init)),
    })
    .orderby('dataset', 'backbone', 'fraction', 'init_rank', 'init')
    .select(...SUMMARY_COLUMNS);
}

export interface SummaryMarkdownOptions {
  title: string;
  metric: CurveMetric;
  threshold: number;
}

/**
 * A Markdown document for a summary table: heading, one sentence per column, and the table with
 * metrics to 3 decimals ("0.912 ± 0.013").
 */
export function summaryMarkdown(table: Table, opts: SummaryMarkdownOptions): string {
  checkMetricOptions(opts, 'summaryMarkdown');
  const rows = table.objects() as unknown as SummaryRow[];
  const m = metricLabel(opts.metric);
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const showDataset = datasets.length > 1;
  const showFraction = new Set(rows.map((r) => r.fraction)).size > 1;
  const stepsHeader = `steps to ${thresholdText(opts.metric, opts.threshold)}`;

  const headers = [...(showDataset ? ['dataset'] : []), 'backbone', ...(showFraction ? ['data fraction'] : []), 'init', 'n', 'test AUC', 'test ACC', stepsHeader, 'Δ test AUC vs scratch'];
  const align: Align[] = [...(showDataset ? (['left'] as Align[]) : []), 'left', ...(showFraction ? (['right'] as Align[]) : []), 'left', 'right', 'right', 'right', 'right', 'right'];
  const body = rows.map((r) => [
    ...(showDataset ? [r.dataset] : []),
    r.backbone,
    ...(showFraction ? [r.fraction === null ? 'full' : String(r.fraction)] : []),
    r.init,
    String(r.n),
    fmtMeanStd(r.auc_mean, r.auc_std),
    fmtMeanStd(r.acc_mean, r.acc_std),
    `${fmtNumber(r.steps_mean, 0)} (${r.reached}/${r.n})`,
    fmtDelta(r.delta_auc),
  ]);

  const lines = [
    `# ${opts.title}`,
    '',
    ...(showDataset ? [] : datasets.length === 1 ? [`Dataset: \`${datasets[0]}\`.`, ''] : []),
    `One row per backbone${showFraction ? ', data fraction' : ''} and initialisation; *n* is the number of seeds (trials).`,
    '',
    '- **test AUC**, **test ACC**: metrics of the final model on the test split, mean ± sample standard deviation over seeds (no ± when n = 1).',
    `- **${stepsHeader}**: training steps (batch updates) until the validation ${m} first reached ${opts.threshold}, averaged over the seeds that reached it; runs that never reached it are censored — excluded from the mean and counted in (reached/n). "—" means no seed reached it.`,
    '- **Δ test AUC vs scratch**: mean test AUC of this initialisation minus that of scratch for the same backbone and data fraction (empty for scratch, or when there is no scratch run).',
    '',
    markdownTable(headers, align, body),
    '',
  ];
  return lines.join('\n');
}
