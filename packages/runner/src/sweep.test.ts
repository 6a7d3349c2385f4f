import { expect } from 'chai';
import { stableHash } from '@medtransfer/core';
import { PROJECT_VERSION, Plan, sourceKey, trialKey } from './plan';
import { configIssues, planText } from './test-fixtures';
import { legacyTrialKey } from './upgrade';

const base = `
name: sweep-test
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

const plan = (text: string) => planText(text, 's.yaml');
const withSweep = (sweep: string, head = base.slice(0, base.indexOf('sweep:'))) => plan(`${head}sweep:\n${sweep}`);
/** Keys of a plan's trials by name, with fixed data and source fingerprints. */
const keys = (p: Plan) => new Map(p.trials.map((t) => [t.name, trialKey(t, 'data', 'src')]));

const issues = configIssues;

describe('sweep axes', () => {
  it('keeps the names and folders of files written before sweep axes existed, and their version 1 keys for upgrade', () => {
    const p = plan(base);
    expect(p.trials.map((t) => t.name).slice(0, 3)).to.deep.equal([
      'target[backbone=cbr-tiny,init=scratch,seed=1]',
      'target[backbone=cbr-tiny,init=scratch,seed=2]',
      'target[backbone=cbr-tiny,init=pretrained,seed=1]',
    ]);
    expect(p.trials[0].dir).to.equal('cbr-tiny_scratch_seed1');
    // The key formula of store version 1 (the walking skeleton's), which `medtransfer upgrade` recomputes.
    const t = p.trials[0];
    const before = stableHash({ version: PROJECT_VERSION, target: p.config.target, backbone: t.backbone, init: t.strategy, seed: 1, datasetFingerprint: 'd' });
    expect(legacyTrialKey(t, 'd', 'src')).to.equal(before);
    expect(trialKey(t, 'd', 'src'), 'store version 2 keys differ').to.not.equal(before);
  });

  it('crosses imageSize and dataFraction grids with backbone × init × seed, naming only the swept axes', () => {
    const p = withSweep('  backbone: [cbr-tiny]\n  init: [scratch]\n  imageSize: [16, 32]\n  dataFraction: [0.25, 1]\n  seed: [3]\n', base.slice(0, base.indexOf('seeds:')) + base.slice(base.indexOf('source:'), base.indexOf('sweep:')));
    expect(p.trials.map((t) => t.name)).to.deep.equal([
      'target[backbone=cbr-tiny,dataFraction=0.25,imageSize=16,init=scratch,seed=3]',
      'target[backbone=cbr-tiny,dataFraction=1,imageSize=16,init=scratch,seed=3]',
      'target[backbone=cbr-tiny,dataFraction=0.25,imageSize=32,init=scratch,seed=3]',
      'target[backbone=cbr-tiny,dataFraction=1,imageSize=32,init=scratch,seed=3]',
    ]);
    expect(p.trials[0].dir).to.equal('cbr-tiny_16px_scratch_frac0.25_seed3');
    expect(p.trials[0].target.imageSize).to.equal(16);
    expect(p.trials[0].target.subset).to.deep.equal({ fraction: 0.25 });
    expect(p.trials[0].dataFraction).to.equal(0.25);
    // A fraction of 1 is the whole split: no subset, the same key as the trial without the axis.
    expect(p.trials[1].target.subset).to.equal(undefined);
    expect(p.trials[1].dataFraction).to.equal(1);
    expect(new Set(p.trials.map((t) => trialKey(t, 'd', undefined))).size).to.equal(4);
  });

  it('varies tied axes together and counts the rows as one axis', () => {
    const p = withSweep('  tied:\n    - { backbone: cbr-tiny, imageSize: 16 }\n    - { backbone: cbr-small, imageSize: 32 }\n  init: [scratch, pretrained]\n');
    expect(p.trials).to.have.length(2 * 2 * 2);
    expect(p.trials.map((t) => `${t.backbone.name}@${t.imageSize}`)).to.deep.equal([...Array(4).fill('cbr-tiny@16'), ...Array(4).fill('cbr-small@32')]);
    expect(p.trials[0].name).to.equal('target[backbone=cbr-tiny,imageSize=16,init=scratch,seed=1]');
    expect(p.trials[0].backbonePath).to.equal('sweep.tied[0].backbone');
    expect(p.sourceBackbones.map((b) => b.name)).to.deep.equal(['cbr-tiny', 'cbr-small']);
  });

  it('ties inits to backbones and reuses one source checkpoint per backbone', () => {
    const p = withSweep('  tied:\n    - { backbone: cbr-tiny, init: pretrained }\n    - { backbone: cbr-tiny, init: { transfusion: 1 } }\n    - { backbone: cbr-small, init: scratch }\n  seed: [1]\n', base.replace('seeds: [1, 2]\n', '').slice(0, base.indexOf('sweep:') - 14));
    expect(p.trials.map((t) => t.name)).to.deep.equal([
      'target[backbone=cbr-tiny,init=pretrained,seed=1]',
      'target[backbone=cbr-tiny,init=transfusion-1,seed=1]',
      'target[backbone=cbr-small,init=scratch,seed=1]',
    ]);
    expect(p.sourceBackbones.map((b) => b.name)).to.deep.equal(['cbr-tiny']);
  });

  it('takes seeds as an explicit repeat axis', () => {
    const head = base.replace('seeds: [1, 2]\n', '').slice(0, base.indexOf('sweep:') - 14);
    expect(withSweep('  backbone: [cbr-tiny]\n  seed: { repeat: 3, start: 5 }\n', head).trials.map((t) => t.seed)).to.deep.equal([5, 6, 7]);
    expect(withSweep('  backbone: [cbr-tiny]\n  seed: [4, 2]\n', head).trials.map((t) => t.seed)).to.deep.equal([4, 2]);
    expect(withSweep('  backbone: [cbr-tiny]\n', head).trials.map((t) => t.seed)).to.deep.equal([1]);
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  seed: [1]\n'))).to.contain('seeds: seeds are given twice');
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  seed: [1, 1]\n', head))).to.contain('sweep.seed: listed twice: 1');
  });

  it('skips combinations with a reason, and refuses a skip that matches nothing', () => {
    const p = withSweep('  backbone: [cbr-tiny, cbr-small]\n  init: [scratch, pretrained]\n  imageSize: [16, 32]\n  skip:\n    - { backbone: cbr-small, imageSize: 16, reason: too coarse }\n    - { init: pretrained, seed: 2, reason: budget }\n');
    expect(p.trials).to.have.length(2 * 2 * 2 * 2 - 4 - 3);
    expect(p.trials.some((t) => t.backbone.name === 'cbr-small' && t.imageSize === 16)).to.equal(false);
    expect(p.skipped).to.deep.include({ name: 'target[backbone=cbr-small,imageSize=16,init=scratch,seed=1]', reason: 'too coarse', path: 'sweep.skip[0]' });
    expect(p.skipped.filter((s) => s.reason === 'budget')).to.have.length(3);
    const msg = issues(() => withSweep('  backbone: [cbr-tiny]\n  skip:\n    - { backbone: cbr-tyni, reason: typo }\n    - { reason: nothing named }\n'));
    expect(msg).to.contain('sweep.skip[0]: matches no trial of the sweep (backbone: cbr-tyni)');
    expect(msg).to.contain('sweep.skip[1]: names no axis');
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  skip: [{ backbone: cbr-tiny }]\n'))).to.contain('sweep.skip[0].reason: expected string, missing (required)');
  });

  it('refuses a size the backbone cannot take before training, unless that combination is skipped', () => {
    const sweep = '  backbone: [cbr-tiny, inception-v3]\n  init: [scratch]\n  imageSize: [28, 80]\n';
    const msg = issues(() => withSweep(sweep));
    expect(msg).to.contain('sweep.imageSize[0]: inception-v3 needs inputs of at least 75×75 px, but sweep.imageSize[0] is 28');
    expect(msg).to.contain('sweep.skip: [{backbone: inception-v3, imageSize: 28, reason: "needs ≥ 75 px"}]');
    const p = withSweep(`${sweep}  skip: [{ backbone: inception-v3, imageSize: 28, reason: "needs ≥ 75 px" }]\n`);
    expect(p.trials.map((t) => `${t.backbone.name}@${t.imageSize}`)).to.deep.equal(['cbr-tiny@28', 'cbr-tiny@28', 'cbr-tiny@80', 'cbr-tiny@80', 'inception-v3@80', 'inception-v3@80']);
    expect(p.skipped.map((s) => s.reason)).to.deep.equal(['needs ≥ 75 px', 'needs ≥ 75 px']);
    // The same rule with target.imageSize and no imageSize axis (Inception-v3 at 28 px).
    const q = withSweep('  backbone: [cbr-tiny, inception-v3]\n  skip: [{ backbone: inception-v3, imageSize: 28, reason: "needs ≥ 75 px" }]\n');
    expect(q.trials.every((t) => t.backbone.name === 'cbr-tiny')).to.equal(true);
    expect(issues(() => withSweep('  tied:\n    - { backbone: inception-v3, imageSize: 32 }\n'))).to.contain('sweep.tied[0].imageSize: inception-v3 needs inputs of at least 75×75 px');
  });

  it('checks the source stage size only for backbones that still have pretrained trials', () => {
    const sweep = '  backbone: [cbr-tiny, inception-v3]\n  init: [scratch, pretrained]\n  imageSize: [80]\n';
    expect(issues(() => withSweep(sweep))).to.contain('source.imageSize: inception-v3 needs inputs of at least 75×75 px, but source.imageSize is 28');
    const p = withSweep(`${sweep}  skip: [{ backbone: inception-v3, init: pretrained, reason: "its source stage would be 28 px" }]\n`);
    expect(p.sourceBackbones.map((b) => b.name)).to.deep.equal(['cbr-tiny']);
    expect(p.trials.filter((t) => t.backbone.name === 'inception-v3').map((t) => t.init)).to.deep.equal(['scratch', 'scratch']);
  });

  it('refuses ambiguous axes with the field to fix', () => {
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  tied: [{ backbone: cbr-small, imageSize: 32 }]\n'))).to.contain('sweep.backbone: "backbone" is also an axis of sweep.tied');
    expect(issues(() => withSweep('  tied: [{ backbone: cbr-small, imageSize: 32 }, { backbone: cbr-tiny }]\n'))).to.contain('sweep.tied[1]: names backbone but the tied rows together name backbone, imageSize');
    expect(issues(() => withSweep('  init: [scratch]\n'))).to.contain('sweep.backbone: missing (required)');
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  dataFraction: [0.5]\n', base.slice(0, base.indexOf('sweep:')).replace('training: { steps: 5 }\n', 'training: { steps: 5 }\n').replace('  dataset: synthetic/lesions\n', '  dataset: synthetic/lesions\n  subset: { fraction: 0.2 }\n')))).to.contain(
      'sweep.dataFraction: target.subset is set too',
    );
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  imageSize: [16, 16]\n'))).to.contain('sweep.imageSize: listed twice: 16');
    expect(issues(() => withSweep('  backbone: [cbr-tiny]\n  dataFraction: [0]\n'))).to.contain('sweep.dataFraction[0]');
  });
});

describe('trial keys across edits of the file', () => {
  it('does not change when training.checkpointEvery is set (it cannot change a result)', () => {
    const p = plan(base);
    const q = plan(base.replace('target:\n  dataset: synthetic/lesions\n  training: { steps: 5 }', 'target:\n  dataset: synthetic/lesions\n  training: { steps: 5, checkpointEvery: 1 }'));
    expect([...keys(q)]).to.deep.equal([...keys(p)]);
    const stage = q.config.source!;
    expect(sourceKey({ ...stage, training: { ...stage.training, checkpointEvery: 3 } }, q.trials[0].backbone, 'f')).to.equal(sourceKey(stage, q.trials[0].backbone, 'f'));
  });

  it('reruns exactly the trials a change affects', () => {
    const p = withSweep('  tied:\n    - { backbone: cbr-tiny, imageSize: 16 }\n    - { backbone: cbr-small, imageSize: 32 }\n');
    const q = withSweep('  tied:\n    - { backbone: cbr-tiny, imageSize: 16 }\n    - { backbone: cbr-small, imageSize: 24 }\n');
    const [a, b] = [keys(p), keys(q)];
    const same = [...b].filter(([name, k]) => a.get(name) === k).map(([name]) => name);
    expect(same).to.deep.equal(p.trials.filter((t) => t.backbone.name === 'cbr-tiny').map((t) => t.name));
    // A training parameter of the target changes every trial's key.
    const r = plan(base.replace('target:\n  dataset: synthetic/lesions\n  training: { steps: 5 }', 'target:\n  dataset: synthetic/lesions\n  training: { steps: 5, batchSize: 16 }'));
    const [k0, k1] = [keys(plan(base)), keys(r)];
    expect([...k1].filter(([n, k]) => k0.get(n) === k)).to.deep.equal([]);
  });

  it('extending a sweep keeps every existing key and adds only the new trials', () => {
    const p = plan(base);
    for (const extended of [base.replace('seeds: [1, 2]', 'seeds: [1, 2, 3]'), base.replace('backbone: [cbr-tiny,', 'backbone: [cbr-tiny, resnet18,')]) {
      const q = plan(extended);
      const [a, b] = [keys(p), keys(q)];
      for (const [name, k] of a) expect(b.get(name), name).to.equal(k);
      expect(b.size - a.size).to.equal(q.trials.length - p.trials.length);
      expect(q.trials.length).to.be.greaterThan(p.trials.length);
    }
  });
});
