// Regenerates the tables and figures of the Transfusion study from stored results into one
// folder: transfusion.md, a self-contained transfusion.html and each figure as .svg/.png/.vl.json.
// A section without results is skipped with a line naming the experiment files that produce it.
import type { TrialResult } from '@medtransfer/core';
import { finalMetricSpec, hasDataFractions, speedupSpec } from '../figures-stats';
import { fmtDelta, fmtNumber, markdownTable, type Align } from '../format';
import { SIMILARITY_FIGURE_BASE, similarityByLayerSpec, similarityMarkdown, type SimilarityResult } from '../similarity-report';
import { groupStats } from '../comparisons';
import { thresholdText } from '../metric';
import { convergenceSpeedupSpec, transfusionKSpec } from './figures';
import { convergenceTable, fmtMeanCi, fmtP, fmtParams, modelTable, transfusionCurve, type ResultSet } from './tables';
import { type ReportFigure, writeReportFiles } from '../report-files';

export type TransfusionSection = 'model' | 'smallData' | 'convergence' | 'transfusion' | 'meanVar' | 'similarity';

export interface TransfusionInput {
  /** Results per dataset, each with the metric and threshold its experiment used for convergence. */
  sets: ResultSet[];
  similarity: { file: string; result: SimilarityResult }[];
  /** The experiment files (or commands) that produce each section, named when a section is skipped. */
  producers: Record<TransfusionSection, string>;
  /** Trial folders left out because their stored records are damaged; named at the top of the report. */
  damaged?: { dir: string; message: string }[];
}

export interface TransfusionOutput {
  markdown: string;
  files: string[];
  /** Sections skipped for lack of results. */
  skipped: TransfusionSection[];
}

export const TRANSFUSION_MD = 'transfusion.md';
export const TRANSFUSION_HTML = 'transfusion.html';

const short = (dataset: string) => dataset.replace(/^medmnist\//, '');
const fmtFraction = (f: number | null) => (f === null ? 'full' : `${+(f * 100).toFixed(2)} %`);

function modelSection(sets: readonly ResultSet[], small: boolean): string[] {
  const out: string[] = [];
  for (const set of sets) {
    const keep = (r: TrialResult) => ((r.summary as { dataFraction?: number }).dataFraction != null) === small;
    const sub = { ...set, results: set.results.filter(keep) };
    const auc = modelTable(sub, 'auc');
    if (!auc.length) continue;
    const acc = modelTable(sub, 'acc');
    const rows = auc.map((r) => {
      const a = acc.find((x) => x.backbone === r.backbone && x.fraction === r.fraction);
      return [
        ...(small ? [fmtFraction(r.fraction)] : []),
        r.backbone,
        fmtParams(r.params),
        fmtMeanCi(r.scratch),
        fmtMeanCi(r.pretrained),
        fmtDelta(r.delta),
        fmtP(r.p),
        fmtMeanCi(a?.scratch),
        fmtMeanCi(a?.pretrained),
      ];
    });
    const headers = [...(small ? ['training data'] : []), 'backbone', 'params', 'AUC scratch', 'AUC pretrained', 'Δ AUC', 'p (paired t, Holm)', 'ACC scratch', 'ACC pretrained'];
    const align: Align[] = [...(small ? ['left' as const] : []), 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'];
    out.push(`### ${short(set.dataset)}`, '', markdownTable(headers, align, rows), '');
  }
  return out;
}

function convergenceSection(sets: readonly ResultSet[], seed: number) {
  const rows = sets.flatMap((s) => convergenceTable(s, { seed }));
  const cells = rows.map((r) => [
    short(r.dataset),
    r.backbone,
    fmtFraction(r.fraction),
    r.init,
    thresholdText(r.metric, r.threshold),
    r.speedup === null ? '—' : `${r.bound === 'lower' ? '≥ ' : r.bound === 'upper' ? '≤ ' : r.bound === 'unknown' ? '? ' : ''}${fmtNumber(r.speedup, 2)}×`,
    r.lo === null || r.hi === null ? '—' : `[${fmtNumber(r.lo, 2)}, ${fmtNumber(r.hi, 2)}]`,
    `${r.censoredBaseline}/${r.nBaseline} · ${r.censoredTreatment}/${r.nTreatment}`,
  ]);
  const table = markdownTable(
    ['dataset', 'backbone', 'training data', 'init', 'threshold', 'speed-up vs scratch', '95 % bootstrap CI', 'censored (scratch · init)'],
    ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'right'],
    cells,
  );
  return { rows, table };
}

function meanVarSection(sets: readonly ResultSet[], seed: number): string[] {
  const out: string[] = [];
  for (const set of sets) {
    if (!set.results.some((r) => r.summary.init.startsWith('mean-var'))) continue;
    const results = set.results.filter((r) => ['scratch', 'pretrained'].includes(r.summary.init) || r.summary.init.startsWith('mean-var'));
    const stats = groupStats(results, { metric: 'auc' });
    const speed = convergenceTable({ ...set, results }, { seed });
    const cells = stats.map((s) => {
      const sp = speed.find((r) => r.backbone === s.backbone && r.fraction === s.fraction && r.init === s.init);
      return [s.backbone, fmtFraction(s.fraction), s.init, fmtMeanCi(s), s.init === 'scratch' ? '1×' : sp?.speedup == null ? '—' : `${fmtNumber(sp.speedup, 2)}×`];
    });
    out.push(`### ${short(set.dataset)}`, '', markdownTable(['backbone', 'training data', 'init', 'test AUC', 'speed-up vs scratch'], ['left', 'left', 'left', 'right', 'right'], cells), '');
  }
  return out;
}

function skippedLine(what: string, producer: string): string {
  return `*Skipped: ${what} — no stored results for it. Produced by ${producer}.*`;
}

/** Writes the study's tables and figures into `dir`; everything is rendered before the first write. */
export async function writeTransfusionReport(input: TransfusionInput, dir: string, opts: { png?: boolean; seed?: number } = {}): Promise<TransfusionOutput> {
  const seed = opts.seed ?? 0;
  const { sets, producers } = input;
  const skipped: TransfusionSection[] = [];
  const figures: ReportFigure[] = [];
  const md: string[] = [
    '# Transfusion study: tables and figures',
    '',
    'Regenerated from stored results (no training). Test metrics are of the final model; ± is the half-width of the 95 % ' +
      't-interval of the mean over seeds, with the number of seeds in brackets; p is the paired t-test of pretrained vs scratch ' +
      'on the same seeds, Holm-adjusted within each table. Steps to threshold count optimiser steps until the validation ' +
      'metric first reached the experiment’s threshold.',
    '',
    `Results: ${sets.map((s) => `${short(s.dataset)} (${s.results.length} trials)`).join(', ') || 'none'}.`,
    '',
  ];
  const damaged = input.damaged ?? [];
  if (damaged.length) {
    md.push(`> **Partial:** ${damaged.length} trial folder(s) left out because their stored records are damaged (\`medtransfer run\` moves them aside and reruns them):`);
    for (const d of damaged) md.push(`> - ${d.message}`);
    md.push('');
  }
  const section = (title: string, key: TransfusionSection, what: string, body: string[]) => {
    md.push(`## ${title}`, '');
    if (body.length) md.push(...body);
    else {
      skipped.push(key);
      md.push(skippedLine(what, producers[key]), '');
    }
  };

  const full = sets.flatMap((s) => s.results.filter((r) => (r.summary as { dataFraction?: number }).dataFraction == null && ['scratch', 'pretrained'].includes(r.summary.init)));
  const modelBody = modelSection(sets, false);
  if (modelBody.length) figures.push({ base: 'final-auc', alt: 'Final test AUC per backbone, scratch vs pretrained', spec: finalMetricSpec(full, { metric: 'auc', title: 'Final test AUC: scratch vs pretrained' }) });
  section('Model table: final test AUC, scratch vs pretrained (paper Table 1)', 'model', 'the model table', [...modelBody, ...(modelBody.length ? ['![Final test AUC](final-auc.svg)', ''] : [])]);

  const smallBody = modelSection(sets, true);
  section('Small-data table (paper Table 2)', 'smallData', 'the small-data table', smallBody);

  const conv = convergenceSection(sets, seed);
  const convBody: string[] = [];
  if (conv.rows.some((r) => r.speedup !== null)) {
    figures.push({ base: 'convergence-speedup', alt: 'Convergence speed-up over scratch', spec: convergenceSpeedupSpec(conv.rows) });
    convBody.push(
      'Speed-up = mean steps to threshold of scratch ÷ that of the init. A run that never reached the threshold counts at the steps it trained: ' +
        '"≥" marks a lower bound (only scratch runs censored), "≤" an upper bound, "?" both.',
      '',
      conv.table,
      '',
      '![Convergence speed-up](convergence-speedup.svg)',
      '',
    );
    for (const set of sets) {
      if (!hasDataFractions(set.results)) continue;
      try {
        const base = `speedup-vs-fraction-${short(set.dataset).replace(/[^a-z0-9-]+/gi, '-')}`;
        figures.push({ base, alt: `Speed-up vs data fraction (${short(set.dataset)})`, spec: speedupSpec(set.results, { metric: set.metric, threshold: set.threshold, seed }) });
        convBody.push(`![Speed-up vs data fraction (${short(set.dataset)})](${base}.svg)`, '');
      } catch {
        // No fraction with both scratch and another init: the table above says what exists.
      }
    }
  }
  section('Convergence speed-up (paper Fig. 4)', 'convergence', 'the convergence table and figure', convBody);

  const points = sets.flatMap((s) => transfusionCurve(s));
  const tBody: string[] = [];
  if (points.some((p) => p.k > 0 && p.init.startsWith('transfusion'))) {
    const cells = points.map((p) => [short(p.dataset), p.backbone, p.label, `${fmtNumber(p.steps, 0)}${p.lo !== null && p.hi !== null ? ` [${fmtNumber(p.lo, 0)}, ${fmtNumber(p.hi, 0)}]` : ''}`, `${p.censored}/${p.n}`]);
    tBody.push(markdownTable(['dataset', 'backbone', 'k (groups transfused)', 'steps to threshold [95 % CI]', 'censored'], ['left', 'left', 'left', 'right', 'right'], cells), '');
    figures.push({ base: 'transfusion-k', alt: 'Steps to threshold vs layer groups transfused', spec: transfusionKSpec(points, { metric: sets[0].metric }) });
    tBody.push('![Weight transfusion](transfusion-k.svg)', '');
  }
  section('Weight transfusion: steps to threshold vs k (paper Fig. 6)', 'transfusion', 'the transfusion-k curve', tBody);

  section('Mean-var initialisation (paper §6)', 'meanVar', 'the mean-var table', meanVarSection(sets, seed));

  const simBody: string[] = [];
  if (input.similarity.length) {
    for (const s of input.similarity) simBody.push(similarityMarkdown(s.result, { heading: '###' }).trimEnd(), '', `(from \`${s.file}\`)`, '');
    figures.push({ base: SIMILARITY_FIGURE_BASE, alt: 'Representation similarity by layer', spec: similarityByLayerSpec(input.similarity.flatMap((s) => s.result.rows)) });
    simBody.push(`![Similarity by layer](${SIMILARITY_FIGURE_BASE}.svg)`, '');
  }
  section('Representation similarity by layer (paper Fig. 5)', 'similarity', 'the similarity-by-layer table and figure', simBody);

  const markdown = `${md.join('\n').trimEnd()}\n`;
  const files = await writeReportFiles(dir, { markdown, markdownFile: TRANSFUSION_MD, htmlFile: TRANSFUSION_HTML, title: 'Transfusion study', figures, png: opts.png });
  return { markdown, files, skipped };
}
