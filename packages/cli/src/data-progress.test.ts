// The data progress printer (the first pass of a disk cache): a throttled live bar on a terminal,
// a line per interval otherwise, each with count, rate and ETA.
import { expect } from 'chai';
import type { ProgressReport } from '@medtransfer/core';
import { createDataProgressPrinter, dataProgressLine } from './data-progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const out = { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { out, chunks };
}

const report = (done: number, total = 1000): ProgressReport => ({ id: '/cache/folder-1', label: 'folder → disk cache', done, total, unit: 'images' });

describe('data progress printer', () => {
  it('says done/total, percent, rate and ETA', () => {
    expect(dataProgressLine(report(250), 5)).to.equal('folder → disk cache 250/1000 images (25%) | 50 images/s | ETA 15s');
    expect(dataProgressLine(report(1000), 20, { bar: true })).to.equal('folder → disk cache ▕████████████████▏ 1000/1000 images (100%) | 50 images/s | done in 20s');
  });

  it('redraws a bar on a terminal at most every 100 ms, ending with a newline', () => {
    const s = sink(true);
    let t = 0;
    const print = createDataProgressPrinter(s.out, undefined, { now: () => t });
    print(report(0));
    for (let i = 1; i <= 1000; i++) {
      t = i; // 1 ms per image
      print(report(i));
    }
    // the first report, one per 100 ms, and the last
    expect(s.chunks).to.have.length(11);
    expect(s.chunks.every((c) => c.startsWith('\r\x1b[2K'))).to.equal(true);
    expect(s.chunks[5]).to.contain('▕████████░░░░░░░░▏ 500/1000 images (50%) | 1000 images/s | ETA 1s');
    expect(s.chunks[10].endsWith('done in 1s\n')).to.equal(true);
    expect(s.chunks.slice(0, 10).some((c) => c.includes('\n'))).to.equal(false);
  });

  it('writes plain lines at most once per interval when not a terminal, and the last one', () => {
    const s = sink(false);
    let t = 0;
    const print = createDataProgressPrinter(s.out, undefined, { now: () => t });
    for (let i = 0; i <= 1000; i++) {
      t = i * 25; // 25 s in all
      print(report(i));
    }
    expect(s.chunks.map((c) => c.split(' (')[0])).to.deep.equal([
      'folder → disk cache 0/1000 images',
      'folder → disk cache 400/1000 images',
      'folder → disk cache 800/1000 images',
      'folder → disk cache 1000/1000 images',
    ]);
    expect(s.chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).to.equal(true);
  });
});
