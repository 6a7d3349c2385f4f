// Progress of long data steps (a dataset decoded into its disk cache, reported through core's
// progress sink): a live bar on a terminal, a plain line every interval otherwise (CI, SLURM logs).
import type { ProgressReport } from '@medtransfer/core';
import { formatDuration, progressBar } from './progress';

export interface DataProgressOptions {
  /** Plain output: at most one line per step per interval, plus its first and last. Default 10 s. */
  intervalMs?: number;
  /** Terminal: at most one redraw per this many ms (per-image reports are frequent). Default 100. */
  redrawMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** `images 4500/10000 (45%) | 850 images/s | ETA 6s` for a report, given when its step started. */
export function dataProgressLine(p: ProgressReport, elapsedSeconds: number, opts: { bar?: boolean } = {}): string {
  const f = p.total ? p.done / p.total : 1;
  const rate = elapsedSeconds > 0 ? p.done / elapsedSeconds : NaN;
  const eta = p.done >= p.total ? `done in ${formatDuration(elapsedSeconds)}` : `ETA ${Number.isFinite(rate) && rate > 0 ? formatDuration((p.total - p.done) / rate) : '?'}`;
  const head = opts.bar ? `${progressBar(f)} ` : '';
  return `${p.label} ${head}${p.done}/${p.total} ${p.unit} (${Math.floor(100 * f)}%) | ${Number.isFinite(rate) ? rate.toFixed(0) : '–'} ${p.unit}/s | ${eta}`;
}

/** A progress sink writing to `out`; `tty` decides between a live bar and periodic lines. */
export function createDataProgressPrinter(out: Out, tty = Boolean(out.isTTY), opts: DataProgressOptions = {}): (p: ProgressReport) => void {
  const intervalMs = opts.intervalMs ?? 10_000;
  const redrawMs = opts.redrawMs ?? 100;
  const now = opts.now ?? Date.now;
  const started = new Map<string, number>();
  const lastShown = new Map<string, number>();
  return (p) => {
    const t = now();
    if (!started.has(p.id) || p.done === 0) started.set(p.id, t);
    const first = !lastShown.has(p.id);
    const last = p.done >= p.total;
    if (!first && !last && t - lastShown.get(p.id)! < (tty ? redrawMs : intervalMs)) return;
    lastShown.set(p.id, t);
    const line = dataProgressLine(p, (t - started.get(p.id)!) / 1000, { bar: tty });
    if (tty) out.write(`\r\x1b[2K${line.slice(0, (out.columns ?? 120) - 1)}${last ? '\n' : ''}`);
    else out.write(`${line}\n`);
    if (last) {
      started.delete(p.id);
      lastShown.delete(p.id);
    }
  };
}
