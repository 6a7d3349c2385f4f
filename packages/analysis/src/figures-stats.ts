// Figures with confidence intervals: final test metric per backbone × init, learning curves with
// a CI band per init, and convergence speed-up against the training-data fraction.
import { metrics } from '@medtransfer/core';
import type { TrialResult } from '@medtransfer/core';
import { groupStats, speedupTable } from './comparisons';
import { FIGURE_HEIGHT, FIGURE_WIDTH, figureConfig, seriesColours } from './figure-style';
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from './figures';
import { checkMetricOptions, metricLabel, metricTitle, thresholdText, type CurveMetric } from './metric';
import { mean, tInterval } from './stats/describe';
import { MedtransferError } from '@medtransfer/core';
import { compareInits, curveRows, dataFraction, requireResults } from './tables';

/** Colour by init, in baseline → treatment order, so scratch is always the first colour. */
function initColor(inits: readonly string[], title = 'init'): Record<string, unknown> {
  return {
    field: 'init',
    type: 'nominal',
    title,
    sort: inits,
    scale: { domain: inits, range: seriesColours(inits.length) },
    legend: { orient: 'right', symbolOpacity: 1 },
  };
}

function levelPct(level: number): string {
  return `${Math.round(level * 1000) / 10} %`;
}

export interface FinalMetricOptions {
  metric: CurveMetric;
  title?: string;
  /** CI level (default 0.95). */
  level?: number;
}

/** Final test metric per backbone × init: mean over seeds (point) with its t-interval (error bar). */
export function finalMetricSpec(results: readonly TrialResult[], opts: FinalMetricOptions): VegaLiteSpec {
  requireResults(results, 'finalMetricSpec');
  checkMetricOptions(opts, 'finalMetricSpec');
  const level = opts.level ?? 0.95;
  const rows = groupStats(results, { metric: opts.metric, level }).filter((r) => r.mean !== null);
  const datasets = new Set(rows.map((r) => r.dataset));
  const fractions = new Set(rows.map((r) => r.fraction));
  const data = rows.map((r) => ({
    ...r,
    // One x category per backbone (and dataset / fraction when the results span several).
    group: [datasets.size > 1 ? r.dataset : '', r.backbone, fractions.size > 1 ? `${r.fraction ?? 1}×data` : ''].filter(Boolean).join(' · '),
    lo: r.lo ?? r.mean,
    hi: r.hi ?? r.mean,
  }));
  const inits = [...new Set(rows.map((r) => r.init))].sort(compareInits);
  const m = metricLabel(opts.metric);
  const x = { field: 'group', type: 'nominal', title: 'backbone', axis: { labelAngle: 0 } };
  const xOffset = { field: 'init', type: 'nominal', sort: inits, scale: { paddingInner: 0.2 } };
  const y = { field: 'mean', type: 'quantitative', title: `test ${m} (mean ± ${levelPct(level)} CI)`, scale: { zero: false, nice: true, padding: 12 } };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: opts.title ?? `Final test ${m}`, subtitle: `point: mean over seeds · bar: ${levelPct(level)} t-interval (none when n = 1)` },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    data: { values: data },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative', title: y.title, scale: y.scale }, y2: { field: 'hi' }, color: initColor(inits) },
      },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 1 },
        encoding: { x, xOffset, y, color: initColor(inits), tooltip: [{ field: 'n', title: 'seeds' }, { field: 'mean', format: '.3f' }] },
      },
    ],
    config: figureConfig(),
  };
}

/** Mean and t-interval of the validation metric over seeds, per backbone × init × step. */
export interface CurveCiRow {
  backbone: string;
  init: string;
  step: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean of one group's values with its Student-t interval (none for one value), clipped to the
 * metric's range: a t-interval from few seeds can overshoot it ([0, 1] for AUC).
 */
export function meanBand(values: readonly number[], level: number, range: readonly [number, number]): { mean: number; lo: number; hi: number; n: number } {
  const m = mean(values);
  const [lo, hi] = values.length > 1 ? tInterval(values, level) : [m, m];
  return { mean: m, lo: Math.max(range[0], lo), hi: Math.min(range[1], hi), n: values.length };
}

export function curveIntervals(results: readonly TrialResult[], metric: CurveMetric, level = 0.95): CurveCiRow[] {
  const range = metrics.get(metric).range;
  const groups = new Map<string, { backbone: string; init: string; step: number; values: number[] }>();
  for (const r of curveRows(results)) {
    const v = r[`val_${metric}`];
    if (v === null) continue;
    const id = `${r.backbone}\u0000${r.init}\u0000${r.step}`;
    if (!groups.has(id)) groups.set(id, { backbone: r.backbone, init: r.init, step: r.step, values: [] });
    groups.get(id)!.values.push(v);
  }
  return [...groups.values()]
    .map(({ values, ...k }) => ({ ...k, ...meanBand(values, level, range) }))
    .sort((a, b) => (a.backbone < b.backbone ? -1 : a.backbone > b.backbone ? 1 : compareInits(a.init, b.init) || a.step - b.step));
}

export interface CurveCiOptions {
  metric: CurveMetric;
  title?: string;
  threshold?: number;
  level?: number;
}

/**
 * Learning curves with a confidence band: one panel per backbone, one colour per init, the
 * mean over seeds as a line and its t-interval as a band.
 */
export function learningCurveCiSpec(results: readonly TrialResult[], opts: CurveCiOptions): VegaLiteSpec {
  requireResults(results, 'learningCurveCiSpec');
  checkMetricOptions(opts, 'learningCurveCiSpec');
  const level = opts.level ?? 0.95;
  const data = curveIntervals(results, opts.metric, level);
  const inits = [...new Set(data.map((d) => d.init))].sort(compareInits);
  const backbones = [...new Set(data.map((d) => d.backbone))].sort();
  const yTitle = `validation ${metricTitle(opts.metric)}`;
  const x = { field: 'step', type: 'quantitative', title: 'training step (batch updates)', scale: { zero: true }, axis: { tickCount: 6 } };
  const yScale = { zero: false, nice: true };
  const layers: VegaLiteSpec[] = [
    {
      mark: { type: 'area', opacity: 0.18 },
      encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle, scale: yScale }, y2: { field: 'hi' }, color: initColor(inits) },
    },
    {
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: yScale }, color: initColor(inits) },
    },
  ];
  if (opts.threshold !== undefined) {
    layers.push({
      mark: { type: 'rule', strokeDash: [5, 4], color: '#555555', strokeWidth: 1.5 },
      encoding: { y: { datum: opts.threshold, type: 'quantitative', title: yTitle, scale: yScale } },
    });
  }
  const panelWidth = backbones.length > 1 ? Math.max(220, Math.floor(FIGURE_WIDTH / Math.min(backbones.length, 3))) : FIGURE_WIDTH;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? `Validation ${metricLabel(opts.metric)} during training`,
      subtitle: `line: mean over seeds · band: ${levelPct(level)} t-interval${opts.threshold !== undefined ? ` · dashed: threshold ${opts.threshold}` : ''}`,
    },
    data: { values: data },
    facet: { field: 'backbone', type: 'nominal', title: null, sort: backbones, header: { labelFontSize: 13 } },
    columns: 3,
    spec: { width: panelWidth, height: FIGURE_HEIGHT * 0.8, layer: layers },
    resolve: { scale: { y: 'shared' } },
    config: figureConfig(),
  };
}

export interface SpeedupFigureOptions {
  metric: CurveMetric;
  threshold: number;
  title?: string;
  level?: number;
  seed?: number;
}

/** True when some trials record a data fraction (small-data sweeps), so the speed-up figure applies. */
export function hasDataFractions(results: readonly TrialResult[]): boolean {
  return results.some((r) => dataFraction(r.summary) !== null);
}

/**
 * Convergence speed-up (scratch steps-to-threshold ÷ each other init's) against the fraction of
 * the training data, with bootstrap CIs; colour = backbone, one panel per init, a rule at 1×.
 */
export function speedupSpec(results: readonly TrialResult[], opts: SpeedupFigureOptions): VegaLiteSpec {
  requireResults(results, 'speedupSpec');
  checkMetricOptions(opts, 'speedupSpec');
  const level = opts.level ?? 0.95;
  const rows = speedupTable(results, { metric: opts.metric, threshold: opts.threshold, level, seed: opts.seed }).filter(
    (r) => r.speedup !== null && r.fraction !== null,
  );
  if (rows.length === 0) {
    throw new MedtransferError(
      'speedupSpec: no trial records a data fraction with both a scratch and another init; the speed-up-vs-fraction figure needs a small-data sweep.',
    );
  }
  const data = rows.map((r) => ({ ...r, lo: r.lo ?? r.speedup, hi: r.hi ?? r.speedup, censored: r.bound === 'exact' ? 'no' : `yes (${r.bound} bound)` }));
  const backbones = [...new Set(rows.map((r) => r.backbone))].sort();
  const inits = [...new Set(rows.map((r) => r.init))].sort(compareInits);
  const color = {
    field: 'backbone',
    type: 'nominal',
    title: 'backbone',
    scale: { domain: backbones, range: seriesColours(backbones.length) },
    legend: { orient: 'right', symbolOpacity: 1 },
  };
  const fractions = [...new Set(rows.map((r) => r.fraction as number))].sort((a, b) => a - b);
  const x = { field: 'fraction', type: 'quantitative', title: 'fraction of training data', scale: { type: 'log' }, axis: { values: fractions, format: '~%' } };
  const y = { field: 'speedup', type: 'quantitative', title: 'speed-up vs scratch (×)', scale: { type: 'log' } };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? 'Convergence speed-up over scratch',
      subtitle: `steps until ${thresholdText(opts.metric, opts.threshold)}: scratch ÷ init · bars: ${levelPct(level)} bootstrap CI · hollow: censored runs`,
    },
    data: { values: data },
    facet: { field: 'init', type: 'nominal', title: null, sort: inits, header: { labelFontSize: 13 } },
    columns: 3,
    spec: {
      width: inits.length > 1 ? 260 : FIGURE_WIDTH,
      height: FIGURE_HEIGHT * 0.8,
      layer: [
        { mark: { type: 'rule', color: '#555555', strokeDash: [4, 3] }, encoding: { y: { datum: 1, type: 'quantitative', scale: y.scale } } },
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: y.title, scale: y.scale }, y2: { field: 'hi' }, color } },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color } },
        // Filled points: no censored run; hollow: the estimate is a bound (see SpeedupBound).
        {
          transform: [{ filter: "datum.censored === 'no'" }],
          mark: { type: 'point', size: 80, opacity: 1, filled: true },
          encoding: { x, y, color, tooltip: [{ field: 'speedup', format: '.2f' }, { field: 'censored' }] },
        },
        {
          transform: [{ filter: "datum.censored !== 'no'" }],
          mark: { type: 'point', size: 80, opacity: 1, filled: false, fill: 'white', strokeWidth: 2 },
          encoding: { x, y, color, tooltip: [{ field: 'speedup', format: '.2f' }, { field: 'censored' }] },
        },
      ],
    },
    config: figureConfig(),
  };
}
