// Init strategies, optimisers and schedules named in an experiment file are checked against the
// zoo's and the engine's registries when it is planned: path-carrying errors with "did you mean",
// defaults filled in exactly as the experiment schema filled them before the registries existed
// (so trial keys do not change), and a JSON Schema for editors listing every registered form.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stableHash } from '@medtransfer/core';
import { optimizers, schedules } from '@medtransfer/engine';
import { inits, parseInit, strategyId } from '@medtransfer/zoo';
import { editorJsonSchema, keyedStage } from './plan';
import { configIssues, planText } from './test-fixtures';
import { loadPlan, runExperimentFile } from './experiment';

const base = `
name: registry-test
source:
  dataset: synthetic/fractal
  training: { steps: 5 }
target:
  dataset: synthetic/lesions
  training: { steps: 5 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, pretrained]
`;

const plan = (text: string) => planText(text, 'r.yaml');
const withInits = (inits: string) => base.replace('init: [scratch, pretrained]', `init: ${inits}`);
const withOptimizer = (optimizer: string) => base.replace('target:\n  dataset: synthetic/lesions\n  training: { steps: 5 }', `target:\n  dataset: synthetic/lesions\n  training: { steps: 5, optimizer: ${optimizer} }`);

const issues = (text: string) => configIssues(() => plan(text));

describe('init entries checked against the zoo registry', () => {
  it('names a misspelt strategy, a bad parameter and an unknown mapping key with their paths', () => {
    expect(issues(withInits('[scratch, pretrianed]'))).to.contain('r.yaml: sweep.init[1]: unknown init strategy "pretrianed"; did you mean "pretrained"?');
    expect(issues(withInits('[{ transfusion: two }]'))).to.contain('sweep.init[0].transfusion: expected number, received string "two"');
    expect(issues(withInits('[{ transfuse: 2 }]'))).to.contain('sweep.init[0].transfuse: unknown init strategy "transfuse"; did you mean "transfusion"?');
    expect(issues(base.replace('init: [scratch, pretrained]', 'tied:\n    - { backbone: cbr-tiny, init: { frozn: 1 } }'))).to.contain('sweep.tied[0].init.frozn: unknown init strategy "frozn"; did you mean "frozen"?');
  });

  it('gives every form of the files written before the registry the same strategy object (what trial keys hash)', () => {
    const p = plan(withInits('[scratch, pretrained, mean-var, gabor-conv1, { transfusion: 2 }, { frozen: 1 }, { mean-var: { batchNorm: false } }, { slim: { keep: 2 } }, { slim: { keep: 1, top: depthwise, blocks: 3, filters: 64 } }]'));
    expect(p.trials.filter((t) => t.seed === 1).map((t) => t.strategy)).to.deep.equal([
      { kind: 'scratch' },
      { kind: 'pretrained' },
      { kind: 'mean-var', batchNorm: true },
      { kind: 'gabor-conv1' },
      { kind: 'transfusion', k: 2 },
      { kind: 'frozen', k: 1 },
      { kind: 'mean-var', batchNorm: false },
      { kind: 'slim', keep: 2, top: 'cbr', blocks: 2, filters: 256 },
      { kind: 'slim', keep: 1, top: 'depthwise', blocks: 3, filters: 64 },
    ]);
  });

  it('plans the strategy added with one file and one registry line: pretrained-bn-only', () => {
    const p = plan(withInits('[pretrained-bn-only]'));
    expect(p.trials.map((t) => [t.init, t.dir])).to.deep.equal([['pretrained-bn-only', 'cbr-tiny_pretrained-bn-only_seed1']]);
    expect(p.sourceBackbones.map((b) => b.name), 'it needs the source stage').to.deep.equal(['cbr-tiny']);
  });
});

describe('optimisers and schedules checked against the engine registries', () => {
  const planned = (optimizer: string) => plan(withOptimizer(optimizer)).trials[0].target.training.optimizer;

  it('fills in defaults exactly as the experiment schema did before the registries, so trial keys stay', () => {
    // expected: what `optimizerSchema` (strict, one branch per schedule) gave for these forms
    const cases: Array<[string, unknown]> = [
      ['{ name: adam }', { name: 'adam', lr: 1e-3, momentum: 0.9 }],
      ['{ lr: 0.01 }', { name: 'adam', lr: 0.01, momentum: 0.9 }],
      ['{ name: sgd, lr: 0.1, nesterov: true, weightDecay: 0.001 }', { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001 }],
      ['{ name: sgd, momentum: 0, schedule: multistep }', { name: 'sgd', lr: 1e-3, momentum: 0, schedule: 'multistep' }],
      ['{ name: adam, schedule: { name: multistep, milestones: [0.5, 0.75] } }', { name: 'adam', lr: 1e-3, momentum: 0.9, schedule: { name: 'multistep', milestones: [0.5, 0.75], gamma: 0.1 } }],
      ['{ schedule: { name: step, every: 7 } }', { name: 'adam', lr: 1e-3, momentum: 0.9, schedule: { name: 'step', every: 7, gamma: 0.1 } }],
      ['{ schedule: { name: cosine }, warmupSteps: 3 }', { name: 'adam', lr: 1e-3, momentum: 0.9, schedule: { name: 'cosine', minFactor: 0 }, warmupSteps: 3 }],
      ['{ schedule: { name: constant } }', { name: 'adam', lr: 1e-3, momentum: 0.9, schedule: { name: 'constant' } }],
      [
        '{ name: adamw, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, clipNorm: 1, clipValue: 5, groupLr: { block1: 0.1 } }',
        { name: 'adamw', lr: 1e-3, momentum: 0.9, beta1: 0.8, beta2: 0.99, epsilon: 1e-8, clipNorm: 1, clipValue: 5, groupLr: { block1: 0.1 } },
      ],
    ];
    for (const [form, expected] of cases) expect(planned(form), form).to.deep.equal(expected);
  });

  it('fills in the defaults of the optimiser and schedule added with one file each: rmsprop, linear', () => {
    expect(planned('{ name: rmsprop, lr: 0.01, schedule: { name: linear } }')).to.deep.equal({
      name: 'rmsprop',
      lr: 0.01,
      momentum: 0.9,
      alpha: 0.99,
      epsilon: 1e-8,
      centered: false,
      weightDecay: 0,
      schedule: { name: 'linear', minFactor: 0 },
    });
    expect(planned('{ name: rmsprop, schedule: linear }').schedule).to.equal('linear');
  });

  it('names a misspelt optimiser, schedule or field with its path and "did you mean"', () => {
    expect(issues(withOptimizer('{ name: adamx }'))).to.match(/target\.training\.optimizer\.name: unknown optimizer "adamx"; did you mean "adam" or "adamw"\?/);
    expect(issues(withOptimizer('{ name: sgd, nestrov: true }'))).to.contain('target.training.optimizer.nestrov: unknown key "nestrov"; did you mean "nesterov"?');
    expect(issues(withOptimizer('{ name: adam, alpha: 0.9 }'))).to.contain('target.training.optimizer.alpha: unknown key "alpha"');
    expect(issues(withOptimizer('{ schedule: cosin }'))).to.contain('target.training.optimizer.schedule: unknown schedule "cosin"; did you mean "cosine"?');
    expect(issues(withOptimizer('{ schedule: { name: multistep, milestones: [50, 75] } }'))).to.match(/target\.training\.optimizer\.schedule\.milestones\[0\]: milestones are fractions of the run/);
    expect(issues(withOptimizer('{ schedule: { name: multistep, milestones: [0.75, 0.5] } }'))).to.contain('target.training.optimizer.schedule.milestones: milestones must increase, received [0.75, 0.5]');
    expect(issues(withOptimizer('{ schedule: step }'))).to.contain('target.training.optimizer.schedule: the "step" schedule needs every: write it as a mapping, e.g. {name: step, every: 3, gamma: 0.5}');
    // checks between fields run when the file is planned, not when training starts
    expect(issues(withOptimizer('{ name: sgd, momentum: 0, nesterov: true }'))).to.contain('target.training.optimizer.nesterov: Nesterov momentum needs momentum > 0');
    expect(issues(base.replace('training: { steps: 5 }\ntarget', 'training: { steps: 5, optimizer: { name: sgdd } }\ntarget'))).to.contain('source.training.optimizer.name: unknown optimizer "sgdd"');
  });
});

describe('JSON Schema for editors', () => {
  type Defs = Record<'InitConfig' | 'OptimizerConfig' | 'ScheduleConfig', { anyOf: Array<{ const?: string; properties?: Record<string, { const?: string }> }> }>;
  const defs = (editorJsonSchema() as { $defs: Defs }).$defs;

  it('lists every registered init strategy, optimiser and schedule form', () => {
    const initNames = defs.InitConfig.anyOf.map((f) => f.const ?? Object.keys(f.properties ?? {})[0]);
    expect(new Set(initNames)).to.deep.equal(new Set(inits.names()));
    expect(defs.OptimizerConfig.anyOf.map((f) => f.properties?.name.const)).to.deep.equal(optimizers.names());
    const scheduleNames = defs.ScheduleConfig.anyOf.map((f) => f.const ?? f.properties?.name.const);
    expect(new Set(scheduleNames)).to.deep.equal(new Set(schedules.names()));
  });
});

describe('the committed reference results keep their keys', () => {
  const root = resolve(__dirname, '../../..');
  const file = join(root, 'experiments/transfusion/reference-breastmnist.yaml');
  const store = join(root, 'results/reference/transfusion-breastmnist');

  it('plans the same target and init key parts as stored (the schedule mapping gets its gamma, as before)', function () {
    if (!existsSync(store)) this.skip();
    const p = loadPlan(file);
    for (const t of p.trials) {
      const stored = JSON.parse(readFileSync(join(store, t.dir, 'summary.json'), 'utf8')) as { keyParts: Record<string, string> };
      expect(stableHash(keyedStage(t.target)), `${t.dir}: target`).to.equal(stored.keyParts.target);
      expect(stableHash(t.strategy), `${t.dir}: init`).to.equal(stored.keyParts.init);
    }
    expect(p.trials).to.have.length(12);
  });
});

describe('every registered init strategy through the runner', function () {
  this.timeout(300_000);

  it('plans, builds, initialises and trains every example of every strategy (tiny run, with RMSprop and a linear schedule)', async () => {
    const examples = inits.names().flatMap((n) => inits.get(n).examples);
    const dir = mkdtempSync(join(tmpdir(), 'medtransfer-inits-'));
    try {
      const file = join(dir, 'inits.yaml');
      writeFileSync(
        file,
        `name: every-init
source:
  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2 }
target:
  dataset: { name: synthetic/lesions, params: { train: 16, val: 8, test: 8, size: 16 } }
  imageSize: 16
  training: { steps: 2, batchSize: 8, evalEvery: 2, optimizer: { name: rmsprop, lr: 0.001, schedule: linear, warmupSteps: 1 } }
sweep:
  backbone: [cbr-tiny]
  init: ${JSON.stringify(examples)}
report: { metric: auc, threshold: 0.5 }
`,
      );
      const out = await runExperimentFile(file, { resultsDir: join(dir, 'results'), workers: 1 });
      const ids = examples.map((e) => {
        const p = parseInit(e, 'sweep.init');
        if (!p.ok) throw p.issues[0];
        return strategyId(p.value);
      });
      expect(out.results.map((r) => r.summary.init)).to.deep.equal(ids);
      for (const r of out.results) expect(r.summary.test.loss, r.summary.trial).to.satisfy(Number.isFinite);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
