import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, TrialResult } from '@medtransfer/core';
import { DAMAGED_DIR, finishedResult, listResults, moveAside, readCurve, readStoredTrial, writeFileAtomic, writeTrialResult } from './store';

function result(key: string, trial = 't'): TrialResult {
  const metrics = { loss: 0.5, auc: 0.8, acc: 0.7 };
  return {
    summary: {
      experiment: 'e', trial, key, backbone: 'cbr-tiny', init: 'scratch', seed: 1, dataset: 'd', task: 'binary',
      test: metrics, finalVal: metrics, steps: 2, imagesSeen: 16, trainSeconds: 1, evalSeconds: 0.1,
      imagesPerSecond: 16, backend: 'cpu', params: 10, finishedAt: '2026-01-01T00:00:00Z',
    },
    curve: [
      { step: 1, epoch: 0.5, imagesSeen: 8, trainLoss: 0.7, valLoss: 0.6, val: { auc: 0.7, acc: 0.6 }, trainSeconds: 0.5 },
      { step: 2, epoch: 1, imagesSeen: 16, trainLoss: 0.6, valLoss: 0.5, val: { auc: 0.8, acc: 0.7 }, trainSeconds: 1 },
    ],
  };
}

describe('result store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'medtransfer-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a trial and recognises it as finished only under its own key', () => {
    writeTrialResult(join(dir, 'a'), { any: 'config' }, result('k1', 'a'));
    expect(finishedResult(join(dir, 'a'), 'k1')).to.deep.equal(result('k1', 'a'));
    expect(finishedResult(join(dir, 'a'), 'k2')).to.equal(undefined);
    expect(finishedResult(join(dir, 'missing'), 'k1')).to.equal(undefined);
  });

  it('treats a folder without summary.json (an interrupted trial) as unfinished', () => {
    writeFileAtomic(join(dir, 'b', 'curve.jsonl'), '{"step":1}\n');
    expect(finishedResult(join(dir, 'b'), 'k1')).to.equal(undefined);
    expect(listResults(dir)).to.deep.equal({ results: [], problems: [] });
  });

  it('leaves no temporary files behind', () => {
    writeTrialResult(join(dir, 'c'), {}, result('k', 'c'));
    expect(readdirSync(join(dir, 'c')).sort()).to.deep.equal(['config.json', 'curve.jsonl', 'summary.json']);
  });

  it('lists finished trials sorted by name', () => {
    writeTrialResult(join(dir, 'z'), {}, result('k', 'z-trial'));
    writeTrialResult(join(dir, 'y'), {}, result('k', 'a-trial'));
    expect(listResults(dir).results.map((r) => r.summary.trial)).to.deep.equal(['a-trial', 'z-trial']);
    expect(listResults(join(dir, 'nothing-here'))).to.deep.equal({ results: [], problems: [] });
  });

  it('names the file and line of a corrupt curve or summary, and reads such a trial as damaged, never as finished', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"step":1,"epoch":1,"imagesSeen":8,"trainLoss":1,"valLoss":1,"valAuc":0.5,"valAcc":0.5,"trainSeconds":1}\n{oops\n');
    expect(() => readCurve(join(dir, 'bad.jsonl'))).to.throw(DataFormatError, /bad\.jsonl:2: not valid JSON/);
    writeTrialResult(join(dir, 'd'), {}, result('k', 'd'));
    writeFileSync(join(dir, 'd', 'summary.json'), '{ truncated');
    const stored = readStoredTrial(join(dir, 'd'), 'k');
    expect(stored.state).to.equal('damaged');
    expect(stored.state === 'damaged' && stored.error.message).to.match(/d[/\\]summary\.json: not valid JSON/);
    expect(finishedResult(join(dir, 'd'), 'k')).to.equal(undefined);
    expect(listResults(dir).problems.map((p) => p.dir)).to.deep.equal([join(dir, 'd')]);
    expect(existsSync(join(dir, 'd', 'curve.jsonl'))).to.equal(true);
  });

  it('validates every record: a summary missing a member, a curve point missing a field, steps out of order, no curve', () => {
    const cases: Array<[string, (r: TrialResult) => void, RegExp]> = [
      ['no-test', (r) => delete (r.summary as Partial<TrialResult['summary']>).test, /summary\.json: not a valid trial summary: test: missing/],
      ['bad-seed', (r) => ((r.summary as unknown as Record<string, unknown>).seed = 'one'), /summary\.json: not a valid trial summary: seed:/],
      ['bad-point', (r) => delete (r.curve[1].val as Partial<TrialResult['curve'][0]['val']>).auc, /curve\.jsonl:2: not a valid curve point: val\.auc: missing/],
      ['order', (r) => (r.curve[1].step = 1), /curve\.jsonl:2: step 1 does not follow step 1/],
      ['too-long', (r) => (r.curve[1].step = 50), /curve\.jsonl: reaches step 50 but summary\.json says the trial ran 2 steps/],
    ];
    for (const [name, damage, message] of cases) {
      const r = result('k', name);
      damage(r);
      writeTrialResult(join(dir, name), {}, r);
      const stored = readStoredTrial(join(dir, name), 'k');
      expect(stored.state, name).to.equal('damaged');
      expect(stored.state === 'damaged' && stored.error.message, name).to.match(message);
    }
    writeTrialResult(join(dir, 'no-curve'), {}, result('k', 'no-curve'));
    rmSync(join(dir, 'no-curve', 'curve.jsonl'));
    expect(readStoredTrial(join(dir, 'no-curve')).state).to.equal('damaged');
    expect(listResults(dir)).to.deep.include({ results: [] });
    expect(listResults(dir).problems).to.have.length(cases.length + 1);
  });

  it('reads a non-finite metric (written by JSON as null) back as NaN', () => {
    const r = result('k', 'nan');
    r.curve[0].val.auc = NaN;
    writeTrialResult(join(dir, 'nan'), {}, r);
    const stored = readStoredTrial(join(dir, 'nan'), 'k');
    expect(stored.state).to.equal('finished');
    expect(stored.state === 'finished' && Number.isNaN(stored.result.curve[0].val.auc)).to.equal(true);
  });

  it('moves files aside into a dated folder with the reason, never deleting them', () => {
    writeTrialResult(join(dir, 'e'), {}, result('k', 'e'));
    const moved = moveAside(join(dir, 'e'), ['summary.json', 'curve.jsonl', 'config.json', 'absent.json'], DAMAGED_DIR, 'test reason')!;
    expect(moved.startsWith(join(dir, 'e', DAMAGED_DIR))).to.equal(true);
    expect(readdirSync(moved).sort()).to.deep.equal(['config.json', 'curve.jsonl', 'summary.json', 'why.txt']);
    expect(readdirSync(join(dir, 'e'))).to.deep.equal([DAMAGED_DIR]);
    expect(moveAside(join(dir, 'e'), ['summary.json'], DAMAGED_DIR, 'again')).to.equal(undefined);
  });
});
