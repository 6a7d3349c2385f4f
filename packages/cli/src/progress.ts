// Progress output for long runs: a live bar on a terminal (rewritten in place), plain periodic
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

type ProgressEvent = Extract<RunEvent, { type: 'progress' }>;

/** `▕██████░░░░▏` for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = 16): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `▕${'█'.repeat(full)}${'░'.repeat(width - full)}▏`;
}

/** One status line: trial k/n, step, epoch, step loss, last validation AUC/ACC, images/s, ETA of the stage. */
export function progressLine(e: ProgressEvent, opts: { bar?: boolean } = {}): string {
  const p = e.progress;
  const pct = `${Math.floor((100 * p.step) / p.totalSteps)}%`;
  const head = opts.bar ? `${progressBar(p.step / p.totalSteps)} ${pct.padStart(4)}` : pct;
  return (
    `[${e.index}/${e.total}] ${e.label} ${head} | step ${p.step}/${p.totalSteps} | epoch ${p.epoch.toFixed(1)} | ` +
    `loss ${fmt(p.loss)} | val auc ${fmt(p.lastVal?.auc)} acc ${fmt(p.lastVal?.acc)} | ${p.imagesPerSecond.toFixed(1)} img/s | ETA ${formatDuration(p.etaSeconds)}`
  );
}

export interface ProgressPrinterOptions {
  /** Plain (non-terminal) output: at most one line per stage per interval, plus each stage's last step. Default 10 s. */
  intervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** A RunEvent handler writing to `out`; `tty` decides between a live bar and periodic lines. */
export function createProgressPrinter(out: Out, tty = Boolean(out.isTTY), opts: ProgressPrinterOptions = {}) {
  const intervalMs = opts.intervalMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let live = false;
  // With parallel workers several stages report at once: the live line shows each one's latest
  // state, and plain lines are throttled per stage.
  const active = new Map<string, string>();
  const lastPlain = new Map<string, number>();
  /** Stages that have reported a step since they started (to notice a resumed one). */
  const started = new Set<string>();
  const clear = () => {
    if (live) out.write('\r\x1b[2K');
    live = false;
  };
  const line = (text: string) => {
    clear();
    out.write(`${text}\n`);
  };
  return (e: RunEvent): void => {
    switch (e.type) {
      case 'stage':
        active.delete(e.label);
        started.delete(e.label);
        lastPlain.set(e.label, now());
        line(`[${e.index}/${e.total}] ${e.label}: training`);
        break;
      case 'skip':
        line(`[${e.index}/${e.total}] ${e.label}: skipped (${e.reason})`);
        break;
      case 'failed':
        active.delete(e.label);
        started.delete(e.label);
        lastPlain.delete(e.label);
        line(`[${e.index}/${e.total}] ${e.label}: FAILED: ${e.message}`);
        break;
      case 'progress': {
        const p = e.progress;
        if (!started.has(e.label)) {
          started.add(e.label);
          // a first step after step 1 means the engine resumed from a saved training state
          if (p.step > 1) line(`[${e.index}/${e.total}] ${e.label}: resumed from its checkpoint at step ${p.step - 1}/${p.totalSteps}`);
        }
        if (tty) {
          active.set(e.label, progressLine(e));
          const width = out.columns ?? 120;
          const shown = active.size > 1 ? [...active.values()].map((l) => l.slice(0, Math.floor(width / active.size) - 3)).join(' ‖ ') : progressLine(e, { bar: true });
          out.write(`\r\x1b[2K${shown.slice(0, width - 1)}`);
          live = true;
        } else if (now() - (lastPlain.get(e.label) ?? 0) >= intervalMs || p.step === p.totalSteps) {
          out.write(`${progressLine(e)}\n`);
          lastPlain.set(e.label, now());
        }
        break;
      }
      case 'done': {
        active.delete(e.label);
        started.delete(e.label);
        lastPlain.delete(e.label);
        const o = e.outcome;
        const test = o.test ? ` | test auc ${fmt(o.test.auc)} acc ${fmt(o.test.acc)}` : '';
        line(
          `[${e.index}/${e.total}] ${e.label}: done in ${formatDuration(o.trainSeconds)} ` +
            `(${o.imagesPerSecond.toFixed(1)} img/s) | val auc ${fmt(o.finalVal.auc)}${test}`,
        );
        break;
      }
    }
  };
}
