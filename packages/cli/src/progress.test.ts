// The progress printer: a live bar on a terminal, throttled plain lines otherwise, and a note
// when a stage resumes from a training checkpoint.
import { expect } from 'chai';
import type { Metrics } from '@medtransfer/core';
import type { RunEvent } from '@medtransfer/runner';
import { createProgressPrinter, formatDuration, progressBar } from './progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const out = { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { out, text: () => chunks.join(''), chunks };
}

const val: Metrics = { loss: 0.5, auc: 0.8712, acc: 0.75 };
const progress = (step: number, totalSteps = 10): RunEvent => ({
  type: 'progress',
  label: 'target[backbone=cbr-tiny,init=scratch,seed=1]',
  index: 2,
  total: 3,
  progress: { step, totalSteps, epoch: step / 5, loss: 0.4123, imagesPerSecond: 52.34, lastVal: step >= 4 ? val : undefined, etaSeconds: 72 },
});
const stage: RunEvent = { type: 'stage', label: 'target[backbone=cbr-tiny,init=scratch,seed=1]', index: 2, total: 3 };

describe('progress printer', () => {
  it('draws a bar with trial k/n, step, epoch, loss, last validation, images/s and ETA on a terminal', () => {
    const s = sink(true);
    const print = createProgressPrinter(s.out);
    print(stage);
    print(progress(5));
    const last = s.chunks[s.chunks.length - 1];
    expect(last.startsWith('\r\x1b[2K')).to.equal(true);
    expect(last).to.contain('[2/3]').and.contain('▕████████░░░░░░░░▏').and.contain('50%');
    expect(last).to.contain('step 5/10').and.contain('epoch 1.0').and.contain('loss 0.412');
    expect(last).to.contain('val auc 0.871 acc 0.750').and.contain('52.3 img/s').and.contain('ETA 1m12s');
    expect(last).to.not.contain('\n');
  });

  it('writes plain lines at most once per interval (and at the last step) when not a terminal', () => {
    const s = sink(false);
    let t = 0;
    const print = createProgressPrinter(s.out, false, { intervalMs: 1000, now: () => t });
    print(stage);
    for (let step = 1; step <= 10; step++) {
      t += 300;
      print(progress(step));
    }
    const lines = s.text().trimEnd().split('\n');
    expect(s.text()).to.not.contain('\r');
    // 'training', then steps 4 (t=1200) and 8 (t=2400), then the last step
    expect(lines.map((l) => /step (\d+)\//.exec(l)?.[1] ?? l.split(': ')[1])).to.deep.equal(['training', '4', '8', '10']);
  });

  it('says when a stage resumes from a checkpoint', () => {
    const s = sink(false);
    const print = createProgressPrinter(s.out, false, { intervalMs: 1e9, now: () => 0 });
    print(stage);
    print(progress(7));
    expect(s.text()).to.contain('resumed from its checkpoint at step 6/10');
    const t = sink(false);
    const fresh = createProgressPrinter(t.out, false, { intervalMs: 1e9, now: () => 0 });
    fresh(stage);
    fresh(progress(1));
    expect(t.text()).to.not.contain('resumed');
  });

  it('formats bars and durations at their edges', () => {
    expect(progressBar(0, 4)).to.equal('▕░░░░▏');
    expect(progressBar(1.5, 4)).to.equal('▕████▏');
    expect(progressBar(NaN, 4)).to.equal('▕░░░░▏');
    expect(formatDuration(59.4)).to.equal('59s');
    expect(formatDuration(3725)).to.equal('1h02m');
    expect(formatDuration(Infinity)).to.equal('?');
  });
});
