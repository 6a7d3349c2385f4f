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
    let clock = 0; // milliseconds
    const split = new TimeSplitter((i) => i === 1, () => clock);
    clock = 2_000;
    split.setupDone();
    split.observe({ type: 'stage', label: 'task 1', index: 1, total: 3 });
    clock = 8_000;
    split.observe(done(1, 4, 1));
    // tasks 2 and 3 overlap (two workers): their seconds are summed
    split.observe({ type: 'stage', label: 'task 2', index: 2, total: 3 });
    split.observe({ type: 'stage', label: 'task 3', index: 3, total: 3 });
    clock = 20_000;
    split.observe(done(2, 10, 2.5));
    clock = 26_000;
    split.observe(done(3, 6, 0.5));
    split.observe({ type: 'failed', label: 'task 4', index: 4, total: 4, message: 'x' });
    clock = 27_000;
    split.reportStarts();
    clock = 27_500;
    const t = split.finish(1);
    expect(t).to.include({ setupSeconds: 2, reportSeconds: 0.5, totalSeconds: 27.5 });
    expect(t.source).to.deep.equal({ tasks: 1, seconds: 6, trainSeconds: 4, evalSeconds: 1 });
    expect(t.target).to.deep.equal({ tasks: 2, seconds: 30, trainSeconds: 16, evalSeconds: 3 });
    const text = formatTimeSplit(t);
    expect(text.split('\n')).to.have.length(5);
    expect(text).to.match(/^Time: 27\.5 s in all\n {2}setup 2\.0 s /);
    expect(text).to.contain('source 6.0 s (1 task(s): training 4.0 s, evaluation 1.0 s, other 1.0 s)');
    expect(text).to.contain('target 30.0 s (2 task(s): training 16.0 s, evaluation 3.0 s, other 11.0 s)');
    expect(text).to.contain('report 0.5 s');
    expect(formatTimeSplit(split.finish(3))).to.contain('task times summed over 3 workers');
  });
});
