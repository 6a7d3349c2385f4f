// `weights: imagenet` and `{kind: keras-applications}` in an experiment: planning names the
// `medtransfer weights get` command for missing files; a cached file is checked on first use,
// then read and keyed exactly like the same file named with kind keras-h5.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigIssuesError, setLogSink } from '@medtransfer/core';
import { selectBackend } from '@medtransfer/engine';
import { createContext } from './context';
import { executeTask } from './execute';
import { loadPlan } from './experiment';
import { checkPlanInputs } from './inputs';
import { finishedResult } from './store';
import { listTasks } from './tasks';
import { configIssues, planText, writeMobilenetH5 } from './test-fixtures';

const experiment = (backbones: string, init = '[pretrained]') => `
name: imagenet-test
backend: cpu
seeds: [1]
target:
  dataset: { name: synthetic/lesions, params: { train: 8, val: 4, test: 4, size: 16 } }
  imageSize: 16
  channels: 1
  training: { steps: 1, batchSize: 4, evalEvery: 1 }
sweep:
  backbone: ${backbones}
  init: ${init}
`;
// The small stem (conv1 stride 1) takes 16-px images; its weights have the shapes of the ImageNet stem's.
const mobilenet = (weights: string) => `[{ name: mobilenet-v1, params: { alpha: 0.25, stem: small, weights: ${weights} } }]`;
const FILE = 'mobilenet_2_5_224_tf_no_top.h5';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('ImageNet weights named in an experiment (weights: imagenet)', function () {
  this.timeout(120_000);
  let dir: string;
  let cache: string;
  let saved: string | undefined;
  before(async () => {
    await selectBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'medtransfer-imagenet-'));
    saved = process.env.MEDTRANSFER_WEIGHTS_DIR;
  });
  beforeEach(() => {
    cache = mkdtempSync(join(dir, 'cache-'));
    process.env.MEDTRANSFER_WEIGHTS_DIR = cache;
  });
  after(() => {
    if (saved === undefined) delete process.env.MEDTRANSFER_WEIGHTS_DIR;
    else process.env.MEDTRANSFER_WEIGHTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the missing files and the exact command that fetches them (validate, plan, run)', () => {
    const backbones = `[{ name: resnet50, params: { weights: imagenet } }, { name: mobilenet-v1, params: { alpha: 0.25, stem: small, weights: imagenet } }, { name: cbr-tiny }]`;
    const file = join(dir, 'study.yaml');
    writeFileSync(file, experiment(backbones, '[scratch, pretrained]').replace('target:', 'source:\n  dataset: synthetic/fractal\n  imageSize: 16\n  channels: 1\n  training: { steps: 1 }\ntarget:'));
    const issues = checkPlanInputs(loadPlan(file));
    expect(issues.map((e) => e.path)).to.deep.equal(['sweep.backbone[0].params.weights', 'sweep.backbone[1].params.weights']);
    expect(issues[1].message).to.equal(
      `${file}: sweep.backbone[1].params.weights: mobilenet-0.25-224-notop is not in the weights cache (${join(cache, FILE)} does not exist). ` +
        'Fetch it with `medtransfer weights get resnet50-notop mobilenet-0.25-224-notop`, copy a file you already have to that path, or name it with {kind: keras-h5, path: …}',
    );
    expect(() => loadPlan(file, { checkInputs: true })).to.throw(ConfigIssuesError, 'medtransfer weights get resnet50-notop mobilenet-0.25-224-notop');
    // Store-only commands (report, status) and scratch-only sweeps do not need the files.
    expect(() => loadPlan(file)).not.to.throw();
    expect(checkPlanInputs(planText(experiment(mobilenet('imagenet'), '[scratch]'), 'w.yaml'))).to.deep.equal([]);
    const own = checkPlanInputs(planText(experiment(mobilenet(`{ kind: keras-applications, name: mobilenet-0.25-128-notop, dir: ${join(dir, 'mine')} }`)), 'w.yaml'));
    expect(own[0].message).to.contain(`\`medtransfer weights get mobilenet-0.25-128-notop --dir ${join(dir, 'mine')}\``);
  });

  it('refuses imagenet for a backbone without a Keras ImageNet file, listing those that have one', () => {
    const msg = configIssues(() => planText(experiment('[{ name: resnet18, params: { weights: imagenet } }]'), 'w.yaml'));
    expect(msg).to.contain('sweep.backbone[0].params.weights: resnet18 has no Keras ImageNet weights; "imagenet" is available for resnet50, inception-v3 and mobilenet-v1');
    // One problem, one error: not also an unknown param "weights", nor a missing source stage.
    expect(msg.split('\n  - ')).to.have.length(2);
  });

  it('checks a cached file on first use, trains from it, and keys the trial as the same file named with kind keras-h5', async () => {
    const file = join(cache, FILE);
    await writeMobilenetH5(file, 0.25, 7);
    const p = planText(experiment(mobilenet('imagenet')), 'w.yaml');
    expect(p.trials[0].weights).to.deep.equal({ kind: 'keras-h5', path: file, kerasApplications: { name: 'mobilenet-0.25-224-notop', dir: cache } });
    expect(checkPlanInputs(p)).to.deep.equal([]);
    const lines: string[] = [];
    const restore = setLogSink((_l, line) => lines.push(line));
    let key: string;
    try {
      const ctx = await createContext(p, join(dir, 'results'), 'cpu');
      expect(existsSync(`${file}.verified.json`)).to.equal(true);
      const [task] = listTasks(ctx);
      key = task.key;
      await executeTask(ctx, task, 1, () => undefined);
      expect(finishedResult(task.dir, task.key)).to.not.equal(undefined);
    } finally {
      restore();
    }
    expect(lines.join('\n')).to.match(/pretrained weights from Keras \.h5 .*mobilenet_2_5_224_tf_no_top\.h5 \(135 tensors, sha256:/);
    expect(lines.join('\n')).to.contain('conv1 summed to 1 channel');
    const explicit = planText(experiment(mobilenet(`{ kind: keras-applications, name: mobilenet-0.25-224-notop }`)), 'w.yaml');
    const direct = planText(experiment(mobilenet(`{ kind: keras-h5, path: ${file} }`)), 'w.yaml');
    for (const other of [explicit, direct]) expect(listTasks(await createContext(other, join(dir, 'results'), 'cpu'))[0].key).to.equal(key);
  });

  it('refuses a cached file whose layers do not fit before training: quarantined, error at the field', async () => {
    await writeMobilenetH5(join(cache, FILE), 0.5, 7);
    const p = planText(experiment(mobilenet('imagenet')), 'w.yaml');
    const err = await rejection(createContext(p, join(dir, 'results'), 'cpu'));
    expect(err).to.be.instanceOf(ConfigIssuesError);
    expect(err.message).to.contain('sweep.backbone[0].params.weights: cannot use these weights: ').and.contain('layer "conv1": conv1/kernel is [3,3,3,16] in the file but [3,3,3,8]');
    expect(err.message).to.contain('`medtransfer weights get mobilenet-0.25-224-notop`');
    expect(readdirSync(cache)).to.deep.equal(['quarantine']);
  });
});
