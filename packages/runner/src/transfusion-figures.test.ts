import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrialResult } from '@medtransfer/core';
import { writeJsonAtomic } from './store';
import { readResultTree, resultSets } from './transfusion-figures';

function summary(trial: string, init: string, threshold: number | undefined) {
  return {
    experiment: 'e',
    trial,
    key: trial,
    backbone: 'cbr-small',
    init,
    seed: 1,
    dataset: 'medmnist/retinamnist',
    task: 'ordinal',
    test: { loss: 1, auc: 0.7, acc: 0.5 },
    finalVal: { loss: 1, auc: 0.7, acc: 0.5 },
    steps: 10,
    imagesSeen: 320,
    trainSeconds: 1,
    evalSeconds: 1,
    imagesPerSecond: 320,
    backend: 'cpu',
    params: 1,
    finishedAt: '2026-01-01T00:00:00Z',
    ...(threshold === undefined ? {} : { convergence: { metric: 'auc', areaUnderCurve: 0.6, reached: [{ threshold, basis: 'absolute', steps: null, epochs: null, imagesSeen: null, trainSeconds: null, censored: true }] } }),
  };
}

describe('runner/transfusion-figures: reading a result tree', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mt-tree-'));
    const trial = (dir: string, s: object, config: object) => {
      writeJsonAtomic(join(root, dir, 'summary.json'), s);
      writeJsonAtomic(join(root, dir, 'config.json'), config);
      writeFileSync(join(root, dir, 'curve.jsonl'), '{"step":10,"epoch":1,"imagesSeen":320,"trainLoss":1,"valLoss":1,"valAuc":0.7,"valAcc":0.5,"trainSeconds":1}\n');
    };
    trial('a/t1', summary('t1', 'scratch', 0.7), { target: { subset: { fraction: 0.25 } } });
    trial('a/t2', summary('t2', 'pretrained', 0.7), { trial: { dataFraction: 1 } });
    trial('b/t3', summary('t3', 'scratch', undefined), {});
    // Folders that hold no trials: a source checkpoint record, saved weights.
    writeJsonAtomic(join(root, 'a/source/x/summary.json'), { not: 'a trial' });
    writeJsonAtomic(join(root, 'a/t1/weights/final/summary.json'), { not: 'a trial' });
    writeJsonAtomic(join(root, 'a/similarity/p/similarity.json'), { format: 'medtransfer-similarity', version: 1, probe: {}, models: [], rows: [] });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds trials and similarity results, skipping source and weight folders; fractions from config.json', () => {
    const tree = readResultTree(root);
    expect(tree.results.map((r) => r.summary.trial)).to.deep.equal(['t1', 't2', 't3']);
    const frac = (r: TrialResult) => (r.summary as { dataFraction?: number }).dataFraction;
    expect(tree.results.map(frac)).to.deep.equal([0.25, 1, undefined]);
    expect(tree.results[0].curve).to.have.length(1);
    expect(tree.similarity.map((s) => s.file)).to.deep.equal([join('a', 'similarity', 'p', 'similarity.json')]);
  });

  it('groups by dataset × threshold recorded in each summary, the fallback for the rest, or the override for all', () => {
    const tree = readResultTree(root);
    const sets = resultSets(tree.results, { metric: 'auc', threshold: 0.8 });
    expect(sets.map((s) => [s.threshold, s.results.length])).to.deep.equal([[0.7, 2], [0.8, 1]]);
    const forced = resultSets(tree.results, { metric: 'auc', threshold: 0.8 }, { threshold: 0.6 });
    expect(forced.map((s) => [s.threshold, s.results.length])).to.deep.equal([[0.6, 3]]);
  });

  it('names the folder when it does not exist', () => {
    expect(() => readResultTree(join(root, 'nope'))).to.throw(/--results: folder .*nope" does not exist/);
  });
});
