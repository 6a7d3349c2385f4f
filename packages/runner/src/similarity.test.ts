import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageConfig } from '@medtransfer/core';
import { createModel } from '@medtransfer/zoo';
import { writeJsonAtomic } from './store';
import { compareTrials, parseModelRef } from './similarity';
import { saveTrialWeights } from './trial-weights';

const TARGET = {
  dataset: { name: 'synthetic/lesions', params: { train: 16, val: 8, test: 24, size: 16 } },
  imageSize: 16,
  channels: 3,
  training: { steps: 1, batchSize: 8, evalEvery: 1, optimizer: { name: 'adam', lr: 0.001, momentum: 0.9 } },
} as unknown as StageConfig;

/** A trial folder as `medtransfer run` leaves it with report.saveWeights: config.json and weights/{initial,final}. */
function fakeTrial(root: string, name: string, initialSeed: number, finalSeed: number): string {
  const dir = join(root, name);
  writeJsonAtomic(join(dir, 'config.json'), { trial: { name, seed: 1, backbone: { name: 'cbr-tiny' }, strategy: { kind: 'scratch' } }, target: TARGET });
  for (const [which, seed] of [['initial', initialSeed], ['final', finalSeed]] as const) {
    const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [16, 16, 3], numClasses: 2, seed });
    saveTrialWeights(m, dir, which, { trial: name });
    m.dispose();
  }
  return dir;
}

describe('runner/similarity: stored trials compared layer group by layer group', function () {
  this.timeout(60000);
  let root: string;
  let a: string;
  let b: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mt-similarity-'));
    a = fakeTrial(root, 'a', 1, 2);
    b = fakeTrial(root, 'b', 3, 2); // b's final weights equal a's
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('parses trial@initial / trial@final references', () => {
    expect(parseModelRef('results/x/t1/')).to.deep.equal({ dir: 'results/x/t1', which: 'final', label: 't1' });
    expect(parseModelRef('results/x/t1@initial')).to.deep.equal({ dir: 'results/x/t1', which: 'initial', label: 't1@initial' });
  });

  it('gives similarity 1 in every group for identical weights, and less against a different initialisation', () => {
    const r = compareTrials([[parseModelRef(a), parseModelRef(b)], [parseModelRef(a), parseModelRef(`${a}@initial`)]], { probe: 20, metrics: ['cka', 'svcca'] });
    expect(r.probe).to.deep.equal({ dataset: 'synthetic/lesions', count: 20, split: 'test', spatial: 'fold' });
    const same = r.rows.filter((x) => x.pair === 'a vs b');
    expect([...new Set(same.map((x) => x.group))]).to.deep.equal(['block1', 'block2', 'block3', 'block4', 'head']);
    for (const x of same) expect(x.value, `${x.group} ${x.metric}`).to.be.closeTo(1, 1e-6);
    // Folded conv activations: 20 images × 8 × 8 positions after block1's max-pool.
    expect(same[0].rows).to.equal(20 * 8 * 8);
    const other = r.rows.filter((x) => x.pair === 'a vs a@initial' && x.metric === 'cka');
    expect(Math.min(...other.map((x) => x.value))).to.be.lessThan(0.99);
    expect(r.models.map((m) => m.label)).to.deep.equal(['a', 'b', 'a@initial']);
  });

  it('averages over space with spatial: mean (one row per image)', () => {
    const r = compareTrials([[parseModelRef(a), parseModelRef(b)]], { probe: 12, metrics: ['cka'], spatial: 'mean' });
    expect(r.rows.every((x) => x.rows === 12)).to.equal(true);
  });

  it('says how to get weights when a trial has none saved', () => {
    const bare = join(root, 'bare');
    writeJsonAtomic(join(bare, 'config.json'), { trial: { name: 'bare', seed: 1, backbone: { name: 'cbr-tiny' } }, target: TARGET });
    expect(() => compareTrials([[parseModelRef(bare), parseModelRef(a)]])).to.throw(/no saved final weights.*saveWeights: true/);
    expect(() => compareTrials([[parseModelRef(join(root, 'nothing')), parseModelRef(a)]])).to.throw(/not a trial folder/);
  });
});
