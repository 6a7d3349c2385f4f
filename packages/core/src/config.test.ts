import { expect } from 'chai';
import { z } from 'zod';
import { ConfigError } from './errors';
import { scheduleSchema } from './config-schema';
import { ConfigIssuesError, earlyStoppingMetrics, experimentJsonSchema, normalizeComponent, parseExperimentYaml } from './config';
import { metrics } from './metrics';

const valid = `
name: demo
seeds: [1, 2]
source:
  dataset: synthetic/fractal
  training: { steps: 10 }
target:
  dataset: { name: synthetic/lesions, params: { train: 100 } }
  training: { steps: 20, batchSize: 16, evalEvery: 5 }
sweep:
  backbone: [cbr-tiny, { name: cbr-small, params: { padding: same } }]
  init: [scratch, pretrained]
`;

function issuesOf(text: string): ConfigError[] {
  try {
    parseExperimentYaml(text, 'exp.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigIssuesError);
    return (err as ConfigIssuesError).issues;
  }
  throw new Error('expected the config to be rejected');
}

describe('experiment config', () => {
  it('parses a valid file and fills defaults', () => {
    const cfg = parseExperimentYaml(valid, 'exp.yaml');
    expect(cfg.backend).to.equal('auto');
    expect(cfg.target.imageSize).to.equal(28);
    expect(cfg.target.training.optimizer).to.deep.equal({ name: 'adam', lr: 1e-3, momentum: 0.9 });
    expect(cfg.source?.training.batchSize).to.equal(32);
    expect(cfg.report).to.deep.equal({ metric: 'auc', threshold: 0.8 });
    expect(normalizeComponent(cfg.sweep.backbone![0])).to.deep.equal({ name: 'cbr-tiny', params: {} });
    expect(normalizeComponent(cfg.sweep.backbone![1])).to.deep.equal({ name: 'cbr-small', params: { padding: 'same' } });
  });

  it('names an unknown key with its path and suggests the nearest valid key', () => {
    const issues = issuesOf(valid.replace('evalEvery: 5', 'evalEvry: 5'));
    expect(issues).to.have.length.greaterThan(0);
    const e = issues.find((i) => i.path === 'target.training.evalEvry');
    expect(e, issues.map((i) => i.message).join('\n')).to.not.equal(undefined);
    expect(e!.message).to.contain('did you mean "evalEvery"?');
    expect(e!.message).to.match(/^exp\.yaml: /);
  });

  it('reports a wrong type with the path and what was received', () => {
    const [e] = issuesOf(valid.replace('batchSize: 16', 'batchSize: "sixteen"'));
    expect(e.path).to.equal('target.training.batchSize');
    expect(e.message).to.contain('expected number, received string "sixteen"');
  });

  it('reports an invalid enum value with a suggestion', () => {
    const [e] = issuesOf(`backend: wasmm\n${valid}`);
    expect(e.path).to.equal('backend');
    expect(e.message).to.contain('did you mean "wasm"?');
  });

  it('takes init entries in the general form (a name, or a mapping of one name to its params) and keeps them as written', () => {
    // Names and params are the zoo's init registry's to check, when the experiment is planned
    // (runner/src/registry-config.test.ts holds those messages).
    const cfg = parseExperimentYaml(valid.replace('init: [scratch, pretrained]', 'init: [scratch, { transfusion: 2 }, { frozen: 1 }, mean-var, { mean-var: { batchNorm: false } }, gabor-conv1]'), 'exp.yaml');
    expect(cfg.sweep.init).to.deep.equal(['scratch', { transfusion: 2 }, { frozen: 1 }, 'mean-var', { 'mean-var': { batchNorm: false } }, 'gabor-conv1']);
    const [e] = issuesOf(valid.replace('init: [scratch, pretrained]', 'init: [scratch, 3]'));
    expect(e.path).to.equal('sweep.init[1]');
    expect(e.message).to.contain('received number 3');
  });

  it('reports a missing required field', () => {
    const issues = issuesOf(valid.replace('name: demo\n', ''));
    expect(issues.map((i) => i.message).join('\n')).to.contain('name: expected string, missing (required)');
  });

  it('requires exactly one of steps and epochs', () => {
    const issues = issuesOf(valid.replace('steps: 20,', 'steps: 20, epochs: 2,'));
    expect(issues[0].path).to.equal('target.training');
    expect(issues[0].message).to.contain('exactly one of "steps" or "epochs"');
  });

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseExperimentYaml('name: [unclosed\n', 'bad.yaml')).to.throw(ConfigError, /bad\.yaml: line \d+/);
  });

  it('generates a JSON Schema for editors', () => {
    const schema = experimentJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).to.include.members(['name', 'target', 'sweep', 'seeds']);
  });

  it('lists the forms a registry gives in place of the general init, optimiser and schedule schemas', () => {
    type Schema = { $defs: Record<string, unknown>; properties: { sweep: { properties: { init: { items: unknown } } } } };
    const general = experimentJsonSchema() as Schema;
    expect(general.properties.sweep.properties.init.items).to.deep.equal({ $ref: '#/$defs/InitConfig' });
    const forms = experimentJsonSchema({
      init: [z.literal('scratch'), z.strictObject({ transfusion: z.number() })],
      optimizer: [z.strictObject({ name: z.literal('sgd'), schedule: scheduleSchema.optional() })],
      schedule: [z.literal('constant')],
    }) as Schema;
    expect(forms.$defs.InitConfig).to.deep.equal({
      anyOf: [
        { type: 'string', const: 'scratch' },
        { type: 'object', properties: { transfusion: { type: 'number' } }, required: ['transfusion'], additionalProperties: false },
      ],
    });
    // a form's general field refers to the $defs, which hold the registry's forms
    expect(JSON.stringify(forms.$defs.OptimizerConfig)).to.contain('{"$ref":"#/$defs/ScheduleConfig"}');
    expect(forms.$defs.ScheduleConfig).to.deep.equal({ type: 'string', const: 'constant' });
  });
});

describe('experiment config: optimiser, schedules, early stopping, report', () => {
  const withTarget = (training: string, report = '') => `
name: demo
target:
  dataset: synthetic/lesions
  training: ${training}
sweep:
  backbone: [cbr-tiny]
${report}`;

  it('accepts every new field and keeps the old optimiser default unchanged', () => {
    const cfg = parseExperimentYaml(
      withTarget(
        `{ steps: 100, evalEvery: epoch, testFrom: best-val, earlyStopping: { metric: kappa, patience: 5 },
    optimizer: { name: adamw, lr: 0.001, weightDecay: 0.05, clipNorm: 1, clipValue: 5, warmupSteps: 10,
      schedule: { name: multistep, milestones: [0.5, 0.75] }, groupLr: { block1: 0.1 } } }`,
        'report: { metric: auc, threshold: 0.9, relative: { fraction: 0.95 } }',
      ),
    );
    const t = cfg.target.training;
    expect(t.evalEvery).to.equal('epoch');
    expect(t.earlyStopping).to.deep.equal({ metric: 'kappa', patience: 5, minDelta: 0 });
    // as written: the engine's schedule registry fills in the defaults when the experiment is planned
    expect(t.optimizer.schedule).to.deep.equal({ name: 'multistep', milestones: [0.5, 0.75] });
    expect(t.optimizer).to.include({ name: 'adamw', weightDecay: 0.05 });
    expect(cfg.report.relative).to.deep.equal({ fraction: 0.95, of: 'final' });
    const plain = parseExperimentYaml(withTarget('{ steps: 10 }'));
    // absent new fields stay absent, so trial keys of existing experiments do not change
    expect(plain.target.training.optimizer).to.deep.equal({ name: 'adam', lr: 1e-3, momentum: 0.9 });
    expect(plain.target.training).to.not.have.any.keys('earlyStopping', 'testFrom');
    expect(parseExperimentYaml(withTarget('{ steps: 10, optimizer: { name: sgd, schedule: cosine, nesterov: true } }')).target.training.optimizer.schedule).to.equal('cosine');
  });

  it('takes any registered metric for report.metric and earlyStopping.metric (loss too), with "did you mean" at the path', () => {
    for (const name of metrics.names()) {
      const cfg = parseExperimentYaml(withTarget(`{ steps: 10, earlyStopping: { metric: ${name} } }`, `report: { metric: ${name}, threshold: 0.5 }`));
      expect([cfg.report.metric, cfg.target.training.earlyStopping?.metric]).to.deep.equal([name, name]);
    }
    expect(parseExperimentYaml(withTarget('{ steps: 10, earlyStopping: { metric: loss } }')).target.training.earlyStopping?.metric).to.equal('loss');
    const [e] = issuesOf(withTarget('{ steps: 10 }', 'report: { metric: aucc }'));
    expect(e.path).to.equal('report.metric');
    expect(e.message).to.contain('report.metric: unknown metric "aucc"; did you mean "acc" or "auc"? Valid metric names: ');
    expect(issuesOf(withTarget('{ steps: 10 }', 'report: { metric: loss }'))[0].message).to.match(/report\.metric: unknown metric "loss"/);
    // the JSON Schema lists the registered names
    const schema = JSON.stringify(experimentJsonSchema());
    expect(schema).to.contain(JSON.stringify({ default: 'auc', type: 'string', enum: metrics.names() }).slice(1, -1));
    expect(earlyStoppingMetrics).to.deep.equal([...metrics.names(), 'loss']);
  });

  it('rejects bad values with the field path', () => {
    const msgs = (text: string) => issuesOf(text).map((e) => e.message).join('\n');
    expect(msgs(withTarget('{ steps: 10, optimizer: { lr: -1, schedule: 3 } }'))).to.match(/target\.training\.optimizer\.lr: .*\n.*target\.training\.optimizer\.schedule/);
    expect(msgs(withTarget('{ steps: 10, evalEvery: epochs }'))).to.match(/target\.training\.evalEvery/);
    expect(msgs(withTarget('{ steps: 10, earlyStopping: { metric: kapa } }'))).to.match(/target\.training\.earlyStopping\.metric: unknown metric "kapa"; did you mean "kappa"\?/);
  });
});
