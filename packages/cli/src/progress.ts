// Progress output for long runs: one rewritten status line on a terminal, plain periodic
// lines otherwise (CI logs), so both stay readable.
import { RunEvent } from '@medtransfer/runner';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const fmt = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

export function progressLine(e: Extract<RunEvent, { type: 'progress' }>): string {
  const p = e.progress;
  return (
    `[${e.index}/${e.total}] ${e.label} | step ${p.step}/${p.totalSteps} | epoch ${p.epoch.toFixed(1)} | ` +
    `loss ${fmt(p.loss)} | val auc ${fmt(p.lastVal?.auc)} | ${p.imagesPerSecond.toFixed(1)} img/s | ETA ${formatDuration(p.etaSeconds)}`
  );
}

/** A RunEvent handler writing to `out`; `tty` decides between a live line and periodic lines. */
export function createProgressPrinter(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, tty = Boolean(out.isTTY)) {
  let lastPlain = 0;
  let live = false;
  // With parallel workers several stages report at once: the live line shows each one's latest state.
  const active = new Map<string, string>();
  const clear = () => {
    if (live) out.write('\r\x1b[2K');
    live = false;
  };
  return (e: RunEvent): void => {
    switch (e.type) {
      case 'stage':
        clear();
        active.delete(e.label);
        out.write(`[${e.index}/${e.total}] ${e.label}: training\n`);
        lastPlain = Date.now();
        break;
      case 'skip':
        clear();
        out.write(`[${e.index}/${e.total}] ${e.label}: skipped (${e.reason})\n`);
        break;
      case 'progress': {
        const line = progressLine(e);
        active.set(e.label, line);
        if (tty) {
          const width = out.columns ?? 120;
          const shown = active.size > 1 ? [...active.values()].map((l) => l.slice(0, Math.floor(width / active.size) - 3)).join(' ‖ ') : line;
          out.write(`\r\x1b[2K${shown.slice(0, width - 1)}`);
          live = true;
        } else if (Date.now() - lastPlain > 10_000 || e.progress.step === e.progress.totalSteps) {
          out.write(`${line}\n`);
          lastPlain = Date.now();
        }
        break;
      }
      case 'done': {
        clear();
        active.delete(e.label);
        const o = e.outcome;
        const test = o.test ? ` | test auc ${fmt(o.test.auc)} acc ${fmt(o.test.acc)}` : '';
        out.write(
          `[${e.index}/${e.total}] ${e.label}: done in ${formatDuration(o.trainSeconds)} ` +
            `(${o.imagesPerSecond.toFixed(1)} img/s) | val auc ${fmt(o.finalVal.auc)}${test}\n`,
        );
        break;
      }
    }
  };
}
