// `medtransfer backend` (the backend check job scripts run first) and `medtransfer slurm` with a
// `slurm:` section in the experiment file, through the real CLI.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

function cli(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd: root, encoding: 'utf8' });
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('medtransfer backend', function () {
  this.timeout(120_000);

  it('prints the backend it got; --require cpu gets cpu', () => {
    const r = cli(['backend', '--require', 'cpu']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^backend cpu on \S+: tfjs backend 'cpu': plain JavaScript \(slow\) \(@tensorflow\/tfjs\)\n$/);
  });

  it('--require node-gpu on a machine without it exits 2, saying what to check', function () {
    if (installed('@tensorflow/tfjs-node-gpu')) this.skip();
    const r = cli(['backend', '--require', 'node-gpu']);
    expect(r.status).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/^medtransfer: --require node-gpu: on \S+: backend "node-gpu" is not available: @tensorflow\/tfjs-node-gpu is not installed\. CUDA \/ the GPU backend was not found\./);
    for (const check of ['`nvidia-smi`', 'module load cuda', 'npm install @tensorflow/tfjs-node-gpu']) expect(r.stderr).to.include(check);
  });

  it('rejects an unknown name', () => {
    const r = cli(['backend', '--require', 'gpu']);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/--require: unknown backend "gpu"; did you mean/);
  });
});

describe('medtransfer slurm with a slurm: section', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-slurm-cmd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (slurm: string, backend = 'node-gpu') => {
    const file = join(dir, 'gpu.yaml');
    writeFileSync(
      file,
      `name: gpu\nbackend: ${backend}\ntarget:\n  dataset: synthetic/lesions\n  training: { steps: 2 }\nsweep: { backbone: [cbr-tiny] }\n${slurm}\n`,
    );
    return file;
  };

  it('takes resources from the file, flags over them, and checks the file\'s backend', () => {
    const file = write('slurm:\n  partition: gpu\n  time: "1-00:00:00"\n  gres: "gpu:1"\n  setup: [module load cuda/12.2]');
    const r = cli(['slurm', file, '--shards', '2', '--results', join(dir, 'results'), '--time', '04:00:00', '--mem', '32G', '--setup', 'module load cuda/11.8', '--setup', 'source venv/bin/activate', '--command', 'medtransfer']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('#SBATCH ')).slice(3)).to.deep.equal(['#SBATCH --partition=gpu', '#SBATCH --time=04:00:00', '#SBATCH --mem=32G', '#SBATCH --gres=gpu:1']);
    expect(lines).to.include('module load cuda/11.8');
    expect(lines).to.include('source venv/bin/activate');
    expect(lines).to.not.include('module load cuda/12.2');
    expect(r.stdout).to.include('\nmedtransfer backend --require node-gpu || {');
    expect(r.stdout).to.match(/\nexec medtransfer run \S+gpu\.yaml --shard "\$\{SLURM_ARRAY_TASK_ID\}\/2" --results \S+ --workers 1 --backend node-gpu\n/);
  });

  it('--backend overrides the file; --cpus and --cpus-per-task must agree', () => {
    const file = write('slurm: { cpusPerTask: 4 }');
    const out = join(dir, 'job.sh');
    const r = cli(['slurm', file, '--shards', '1', '--results', join(dir, 'results'), '--backend', 'wasm', '--out', out]);
    expect(r.status, r.stderr).to.equal(0);
    const script = readFileSync(out, 'utf8');
    expect(script).to.include('#SBATCH --cpus-per-task=4\n');
    expect(script).to.include('backend --require wasm ||');
    expect(script).to.match(/--workers 4 --backend wasm\n/);
    const both = cli(['slurm', file, '--shards', '1', '--cpus', '2', '--cpus-per-task', '3']);
    expect(both.status).to.equal(2);
    expect(both.stderr).to.include('--cpus 2 and --cpus-per-task 3 disagree');
  });

  it('warns when node-gpu asks for no GPU; refuses a bad value in the file or a flag, naming where', () => {
    const file = write('slurm: { partition: gpu }');
    const warn = cli(['slurm', file, '--shards', '1', '--results', join(dir, 'results')]);
    expect(warn.status, warn.stderr).to.equal(0);
    expect(warn.stderr).to.match(/medtransfer: warning: backend node-gpu, but no GPU is requested/);
    const badFile = cli(['slurm', write('slurm: { time: "1 day" }'), '--shards', '1']);
    expect(badFile.status).to.equal(2);
    expect(badFile.stderr).to.include('slurm.time: "1 day" is not a SLURM time; use e.g. "2-00:00:00" or "90"');
    const badFlag = cli(['slurm', write(''), '--shards', '1', '--gres', 'gpu 1']);
    expect(badFlag.status).to.equal(2);
    expect(badFlag.stderr).to.include('--gres: "gpu 1" is not a SLURM generic resource');
  });
});
