// The scheduler on its own (no training): the order tasks are handed out in, a trial after its
// source, a failed source's trials dropped, a source locked elsewhere put off, each task once.
import { expect } from 'chai';
import { SchedulableTask, Scheduler } from './scheduler';
import type { TaskOutcome } from './claim';

const source = (index: number): SchedulableTask => ({ index, kind: 'source' });
const trial = (index: number, after?: number): SchedulableTask => ({ index, kind: 'trial', after });
const finished: TaskOutcome = { status: 'finished' };
const failed: TaskOutcome = { status: 'failed', message: 'broke', recorded: true };

/** Hands out tasks one at a time, like the in-process loop: `outcome` decides each; returns the indices in order. */
function drain(s: Scheduler<SchedulableTask>, outcome: (t: SchedulableTask) => TaskOutcome | 'put off' = () => finished): number[] {
  const order: number[] = [];
  for (let t = s.next(); t; t = s.next()) {
    order.push(t.index);
    const o = outcome(t);
    if (o === 'put off') s.putOff(t);
    else s.record(t.index, o);
  }
  return order;
}

describe('runner/scheduler', () => {
  it('hands out ready tasks in run order', () => {
    const s = new Scheduler([source(1), source(2), trial(3, 1), trial(4), trial(5, 2)]);
    expect(drain(s)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(s.waiting).to.deep.equal([]);
    expect([...s.outcomes.keys()]).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('makes a trial wait for its source task, while other tasks go ahead', () => {
    const s = new Scheduler([source(1), trial(2, 1), trial(3)]);
    expect(s.next()?.index).to.equal(1);
    expect(s.next()?.index, 'the scratch trial, while the source runs').to.equal(3);
    expect(s.hasReady()).to.equal(false);
    expect(s.next()).to.equal(undefined);
    s.record(1, finished);
    expect(s.hasReady()).to.equal(true);
    expect(s.next()?.index).to.equal(2);
  });

  it('counts a source finished by another runner as done', () => {
    const s = new Scheduler([source(1), trial(2, 1)]);
    expect(drain(s, (t) => (t.kind === 'source' ? { status: 'done-elsewhere' } : finished))).to.deep.equal([1, 2]);
  });

  it('treats a source that is not pending in this run (finished earlier) as done', () => {
    const s = new Scheduler([trial(3, 1), trial(4, 2)]);
    expect(drain(s)).to.deep.equal([3, 4]);
  });

  it('drops the trials of a failed source: never handed out, not waiting, reported as source-failed', () => {
    const tasks = [source(1), source(2), trial(3, 1), trial(4, 2), trial(5, 1), trial(6)];
    const s = new Scheduler(tasks);
    expect(drain(s, (t) => (t.index === 1 ? failed : finished))).to.deep.equal([1, 2, 4, 6]);
    expect(s.waiting).to.deep.equal([]);
    expect(s.outcomes.has(3)).to.equal(false);
    expect(tasks.filter((t) => s.sourceFailed(t)).map((t) => t.index)).to.deep.equal([3, 5]);
  });

  it('drops the trials of a source left to another runner', () => {
    const s = new Scheduler([source(1), trial(2, 1), trial(3)]);
    expect(drain(s, (t) => (t.kind === 'source' ? { status: 'locked' } : finished))).to.deep.equal([1, 3]);
    expect(s.sourceFailed(trial(2, 1))).to.equal(true);
  });

  it('puts off a source another runner holds, with its trials, until nothing else is left', () => {
    const s = new Scheduler([source(1), source(2), trial(3, 1), trial(4, 2), trial(5), trial(6, 1)]);
    const put = new Set<number>();
    const order = drain(s, (t) => {
      if (t.index !== 1 || put.has(1)) return finished;
      put.add(1);
      return 'put off';
    });
    expect(order).to.deep.equal([1, 2, 4, 5, 1, 3, 6]);
    expect(s.wasPutOff(source(1))).to.equal(true);
    expect(s.wasPutOff(source(2))).to.equal(false);
  });

  it('keeps run order among several put-off sources: the sources, then their trials', () => {
    const s = new Scheduler([source(1), source(2), trial(3, 1), trial(4, 2), trial(5)]);
    const put = new Set<number>();
    const order = drain(s, (t) => {
      if (t.kind !== 'source' || put.has(t.index)) return finished;
      put.add(t.index);
      return 'put off';
    });
    expect(order).to.deep.equal([1, 2, 5, 1, 2, 3, 4]);
  });

  it('refuses to put off a trial', () => {
    const s = new Scheduler([trial(1)]);
    const t = s.next()!;
    expect(() => s.putOff(t)).to.throw(/only a source task/);
  });

  it('hands every task out once with several in flight, as the worker pool does', () => {
    const tasks = [source(1), source(2), source(3), ...Array.from({ length: 12 }, (_, i) => trial(4 + i, i % 4 === 3 ? undefined : 1 + (i % 4)))];
    const s = new Scheduler(tasks);
    const handed: number[] = [];
    const running: SchedulableTask[] = [];
    for (let step = 0; step < 100 && (running.length || s.hasReady()); step++) {
      // two workers: fill them, then finish the one that started first
      while (running.length < 2) {
        const t = s.next();
        if (!t) break;
        handed.push(t.index);
        running.push(t);
      }
      const done = running.shift();
      if (done) s.record(done.index, finished);
    }
    expect([...handed].sort((a, b) => a - b)).to.deep.equal(tasks.map((t) => t.index));
    for (const t of tasks) {
      if (t.after !== undefined) expect(handed.indexOf(t.index), `trial ${t.index} after its source`).to.be.greaterThan(handed.indexOf(t.after));
    }
    expect(s.waiting).to.deep.equal([]);
  });

  it('lets another runner take over the tasks left: waiting lists them in run order', () => {
    const s = new Scheduler([source(1), trial(2, 1), trial(3), trial(4, 1)]);
    const first = s.next()!;
    s.record(first.index, finished);
    expect(s.next()?.index).to.equal(2);
    expect(s.waiting.map((t) => t.index)).to.deep.equal([3, 4]);
  });
});
