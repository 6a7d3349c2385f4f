// Representation-similarity results (per model pair × layer group × measure): the stored format
// (similarity.json), a Markdown table and the similarity-by-layer figure, and writing all three.
import * as path from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import { FIGURE_HEIGHT, FIGURE_WIDTH, OKABE_ITO, DASHES, figureConfig } from './figure-style';
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from './figures';
import { fmtNumber, markdownTable } from './format';
import { reportHtml } from './markdown-html';
import { writeFigureWithSvg } from './render';
import { writeFileAtomic } from '@medtransfer/core';

export const SIMILARITY_METRICS = ['cka', 'svcca', 'pwcca'] as const;
export type SimilarityMetric = (typeof SIMILARITY_METRICS)[number];

export const SIMILARITY_LABELS: Record<SimilarityMetric, string> = { cka: 'linear CKA', svcca: 'SVCCA (99 %)', pwcca: 'PWCCA' };

/** One measure between two models at one layer group. */
export interface SimilarityRow {
  /** `<a> vs <b>`. */
  pair: string;
  a: string;
  b: string;
  group: string;
  /** Position of the group from the input (0 = lowest). */
  depth: number;
  metric: SimilarityMetric;
  value: number;
  /** Rows (examples, or examples × positions when folded) and features of each side. */
  rows?: number;
  featuresA?: number;
  featuresB?: number;
}

/**
 * CCA-based measures are degenerate when the two sides together have at least as many features as
 * there are rows: the canonical correlations then approach 1 whatever the activations.
 */
export function ccaDegenerate(r: SimilarityRow): boolean {
  return r.metric !== 'cka' && r.rows !== undefined && r.featuresA !== undefined && r.featuresB !== undefined && r.featuresA + r.featuresB >= r.rows;
}

/** What `medtransfer similarity` stores (similarity.json). */
export interface SimilarityResult {
  format: 'medtransfer-similarity';
  version: 1;
  probe: { dataset: string; split: string; count: number; spatial: 'mean' | 'fold' };
  models: { label: string; dir: string; which: string; backbone: string }[];
  rows: SimilarityRow[];
}

export const SIMILARITY_FILE = 'similarity.json';
export const SIMILARITY_FIGURE_BASE = 'similarity-by-layer';

/** Checks a parsed similarity.json; `file` names it in errors. */
export function checkSimilarityResult(raw: unknown, file: string): SimilarityResult {
  const r = raw as Partial<SimilarityResult> | null;
  if (!r || r.format !== 'medtransfer-similarity' || !Array.isArray(r.rows) || !r.probe) {
    throw new MedtransferError(`${file}: not a similarity result (expected format "medtransfer-similarity" with rows); write it with \`medtransfer similarity\``);
  }
  return r as SimilarityResult;
}

/** Groups in depth order, pairs and metrics in first-seen order. */
function axes(rows: readonly SimilarityRow[]) {
  const groups = [...new Map(rows.map((r) => [r.group, r.depth])).entries()].sort((x, y) => x[1] - y[1]).map(([g]) => g);
  const pairs = [...new Set(rows.map((r) => r.pair))];
  const metrics = SIMILARITY_METRICS.filter((m) => rows.some((r) => r.metric === m));
  return { groups, pairs, metrics };
}

/** One table per model pair: a row per layer group, a column per measure. */
export function similarityMarkdown(result: SimilarityResult, opts: { heading?: string } = {}): string {
  const { groups, pairs, metrics } = axes(result.rows);
  const p = result.probe;
  const out = [
    `${opts.heading ?? '#'} Representation similarity by layer group`,
    '',
    `Probe: the first ${p.count} images of the ${p.split} split of \`${p.dataset}\`; activations at the end of each layer group, ` +
      `${p.spatial === 'fold' ? 'spatial positions folded into the examples' : 'averaged over space'}. ` +
      '1 = the same representation up to the measure’s invariances (CKA: rotation and scale; CCA: invertible linear maps).',
  ];
  for (const pair of pairs) {
    const cells = groups
      .filter((g) => result.rows.some((r) => r.pair === pair && r.group === g))
      .map((g) => [
        g,
        ...metrics.map((m) => {
          const row = result.rows.find((r) => r.pair === pair && r.group === g && r.metric === m);
          return row ? `${fmtNumber(row.value)}${ccaDegenerate(row) ? ' †' : ''}` : '—';
        }),
      ]);
    out.push('', `**${pair}**`, '', markdownTable(['layer group', ...metrics.map((m) => SIMILARITY_LABELS[m])], ['left', ...metrics.map(() => 'right' as const)], cells));
  }
  if (result.rows.some(ccaDegenerate)) {
    out.push(
      '',
      '† CCA-based value with at least as many features (both sides together) as rows: the canonical correlations are close to 1 ' +
        'whatever the activations. Use more probe images (`--probe`), or `--spatial fold` if conv maps were averaged over space (a group ending in global pooling stays one row per image).',
    );
  }
  return `${out.join('\n')}\n`;
}

/** Similarity against layer depth: one panel per measure, one colour (and dash) per model pair. */
export function similarityByLayerSpec(rows: readonly SimilarityRow[], opts: { title?: string } = {}): VegaLiteSpec {
  if (!rows.length) throw new MedtransferError('similarityByLayerSpec: no similarity rows; run `medtransfer similarity` first');
  const { groups, pairs, metrics } = axes(rows);
  const data = rows.map((r) => ({ ...r, measure: SIMILARITY_LABELS[r.metric], degenerate: ccaDegenerate(r) ? 'yes' : 'no' }));
  const legend = { orient: 'bottom', columns: 1, labelLimit: 900, symbolType: 'stroke' };
  const color = { field: 'pair', type: 'nominal', title: 'models', sort: pairs, scale: { domain: pairs, range: pairs.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]) }, legend };
  const dash = { field: 'pair', type: 'nominal', title: 'models', sort: pairs, scale: { domain: pairs, range: pairs.map((_, i) => DASHES[i % DASHES.length]) }, legend };
  const x = { field: 'group', type: 'ordinal', title: 'layer group (input → output)', sort: groups, axis: { labelAngle: -30 } };
  const y = { field: 'value', type: 'quantitative', title: 'similarity (0–1)', scale: { domain: [0, 1] } };
  const width = Math.max(180, Math.min(FIGURE_WIDTH, Math.floor((FIGURE_WIDTH * 1.4) / metrics.length)));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? 'Representation similarity by layer',
      subtitle: `per layer group, on the same probe images${data.some((d) => d.degenerate === 'yes') ? ' · hollow: CCA with features ≥ rows (near 1 by construction)' : ''}`,
    },
    data: { values: data },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: metrics.map((m) => SIMILARITY_LABELS[m]), header: { labelFontSize: 13 } } },
    spec: {
      width,
      height: Math.round(FIGURE_HEIGHT * 0.8),
      layer: [
        { mark: { type: 'line', strokeWidth: 2.2 }, encoding: { x, y, color, strokeDash: dash } },
        {
          transform: [{ filter: "datum.degenerate === 'no'" }],
          mark: { type: 'point', filled: true, size: 50, opacity: 1 },
          encoding: { x, y, color, tooltip: [{ field: 'pair' }, { field: 'group' }, { field: 'value', format: '.3f' }] },
        },
        {
          transform: [{ filter: "datum.degenerate === 'yes'" }],
          mark: { type: 'point', filled: false, fill: 'white', strokeWidth: 2, size: 60, opacity: 1 },
          encoding: { x, y, color, tooltip: [{ field: 'pair' }, { field: 'group' }, { field: 'value', format: '.3f' }] },
        },
      ],
    },
    config: figureConfig(),
  };
}

/**
 * Writes `similarity.json`, `similarity.md`, `similarity.html` and the similarity-by-layer figure
 * (.svg/.png/.vl.json) into `dir`; returns the paths.
 */
export async function writeSimilarity(result: SimilarityResult, dir: string, opts: { png?: boolean } = {}): Promise<{ markdown: string; files: string[] }> {
  const spec = similarityByLayerSpec(result.rows);
  const base = path.join(dir, SIMILARITY_FIGURE_BASE);
  const fig = await writeFigureWithSvg(spec, base, { png: opts.png });
  const markdown = `${similarityMarkdown(result)}\n![Similarity by layer](${SIMILARITY_FIGURE_BASE}.svg)\n`;
  const json = path.join(dir, SIMILARITY_FILE);
  const md = path.join(dir, 'similarity.md');
  const html = path.join(dir, 'similarity.html');
  writeFileAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileAtomic(md, markdown);
  writeFileAtomic(html, reportHtml(markdown, { title: 'Representation similarity', figures: new Map([[`${SIMILARITY_FIGURE_BASE}.svg`, fig.svg]]) }));
  return { markdown, files: [json, md, html, ...fig.files] };
}
