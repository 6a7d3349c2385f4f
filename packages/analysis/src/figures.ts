// Figure specs (vega-lite JSON) built from trial results. Each figure is a pure function
// results → spec; rendering and writing live in render.ts.
import * as aq from 'arquero';
import type { TrialResult } from '@medtransfer/core';
import { DASHES, FIGURE_HEIGHT, FIGURE_WIDTH, OKABE_ITO, figureConfig } from './figure-style';
import { checkMetricOptions, metricTitle, type CurveMetric } from './metric';
import { compareInits, curveRows, initRank, requireResults } from './tables';

/** A vega-lite spec as plain JSON (kept loose so specs can be restyled and saved as-is). */
export type VegaLiteSpec = Record<string, unknown>;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface LearningCurveOptions {
  metric: CurveMetric;
  title?: string;
  /** Draws a dashed horizontal rule at this validation value. */
  threshold?: number;
}

/** One point of a series: the validation metric over seeds at one step. */
export interface CurveBandRow {
  backbone: string;
  init: string;
  step: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** Mean, min and max of the validation metric over seeds, per backbone × init × step. */
export function curveBands(results: readonly TrialResult[], metric: CurveMetric): CurveBandRow[] {
  const field = `val_${metric}`;
  const { op } = aq;
  return aq
    .from(curveRows(results))
    .filter(aq.escape((d: Record<string, unknown>) => typeof d[field] === 'number'))
    .groupby('backbone', 'init', 'step')
    .rollup({ mean: op.mean(field), lo: op.min(field), hi: op.max(field), n: op.count() })
    .orderby('backbone', 'init', 'step')
    .objects() as unknown as CurveBandRow[];
}

/**
 * Learning curves: validation metric against training step, one line per backbone × init (mean
 * over seeds) with a light min–max band, colour = backbone, dash = init, and an optional dashed
 * threshold rule.
 */
export function learningCurveSpec(results: readonly TrialResult[], opts: LearningCurveOptions): VegaLiteSpec {
  requireResults(results, 'learningCurveSpec');
  checkMetricOptions(opts, 'learningCurveSpec');
  const data = curveBands(results, opts.metric);
  const backbones = [...new Set(data.map((d) => d.backbone))].sort();
  const inits = [...new Set(data.map((d) => d.init))].sort(compareInits);
  // Axis titles stay short: headless rendering estimates text width, and a long rotated title
  // is padded as if it were even longer.
  const yTitle = `validation ${metricTitle(opts.metric)}`;

  const x = { field: 'step', type: 'quantitative', title: 'training step (batch updates)', scale: { zero: true }, axis: { tickCount: 8 } };
  const yScale = { zero: false, nice: true };
  const color = {
    field: 'backbone',
    type: 'nominal',
    title: 'backbone',
    scale: { domain: backbones, range: backbones.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]) },
    // Stroke symbols at full opacity; otherwise the legend inherits the faint band fill.
    legend: { orient: 'right', symbolType: 'stroke', symbolOpacity: 1 },
  };
  // Dashes by rank keep scratch solid and pretrained dashed whichever other inits are present.
  let others = 0;
  const dashes = inits.map((init) => {
    const rank = initRank(init);
    return DASHES[Math.min(rank < 2 ? rank : 2 + others++, DASHES.length - 1)];
  });
  const strokeDash = {
    field: 'init',
    type: 'nominal',
    title: 'init',
    scale: { domain: inits, range: dashes },
    legend: { orient: 'right', symbolType: 'stroke', symbolStrokeColor: '#333' },
  };

  const layers: VegaLiteSpec[] = [
    {
      mark: { type: 'area', opacity: 0.14 },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative', title: yTitle, scale: yScale },
        y2: { field: 'hi' },
        color,
        detail: { field: 'init', type: 'nominal' },
      },
    },
    {
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: yScale }, color, strokeDash },
    },
  ];
  if (opts.threshold !== undefined) {
    const thresholdData = { values: [{ threshold: opts.threshold, label: `threshold ${opts.threshold}` }] };
    layers.push(
      {
        data: thresholdData,
        mark: { type: 'rule', strokeDash: [5, 4], color: '#555555', strokeWidth: 1.5 },
        encoding: { y: { field: 'threshold', type: 'quantitative', title: yTitle, scale: yScale } },
      },
      {
        data: thresholdData,
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: '#555555', fontSize: 11 },
        encoding: { x: { value: 0 }, y: { field: 'threshold', type: 'quantitative', title: yTitle, scale: yScale }, text: { field: 'label' } },
      },
    );
  }

  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? `Validation ${metricTitle(opts.metric)} during training`,
      subtitle: `line: mean over seeds · band: min–max over seeds${opts.threshold !== undefined ? ` · dashed rule: threshold ${opts.threshold}` : ''}`,
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    data: { values: data },
    layer: layers,
    config: figureConfig(),
  };
}
