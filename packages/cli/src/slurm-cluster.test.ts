// Opt-in (MEDTRANSFER_SLOW_TESTS=1, as root, with Debian's slurm-wlm installed): starts a
// one-machine SLURM cluster (slurmctld + slurmd, auth/none, a minimal slurm.conf in a temp folder),
// submits the script of `medtransfer slurm` as a 2-task job array and checks the shared store.
// The node declares one stand-in GPU (gres.conf: File=/dev/null), so SLURM schedules a --gres gpu:1
// task there while CUDA is absent: the task must stop at its backend check instead of training.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const root = resolve(__dirname, '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const experiment = `
name: cluster
seeds: [1, 2]
source:
  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 3 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, pretrained]
`;

const host = hostname().split('.')[0];

function slurmConf(dir: string, port: number): string {
  return `ClusterName=medtransfer-test
SlurmctldHost=${host}
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${port}
SlurmdPort=${port + 1}
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
GresTypes=gpu
NodeName=${host} CPUs=${Math.max(1, Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || 1)} RealMemory=${Math.floor(totalmem() / 2 ** 20 / 2)} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`;
}

describe('SLURM job array on a one-machine cluster (MEDTRANSFER_SLOW_TESTS=1)', function () {
  this.timeout(600_000);
  let dir: string;
  const daemons: ChildProcess[] = [];
  let env: NodeJS.ProcessEnv;

  before(async function () {
    const why =
      process.env.MEDTRANSFER_SLOW_TESTS !== '1'
        ? 'set MEDTRANSFER_SLOW_TESTS=1 to run it'
        : spawnSync('which', ['slurmctld', 'slurmd', 'sbatch']).status !== 0
          ? 'slurm-wlm is not installed (apt-get install -y slurm-wlm)'
          : process.getuid?.() !== 0
            ? 'slurmd needs root'
            : undefined;
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-slurm-'));
    mkdirSync(join(dir, 'state'));
    mkdirSync(join(dir, 'spool'));
    writeFileSync(join(dir, 'slurm.conf'), slurmConf(dir, 20000 + (process.pid % 20000)));
    // a GPU SLURM can hand out, with no CUDA behind it (slurmd drops a GPU without File=)
    writeFileSync(join(dir, 'gres.conf'), `NodeName=${host} Name=gpu File=/dev/null\n`);
    env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
    for (const d of ['slurmctld', 'slurmd']) daemons.push(spawn(d, ['-D', '-f', join(dir, 'slurm.conf')], { env, stdio: 'ignore' }));
    for (let i = 0; i < 60; i++) {
      if (/idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout ?? '')) return;
      await sleep(1000);
    }
    throw new Error(`the test cluster did not come up; see ${dir}/slurmctld.log and slurmd.log`);
  });

  after(() => {
    for (const d of daemons) d.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd: root, env, encoding: 'utf8' });
  const sbatch = (args: string[]) => spawnSync('sbatch', args, { cwd: dir, env, encoding: 'utf8' });
  const status = (file: string, results: string) =>
    JSON.parse(cli(['status', file, '--results', results, '--json']).stdout) as { totals: Record<string, number>; stages: Array<{ dir: string; state: string }> };

  /** Submits a script, waits until the job has left the queue; its tasks' states and exit codes (scontrol keeps them for MinJobAge, 300 s). */
  async function submitAndWait(script: string): Promise<string[]> {
    const sub = sbatch(['--parsable', script]);
    expect(sub.status, sub.stderr).to.equal(0);
    const job = sub.stdout.trim().split(';')[0];
    for (let i = 0; i < 480; i++) {
      await sleep(1000);
      if (spawnSync('squeue', ['-h', '-j', job], { env, encoding: 'utf8' }).stdout.trim() === '') break;
    }
    const shown = spawnSync('scontrol', ['show', 'job', job], { env, encoding: 'utf8' }).stdout;
    return [...shown.matchAll(/JobState=(\S+)[\s\S]*?ExitCode=(\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
  }

  it('runs a 2-shard array with partition, time, memory, CPUs and a setup line: every stage once, all done', async () => {
    const file = join(dir, 'cluster.yaml');
    const results = join(dir, 'results');
    writeFileSync(file, experiment);
    const gen = cli([
      'slurm', file, '--shards', '2', '--results', results,
      '--partition', 'debug', '--time', '00:10:00', '--mem', '512M', '--cpus-per-task', '1',
      '--setup', 'export MEDTRANSFER_SETUP_CHECK="it\'s set"; echo "setup: $MEDTRANSFER_SETUP_CHECK"',
      '--out', join(dir, 'job.sh'),
    ]);
    expect(gen.status, gen.stderr).to.equal(0);
    const script = readFileSync(join(dir, 'job.sh'), 'utf8');
    for (const line of ['--partition=debug', '--time=00:10:00', '--mem=512M', '--cpus-per-task=1']) expect(script).to.include(`#SBATCH ${line}\n`);
    expect(await submitAndWait(join(dir, 'job.sh'))).to.deep.equal(['COMPLETED 0:0', 'COMPLETED 0:0']);
    const logs = readdirSync(join(results, 'slurm-logs'));
    expect(logs, 'one log per array task').to.have.length(2);
    for (const log of logs) {
      const text = readFileSync(join(results, 'slurm-logs', log), 'utf8');
      expect(text, log).to.include(`setup: it's set\n`);
      expect(text, log).to.match(new RegExp(`^backend \\S+ on ${host}: `, 'm'));
    }
    const s = status(file, results);
    expect(s.totals, JSON.stringify(s.stages)).to.deep.include({ trials: 4, done: 4, failed: 0, pending: 0 });
    for (const stage of s.stages) {
      const attempts = spawnSync('wc', ['-l', join(stage.dir, 'attempts.jsonl')], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
      expect(attempts, `${stage.dir} ran once`).to.equal('1');
    }
  });

  it('a node-gpu task on a node without CUDA fails loudly at its backend check and trains nothing', async () => {
    const file = join(dir, 'cluster.yaml');
    const results = join(dir, 'results-gpu');
    writeFileSync(file, experiment);
    const script = join(dir, 'gpu.sh');
    const gen = cli(['slurm', file, '--shards', '1', '--results', results, '--backend', 'node-gpu', '--gres', 'gpu:1', '--time', '00:10:00', '--out', script]);
    expect(gen.status, gen.stderr).to.equal(0);
    expect(readFileSync(script, 'utf8')).to.include('#SBATCH --gres=gpu:1\n');
    // sbatch --test-only: the one (stand-in) GPU can be had; two cannot
    const ok = sbatch(['--test-only', script]);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stderr).to.match(/Job \d+ to start at \S+ using 1 processors on nodes/);
    const two = sbatch(['--test-only', '--gres=gpu:2', script]);
    expect(two.status).to.not.equal(0);
    expect(two.stderr).to.include('Requested node configuration is not available');

    expect(await submitAndWait(script)).to.deep.equal(['FAILED 2:0']);
    const logs = readdirSync(join(results, 'slurm-logs'));
    expect(logs).to.have.length(1);
    const log = readFileSync(join(results, 'slurm-logs', logs[0]), 'utf8');
    expect(log).to.include('CUDA / the GPU backend was not found');
    for (const check of ['`nvidia-smi`', 'module load cuda', '@tensorflow/tfjs-node-gpu']) expect(log).to.include(check);
    expect(log).to.include(`medtransfer: backend node-gpu is not available on ${host}; no trial was run`);
    expect(status(file, results).totals).to.deep.include({ trials: 4, done: 0, running: 0, failed: 0 });
  });
});
