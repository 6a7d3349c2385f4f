// The benchmark's result (what the JSON file holds) and its printed form: a header naming the
// machine and load, then one markdown table row per net × size × backend.
import { TRAINING_FACTOR } from './flops';
import type { MachineInfo } from './machine';
import type { JsResult } from './measure';
import type { PeerInfo, PeerResult, PeerTiming } from './torch-peer';

export const FLOP_CONVENTION =
  `FLOPs = 2 × multiply-accumulates of the conv and dense layers per image (batch norm, ` +
  `activations, pooling and the optimiser update not counted); training = ${TRAINING_FACTOR} × forward`;

/** Load average (1 min) per core above which the header warns that the numbers are noisy. */
export const BUSY_LOAD = 2.5;

export interface BenchRow {
  net: string;
  size: number;
  /** The backend asked for (`--backends`). */
  backend: string;
  /** Backbone params from `--params` (the peer builds its default net). */
  params?: Record<string, unknown>;
  ours?: JsResult;
  oursError?: string;
  /** The peer's result for this net × size (shared by the rows of every backend). */
  torch?: PeerResult;
  torchError?: string;
}

export interface BenchReport {
  machine: MachineInfo;
  settings: { batch: number; timeSeconds: number; threads: number; backends: string[] };
  /** Set when the PyTorch peer ran. */
  torch?: PeerInfo;
  /** Why the peer did not run (`--torch off`, torch not importable, …). */
  torchNote?: string;
  flopConvention: string;
  rows: BenchRow[];
  /** One line per net that was asked for but not measured. */
  skipped: string[];
}

/** Images/s with sensible precision: 3 significant digits below 100, whole numbers above. */
export function formatRate(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x >= 100 ? String(Math.round(x)) : x.toPrecision(3);
}

const withMargin = (t: { imagesPerSecond: number; rme: number }) => `${formatRate(t.imagesPerSecond)} ±${Math.round(t.rme)}%`;

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2)}×`;
}

const gflops = (flopsPerImage: number, imagesPerSecond: number) => ((flopsPerImage * imagesPerSecond) / 1e9).toFixed(1);

/** The faster of the peer's layouts for one phase, with its name. */
export function bestTorch(p: PeerResult, phase: 'train' | 'infer'): { layout: string; timing: PeerTiming } | undefined {
  let best: { layout: string; timing: PeerTiming } | undefined;
  for (const [layout, v] of Object.entries(p.layouts)) {
    if (v && (!best || v[phase].imagesPerSecond > best.timing.imagesPerSecond)) best = { layout, timing: v[phase] };
  }
  return best;
}

const LAYOUT_SHORT: Record<string, string> = { nchw: 'NCHW', channels_last: 'CL' };

function notes(row: BenchRow): string {
  const out: string[] = [];
  if (row.params) out.push(`params ${JSON.stringify(row.params)}`);
  if (row.oursError) out.push(`ours failed: ${row.oursError}`);
  if (row.torchError) out.push(`torch failed: ${row.torchError}`);
  if (row.ours && row.torch) {
    const rel = Math.abs(row.torch.flopsForward - row.ours.flopsForward) / row.ours.flopsForward;
    if (rel > 0.01) out.push(`nets differ: torch ${(row.torch.flopsForward / 1e6).toFixed(0)} vs ours ${(row.ours.flopsForward / 1e6).toFixed(0)} MFLOP/img`);
  }
  if (row.torch && row.torch.variant !== 'same' && row.torch.variant !== 'default') out.push(`torch variant: ${row.torch.variant}`);
  if (row.ours && row.ours.backend !== row.backend) out.push(`${row.backend} → ${row.ours.backend}`);
  return out.join('; ').replace(/\|/g, '/');
}

export const TABLE_COLUMNS = [
  'net',
  'px',
  'backend',
  'ours train img/s',
  'ours train GFLOP/s',
  'ours infer img/s',
  'torch train img/s (NCHW / CL)',
  'torch train GFLOP/s',
  'torch infer img/s',
  'train ours/torch',
  'infer ours/torch',
  'notes',
];

export function tableRow(row: BenchRow): string[] {
  const o = row.ours;
  const t = row.torch;
  const bt = t && bestTorch(t, 'train');
  const bi = t && bestTorch(t, 'infer');
  const perLayout = t ? (['nchw', 'channels_last'] as const).map((l) => (t.layouts[l] ? formatRate(t.layouts[l].train.imagesPerSecond) : '–')).join(' / ') : '–';
  return [
    row.net,
    String(row.size),
    row.backend,
    o ? withMargin(o.train) : '–',
    o ? gflops(TRAINING_FACTOR * o.flopsForward, o.train.imagesPerSecond) : '–',
    o ? withMargin(o.infer) : '–',
    perLayout,
    t && bt ? `${gflops(TRAINING_FACTOR * t.flopsForward, bt.timing.imagesPerSecond)} (${LAYOUT_SHORT[bt.layout] ?? bt.layout})` : '–',
    bi ? withMargin(bi.timing) : '–',
    o && bt ? formatRatio(o.train.imagesPerSecond / bt.timing.imagesPerSecond) : '–',
    o && bi ? formatRatio(o.infer.imagesPerSecond / bi.timing.imagesPerSecond) : '–',
    notes(row),
  ];
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

/** Header lines: settings, machine, peer, load (with a warning when the machine was busy). */
export function formatHeader(r: BenchReport): string[] {
  const m = r.machine;
  const lines = [
    `medtransfer bench, ${m.date}: batch ${r.settings.batch}, ${r.settings.timeSeconds} s per timed measurement (after warm-up)`,
    `machine: ${m.cores} cores, ${m.cpuModel}${m.cpuFlags.length ? ` (${m.cpuFlags.join(' ')})` : ''}, ${m.platform}; node ${m.node}; tfjs ${m.tfjs}, backends ${r.settings.backends.join(', ')}${m.native ? `; native kernels: ${m.native}` : ''}`,
    r.torch
      ? `torch: ${r.torch.torchVersion}, ${r.torch.threads} threads, python ${r.torch.python}${r.torch.unsetEnv?.length ? `, run without ${r.torch.unsetEnv.join(' ')} (set on this machine)` : ''}`
      : `torch: not measured (${r.torchNote ?? 'no reason given'})`,
    `load average (1/5/15 min): start ${loadText(m.loadStart)}${m.loadEnd ? `, end ${loadText(m.loadEnd)}` : ''}`,
  ];
  const peak = Math.max(m.loadStart[0], m.loadEnd?.[0] ?? 0);
  if (peak > BUSY_LOAD) lines.push(`WARNING: the machine was busy (1-min load up to ${peak.toFixed(2)} on ${m.cores} cores): both sides are slowed, ratios are more reliable than absolute numbers`);
  lines.push(r.flopConvention);
  lines.push('img/s ±x% = mean over timed steps ± relative 95 % margin of error; ratios use the faster torch layout');
  return lines;
}

/** The whole printed report: header, table, skipped nets. */
export function formatReport(r: BenchReport): string {
  const parts = [...formatHeader(r), '', markdownTable(TABLE_COLUMNS, r.rows.map(tableRow))];
  if (r.skipped.length) parts.push('', ...r.skipped);
  return parts.join('\n');
}
