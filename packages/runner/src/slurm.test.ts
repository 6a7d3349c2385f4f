// The SLURM job-array script: its #SBATCH lines, the file's `slurm:` section under the flags, the
// setup lines and the backend check, run by bash with a stand-in for medtransfer (no SLURM needed;
// the real cluster is packages/cli/src/slurm-cluster.test.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigIssuesError, parseExperimentYaml } from '@medtransfer/core';
import { shellQuote, slurmResources, slurmScript, slurmWarnings } from './slurm';

const base = { file: '/e.yaml', name: 'e', shards: 2, resultsDir: '/r' };
const directives = (s: string) => s.split('\n').filter((l) => l.startsWith('#SBATCH '));

const experiment = (slurm: string) => `
name: e
target:
  dataset: synthetic/lesions
  training: { steps: 2 }
sweep: { backbone: [cbr-tiny] }
${slurm}`;

function fileIssues(slurm: string): string[] {
  try {
    parseExperimentYaml(experiment(slurm), 'e.yaml');
  } catch (err) {
    if (err instanceof ConfigIssuesError) return err.issues.map((i) => i.message);
    throw err;
  }
  return [];
}

describe('SLURM script', () => {
  it('has one array task per shard running its shard against the shared results folder', () => {
    const s = slurmScript({ file: '/data/exp 1.yaml', name: 'my exp', shards: 4, resultsDir: '/shared/results', partition: 'cpu', time: '02:00:00', cpusPerTask: 4, mem: '8G', cwd: '/work' });
    expect(s.startsWith('#!/bin/bash\n')).to.equal(true);
    expect(directives(s)).to.deep.equal([
      '#SBATCH --job-name=medtransfer-my_exp',
      '#SBATCH --array=0-3',
      '#SBATCH --output=/shared/results/slurm-logs/%x-%A_%a.out',
      '#SBATCH --partition=cpu',
      '#SBATCH --time=02:00:00',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --mem=8G',
    ]);
    const exec = s.split('\n').find((l) => l.startsWith('exec '));
    expect(exec).to.match(/^exec \S+medtransfer run '\/data\/exp 1\.yaml' --shard "\$\{SLURM_ARRAY_TASK_ID\}\/4" --results \/shared\/results --workers 4 --backend auto$/);
    expect(s).to.include('cd /work\n');
    expect(s.indexOf('set -euo pipefail')).to.be.below(s.indexOf('exec '));
  });

  it('asks for a GPU node: every option is an #SBATCH line, and node-gpu is checked before training', () => {
    const s = slurmScript({
      ...base,
      partition: 'gpu',
      account: 'proj-42',
      time: '2-00:00:00',
      cpusPerTask: 8,
      mem: '32G',
      gres: 'gpu:a100:1',
      gpus: '1',
      backend: 'node-gpu',
      command: 'medtransfer',
    });
    expect(directives(s).slice(3)).to.deep.equal([
      '#SBATCH --partition=gpu',
      '#SBATCH --account=proj-42',
      '#SBATCH --time=2-00:00:00',
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --mem=32G',
      '#SBATCH --gres=gpu:a100:1',
      '#SBATCH --gpus=1',
    ]);
    const lines = s.split('\n');
    const check = lines.findIndex((l) => l.startsWith('medtransfer backend --require node-gpu || {'));
    expect(check, s).to.be.above(-1);
    expect(lines[check]).to.include('exit 2; }');
    // native TensorFlow threads over the task's cores: one worker, whatever --cpus-per-task says
    expect(lines[check + 1]).to.equal('exec medtransfer run /e.yaml --shard "${SLURM_ARRAY_TASK_ID}/2" --results /r --workers 1 --backend node-gpu');
  });

  it('with backend auto, logs the backend the node gives and passes auto on (over a backend the file sets)', () => {
    const s = slurmScript({ ...base, command: 'medtransfer', cpusPerTask: 3 });
    expect(s).to.include('\nmedtransfer backend\nexec medtransfer run /e.yaml --shard "${SLURM_ARRAY_TASK_ID}/2" --results /r --workers 3 --backend auto\n');
    expect(s).to.not.include('--require');
    // a GPU with backend auto: one worker, not one per core (processes sharing a GPU compete for its memory)
    expect(slurmScript({ ...base, command: 'medtransfer', cpusPerTask: 8, gres: 'gpu:1' })).to.match(/--workers 1 --backend auto\n/);
  });

  it('omits resources not given and rejects malformed ones with the flag named', () => {
    const s = slurmScript({ ...base, shards: 1, command: 'npx medtransfer' });
    expect(s).to.include('#SBATCH --array=0-0');
    expect(s).to.not.match(/--partition|--time|--mem|--cpus-per-task|--gres|--gpus|--account|set \+u/);
    expect(s).to.include('exec npx medtransfer run /e.yaml --shard "${SLURM_ARRAY_TASK_ID}/1" --results /r --workers 1');
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ shards: 0 }, /--shards: expected a whole number ≥ 1, received "0"/],
      [{ time: '1 day' }, /^--time: "1 day" is not a SLURM time; use e\.g\. "2-00:00:00" or "90"/],
      [{ time: '2h' }, /--time: "2h" is not a SLURM time/],
      [{ mem: '8 GB' }, /--mem: "8 GB" is not a SLURM memory size/],
      [{ gres: 'gpu 1' }, /--gres: "gpu 1" is not a SLURM generic resource; use name\[:type\]\[:count\]/],
      [{ gpus: '0' }, /--gpus: "0" is not a SLURM GPU count/],
      [{ partition: 'gpu;rm' }, /--partition: "gpu;rm" is not a partition name/],
      [{ account: 'a b' }, /--account: "a b" is not an account name/],
      [{ cpusPerTask: 1.5 }, /--cpus-per-task: expected a whole number ≥ 1, received 1.5/],
      [{ setup: ['module load cuda\nrm -rf /'] }, /--setup: "module load cuda\\nrm -rf \/" spans several lines/],
      [{ setup: ['  '] }, /--setup: an empty setup line/],
      [{ backend: 'gpu' }, /--backend: unknown backend "gpu"; did you mean "cpu" or "node-gpu"\?/],
    ];
    for (const [opts, re] of bad) expect(() => slurmScript({ ...base, ...opts }), JSON.stringify(opts)).to.throw(re);
    for (const time of ['90', '90:00', '04:00:00', '2-12', '2-12:30', '2-00:00:00', 'UNLIMITED']) expect(() => slurmScript({ ...base, time })).to.not.throw();
    expect(shellQuote("it's")).to.equal(`'it'\\''s'`);
  });

  it('warns when node-gpu asks for no GPU, or a GPU is asked for under auto', () => {
    expect(slurmWarnings({ ...base, backend: 'node-gpu' })[0]).to.match(/backend node-gpu, but no GPU is requested/);
    expect(slurmWarnings({ ...base, backend: 'node-gpu', gres: 'gpu:1' })).to.deep.equal([]);
    expect(slurmWarnings({ ...base, backend: 'node-gpu', gpus: 'a100:1' })).to.deep.equal([]);
    expect(slurmWarnings({ ...base, gres: 'gpu:1' })[0]).to.match(/backend is auto/);
    expect(slurmWarnings({ ...base, gres: 'lscratch:10' })).to.deep.equal([]);
  });
});

describe('SLURM resources: the file\'s slurm: section under the flags', () => {
  it('validates the section with config paths', () => {
    expect(fileIssues('slurm: { partition: gpu, time: "2-00:00:00", mem: 32G, cpusPerTask: 8, gres: "gpu:1", gpus: 1, setup: "module load cuda" }')).to.deep.equal([]);
    expect(fileIssues('slurm: { time: 90, setup: [a, b] }')).to.deep.equal([]);
    expect(fileIssues('slurm: { time: "1 day" }')).to.deep.equal(['e.yaml: slurm.time: "1 day" is not a SLURM time; use e.g. "2-00:00:00" or "90" (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)']);
    const issues = fileIssues('slurm: { gre: "gpu:1", cpusPerTask: 0, mem: 8 GB, setup: [ok, "a\\nb"] }');
    expect(issues).to.have.length(4);
    const all = issues.join('\n');
    expect(all).to.match(/^e\.yaml: slurm\.gre: unknown key "gre"; did you mean "gres"\?/m);
    expect(all).to.match(/^e\.yaml: slurm\.cpusPerTask: expected a whole number ≥ 1, received 0$/m);
    expect(all).to.match(/^e\.yaml: slurm\.mem: "8 GB" is not a SLURM memory size/m);
    expect(all).to.match(/^e\.yaml: slurm\.setup\[1\]: "a\\nb" spans several lines/m);
  });

  it('takes each flag over the file\'s value, field by field; --setup replaces the file\'s lines', () => {
    const file = parseExperimentYaml(experiment('slurm: { partition: gpu, time: "1-00:00:00", mem: 16G, gres: "gpu:1", setup: [module load cuda/12.2] }'), 'e.yaml').slurm;
    expect(slurmResources(file)).to.deep.equal({ partition: 'gpu', time: '1-00:00:00', mem: '16G', gres: 'gpu:1', setup: ['module load cuda/12.2'] });
    expect(slurmResources(file, { time: '04:00:00', cpusPerTask: '4', setup: ['source venv/bin/activate'] })).to.deep.equal({
      partition: 'gpu',
      time: '04:00:00',
      mem: '16G',
      cpusPerTask: 4,
      gres: 'gpu:1',
      setup: ['source venv/bin/activate'],
    });
    expect(slurmResources(undefined, { partition: 'cpu', setup: [] })).to.deep.equal({ partition: 'cpu' });
    expect(() => slurmResources(file, { time: '1 day' })).to.throw(/^--time: "1 day" is not a SLURM time/);
    expect(() => slurmResources(file, { cpusPerTask: 'four' })).to.throw(/^--cpus-per-task: expected a whole number ≥ 1, received "four"/);
  });
});

describe('SLURM script under bash (a stand-in for medtransfer)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-slurm-script-'));
    // backend: exit with $STUB_BACKEND_EXIT after a message; run: record its arguments and environment
    writeFileSync(
      join(dir, 'stub'),
      '#!/bin/bash\nif [ "$1" = backend ]; then echo "stub: backend check $*" >&2; exit "${STUB_BACKEND_EXIT:-0}"; fi\n' +
        'printf "%s\\n" "$@" > "$STUB_OUT"; echo "FOO=$FOO" >> "$STUB_OUT"; echo "THREADS=$MEDTRANSFER_THREADS" >> "$STUB_OUT"\n',
    );
    chmodSync(join(dir, 'stub'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runScript = (script: string, env: Record<string, string> = {}) => {
    const file = join(dir, 'job.sh');
    writeFileSync(file, script);
    const out = join(dir, 'out.txt');
    rmSync(out, { force: true });
    const r = spawnSync('bash', [file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', SLURM_ARRAY_TASK_ID: '1', STUB_OUT: out, ...env } });
    let recorded = '';
    try {
      recorded = readFileSync(out, 'utf8');
    } catch {
      // run was never reached
    }
    return { ...r, recorded };
  };

  it('runs the setup lines verbatim in the task\'s shell, so what they set reaches medtransfer', () => {
    const setup = [`export FOO="it's \\$HOME-free"; X=1`, `[ -n "$UNSET_IN_SETUP" ] || echo "setup sees unset variables" >&2`];
    const s = slurmScript({ ...base, command: shellQuote(join(dir, 'stub')), cwd: dir, setup, backend: 'node-gpu', gres: 'gpu:1' });
    // each line appears as written, echoed first (quoted) into the log
    for (const line of setup) {
      expect(s).to.include(`\n${line}\n`);
      expect(s).to.include(`echo ${shellQuote(`+ ${line}`)} >&2\n`);
    }
    expect(spawnSync('bash', ['-n'], { input: s }).status).to.equal(0);
    const r = runScript(s);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`+ export FOO="it's \\$HOME-free"; X=1\n`);
    expect(r.stderr).to.include('setup sees unset variables');
    expect(r.stderr).to.include('stub: backend check backend --require node-gpu');
    expect(r.recorded.split('\n')).to.deep.equal(['run', '/e.yaml', '--shard', '1/2', '--results', '/r', '--workers', '1', '--backend', 'node-gpu', 'FOO=it\'s $HOME-free', 'THREADS=1', '']);
  });

  it('stops before training, exit 2 with a message, when the backend check fails', () => {
    const s = slurmScript({ ...base, command: shellQuote(join(dir, 'stub')), cwd: dir, backend: 'node-gpu', gres: 'gpu:1' });
    const r = runScript(s, { STUB_BACKEND_EXIT: '2' });
    expect(r.status).to.equal(2);
    expect(r.recorded, 'run never starts').to.equal('');
    expect(r.stderr).to.match(/medtransfer: backend node-gpu is not available on \S+; no trial was run \(the message above says why\)/);
  });

  it('stops at a failing setup line', () => {
    const s = slurmScript({ ...base, command: shellQuote(join(dir, 'stub')), cwd: dir, setup: ['false'] });
    const r = runScript(s);
    expect(r.status).to.not.equal(0);
    expect(r.recorded).to.equal('');
  });
});
