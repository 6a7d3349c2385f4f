// The time split of a run, read off its events: tasks by kind, their training and evaluation
// seconds as recorded, the rest, and the printed lines.
import { expect } from 'chai';
import type { RunEvent } from './run';
import { TimeSplitter, formatTimeSplit } from './time-split';

const done = (index: number, trainSeconds: number, evalSeconds: number): RunEvent => ({
  type: 'done',
  label: `task ${index}`,
  index,
  total: 3,
  outcome: { finalVal: { loss: 0, auc: 0.5, acc: 0.5 }, trainSeconds, evalSeconds, imagesPerSecond: 1 },
});

describe('TimeSplitter', () => {
  it('sums training and evaluation seconds by task kind, counts only finished tasks, and prints one line per phase', () => {
    const split = new TimeSplitter((i) => i === 1);
    split.setupDone();
    for (const i of [1, 2, 3]) split.observe({ type: 'stage', label: `task ${i}`, index: i, total: 3 });
    split.observe(done(1, 4, 1));
    split.observe(done(2, 10, 2.5));
    split.observe(done(3, 6, 0.5));
    split.observe({ type: 'failed', label: 'task 4', index: 4, total: 4, message: 'x' });
    split.reportStarts();
    const t = split.finish(1);
    expect(t.source).to.include({ tasks: 1, trainSeconds: 4, evalSeconds: 1 });
    expect(t.target).to.include({ tasks: 2, trainSeconds: 16, evalSeconds: 3 });
    for (const x of [t.setupSeconds, t.source.seconds, t.target.seconds, t.reportSeconds]) expect(x).to.be.at.least(0).and.at.most(t.totalSeconds);
    const text = formatTimeSplit(t);
    expect(text.split('\n')).to.have.length(5);
    expect(text).to.match(/^Time: [\d.]+ s in all\n {2}setup /);
    expect(text).to.contain('source 0.0 s (1 task(s): training 4.0 s, evaluation 1.0 s, other 0.0 s)');
    expect(text).to.match(/target [\d.]+ s \(2 task\(s\): training 16\.0 s, evaluation 3\.0 s/);
    expect(formatTimeSplit(split.finish(3))).to.contain('task times summed over 3 workers');
  });
});
