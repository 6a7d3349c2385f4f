// Where a run's time went: setup (backend, weights, data), source pretraining, target trials —
// each split into training, evaluation and the rest (building the model, initialising it,
// measuring its cost, writing the result) — and the report. Read off the run's events.
import type { RunEvent } from './run';

export interface StageTime {
  /** Tasks of this kind that finished in this run. */
  tasks: number;
  /** Wall-clock seconds from each task's start to its end, summed (workers overlap: can exceed the run's wall time). */
  seconds: number;
  /** Of which training steps and batch preparation, and validation/test evaluation (as the tasks recorded them). */
  trainSeconds: number;
  evalSeconds: number;
}

export interface TimeSplit {
  setupSeconds: number;
  source: StageTime;
  target: StageTime;
  reportSeconds: number;
  totalSeconds: number;
  workers: number;
}

const emptyStage = (): StageTime => ({ tasks: 0, seconds: 0, trainSeconds: 0, evalSeconds: 0 });

/** Collects a run's time split: pass every event through `observe`, mark the phases, then `finish`. */
export class TimeSplitter {
  private readonly started: number;
  private readonly startedAt = new Map<number, number>();
  private setupEnd?: number;
  private reportStart?: number;
  private readonly source = emptyStage();
  private readonly target = emptyStage();

  /**
   * @param isSource whether the task of an event index is a source task.
   * @param now the clock, in milliseconds (tests pass their own).
   */
  constructor(
    private readonly isSource: (index: number) => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  setupDone(): void {
    this.setupEnd = this.now();
  }

  reportStarts(): void {
    this.reportStart = this.now();
  }

  observe(e: RunEvent): void {
    if (e.type === 'stage') this.startedAt.set(e.index, this.now());
    if (e.type !== 'done') return;
    const stage = this.isSource(e.index) ? this.source : this.target;
    const start = this.startedAt.get(e.index);
    stage.tasks += 1;
    if (start !== undefined) stage.seconds += (this.now() - start) / 1000;
    stage.trainSeconds += e.outcome.trainSeconds;
    stage.evalSeconds += e.outcome.evalSeconds ?? 0;
  }

  finish(workers: number): TimeSplit {
    const now = this.now();
    const s = (a: number, b: number) => Math.max(0, (b - a) / 1000);
    const setupEnd = this.setupEnd ?? this.started;
    return {
      setupSeconds: s(this.started, setupEnd),
      source: { ...this.source },
      target: { ...this.target },
      reportSeconds: this.reportStart === undefined ? 0 : s(this.reportStart, now),
      totalSeconds: s(this.started, now),
      workers,
    };
  }
}

const sec = (x: number) => (x >= 100 ? `${Math.round(x)} s` : `${x.toFixed(1)} s`);

function stageLine(name: string, t: StageTime): string {
  const other = Math.max(0, t.seconds - t.trainSeconds - t.evalSeconds);
  return `${name} ${sec(t.seconds)} (${t.tasks} task(s): training ${sec(t.trainSeconds)}, evaluation ${sec(t.evalSeconds)}, other ${sec(other)})`;
}

/** One line per phase, for the end of `medtransfer run`. */
export function formatTimeSplit(t: TimeSplit): string {
  const overlap = t.workers > 1 ? ` (task times summed over ${t.workers} workers)` : '';
  return [
    `Time: ${sec(t.totalSeconds)} in all${overlap}`,
    `  setup ${sec(t.setupSeconds)} (backend, weights, data)`,
    `  ${stageLine('source', t.source)}`,
    `  ${stageLine('target', t.target)}; other = building and initialising models, measuring their cost, writing results`,
    `  report ${sec(t.reportSeconds)}`,
  ].join('\n');
}
