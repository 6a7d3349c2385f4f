// Figures of the Transfusion study that the standard report does not draw: convergence speed-up
// over scratch per backbone and init (Fig. 4 style), and steps-to-threshold against the number of
// transfused layer groups k (weight transfusion, Fig. 6 style).
import { MedtransferError } from '@medtransfer/core';
import type { SpeedupRow } from '../comparisons';
import { FIGURE_HEIGHT, FIGURE_WIDTH, figureConfig, seriesColours } from '../figure-style';
import { VEGA_LITE_SCHEMA, type VegaLiteSpec } from '../figures';
import { thresholdText, type CurveMetric } from '../metric';
import { compareInits } from '../tables';
import type { TransfusionPoint } from './tables';

function palette(domain: readonly string[]) {
  return { domain, range: seriesColours(domain.length) };
}

/** Speed-up (scratch steps ÷ init steps) per backbone, colour = init, bootstrap CI bars, hollow = censored. */
export function convergenceSpeedupSpec(rows: readonly (SpeedupRow & { threshold: number; metric: CurveMetric })[], opts: { title?: string } = {}): VegaLiteSpec {
  const usable = rows.filter((r) => r.speedup !== null);
  if (!usable.length) throw new MedtransferError('convergenceSpeedupSpec: no speed-up could be computed (needs scratch and another init that both trained)');
  const datasets = new Set(usable.map((r) => r.dataset));
  const fractions = new Set(usable.map((r) => r.fraction));
  const data = usable.map((r) => ({
    ...r,
    group: [datasets.size > 1 ? r.dataset.replace(/^medmnist\//, '') : '', r.backbone, fractions.size > 1 ? `${r.fraction ?? 1}×data` : ''].filter(Boolean).join(' · '),
    lo: r.lo ?? r.speedup,
    hi: r.hi ?? r.speedup,
    censored: r.bound === 'exact' ? 'no' : `yes (${r.bound} bound)`,
  }));
  const inits = [...new Set(usable.map((r) => r.init))].sort(compareInits);
  const color = { field: 'init', type: 'nominal', title: 'init', sort: inits, scale: palette(inits), legend: { orient: 'right', symbolOpacity: 1 } };
  const x = { field: 'group', type: 'nominal', title: 'backbone', axis: { labelAngle: 0 } };
  const xOffset = { field: 'init', type: 'nominal', sort: inits, scale: { paddingInner: 0.2 } };
  const y = { field: 'speedup', type: 'quantitative', title: 'speed-up vs scratch (×)', scale: { type: 'log', nice: false, padding: 12 } };
  const thresholds = [...new Set(usable.map((r) => thresholdText(r.metric, r.threshold)))].join(', ');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: opts.title ?? 'Convergence speed-up over scratch', subtitle: `steps until ${thresholds}: scratch ÷ init · bars: 95 % bootstrap CI · hollow: censored` },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    data: { values: data },
    layer: [
      { mark: { type: 'rule', color: '#555555', strokeDash: [4, 3] }, encoding: { y: { datum: 1, type: 'quantitative', scale: y.scale } } },
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative', title: y.title, scale: y.scale }, y2: { field: 'hi' }, color } },
      {
        transform: [{ filter: "datum.censored === 'no'" }],
        mark: { type: 'point', filled: true, size: 90, opacity: 1 },
        encoding: { x, xOffset, y, color, tooltip: [{ field: 'speedup', format: '.2f' }, { field: 'censored' }] },
      },
      {
        transform: [{ filter: "datum.censored !== 'no'" }],
        mark: { type: 'point', filled: false, fill: 'white', strokeWidth: 2, size: 90, opacity: 1 },
        encoding: { x, xOffset, y, color, tooltip: [{ field: 'speedup', format: '.2f' }, { field: 'censored' }] },
      },
    ],
    config: figureConfig(),
  };
}

/** Steps to threshold against k transfused layer groups (0 = scratch … all = pretrained), colour = backbone. */
export function transfusionKSpec(points: readonly TransfusionPoint[], opts: { metric: CurveMetric; title?: string }): VegaLiteSpec {
  const usable = points.filter((p) => p.steps !== null);
  if (!usable.length) throw new MedtransferError('transfusionKSpec: no transfusion-k results (inits "transfusion: k" with a scratch baseline)');
  const datasets = new Set(usable.map((p) => p.dataset));
  const data = usable.map((p) => ({
    ...p,
    series: [datasets.size > 1 ? p.dataset.replace(/^medmnist\//, '') : '', p.backbone, p.fraction !== null ? `${p.fraction}×data` : ''].filter(Boolean).join(' · '),
    lo: p.lo ?? p.steps,
    hi: p.hi ?? p.steps,
    censoredRuns: p.censored > 0 ? 'some' : 'none',
  }));
  const series = [...new Set(data.map((d) => d.series))];
  const labels = [...new Map(usable.map((p) => [p.label, p.k])).entries()].sort((a, b) => a[1] - b[1]).map(([l]) => l);
  const color = { field: 'series', type: 'nominal', title: 'backbone', sort: series, scale: palette(series), legend: { orient: 'right', symbolOpacity: 1 } };
  const x = { field: 'label', type: 'ordinal', title: 'layer groups transfused (k)', sort: labels, axis: { labelAngle: 0 } };
  const y = { field: 'steps', type: 'quantitative', title: 'training steps to threshold', scale: { zero: true } };
  const thr = [...new Set(usable.map((p) => p.threshold))].join(', ');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: opts.title ?? 'Weight transfusion: convergence vs layers reused',
      subtitle: `steps until ${thresholdText(opts.metric, thr)}, mean over seeds · bars: 95 % t-interval · hollow: some runs censored (counted at their length)`,
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    data: { values: data },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: y.title }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
      {
        transform: [{ filter: "datum.censoredRuns === 'none'" }],
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: { x, y, color, tooltip: [{ field: 'init' }, { field: 'steps', format: '.0f' }, { field: 'n', title: 'seeds' }] },
      },
      {
        transform: [{ filter: "datum.censoredRuns !== 'none'" }],
        mark: { type: 'point', filled: false, fill: 'white', strokeWidth: 2, size: 80, opacity: 1 },
        encoding: { x, y, color, tooltip: [{ field: 'init' }, { field: 'steps', format: '.0f' }, { field: 'censored' }] },
      },
    ],
    config: figureConfig(),
  };
}
