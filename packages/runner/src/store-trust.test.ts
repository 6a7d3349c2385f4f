// A result store researchers can move, shard and trust, run for real on a tiny sweep: a copied
// store reruns nothing, shards written under different paths merge to every trial once, and
// damaged records (summary, curve, source checkpoint) are named, left out of reports, moved
// aside and rerun — only those trials.
import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadPlan, reportExperimentFile, runExperimentFile } from './experiment';
import { acquireLock } from './lock';
import { mergeStores } from './merge';
import { REPORT_LOCK_DIR, writeExperimentReport } from './report';
import { createContext } from './context';
import { listTasks } from './tasks';
import { experimentStatus } from './status';
import { legacySourceKey, legacyTrialKey, upgradeStore } from './upgrade';
import { DAMAGED_DIR, FAILED_FILE, SUMMARY_FILE, readJson } from './store';
import { tinyPretrainExperiment } from './test-fixtures';

const experiment = tinyPretrainExperiment('trust');

const TRIALS = ['cbr-tiny_scratch_seed1', 'cbr-tiny_scratch_seed2', 'cbr-tiny_pretrained_seed1', 'cbr-tiny_pretrained_seed2'];

describe('a result store that can be moved, sharded and trusted', function () {
  this.timeout(300_000);
  let dir: string;
  let file: string;
  let original: string;
  const run = (results: string, extra: Parameters<typeof runExperimentFile>[1] extends infer O ? Partial<O> : never = {}) =>
    runExperimentFile(file, { resultsDir: results, workers: 1, backend: 'wasm', ...extra });
  const copy = (name: string) => {
    const to = join(dir, name, 'somewhere', 'else');
    cpSync(original, to, { recursive: true });
    return to;
  };
  const exp = (results: string) => join(results, 'trust');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-trust-'));
    file = join(dir, 'trust.yaml');
    writeFileSync(file, experiment);
    original = join(dir, 'original');
    const first = await run(original);
    expect(first.ran).to.equal(5);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a copy of a finished store at another path is finished: status says done, run reruns nothing', async () => {
    const moved = copy('copied');
    const status = await experimentStatus(file, moved);
    expect(status.totals).to.deep.include({ done: 4, pending: 0, damaged: 0 });
    const again = await run(moved);
    expect(again.ran).to.equal(0);
    expect(again.results).to.have.length(4);
    // nothing in a stored record names the folder the store was written in
    for (const t of TRIALS) {
      const config = readJson<{ source?: string }>(join(exp(moved), t, 'config.json'));
      if (t.includes('pretrained')) expect(config.source).to.match(/^source[/\\]cbr-tiny-[0-9a-f]{16}$/);
      expect(readFileSync(join(exp(moved), t, 'config.json'), 'utf8')).to.not.contain(original);
      expect(readFileSync(join(exp(moved), t, SUMMARY_FILE), 'utf8')).to.not.contain(original);
    }
  });

  it('says which part of a key changed', async () => {
    const moved = copy('changed');
    const other = join(dir, 'changed.yaml');
    writeFileSync(other, experiment.replace('seeds: [1, 2]', 'seeds: [1, 2]\nreport: { threshold: 0.5 }').replace("training: { steps: 3, batchSize: 8, evalEvery: 3 }\nsweep", 'training: { steps: 4, batchSize: 8, evalEvery: 4 }\nsweep'));
    const status = await experimentStatus(other, moved);
    const scratch = status.stages.find((s) => s.label === 'target[backbone=cbr-tiny,init=scratch,seed=1]')!;
    expect(scratch.state).to.equal('pending');
    expect(scratch.detail).to.equal('its stored result has another key (changed: target (the target stage: dataset params, image size, channels, subset, transforms, training)): reruns');
  });

  it('shards run under two different results paths merge into one store with every trial exactly once', async () => {
    const a = join(dir, 'machine-a', 'results');
    const b = join(dir, 'machine-b', 'scratch', 'res');
    const [s0, s1] = [await run(a, { shard: { index: 0, count: 2 } }), await run(b, { shard: { index: 1, count: 2 } })];
    expect(s0.otherShards + s1.otherShards, 'each trial belongs to one shard').to.equal(4);
    expect(s0.failed.concat(s1.failed)).to.deep.equal([]);
    const into = join(dir, 'merged');
    const merged = mergeStores([a, b], into);
    const trials = merged.copied.filter((rel) => !rel.includes('source') && !rel.includes('/cost/'));
    expect(trials.sort()).to.deep.equal(TRIALS.map((t) => `trust/${t}`).sort());
    // a source stage trained in both shards has one key there (else merge would refuse the conflict)
    expect(new Set([...merged.copied, ...merged.identical].filter((rel) => rel.includes('source'))).size).to.equal(1);
    // so has the throughput record both shards measured: one copy, the trials' costs find it
    expect(new Set([...merged.copied, ...merged.identical].filter((rel) => rel.includes('/cost/'))).size).to.equal(1);
    const status = await experimentStatus(file, into);
    expect(status.totals).to.deep.include({ done: 4, pending: 0 });
    expect((await run(into)).ran).to.equal(0);
  });

  it('damaged records are named, left out of the report, moved aside and rerun — only those trials', async () => {
    const store = copy('damaged');
    const [missingTest, notJson, tornCurve] = TRIALS.slice(0, 3).map((t) => join(exp(store), t));
    const summary = readJson<Record<string, unknown>>(join(missingTest, SUMMARY_FILE));
    delete summary.test;
    writeFileSync(join(missingTest, SUMMARY_FILE), JSON.stringify(summary));
    writeFileSync(join(notJson, SUMMARY_FILE), '{"experiment": "trust", "tri');
    const curve = readFileSync(join(tornCurve, 'curve.jsonl'), 'utf8');
    writeFileSync(join(tornCurve, 'curve.jsonl'), curve.slice(0, curve.length - 20));

    const status = await experimentStatus(file, store);
    expect(status.totals).to.deep.include({ done: 1, damaged: 3 });
    const byDir = new Map(status.stages.map((s) => [s.dir, s]));
    expect(byDir.get(missingTest)!.detail).to.match(/summary\.json: not a valid trial summary: test: missing/);
    expect(byDir.get(notJson)!.detail).to.match(/summary\.json: not valid JSON/);
    expect(byDir.get(tornCurve)!.detail).to.match(/curve\.jsonl:1: not valid JSON/);

    const report = await reportExperimentFile(file, store);
    expect(report.results).to.have.length(1);
    expect(report.damaged).to.have.length(3);
    expect(report.markdown).to.contain('**Partial: 1 of 4 trials.**');
    expect(report.markdown).to.contain('test: missing');
    expect(readFileSync(join(exp(store), 'summary.md'), 'utf8')).to.contain('**Partial: 1 of 4 trials.**');

    const again = await run(store);
    expect(again.ran, 'only the three damaged trials rerun (their source checkpoint is intact)').to.equal(3);
    expect(again.failed).to.deep.equal([]);
    for (const d of [missingTest, notJson, tornCurve]) {
      const [moved] = readdirSync(join(d, DAMAGED_DIR));
      expect(readdirSync(join(d, DAMAGED_DIR, moved)).sort()).to.deep.equal(['config.json', 'curve.jsonl', SUMMARY_FILE, 'why.txt']);
    }
    expect(readFileSync(join(missingTest, DAMAGED_DIR, readdirSync(join(missingTest, DAMAGED_DIR))[0], 'why.txt'), 'utf8')).to.contain('test: missing');
    expect(again.markdown).to.not.contain('Partial');
    expect((await experimentStatus(file, store)).totals).to.deep.include({ done: 4, damaged: 0 });
  });

  it('a damaged source checkpoint is moved aside and trained again when a trial needs it; no folder holds a summary and a failure', async () => {
    const store = copy('bad-source');
    const sourceDir = join(exp(store), 'source', readdirSync(join(exp(store), 'source'))[0]);
    // verified once while intact, then damaged in place: the change is still seen
    expect((await experimentStatus(file, store)).stages.find((s) => s.kind === 'source')!.state).to.equal('done');
    const bin = readFileSync(join(sourceDir, 'weights.bin'));
    for (let i = 100; i < 108; i++) bin[i] ^= 0xff;
    writeFileSync(join(sourceDir, 'weights.bin'), bin);
    // every trial finished: the damaged checkpoint is reported but not needed, so nothing runs
    const source = (await experimentStatus(file, store)).stages.find((s) => s.kind === 'source')!;
    expect(source.state).to.equal('damaged');
    expect(source.detail).to.match(/weights\.bin: content does not match the checksum/);
    expect((await run(store)).ran).to.equal(0);
    // a pretrained trial to redo: the source is retrained first, and the trial succeeds
    rmSync(join(exp(store), 'cbr-tiny_pretrained_seed2', SUMMARY_FILE));
    const again = await run(store);
    expect(again.failed).to.deep.equal([]);
    expect(again.ran).to.equal(2);
    expect(readdirSync(join(sourceDir, DAMAGED_DIR))).to.have.length(1);
    expect((await experimentStatus(file, store)).stages.every((s) => s.state === 'done')).to.equal(true);
    for (const t of TRIALS) {
      const d = join(exp(store), t);
      expect(existsSync(join(d, SUMMARY_FILE)) && existsSync(join(d, FAILED_FILE)), t).to.equal(false);
    }
  });

  it('medtransfer upgrade re-keys store version 1 results that check out, and leaves the others to rerun', async () => {
    const store = copy('v1');
    // Rewrite the copy as store version 1 wrote it: keys from the old formula (the source folder's absolute path), no key parts.
    const plan = loadPlan(file);
    const tasks = listTasks(await createContext(plan, exp(store), 'test', { batches: false }));
    const source = tasks.find((t) => t.kind === 'source')!;
    const sourceStage = plan.config.source!;
    const oldSourceName = `cbr-tiny-${legacySourceKey(sourceStage, plan.sourceBackbones[0], source.keyParts.data)}`;
    const oldSourceDir = join(exp(store), 'source', oldSourceName);
    renameSync(source.dir, oldSourceDir);
    const sourceRecord = readJson<Record<string, unknown>>(join(oldSourceDir, 'source.json'));
    writeFileSync(join(oldSourceDir, 'source.json'), JSON.stringify({ ...sourceRecord, key: oldSourceName.slice('cbr-tiny-'.length), storeVersion: undefined, keyParts: undefined }));
    const writtenAt = join('/work', 'elsewhere', 'trust', 'source', oldSourceName); // where the version 1 run kept it
    for (const task of tasks) {
      if (task.kind !== 'trial') continue;
      const old = legacyTrialKey(task.trial, task.keyParts.data, writtenAt);
      const summary = readJson<Record<string, unknown>>(join(task.dir, SUMMARY_FILE));
      writeFileSync(join(task.dir, SUMMARY_FILE), JSON.stringify({ ...summary, key: old, storeVersion: undefined, keyParts: undefined }));
      const config = readJson<Record<string, unknown>>(join(task.dir, 'config.json'));
      writeFileSync(join(task.dir, 'config.json'), JSON.stringify({ ...config, key: old, keyParts: undefined, source: task.sourceDir ? writtenAt : undefined }));
    }
    // one result that does not check out: its key is not what the file and data give (another version of the file made it)
    const tampered = join(exp(store), TRIALS[1]);
    const t = readJson<Record<string, unknown>>(join(tampered, SUMMARY_FILE));
    writeFileSync(join(tampered, SUMMARY_FILE), JSON.stringify({ ...t, key: 'ffffffffffffffff' }));

    const before = await experimentStatus(file, store);
    expect(before.totals).to.deep.include({ done: 0, pending: 4 });
    expect(before.stages[1].detail).to.contain('written by store version 1; `medtransfer upgrade` re-keys it');
    const up = await upgradeStore(plan, store);
    expect(up.upgraded.sort()).to.deep.equal([...TRIALS.filter((x) => x !== TRIALS[1]), relative(exp(store), source.dir)].sort());
    expect(up.kept.map((k) => k.dir)).to.deep.equal([tampered]);
    expect(up.kept[0].why).to.contain('is not what the experiment file and data give');
    const after = await experimentStatus(file, store);
    expect(after.totals).to.deep.include({ done: 3, pending: 1 });
    expect(after.stages.find((x) => x.kind === 'source')!.state).to.equal('done');
    expect((await upgradeStore(plan, store)).current, 'a second upgrade finds them current').to.equal(3);
    const again = await run(store);
    expect(again.ran).to.equal(1);
    expect(readdirSync(join(tampered, 'superseded'))).to.have.length(1);
  });

  it('a report says it is partial until every planned trial is finished, and waits for the report lock', async () => {
    const store = copy('partial');
    rmSync(join(exp(store), TRIALS[3]), { recursive: true });
    const plan = loadPlan(file);
    const lock = acquireLock(join(exp(store), REPORT_LOCK_DIR), 'another runner')!;
    let done = false;
    const pending = writeExperimentReport(plan, exp(store)).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 1500));
    expect(done, 'the report waits while another runner holds the report lock').to.equal(false);
    lock.release();
    const report = await pending;
    expect(report.markdown).to.contain('**Partial: 3 of 4 trials.**');
    expect(report.markdown).to.contain('1 trial(s) not finished (yet)');
  });
});
