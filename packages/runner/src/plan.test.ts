import { expect } from 'chai';
import { hostname } from 'node:os';
import { trialKey } from './plan';
import { configIssues, planText } from './test-fixtures';
import { createContext } from './context';
import { listTasks } from './tasks';

const base = `
name: plan-test
seeds: [1, 2]
source:
  dataset: synthetic/fractal
  training: { steps: 5 }
target:
  dataset: synthetic/lesions
  training: { steps: 5 }
sweep:
  backbone: [cbr-tiny, { name: cbr-small, params: { padding: same } }]
  init: [scratch, pretrained]
`;

const plan = (text: string) => planText(text, 'p.yaml');

const issues = (text: string) => configIssues(() => plan(text));

describe('planExperiment', () => {
  it('expands backbone × init × seed into trials with stable names and folders', () => {
    const p = plan(base);
    expect(p.trials).to.have.length(8);
    expect(p.trials[0].name).to.equal('target[backbone=cbr-tiny,init=scratch,seed=1]');
    expect(p.trials[0].dir).to.equal('cbr-tiny_scratch_seed1');
    const small = p.trials.find((t) => t.backbone.name === 'cbr-small')!;
    expect(small.name).to.match(/^target\[backbone=cbr-small-[0-9a-f]{6},init=scratch,seed=1\]$/);
    expect(new Set(p.trials.map((t) => t.dir)).size).to.equal(8);
    expect(p.sourceBackbones.map((b) => b.name)).to.deep.equal(['cbr-tiny', 'cbr-small']);
  });

  it('needs no source stage when every trial starts from scratch', () => {
    const p = plan(base.replace('init: [scratch, pretrained]', 'init: [scratch]'));
    expect(p.sourceBackbones).to.deep.equal([]);
  });

  it('names unknown backbones and datasets with their config paths', () => {
    const msg = issues(base.replace('backbone: [cbr-tiny,', 'backbone: [cbr-tiyn,').replace('dataset: synthetic/lesions', 'dataset: synthetic/lesion'));
    expect(msg).to.contain('sweep.backbone[0]: unknown backbone "cbr-tiyn"; did you mean "cbr-tiny"?');
    expect(msg).to.contain('target.dataset: unknown dataset "synthetic/lesion"; did you mean "synthetic/lesions"?');
  });

  it('names a misspelt backbone param by its path, once', () => {
    const msg = issues(base.replace('backbone: [cbr-tiny,', 'backbone: [{ name: resnet18, params: { stme: small } },'));
    expect(msg).to.contain('sweep.backbone[0].params.stme: unknown key "stme"; did you mean "stem"?');
    expect(msg).to.not.contain('params.params');
  });

  it('refuses pretrained trials without a source stage', () => {
    const msg = issues(base.replace(/source:\n {2}dataset: synthetic\/fractal\n {2}training: \{ steps: 5 \}\n/, ''));
    expect(msg).to.contain('sweep.init[1]: init "pretrained" needs a "source" stage');
  });

  it('refuses a source and target with different channels for pretrained trials', () => {
    const msg = issues(base.replace('  dataset: synthetic/lesions\n', '  dataset: synthetic/lesions\n  channels: 1\n'));
    expect(msg).to.contain('target.channels');
  });

  it('refuses a backbone listed twice', () => {
    expect(issues(base.replace('backbone: [cbr-tiny,', 'backbone: [cbr-tiny, cbr-tiny,'))).to.contain('listed twice');
  });
});

describe('trialKey', () => {
  const p = plan(base);
  const [t] = p.trials;
  it('changes with anything that decides the outcome, and only then', () => {
    const k = trialKey(t, 'data-a', 'src-1');
    const variant = (from: string, to: string) => {
      expect(base, from).to.contain(from);
      return plan(base.replace(from, to)).trials[0];
    };
    // what decides the outcome changes the key …
    expect(trialKey(t, 'data-b', 'src-1'), 'data').to.not.equal(k);
    expect(trialKey({ ...t, seed: 9 }, 'data-a', 'src-1'), 'seed').to.not.equal(k);
    expect(trialKey(variant('training: { steps: 5 }\nsweep', 'training: { steps: 6 }\nsweep'), 'data-a', 'src-1'), 'steps').to.not.equal(k);
    expect(trialKey(variant('  dataset: synthetic/lesions\n', '  dataset: synthetic/lesions\n  imageSize: 32\n'), 'data-a', 'src-1'), 'imageSize').to.not.equal(k);
    expect(trialKey(variant('  dataset: synthetic/lesions\n', '  dataset: { name: synthetic/lesions, params: { difficulty: 0.3 } }\n'), 'data-a', 'src-1'), 'dataset params').to.not.equal(k);
    expect(trialKey(variant('backbone: [cbr-tiny,', 'backbone: [{ name: cbr-tiny, params: { tinyChannels: printed } },'), 'data-a', 'src-1'), 'backbone params').to.not.equal(k);
    // … and nothing else does: where the data lies, how often training is checkpointed
    const medmnist = (path: string) => variant('  dataset: synthetic/lesions\n', `  dataset: { name: medmnist/breastmnist, params: { path: ${path} } }\n`);
    const [here, there] = [medmnist('../shared/data/medmnist/breastmnist.npz'), medmnist('/mnt/cluster/datasets/copy-of-breastmnist.npz')];
    expect(trialKey(here, 'data-a', 'src-1'), 'the data file moved (same content)').to.equal(trialKey(there, 'data-a', 'src-1'));
    expect(trialKey(here, 'data-a', 'src-1')).to.not.equal(trialKey(here, 'data-b', 'src-1'));
    expect(trialKey(variant('training: { steps: 5 }\nsweep', 'training: { steps: 5, checkpointEvery: 7 }\nsweep'), 'data-a', 'src-1'), 'checkpointEvery').to.equal(k);
  });

  it('is the same for a store at another path, under another folder name, on another machine', async () => {
    const small = base.replace('dataset: synthetic/fractal', 'dataset: { name: synthetic/fractal, params: { classes: 2, perClass: 2, valPerClass: 1, testPerClass: 1, size: 8 } }');
    const p2 = plan(small.replace('dataset: synthetic/lesions', 'dataset: { name: synthetic/lesions, params: { train: 4, val: 2, test: 2, size: 8 } }'));
    const tasksIn = async (experimentDir: string) => listTasks(await createContext(p2, experimentDir, 'cpu', { batches: false }));
    const [a, b] = [await tasksIn('/home/alice/results/plan-test'), await tasksIn('/scratch/job-17/renamed-results/plan-test')];
    expect(a.map((x) => x.key)).to.deep.equal(b.map((x) => x.key));
    expect(a.filter((x) => x.kind === 'trial' && x.trial.init === 'pretrained')).to.have.length(4);
    for (const task of a) {
      // the parts are hashes and plain values of the experiment: no path, host name or thread count
      const parts = JSON.stringify(task.keyParts);
      for (const machineSpecific of ['/home/alice', 'results', hostname()]) expect(parts, task.label).to.not.contain(machineSpecific);
      const expected = task.kind === 'trial' ? ['store', 'release', 'target', 'backbone', 'init', 'seed', 'data', 'source'] : ['store', 'release', 'stage', 'backbone', 'seed', 'data'];
      expect(Object.keys(task.keyParts), task.label).to.deep.equal(expected);
    }
  });

  it('refuses a report metric the target task does not define, naming report.metric', async () => {
    const small = base.replace('dataset: synthetic/lesions', 'dataset: { name: synthetic/lesions, params: { train: 4, val: 2, test: 2, size: 8 } }');
    const kappa = plan(`${small}report: { metric: kappa, threshold: 0.5 }\n`);
    let message = '';
    await createContext(kappa, '/tmp/unused', 'cpu', { batches: false }).catch((err: Error) => (message = err.message));
    expect(message).to.contain('report.metric: kappa is defined for ordinal tasks only, and this task is binary');
  });

  it('ignores the source checkpoint for scratch trials and uses it for pretrained ones', () => {
    const scratch = p.trials.find((x) => x.init === 'scratch')!;
    const pre = p.trials.find((x) => x.init === 'pretrained')!;
    expect(trialKey(scratch, 'd', 'src-1')).to.equal(trialKey(scratch, 'd', 'src-2'));
    expect(trialKey(pre, 'd', 'src-1')).to.not.equal(trialKey(pre, 'd', 'src-2'));
  });
});

describe('planExperiment init strategies', () => {
  it('names trials by strategy id and pretrains only for strategies that need it', () => {
    const p = plan(base.replace('init: [scratch, pretrained]', 'init: [scratch, { transfusion: 2 }, { mean-var: { batchNorm: false } }, gabor-conv1, { frozen: 1 }]').replace('seeds: [1, 2]', 'seeds: [1]'));
    expect(p.trials.filter((t) => t.backbone.name === 'cbr-tiny').map((t) => t.init)).to.deep.equal([
      'scratch',
      'transfusion-2',
      'mean-var-nobn',
      'gabor-conv1',
      'frozen-1',
    ]);
    expect(p.trials[1].strategy).to.deep.equal({ kind: 'transfusion', k: 2 });
    expect(p.trials[1].initPath).to.equal('sweep.init[1]');
    expect(p.sourceBackbones).to.have.length(2);
    const noSource = plan(base.replace('init: [scratch, pretrained]', 'init: [scratch, gabor-conv1]'));
    expect(noSource.sourceBackbones).to.deep.equal([]);
  });

  it('refuses an input size the backbone cannot take, before anything runs', () => {
    const msg = issues(base.replace('backbone: [cbr-tiny, { name: cbr-small, params: { padding: same } }]', 'backbone: [inception-v3]'));
    expect(msg).to.contain('target.imageSize: inception-v3 needs inputs of at least 75×75 px, but target.imageSize is 28');
  });

  it('reads the slim init with its defaults and names its trials', () => {
    const p = plan(base.replace('init: [scratch, pretrained]', 'init: [{ slim: { keep: 2 } }, { slim: { keep: 1, top: depthwise, blocks: 3, filters: 64 } }]').replace('seeds: [1, 2]', 'seeds: [1]'));
    expect(p.trials[0].strategy).to.deep.equal({ kind: 'slim', keep: 2, top: 'cbr', blocks: 2, filters: 256 });
    expect(p.trials.slice(0, 2).map((t) => t.init)).to.deep.equal(['slim-2-cbr', 'slim-1-depthwise-b3-f64']);
    expect(p.sourceBackbones).to.have.length(2);
    const misspelt = issues(base.replace('init: [scratch, pretrained]', 'init: [{ slim: { kep: 1, top: dw } }]'));
    expect(misspelt).to.contain('sweep.init[0].slim.kep: unknown key "kep"; did you mean "keep"');
    expect(misspelt).to.contain('sweep.init[0].slim.top: unknown value "dw". Valid value names: cbr, depthwise');
  });

  it('refuses the same strategy twice', () => {
    expect(issues(base.replace('init: [scratch, pretrained]', 'init: [mean-var, { mean-var: { batchNorm: true } }]'))).to.contain('listed twice: mean-var');
  });
});
