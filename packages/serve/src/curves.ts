// Learning curves of an experiment's finished trials for the dashboard's chart: each selected
// trial's points, and per group (every axis but the seed) the mean over seeds with a Student-t
// interval at each x value (analysis' meanBand, as the report's figure; one seed: no band), clipped to the metric's range.
import { join } from 'node:path';
import { MedtransferError, type CurvePoint, metrics, unknownNameMessage, validationValue } from '@medtransfer/core';
import { meanBand } from '@medtransfer/analysis';
import type { TrialView } from './experiments';
import type { TrialReader } from './trial-state';

export const CURVE_X = ['step', 'epoch', 'imagesSeen', 'trainSeconds'] as const;
export type CurveX = (typeof CURVE_X)[number];
/** Besides the registered metrics, a chart can show the losses. */
const LOSSES = ['valLoss', 'trainLoss'] as const;

export interface CurvesRequest {
  metric: string;
  x: CurveX;
  /** Trial folders to include (default: every finished trial). */
  trials?: readonly string[];
  level?: number;
}

export interface CurveBand {
  group: string;
  x: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export interface CurvesView {
  metric: string;
  x: CurveX;
  level: number;
  trials: { dir: string; group: string; seed?: number; points: { x: number; y: number }[] }[];
  bands: CurveBand[];
}

/** Checks a chart request's metric and x (from the query string): a MedtransferError names what is valid. */
export function checkCurvesRequest(metric: string, x: string): { metric: string; x: CurveX } {
  const ys = [...metrics.names(), ...LOSSES];
  if (!ys.includes(metric)) throw new MedtransferError(`metric: ${unknownNameMessage('metric', metric, ys)}`);
  if (!(CURVE_X as readonly string[]).includes(x)) throw new MedtransferError(`x: unknown axis "${x}"; valid: ${CURVE_X.join(', ')}`);
  return { metric, x: x as CurveX };
}

function yOf(p: CurvePoint, metric: string): number {
  return metric === 'valLoss' || metric === 'trainLoss' ? p[metric] : validationValue(p, metric);
}

export function curvesView(experimentDir: string, trials: readonly TrialView[], reader: TrialReader, req: CurvesRequest): CurvesView {
  const level = req.level ?? 0.95;
  const wanted = req.trials ? new Set(req.trials) : undefined;
  const range: readonly [number, number] = metrics.has(req.metric) ? metrics.get(req.metric).range : [-Infinity, Infinity];
  const out: CurvesView = { metric: req.metric, x: req.x, level, trials: [], bands: [] };
  const groups = new Map<string, Map<number, number[]>>();
  for (const t of trials) {
    if (t.state !== 'finished' || (wanted && !wanted.has(t.dir))) continue;
    const stored = reader.read(join(experimentDir, t.dir));
    if (stored.state !== 'finished' && stored.state !== 'other-key') continue; // changed since the listing
    const points = stored.result.curve.map((p) => ({ x: p[req.x], y: yOf(p, req.metric) })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    out.trials.push({ dir: t.dir, group: t.group, ...(t.seed === undefined ? {} : { seed: t.seed }), points });
    if (!groups.has(t.group)) groups.set(t.group, new Map());
    const byX = groups.get(t.group)!;
    for (const p of points) {
      if (!byX.has(p.x)) byX.set(p.x, []);
      byX.get(p.x)!.push(p.y);
    }
  }
  for (const [group, byX] of groups) {
    for (const [x, ys] of [...byX].sort((a, b) => a[0] - b[0])) {
      out.bands.push({ group, x, ...meanBand(ys, level, range) });
    }
  }
  return out;
}
