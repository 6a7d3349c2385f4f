// Accuracy for cost as figures: per dataset, the test metric against a cost (FLOPs, parameters or
// latency, log scale) with the Pareto front as a step line, and the same for the steps and seconds
// to the convergence threshold (lower is better on both axes).
import { MedtransferError, metrics } from '@medtransfer/core';
import { FIGURE_HEIGHT, FIGURE_WIDTH, figureConfig, seriesColours } from '../figure-style';
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from '../figures';
import { metricLabel, thresholdText, type CurveMetric } from '../metric';
import { compareInits } from '../tables';
import { type ParetoDirections, type ParetoMark, paretoFront } from './pareto';
import { type CompareRow, type CostAxis, costOf } from './rows';

/** Axis titles of each cost (the unit `costOf` returns). */
export const COST_TITLES: Record<CostAxis, string> = {
  flops: 'forward MFLOPs per image',
  params: 'parameters (millions)',
  latency: 'latency, 1 image (ms)',
};

/** Short names of each cost, for alt texts and table headers. */
export const COST_NAMES: Record<CostAxis, string> = { flops: 'FLOPs', params: 'params', latency: 'latency' };

const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-left', 'triangle-right'];

/** `resnet50 · pretrained · 64 px` (the size only when the rows have several). */
export function rowLabel(r: CompareRow, withSize: boolean): string {
  return [r.label, r.init, withSize && r.imageSize !== null ? `${r.imageSize} px` : ''].filter(Boolean).join(' · ');
}

export const severalSizes = (rows: readonly CompareRow[]) => new Set(rows.map((r) => r.imageSize)).size > 1;

/** Pareto marks of `rows` on cost `axis` against `y` (null y or cost: `missing`). */
export function frontOf(rows: readonly CompareRow[], axis: CostAxis, y: (r: CompareRow) => number | null, dir: ParetoDirections): ParetoMark[] {
  return paretoFront(rows.map((r) => ({ x: costOf(r, axis), y: y(r) })), dir);
}

/** Directions of the accuracy front: cheaper is better, and the metric's own direction. */
export function scoreDirections(metric: CurveMetric): ParetoDirections {
  return { x: 'lower', y: metrics.get(metric).higherIsBetter ? 'higher' : 'lower' };
}

/** Colour per backbone (CBR nets first), shape per init. */
function encodings(rows: readonly CompareRow[]) {
  const cbrFirst = (a: string, b: string) => Number(!a.startsWith('cbr')) - Number(!b.startsWith('cbr')) || (a < b ? -1 : a > b ? 1 : 0);
  const backbones = [...new Set(rows.map((r) => r.label))].sort(cbrFirst);
  const inits = [...new Set(rows.map((r) => r.init))].sort(compareInits);
  return {
    color: { field: 'backbone', type: 'nominal', title: 'backbone', sort: backbones, scale: { domain: backbones, range: seriesColours(backbones.length) } },
    shape: { field: 'init', type: 'nominal', title: 'init', sort: inits, scale: { domain: inits, range: inits.map((_, i) => SHAPES[i % SHAPES.length]) } },
  };
}

interface Panel {
  rows: readonly CompareRow[];
  axis: CostAxis;
  y: (r: CompareRow) => { mean: number | null; lo: number | null; hi: number | null; censored?: number };
  yTitle: string;
  dir: ParetoDirections;
  /** The values y can take: t-interval bounds outside are clipped (AUC: [0, 1]; steps, seconds: ≥ 0). */
  yRange: readonly [number, number];
  /** Start the y axis at 0 (steps and seconds). */
  yZero?: boolean;
  width: number;
}

/** One scatter: error bars, the front as a step line, points (faded when dominated, hollow when censored), size labels. */
function panel(p: Panel): VegaLiteSpec {
  const withSize = severalSizes(p.rows);
  const marks = frontOf(p.rows, p.axis, (r) => p.y(r).mean, p.dir);
  const values = p.rows.flatMap((r, i) => {
    const m = marks[i];
    if (m.status === 'missing') return [];
    const v = p.y(r);
    return [
      {
        label: rowLabel(r, withSize),
        backbone: r.label,
        init: r.init,
        size: withSize && r.imageSize !== null ? `${r.imageSize} px` : '',
        cost: costOf(r, p.axis),
        mean: v.mean,
        lo: Math.max(v.lo ?? v.mean!, p.yRange[0]),
        hi: Math.min(v.hi ?? v.mean!, p.yRange[1]),
        seeds: r.score.n,
        front: m.status === 'front',
        status: m.status === 'front' ? 'on the front' : `dominated by ${rowLabel(p.rows[m.by], withSize)}`,
        censored: v.censored ?? 0,
      },
    ];
  });
  const { color, shape } = encodings(p.rows);
  const x = { field: 'cost', type: 'quantitative', title: `${COST_TITLES[p.axis]}, log scale`, scale: { type: 'log', padding: 24 } };
  const yScale = p.yZero ? { zero: true, nice: true } : { zero: false, nice: false, padding: 16 };
  const y = { field: 'mean', type: 'quantitative', title: p.yTitle, scale: yScale };
  const opacity = { condition: { test: 'datum.front', value: 1 }, value: 0.35 };
  const tooltip = [{ field: 'label' }, { field: 'cost', format: '.4~g' }, { field: 'mean', format: '.4~g' }, { field: 'seeds' }, { field: 'status' }];
  return {
    width: p.width,
    height: FIGURE_HEIGHT,
    data: { values },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: p.yTitle, scale: yScale }, y2: { field: 'hi' }, color, opacity } },
      { transform: [{ filter: 'datum.front' }], mark: { type: 'line', interpolate: 'step-after', color: '#555555', strokeWidth: 1.5, strokeDash: [6, 3] }, encoding: { x, y } },
      // a layer whose filter leaves nothing makes vega warn of an empty extent: only the layers with points
      ...(values.some((v) => v.censored === 0)
        ? [{ transform: [{ filter: 'datum.censored === 0' }], mark: { type: 'point', filled: true, size: 110 }, encoding: { x, y, color, shape, opacity, tooltip } }]
        : []),
      ...(values.some((v) => v.censored > 0)
        ? [
            {
              transform: [{ filter: 'datum.censored > 0' }],
              mark: { type: 'point', filled: false, fill: 'white', strokeWidth: 2, size: 110 },
              encoding: { x, y, color, shape, opacity, tooltip: [...tooltip, { field: 'censored', title: 'runs censored' }] },
            },
          ]
        : []),
      ...(withSize ? [{ mark: { type: 'text', align: 'left', dx: 9, dy: -7, fontSize: 11, color: '#333333' }, encoding: { x, y, text: { field: 'size' }, opacity } }] : []),
    ],
  };
}

function requireCosts(rows: readonly CompareRow[], axis: CostAxis, where: string): void {
  if (!rows.some((r) => costOf(r, axis) !== null)) throw new MedtransferError(`${where}: no result has a ${COST_NAMES[axis]} cost (recorded in summary.json, or a throughput record for latency)`);
}

export interface ParetoFigureOptions {
  metric: CurveMetric;
  axis: CostAxis;
  title?: string;
  level?: number;
}

/** The test metric (mean over seeds, CI bars) against a cost, log x; the front as a step line, dominated points faded. */
export function paretoSpec(rows: readonly CompareRow[], opts: ParetoFigureOptions): VegaLiteSpec {
  requireCosts(rows, opts.axis, 'paretoSpec');
  const m = metricLabel(opts.metric);
  const pct = `${Math.round((opts.level ?? 0.95) * 1000) / 10} %`;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: opts.title ?? `Test ${m} for ${COST_NAMES[opts.axis]}`, subtitle: `mean over seeds · bars: ${pct} t-interval · dashed: Pareto front · faded: dominated` },
    ...panel({ rows, axis: opts.axis, y: (r) => r.score, yTitle: `test ${m}`, dir: scoreDirections(opts.metric), yRange: metrics.get(opts.metric).range, width: FIGURE_WIDTH }),
    config: figureConfig(),
  };
}

export interface ConvergenceCostOptions {
  axis: CostAxis;
  /** The thresholds the trials record, for the subtitle. */
  thresholds: { metric: CurveMetric; threshold: number }[];
  title?: string;
}

/** Steps and seconds to the threshold against a cost, side by side; lower is better on every axis. */
export function convergenceCostSpec(rows: readonly CompareRow[], opts: ConvergenceCostOptions): VegaLiteSpec {
  requireCosts(rows, opts.axis, 'convergenceCostSpec');
  const dir: ParetoDirections = { x: 'lower', y: 'lower' };
  const width = Math.round(FIGURE_WIDTH * 0.6);
  const reached = opts.thresholds.map((t) => thresholdText(t.metric, t.threshold)).join(', ');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? `Time to ${reached} for ${COST_NAMES[opts.axis]}`,
      subtitle: 'mean over seeds · bars: 95 % t-interval · dashed: Pareto front · faded: dominated · hollow: runs censored (at their length)',
    },
    hconcat: [
      panel({ rows, axis: opts.axis, y: (r) => r.steps, yTitle: 'training steps to threshold', dir, yRange: [0, Infinity], yZero: true, width }),
      panel({ rows, axis: opts.axis, y: (r) => r.seconds, yTitle: 'training seconds to threshold', dir, yRange: [0, Infinity], yZero: true, width }),
    ],
    resolve: { scale: { color: 'shared', shape: 'shared' } },
    config: figureConfig(),
  };
}
