// Accuracy for cost as Markdown: the table per dataset, which points each front leaves out, the
// trials whose cost is missing, and the throughput records the table's measured columns come from.
import type { ThroughputRecord } from '@medtransfer/core';
import { fmtNumber, markdownTable, type Align } from '../format';
import { metricLabel, type CurveMetric } from '../metric';
import { COST_NAMES, frontOf, rowLabel, scoreDirections, severalSizes } from './figures';
import type { ParetoMark } from './pareto';
import type { CompareRow, CostAxis, MissingCost, ReachMean } from './rows';

/** About three significant digits, no exponent above 10⁻⁶: 1234 → "1234", 12.34 → "12.3", 0.01234 → "0.0123". */
export function fmtSig(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a >= 1 ? x.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2) : x.toPrecision(3);
}

/** "0.880 ± 0.021": mean ± half-width of the t-interval (just the mean for one seed). */
export function fmtCi(s: { mean: number | null; lo: number | null; hi: number | null }, digits = 3): string {
  if (s.mean === null) return '—';
  return s.lo !== null && s.hi !== null ? `${fmtNumber(s.mean, digits)} ± ${fmtNumber((s.hi - s.lo) / 2, digits)}` : fmtNumber(s.mean, digits);
}

/** Mean steps or seconds to threshold; "≥ 120 (1/3 censored)" when some runs never reached it (counted at their length). */
export function fmtReach(r: ReachMean, digits: number): string {
  if (r.mean === null) return '—';
  const v = fmtNumber(r.mean, digits);
  return r.censored ? `≥ ${v} (${r.censored}/${r.n} censored)` : v;
}

/** The front marks of each cost, per row, for the table and the lists of dominated points. */
export function scoreFronts(rows: readonly CompareRow[], axes: readonly CostAxis[], metric: CurveMetric): Map<CostAxis, ParetoMark[]> {
  return new Map(axes.map((a) => [a, frontOf(rows, a, (r) => r.score.mean, scoreDirections(metric))]));
}

/** The table of one dataset (× fraction): a row per backbone × size × init, a ✓ column per cost's front. */
export function compareTable(rows: readonly CompareRow[], fronts: ReadonlyMap<CostAxis, ParetoMark[]>, metric: CurveMetric): string {
  const m = metricLabel(metric);
  const withSize = severalSizes(rows);
  const axes = [...fronts.keys()];
  const headers = [
    'backbone',
    ...(withSize ? ['size (px)'] : []),
    'init',
    'seeds',
    `${m} ± 95 % CI`,
    ...(metric === 'acc' ? [] : ['ACC']),
    'params (M)',
    'MFLOPs',
    'latency (ms)',
    'infer (img/s)',
    'train (img/s)',
    'steps to threshold',
    'seconds to threshold',
    `${m} / GFLOP`,
    `${m} / M params`,
    ...axes.map((a) => (axes.length === 1 ? 'front' : `front (${COST_NAMES[a]})`)),
  ];
  const align: Align[] = headers.map((_, i) => (i === 0 || (withSize ? i === 2 : i === 1) ? 'left' : 'right'));
  const cells = rows.map((r, i) => [
    r.label,
    ...(withSize ? [r.imageSize === null ? '—' : String(r.imageSize)] : []),
    r.init,
    String(r.score.n),
    fmtCi(r.score),
    ...(metric === 'acc' ? [] : [fmtNumber(r.acc)]),
    fmtSig(r.params === null ? null : r.params / 1e6),
    `${fmtSig(r.flops === null ? null : r.flops / 1e6)}${r.flopsSource === 'recounted' ? '*' : ''}`,
    fmtSig(r.latencyMs),
    fmtNumber(r.inferPerSecond, 0),
    fmtNumber(r.trainPerSecond, 0),
    fmtReach(r.steps, 0),
    fmtReach(r.seconds, 1),
    fmtSig(r.scorePerGflop),
    fmtSig(r.scorePerMParams),
    ...axes.map((a) => {
      const status = fronts.get(a)![i].status;
      return status === 'front' ? '✓' : status === 'missing' ? '—' : '';
    }),
  ]);
  return markdownTable(headers, align, cells);
}

/** "Dominated for FLOPs: resnet50 · scratch (by cbr-small · pretrained); …" per cost, or that none is. */
export function dominatedLines(rows: readonly CompareRow[], fronts: ReadonlyMap<CostAxis, ParetoMark[]>, metric: CurveMetric): string[] {
  const withSize = severalSizes(rows);
  return [...fronts.entries()].flatMap(([axis, marks]) => {
    if (marks.every((k) => k.status === 'missing')) return [];
    const dominated = rows.flatMap((r, i) => {
      const k = marks[i];
      return k.status === 'dominated' ? [`${rowLabel(r, withSize)} (by ${rowLabel(rows[k.by], withSize)})`] : [];
    });
    return [`- ${metricLabel(metric)} for ${COST_NAMES[axis]}: ${dominated.length ? `dominated: ${dominated.join('; ')}` : 'no point is dominated'}.`];
  });
}

/** The notice of trials whose cost is missing, and of throughput records that could not be read. */
export function missingCostMarkdown(missing: readonly MissingCost[], total: number, problems: readonly { file: string; message: string }[], recounted: boolean): string {
  if (!missing.length && !problems.length) return '';
  const lines: string[] = [];
  const byReason = (reason: MissingCost['reason']) => missing.filter((x) => x.reason === reason);
  const list = (xs: readonly MissingCost[]) => xs.map((x) => `\`${x.trial}\``).join(', ');
  if (missing.length) lines.push(`> **Cost missing for ${new Set(missing.map((x) => x.trial)).size} of ${total} trials**; their cells show "—".`);
  const noCost = byReason('no-cost');
  if (noCost.length) {
    const flops = recounted
      ? 'their FLOPs were counted again from the experiment file by the zoo’s counter (marked *, with a 2-class head)'
      : 'their FLOPs are not known';
    const matched = noCost.filter((x) => x.throughputMatched).length;
    const throughput =
      matched === noCost.length
        ? 'latency and throughput come from records measured later for the same backbone, size and backend (`medtransfer cost`)'
        : matched
          ? `latency and throughput come from records measured later (\`medtransfer cost\`) for ${matched} of them, and are unknown for the rest`
          : 'latency and throughput were not measured for them (`medtransfer cost` measures them)';
    lines.push(`> - Recorded without a cost (summaries written before costs were recorded): ${list(noCost)}. Parameters come from the summary's \`params\`; ${flops}; ${throughput}.`);
  }
  const notMeasured = byReason('not-measured');
  if (notMeasured.length) lines.push(`> - No throughput measured: ${list(notMeasured)}.`);
  const noRecord = byReason('no-record');
  if (noRecord.length) {
    const keys = [...new Set(noRecord.map((x) => x.throughputKey))].map((k) => `\`cost/${k}/throughput.json\``).join(', ');
    lines.push(`> - Throughput record missing or damaged (${keys}): ${list(noRecord)}.`);
  }
  if (problems.length) {
    lines.push(`> - ${problems.length} throughput record(s) left out because they are damaged:`);
    for (const p of problems) lines.push(`>   - ${p.file}: ${p.message}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The throughput records behind the measured columns: where and how each was measured. */
export function throughputMarkdown(records: readonly ThroughputRecord[], labels: ReadonlyMap<string, string> = new Map()): string {
  if (!records.length) return '';
  const label = (t: ThroughputRecord) => labels.get(t.backbone) ?? t.backbone;
  const sorted = [...records].sort((a, b) => (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : a.imageSize - b.imageSize || (a.backend < b.backend ? -1 : 1)));
  const cells = sorted.map((t) => [
    label(t),
    String(t.imageSize),
    t.backend,
    String(t.threads),
    `${fmtNumber(t.train.imagesPerSecond, 0)} (batch ${t.train.batch})`,
    `${fmtNumber(t.infer.imagesPerSecond, 0)} (batch ${t.infer.batch})`,
    fmtSig(t.latency.medianMs),
    t.loadAverage.length ? fmtNumber(t.loadAverage[0], 2) : '—',
    t.measuredAt.slice(0, 10),
    t.cpu || '—',
  ]);
  return markdownTable(
    ['backbone', 'size (px)', 'backend', 'threads', 'train img/s', 'infer img/s', 'latency (ms)', 'load (1 min)', 'measured', 'CPU'],
    ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
    cells,
  );
}
