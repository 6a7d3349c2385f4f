import { expect } from 'chai';
import { ConfigIssuesError, parseExperimentYaml } from '@medtransfer/core';
import { planExperiment, trialKey } from './plan';

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

const plan = (text: string) => planExperiment(parseExperimentYaml(text, 'p.yaml'), 'p.yaml');

function issues(text: string): string {
  try {
    plan(text);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigIssuesError);
    return (err as Error).message;
  }
  throw new Error('expected the plan to be rejected');
}

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
    expect(trialKey(t, 'data-a', 'src-1')).to.equal(k);
    expect(trialKey(t, 'data-b', 'src-1')).to.not.equal(k);
    expect(trialKey({ ...t, seed: 9 }, 'data-a', 'src-1')).to.not.equal(k);
    const changed = plan(base.replace('target:\n  dataset: synthetic/lesions\n  training: { steps: 5 }', 'target:\n  dataset: synthetic/lesions\n  training: { steps: 6 }'));
    expect(trialKey(changed.trials[0], 'data-a', 'src-1')).to.not.equal(k);
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
