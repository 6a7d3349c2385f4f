import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, TrialResult } from '@medtransfer/core';
import { finishedResult, listResults, readCurve, writeFileAtomic, writeTrialResult } from './store';

function result(key: string, trial = 't'): TrialResult {
  const metrics = { loss: 0.5, auc: 0.8, acc: 0.7 };
  return {
    summary: {
      experiment: 'e', trial, key, backbone: 'cbr-tiny', init: 'scratch', seed: 1, dataset: 'd', task: 'binary',
      test: metrics, finalVal: metrics, steps: 2, imagesSeen: 16, trainSeconds: 1, evalSeconds: 0.1,
      imagesPerSecond: 16, backend: 'cpu', params: 10, finishedAt: '2026-01-01T00:00:00Z',
    },
    curve: [
      { step: 1, epoch: 0.5, imagesSeen: 8, trainLoss: 0.7, valLoss: 0.6, valAuc: 0.7, valAcc: 0.6, trainSeconds: 0.5 },
      { step: 2, epoch: 1, imagesSeen: 16, trainLoss: 0.6, valLoss: 0.5, valAuc: 0.8, valAcc: 0.7, trainSeconds: 1 },
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
    expect(listResults(dir)).to.deep.equal([]);
  });

  it('leaves no temporary files behind', () => {
    writeTrialResult(join(dir, 'c'), {}, result('k', 'c'));
    expect(readdirSync(join(dir, 'c')).sort()).to.deep.equal(['config.json', 'curve.jsonl', 'summary.json']);
  });

  it('lists finished trials sorted by name', () => {
    writeTrialResult(join(dir, 'z'), {}, result('k', 'z-trial'));
    writeTrialResult(join(dir, 'y'), {}, result('k', 'a-trial'));
    expect(listResults(dir).map((r) => r.summary.trial)).to.deep.equal(['a-trial', 'z-trial']);
    expect(listResults(join(dir, 'nothing-here'))).to.deep.equal([]);
  });

  it('names the file and line of a corrupt curve or summary', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"step":1}\n{oops\n');
    expect(() => readCurve(join(dir, 'bad.jsonl'))).to.throw(DataFormatError, /bad\.jsonl: line 2 is not valid JSON/);
    writeTrialResult(join(dir, 'd'), {}, result('k', 'd'));
    writeFileSync(join(dir, 'd', 'summary.json'), '{ truncated');
    expect(() => finishedResult(join(dir, 'd'), 'k')).to.throw(DataFormatError, /summary\.json: not valid JSON/);
    expect(existsSync(join(dir, 'd', 'curve.jsonl'))).to.equal(true);
  });
});
