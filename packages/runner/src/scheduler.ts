// The order a run's tasks go in, one rule for the in-process loop (run.ts) and the worker pool
// (pool.ts): ready tasks in run order, a trial after its source, a source another runner holds last.
import type { TaskOutcome } from './claim';

/** What the scheduler needs of a task (tasks.ts `Task` has it). */
export interface SchedulableTask {
  /** 1-based position in the run; tasks are handed out in the order given. */
  index: number;
  kind: 'source' | 'trial';
  /** Index of the source task a pretrained trial needs. */
  after?: number;
}

/** Finished here or by another runner: the trials that need it may run. */
export const isDone = (o: TaskOutcome | undefined) => o?.status === 'finished' || o?.status === 'done-elsewhere';

/**
 * Hands out a run's pending tasks one at a time and keeps their outcomes. A task is ready when it
 * needs no source task of this run, or that source is done; a trial whose source task failed
 * (or was left to another runner) is dropped, never handed out. A source another runner holds is
 * put off with the trials that need it: they come after every other ready task.
 */
export class Scheduler<T extends SchedulableTask> {
  /** Not handed out yet (or put off and back), in run order. */
  private queue: T[];
  private readonly position: Map<number, number>;
  private readonly putOffSources = new Set<number>();
  private readonly results = new Map<number, TaskOutcome>();

  constructor(tasks: readonly T[]) {
    this.queue = [...tasks];
    this.position = new Map(tasks.map((t, i) => [t.index, i]));
  }

  /** Outcome per task index, as recorded. */
  get outcomes(): ReadonlyMap<number, TaskOutcome> {
    return this.results;
  }

  /** A trial whose source task ran in this run without finishing: it is not run. */
  sourceFailed(task: T): boolean {
    return task.kind === 'trial' && task.after !== undefined && this.results.has(task.after) && !isDone(this.results.get(task.after));
  }

  /** Tasks still to hand out, in run order (dropped ones left out). */
  get waiting(): T[] {
    return this.queue.filter((t) => !this.sourceFailed(t));
  }

  /** The next ready task (marked handed out), or undefined when none is ready now. */
  next(): T | undefined {
    const i = this.pick();
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  /** Whether `next` would hand out a task now. */
  hasReady(): boolean {
    return this.pick() >= 0;
  }

  record(index: number, outcome: TaskOutcome): void {
    this.results.set(index, outcome);
  }

  /** Gives back a source task another runner holds: it and its trials wait until nothing else is ready. */
  putOff(task: T): void {
    if (task.kind !== 'source') throw new Error(`internal: only a source task is put off, not ${task.index}`);
    this.putOffSources.add(task.index);
    const at = this.queue.findIndex((t) => this.position.get(t.index)! > this.position.get(task.index)!);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, task);
  }

  /** True for a source task put off before: handed out again only once nothing else was ready. */
  wasPutOff(task: T): boolean {
    return this.putOffSources.has(task.index);
  }

  private ready(task: T): boolean {
    return task.after === undefined || !this.position.has(task.after) || isDone(this.results.get(task.after));
  }

  private isPutOff(task: T): boolean {
    return this.putOffSources.has(task.index) || (task.after !== undefined && this.putOffSources.has(task.after));
  }

  /** Queue position of the next task to hand out: the first ready one not put off, else the first ready one; -1 for none. */
  private pick(): number {
    this.queue = this.waiting;
    const i = this.queue.findIndex((t) => this.ready(t) && !this.isPutOff(t));
    return i >= 0 ? i : this.queue.findIndex((t) => this.ready(t));
  }
}
