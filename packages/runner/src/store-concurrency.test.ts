// Several runner processes on one result store: every task runs exactly once (counted from the
// store's attempts.jsonl), whether the runners share the whole sweep or split it into shards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readAttempts } from './lock';
import { shardOf } from './shard';
import { loadPlan } from './experiment';
import { createContext } from './context';
import { listTasks } from './tasks';
import { tinyPretrainExperiment } from './test-fixtures';

const experiment = tinyPretrainExperiment('shared');

interface ChildOutcome {
  ran: number;
  skipped: number;
  failed: unknown[];
  elsewhere: string[];
  otherShards: number;
}

/** A runner process; those given the same `barrier` folder start running together. */
function runChild(file: string, results: string, delayMs: number, shard: string, barrier: string): Promise<ChildOutcome> {
  const args = ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'run.child.ts'), file, results, String(delayMs), shard, barrier, '2'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`runner exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(last) as ChildOutcome);
    }),
  );
}

async function tasksOf(file: string, results: string) {
  const plan = loadPlan(file);
  return listTasks(await createContext(plan, join(results, plan.config.name), 'test'));
}

describe('runner processes sharing a store', function () {
  this.timeout(180_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-shared-'));
    file = join(dir, 'shared.yaml');
    writeFileSync(file, experiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('two runners started together run every task exactly once', async () => {
    const results = join(dir, 'together');
    const [a, b] = await Promise.all([runChild(file, results, 150, '', join(dir, 'go-1')), runChild(file, results, 150, '', join(dir, 'go-1'))]);
    const tasks = await tasksOf(file, results);
    expect(tasks.length).to.equal(5); // one source task + 2 inits × 2 seeds
    for (const s of tasks) {
      expect(readAttempts(s.dir), `${s.label} attempts`).to.have.length(1);
      expect(existsSync(join(s.dir, s.kind === 'trial' ? 'summary.json' : 'source.json')), s.label).to.equal(true);
      expect(existsSync(join(s.dir, 'lock.json')), `${s.label} lock released`).to.equal(false);
    }
    expect(a.ran + b.ran, JSON.stringify({ a, b })).to.equal(5);
    // started together, both took part (the other one waited for the shared source task meanwhile)
    expect(Math.min(a.ran, b.ran), JSON.stringify({ a, b })).to.be.greaterThan(0);
    expect(a.failed.concat(b.failed)).to.deep.equal([]);
    // each runner saw every task it did not run as finished or as running elsewhere
    for (const o of [a, b]) expect(o.ran + o.skipped + o.elsewhere.length).to.equal(5);
    // the report left is the one written last, under the report lock, from the whole store
    const report = readFileSync(join(results, 'shared', 'summary.md'), 'utf8');
    expect(report).to.not.contain('Partial');
  });

  it('two shards split the trials by key hash; the source task both need runs once', async () => {
    const results = join(dir, 'sharded');
    const [s0, s1] = await Promise.all([runChild(file, results, 150, '0/2', join(dir, 'go-2')), runChild(file, results, 150, '1/2', join(dir, 'go-2'))]);
    const tasks = await tasksOf(file, results);
    const trials = tasks.filter((s) => s.kind === 'trial');
    const source = tasks.find((s) => s.kind === 'source');
    const inShard = (i: number) => trials.filter((t) => shardOf(t.key, 2) === i);
    for (const s of tasks) expect(readAttempts(s.dir), `${s.label} attempts`).to.have.length(1);
    // a shard runs its own trials (plus the source if it got there first), never the other's
    expect(s0.otherShards).to.equal(inShard(1).length);
    expect(s1.otherShards).to.equal(inShard(0).length);
    expect(s0.ran + s1.ran).to.equal(5);
    const sourceRanIn = [s0, s1].map((o, i) => o.ran - inShard(i).length);
    expect(sourceRanIn.sort(), 'the source task ran in exactly one shard').to.deep.equal([0, 1]);
    expect(source && readAttempts(source.dir)).to.have.length(1);
  });
});
