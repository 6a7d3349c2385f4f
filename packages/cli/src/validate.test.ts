// `medtransfer validate` and `plan` refuse an experiment whose data file is missing, naming the
// field and the path, before anything loads; the same file pointing at existing data passes.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const BREAST_FILE = resolve(root, '../shared/data/medmnist/breastmnist.npz');

const experiment = (path: string) => `
name: inputs-check
seeds: [1]
source:
  dataset: { name: synthetic/fractal, params: { classes: 2, perClass: 4, valPerClass: 2, testPerClass: 2, size: 28 } }
  imageSize: 28
  training: { steps: 1, batchSize: 4, evalEvery: 1 }
target:
  dataset: { name: medmnist/breastmnist, params: { path: ${JSON.stringify(path)} } }
  imageSize: 28
  training: { steps: 1, batchSize: 4, evalEvery: 1 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, pretrained]
`;

const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'packages/cli/bin/medtransfer'), ...args], { cwd: root, encoding: 'utf8' });

describe('validate and plan check the data files', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-inputs-'));
    file = join(dir, 'study.yaml');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const command of ['validate', 'plan']) {
    it(`${command} fails on a missing target.dataset.params.path, naming the field, the path and how to get the file`, () => {
      const missing = join(dir, 'data', 'breastmnist.npz');
      const given = relative(root, missing);
      writeFileSync(file, experiment(given));
      const out = cli(command, file, ...(command === 'plan' ? ['--results', join(dir, 'results')] : []));
      expect(out.status, out.stderr).to.equal(2);
      expect(out.stdout).to.equal('');
      expect(out.stderr).to.contain(`${file}: invalid experiment file`);
      expect(out.stderr).to.contain(`${file}: target.dataset.params.path: file not found: ${missing} (from "${given}", relative to ${root}). BreastMNIST files come from`);
      expect(out.stderr).to.contain('`medtransfer data get breastmnist`');
      expect(existsSync(join(dir, 'results'))).to.equal(false);
    });
  }

  it('validate passes once the file exists (it checks existence; run and plan read it)', () => {
    const placeholder = join(dir, 'breastmnist.npz');
    writeFileSync(placeholder, 'not read by validate');
    writeFileSync(file, experiment(placeholder));
    const out = cli('validate', file);
    expect(out.status, out.stderr).to.equal(0);
    expect(out.stdout).to.contain(`${file}: valid; 1 source stage(s), 2 trial(s)`);
  });

  it('validate and plan pass with the real BreastMNIST file', function () {
    if (!existsSync(BREAST_FILE)) {
      console.log(`      (skipped: ${BREAST_FILE} is absent; it lives in ../shared/data/medmnist beside the repository)`);
      this.skip();
    }
    writeFileSync(file, experiment(relative(root, BREAST_FILE)));
    const valid = cli('validate', file);
    expect(valid.status, valid.stderr).to.equal(0);
    const plan = cli('plan', file, '--results', join(dir, 'results'));
    expect(plan.status, plan.stderr).to.equal(0);
    expect(plan.stdout).to.contain('pending');
  });
});
