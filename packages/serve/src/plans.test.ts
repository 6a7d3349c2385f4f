// Where the dashboard's list of trials comes from: the experiment file given with --experiment
// (every planned trial, even before its experiment folder exists), the file a finished trial's
// config.json records, or — with neither — the trial folders alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MedtransferError } from '@medtransfer/core';
import { writeTrialResult } from '@medtransfer/runner';
import { experimentView, listExperimentNames } from './experiments';
import { PlanSource } from './plans';
import { TrialReader } from './trial-state';
import { EXPERIMENT, type FixtureStore, fixtureResult, writeFixtureStore } from './test-fixtures';

describe('serve: experiment files and plans', () => {
  let store: FixtureStore;
  let empty: string;

  before(async () => {
    store = await writeFixtureStore();
    empty = mkdtempSync(join(tmpdir(), 'medtransfer-serve-empty-'));
  });
  after(() => {
    store?.lock.release();
    if (store) rmSync(store.base, { recursive: true, force: true });
    if (empty) rmSync(empty, { recursive: true, force: true });
  });

  it('--experiment lists every planned trial as pending before its folder exists', () => {
    const plans = new PlanSource([store.experimentFile]);
    expect(listExperimentNames(empty, plans)).to.deep.equal([EXPERIMENT]);
    const v = experimentView(empty, EXPERIMENT, plans, new TrialReader());
    expect(v.plan).to.include({ from: 'flag', loaded: true });
    expect(v.counts).to.include({ pending: 12, trials: 12 });
    expect(v.threshold).to.equal(0.8);
  });

  it('without a known experiment file shows the folders only, with the report settings the summaries recorded', () => {
    const root = join(empty, 'folders');
    writeTrialResult(join(root, 'exp', 'a-trial'), { experiment: 'exp', file: join(empty, 'gone.yaml') }, fixtureResult({ name: 'target[backbone=cbr-tiny,init=scratch,seed=1]', backbone: 'cbr-tiny', init: 'scratch', seed: 1 }));
    mkdirSync(join(root, 'exp', 'failed-trial'), { recursive: true });
    writeFileSync(join(root, 'exp', 'failed-trial', 'failed.json'), '{"not": "a failure record"');
    const plans = new PlanSource();
    expect(listExperimentNames(root, plans)).to.deep.equal(['exp']);
    const v = experimentView(root, 'exp', plans, new TrialReader());
    expect(v.plan).to.equal(undefined);
    expect(v.trials.map((t) => [t.dir, t.state, t.group])).to.deep.equal([
      ['a-trial', 'finished', 'cbr-tiny · scratch'],
      ['failed-trial', 'failed', 'other'],
    ]);
    expect(v.trials[1].detail).to.match(/unreadable failure record/);
    expect(v.trials[0].inPlan).to.equal(undefined);
    expect(v).to.include({ metric: 'auc', threshold: 0.8 });
  });

  it('an --experiment file that cannot be planned is an error naming it', () => {
    const bad = join(empty, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nsweep: { backbone: [cbr-smal] }\n');
    expect(() => new PlanSource([bad])).to.throw(MedtransferError, /--experiment .*bad\.yaml/);
  });
});
