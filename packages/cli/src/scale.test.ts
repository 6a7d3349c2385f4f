// The store and scale-out commands through the real CLI: a run with a failing trial (exit code 3,
// the others finish), `status`, `export`, `merge` and `slurm` (`run --shard` through the CLI is in
// the opt-in slurm-cluster.test.ts; the logic behind each command is tested in packages/runner).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

const experiment = `
name: scale
seeds: [1, 2]
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch]
`;

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('store and scale-out commands', function () {
  this.timeout(300_000);
  let dir: string;
  let file: string;
  let results: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-scale-'));
    file = join(dir, 'scale.yaml');
    results = join(dir, 'results');
    writeFileSync(file, experiment);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 3 when a trial fails, after finishing the others; status shows both', () => {
    const r = cli(['run', file, '--results', results, '--workers', '1'], { MEDTRANSFER_FAIL_TRIALS: 'cbr-tiny_scratch_seed2' });
    expect(r.status, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/1 stage\(s\) failed[\s\S]*seed=2\]: injected failure/);
    expect(r.stdout).to.contain('1 stage(s) run');
    const s = cli(['status', file, '--results', results]);
    expect(s.status, s.stderr).to.equal(0);
    expect(s.stdout).to.match(/done +target\[backbone=cbr-tiny,init=scratch,seed=1\]/);
    expect(s.stdout).to.match(/failed +target\[backbone=cbr-tiny,init=scratch,seed=2\] +injected failure/);
    expect(s.stdout).to.contain('2 trial(s): 1 done, 0 running, 1 failed, 0 pending');
  });

  it('exports the long table and merges stores', () => {
    const csv = join(dir, 'table.csv');
    const e = cli(['export', file, '--results', results, '--out', csv]);
    expect(e.status, e.stderr).to.equal(0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0].startsWith('row,experiment,trial,key,backbone,init,seed,dataset,task,step,')).to.equal(true);
    // the finished trial only: its curve point, then its summary
    expect(lines.slice(1).map((l) => l.split(',')[0])).to.deep.equal(['curve', 'summary']);
    const jsonl = cli(['export', file, '--results', results, '--format', 'jsonl']);
    expect(jsonl.status, jsonl.stderr).to.equal(0);
    expect(jsonl.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { row: string }).row)).to.deep.equal(['curve', 'summary']);
    const bad = cli(['export', file, '--results', results, '--to', 'parket']);
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.match(/--to: unknown export format "parket"; did you mean "parquet"\?/);
    const mlruns = join(dir, 'mlruns');
    const ml = cli(['export', file, '--results', results, '--to', 'mlflow', '--out', mlruns]);
    expect(ml.status, ml.stderr).to.equal(0);
    expect(ml.stderr).to.contain(`1 trial(s) written to ${mlruns}; view with: mlflow ui --backend-store-uri ${mlruns}`);

    const m = cli(['merge', results, '--into', join(dir, 'merged')]);
    expect(m.status, m.stderr).to.equal(0);
    expect(m.stdout).to.contain('1 stage(s) and 1 throughput record(s) copied');
    expect(existsSync(join(dir, 'merged', 'scale', 'cbr-tiny_scratch_seed1', 'summary.json'))).to.equal(true);
  });

  it('writes a SLURM job-array script and the log folder it needs', () => {
    const out = join(dir, 'job.sh');
    const shared = join(dir, 'shared');
    const r = cli(['slurm', file, '--shards', '3', '--results', shared, '--partition', 'cpu', '--time', '00:30:00', '--cpus', '2', '--mem', '4G', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    const script = readFileSync(out, 'utf8');
    expect(script).to.contain('#SBATCH --array=0-2');
    expect(script).to.contain(`--shard "\${SLURM_ARRAY_TASK_ID}/3" --results ${shared} --workers 2`);
    expect(existsSync(join(shared, 'slurm-logs'))).to.equal(true);
  });
});
