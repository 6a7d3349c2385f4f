// Every trial records its model's cost; throughput is measured once per architecture, input
// size and backend, kept in the store, reused by later trials and runs, measured again when its
// record is damaged, and never by two workers at once.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseThroughputRecord } from '@medtransfer/core';
import { createModel, modelCost } from '@medtransfer/zoo';
import { COST_DIR, THROUGHPUT_FILE, readThroughputRecords } from './cost-store';
import { runExperimentFile } from './experiment';
import { DAMAGED_DIR, SUMMARY_FILE, SUPERSEDED_DIR, listResults } from './store';
import { measureExperimentCosts } from './cost-measure';
import { acquireLock } from './lock';
import { tinyPretrainExperiment } from './test-fixtures';

describe('model costs in the store', function () {
  this.timeout(300_000);
  let dir: string;
  let file: string;
  const results = () => join(dir, 'results');
  const exp = () => join(results(), 'costs');
  const costDirs = () => readdirSync(join(exp(), COST_DIR)).filter((d) => existsSync(join(exp(), COST_DIR, d, THROUGHPUT_FILE)));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-cost-'));
    file = join(dir, 'costs.yaml');
    writeFileSync(file, tinyPretrainExperiment('costs'));
    const r = await runExperimentFile(file, { resultsDir: results(), workers: 1, backend: 'wasm' });
    expect(r.ran).to.equal(5);
    // the run's time split counts its tasks by kind
    expect([r.time.source.tasks, r.time.target.tasks]).to.deep.equal([1, 4]);
    expect(r.time.target.trainSeconds).to.be.above(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records params, FLOPs and checkpoint bytes in every summary, equal to the zoo counters on the same model', () => {
    const { results: trials, problems } = listResults(exp());
    expect(problems).to.deep.equal([]);
    expect(trials).to.have.length(4);
    const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [16, 16, 3], numClasses: 2, seed: 1 });
    try {
      const expected = modelCost(m);
      for (const t of trials) expect(t.summary.cost).to.deep.include(expected);
    } finally {
      m.dispose();
    }
  });

  it('measures throughput once for the four trials of one architecture, with backend, threads and timings', () => {
    expect(costDirs()).to.have.length(1);
    const { records, problems } = readThroughputRecords(exp());
    expect(problems).to.deep.equal([]);
    const [record] = [...records.values()];
    expect(record.backbone).to.equal('cbr-tiny');
    expect(record.imageSize).to.equal(16);
    expect(record.backend).to.equal('wasm');
    expect(record.threads).to.equal(1);
    expect(record.train.batch).to.equal(8); // the trials' batch, below the usual 32
    expect(record.latency.batch).to.equal(1);
    for (const t of [record.train, record.infer, record.latency]) {
      expect(t.medianMs).to.be.above(0);
      expect(t.imagesPerSecond).to.be.closeTo(t.batch / (t.medianMs / 1000), 1e-6);
      expect(t.samples).to.be.at.least(3);
    }
    for (const t of listResults(exp()).results) expect(t.summary.cost?.throughputKey).to.equal(record.key);
  });

  it('moves a damaged throughput record aside and measures again; the report reader names it meanwhile', async () => {
    const [name] = costDirs();
    const recordFile = join(exp(), COST_DIR, name, THROUGHPUT_FILE);
    const good = parseThroughputRecord(readFileSync(recordFile, 'utf8'), recordFile);
    writeFileSync(recordFile, '{"key": "tr');
    const listing = readThroughputRecords(exp());
    expect(listing.records.size).to.equal(0);
    expect(listing.problems[0].message).to.match(/throughput\.json: not valid JSON/);
    // a trial that runs again meets the damaged record
    const trialDir = readdirSync(exp()).find((d) => existsSync(join(exp(), d, SUMMARY_FILE)));
    expect(trialDir).to.be.a('string');
    rmSync(join(exp(), trialDir as string, SUMMARY_FILE));
    const r = await runExperimentFile(file, { resultsDir: results(), workers: 1, backend: 'wasm' });
    expect(r.ran).to.equal(1);
    const again = parseThroughputRecord(readFileSync(recordFile, 'utf8'), recordFile);
    expect(again.key).to.equal(good.key);
    expect(readdirSync(join(exp(), COST_DIR, name, DAMAGED_DIR))).to.have.length(1);
  });

  it('medtransfer cost measures without training: finds what the run measured, measures again with force, fills an empty store', async () => {
    const again = await measureExperimentCosts(file, { resultsDir: results(), backend: 'wasm' });
    expect(again).to.deep.equal({ backend: 'wasm', measured: [], cached: ['cbr-tiny @ 16 px'], failed: [] });
    const forced = await measureExperimentCosts(file, { resultsDir: results(), backend: 'wasm', force: true });
    expect(forced.measured).to.deep.equal(['cbr-tiny @ 16 px']);
    const [name] = costDirs();
    expect(readdirSync(join(exp(), COST_DIR, name, SUPERSEDED_DIR))).to.have.length(1);
    // a damaged record is measured again, and counted as measured
    writeFileSync(join(exp(), COST_DIR, name, THROUGHPUT_FILE), '{"key": ');
    expect((await measureExperimentCosts(file, { resultsDir: results(), backend: 'wasm' })).measured).to.deep.equal(['cbr-tiny @ 16 px']);
    // so is a valid record of another key copied into the folder
    const recordFile = join(exp(), COST_DIR, name, THROUGHPUT_FILE);
    writeFileSync(recordFile, JSON.stringify({ ...JSON.parse(readFileSync(recordFile, 'utf8')), key: '0123456789abcdef' }));
    expect((await measureExperimentCosts(file, { resultsDir: results(), backend: 'wasm' })).measured).to.deep.equal(['cbr-tiny @ 16 px']);
    expect(readdirSync(join(exp(), COST_DIR, name, DAMAGED_DIR)).length).to.be.at.least(2);
    const empty = join(dir, 'empty');
    const fresh = await measureExperimentCosts(file, { resultsDir: empty, backend: 'wasm' });
    expect(fresh.measured).to.deep.equal(['cbr-tiny @ 16 px']);
    expect(listResults(join(empty, 'costs')).results).to.have.length(0);
    // the same key as the run's record: the trials' throughputKey finds it
    expect([...readThroughputRecords(join(empty, 'costs')).records.keys()]).to.deep.equal([...readThroughputRecords(exp()).records.keys()]);
  });

  it('a record another live worker is measuring (its folder locked) is not measured twice: the trial records its key and trains on', async () => {
    const [name] = costDirs();
    const recordDir = join(exp(), COST_DIR, name);
    const recordFile = join(recordDir, THROUGHPUT_FILE);
    const good = readFileSync(recordFile, 'utf8');
    rmSync(recordFile);
    const trialDir = readdirSync(exp()).find((d) => existsSync(join(exp(), d, SUMMARY_FILE))) as string;
    rmSync(join(exp(), trialDir, SUMMARY_FILE));
    const held = acquireLock(recordDir, 'a worker measuring this record');
    expect(held, 'the test holds the lock').to.not.equal(undefined);
    try {
      const r = await runExperimentFile(file, { resultsDir: results(), workers: 1, backend: 'wasm' });
      expect(r.ran).to.equal(1);
      expect(existsSync(recordFile), 'not measured under another holder').to.equal(false);
    } finally {
      held?.release();
    }
    const summary = JSON.parse(readFileSync(join(exp(), trialDir, SUMMARY_FILE), 'utf8')) as { cost?: { throughputKey?: string } };
    expect(summary.cost?.throughputKey).to.equal(parseThroughputRecord(good, recordFile).key);
    expect(existsSync(join(recordDir, 'lock.json')), 'the lock released').to.equal(false);
    writeFileSync(recordFile, good);
  });
});
