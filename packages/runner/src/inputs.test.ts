// checkPlanInputs: the data files and folders of the stages that run, each problem at its field;
// loadPlan checks them on request (validate, plan, run), not for store-only commands (report, status).
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigIssuesError, parseExperimentYaml } from '@medtransfer/core';
import { loadPlan } from './experiment';
import { checkPlanInputs } from './inputs';
import { planExperiment } from './plan';

const experiment = (source: string, target: string, init = '[scratch]') => `
name: inputs
seeds: [1]
source:
  dataset: ${source}
  imageSize: 8
  training: { steps: 1, batchSize: 4, evalEvery: 1 }
target:
  dataset: ${target}
  imageSize: 8
  training: { steps: 1, batchSize: 4, evalEvery: 1 }
sweep:
  backbone: [cbr-tiny]
  init: ${init}
`;
const plan = (text: string) => planExperiment(parseExperimentYaml(text, 'study.yaml'), 'study.yaml');

describe('checkPlanInputs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'medtransfer-plan-inputs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the field of each missing input; the source stage counts only when something pretrains on it', () => {
    const source = `{ name: folder, params: { path: ${join(dir, 'fractals')} } }`;
    const target = `{ name: csv, params: { file: ${join(dir, 'train.csv')}, root: ${join(dir, 'imgs')}, labelColumns: [Edema] } }`;
    expect(checkPlanInputs(plan(experiment(source, target))).map((e) => e.path)).to.deep.equal(['target.dataset.params.file', 'target.dataset.params.root']);
    const issues = checkPlanInputs(plan(experiment(source, target, '[scratch, pretrained]')));
    expect(issues.map((e) => e.path)).to.deep.equal(['source.dataset.params.path', 'target.dataset.params.file', 'target.dataset.params.root']);
    expect(issues[0].message).to.equal(
      `study.yaml: source.dataset.params.path: folder not found: ${join(dir, 'fractals')}. Point path at a folder holding one sub-folder per class (or train/, val/, test/ with class sub-folders) of images (PNG, JPEG, DICOM).`,
    );
    mkdirSync(join(dir, 'fractals'));
    mkdirSync(join(dir, 'imgs'));
    writeFileSync(join(dir, 'train.csv'), 'Path,Edema\n');
    expect(checkPlanInputs(plan(experiment(source, target, '[scratch, pretrained]')))).to.deep.equal([]);
  });

  it('reports a bad dataset param too, and nothing for generated data', () => {
    const synthetic = '{ name: synthetic/lesions, params: { train: 8, val: 4, test: 4, size: 8 } }';
    expect(checkPlanInputs(plan(experiment(synthetic, synthetic, '[scratch, pretrained]')))).to.deep.equal([]);
    const [bad] = checkPlanInputs(plan(experiment(synthetic, '{ name: cifar10, params: { pth: data/cifar } }')));
    expect(bad.message).to.match(/^study\.yaml: target\.dataset\.params\.path: missing \(required by cifar10\).*unknown parameter "pth" for cifar10; did you mean "path"\?/);
  });

  it('loadPlan checks inputs when asked (validate, plan, run), not otherwise (report, status, export)', () => {
    const file = join(dir, 'study.yaml');
    writeFileSync(file, experiment('synthetic/fractal', `{ name: medmnist/breastmnist, params: { path: ${join(dir, 'breastmnist.npz')} } }`));
    expect(loadPlan(file).trials).to.have.length(1);
    let err: unknown;
    try {
      loadPlan(file, { checkInputs: true });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigIssuesError);
    expect((err as ConfigIssuesError).issues.map((i) => i.message)).to.have.length(1);
    expect((err as Error).message).to.contain(`${file}: target.dataset.params.path: file not found: ${join(dir, 'breastmnist.npz')}. BreastMNIST files come from`);
  });
});
