// Opt-in (MEDTRANSFER_SLOW_TESTS=1, as root, with Debian's slurm-wlm installed): starts a
// one-machine SLURM cluster (slurmctld + slurmd, auth/none, a minimal slurm.conf in a temp folder),
// submits the script of `medtransfer slurm` as a 2-task job array and checks the shared store.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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

function slurmConf(dir: string, port: number): string {
  const host = hostname().split('.')[0];
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
NodeName=${host} CPUs=${Math.max(1, Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || 1)} State=UNKNOWN
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

  it('runs a 2-shard array against one results folder: every stage once, all done', async () => {
    const file = join(dir, 'cluster.yaml');
    const results = join(dir, 'results');
    writeFileSync(file, experiment);
    const cli = (args: string[]) => spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd: root, env, encoding: 'utf8' });
    const gen = cli(['slurm', file, '--shards', '2', '--results', results, '--cpus', '1', '--time', '00:10:00', '--out', join(dir, 'job.sh')]);
    expect(gen.status, gen.stderr).to.equal(0);
    const sub = spawnSync('sbatch', ['--parsable', join(dir, 'job.sh')], { cwd: dir, env, encoding: 'utf8' });
    expect(sub.status, sub.stderr).to.equal(0);
    const job = sub.stdout.trim().split(';')[0];
    for (let i = 0; i < 480; i++) {
      await sleep(1000);
      if (spawnSync('squeue', ['-h', '-j', job], { env, encoding: 'utf8' }).stdout.trim() === '') break;
    }
    const logs = readdirSync(join(results, 'slurm-logs'));
    expect(logs, 'one log per array task').to.have.length(2);
    const status = JSON.parse(cli(['status', file, '--results', results, '--json']).stdout) as {
      totals: Record<string, number>;
      stages: Array<{ dir: string; state: string }>;
    };
    expect(status.totals, JSON.stringify(status.stages)).to.deep.include({ trials: 4, done: 4, failed: 0, pending: 0 });
    for (const s of status.stages) {
      const attempts = spawnSync('wc', ['-l', join(s.dir, 'attempts.jsonl')], { encoding: 'utf8' }).stdout.trim().split(' ')[0];
      expect(attempts, `${s.dir} ran once`).to.equal('1');
    }
  });
});
