// Conformance suite generated from the init registry: every example config of every registered
// init strategy parses to a strategy that survives a JSON round trip, has a stable, unique,
// name-safe id, and on a small CBR net gives finite outputs, uses the pretrained weights when it
// says it needs them, and leaks no tensor. A new strategy gets these tests without editing this file.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type InitConfig } from '@medtransfer/core';
import { type Checkpoint, readCheckpoint, saveCheckpoint } from '../checkpoint';
import { createModel } from '../model';
import { differingWeights, images, snapshot, tempDir, useCpuBackend } from '../test-helpers';
import { type InitStrategy, applyInit, createInitModel, inits, needsPretrained, parseInit, strategyId } from './index';

const SIZE = 16;
const REF = { name: 'cbr-tiny', params: {} };
const opts = (seed: number, numClasses = 3) => ({ inputShape: [SIZE, SIZE, 3] as [number, number, number], numClasses, seed });

function strategyOf(raw: InitConfig): InitStrategy {
  const parsed = parseInit(raw, 'sweep.init[0]');
  if (!parsed.ok) throw new Error(parsed.issues.map((e) => e.message).join('\n'));
  return parsed.value;
}

describe('init strategy conformance (every registered strategy, cbr-tiny at 16 px)', function () {
  this.timeout(60_000);
  let ckpt: Checkpoint;
  let cleanup: () => void;

  before(async () => {
    await useCpuBackend();
    const t = tempDir('init-conformance');
    cleanup = t.cleanup;
    // "Pretrained": a differently seeded 4-class model whose batch-norm statistics moved.
    const source = createModel(REF, opts(99, 4));
    tf.tidy(() => {
      source.model.apply(images(4, SIZE, 3), { training: true });
    });
    saveCheckpoint(source, t.dir);
    source.dispose();
    ckpt = readCheckpoint(t.dir);
  });
  after(() => cleanup());

  it('has the Transfusion strategies registered, each with examples', () => {
    expect(inits.names()).to.include.members(['scratch', 'pretrained', 'transfusion', 'mean-var', 'frozen', 'gabor-conv1', 'slim']);
    for (const name of inits.names()) expect(inits.get(name).examples.length, name).to.be.greaterThan(0);
  });

  it('gives every example of every strategy its own id', () => {
    const ids = inits.names().flatMap((n) => inits.get(n).examples.map((e) => strategyId(strategyOf(e))));
    expect(new Set(ids).size, ids.join(', ')).to.equal(ids.length);
  });

  for (const name of inits.names()) {
    for (const example of inits.get(name).examples) {
      describe(`${name}: ${JSON.stringify(example)}`, () => {
        it('parses to a strategy that survives a JSON round trip, with a stable, name-safe id', () => {
          const s = strategyOf(example);
          expect(s.kind).to.equal(name);
          // trial keys hash the strategy and config.json stores it: JSON must keep it whole
          expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
          expect(strategyOf(JSON.parse(JSON.stringify(example)) as InitConfig), 'the same config, the same strategy').to.deep.equal(s);
          const id = strategyId(s);
          expect(id).to.match(/^[a-z0-9][a-z0-9._-]*$/);
          expect(id.startsWith(name), id).to.equal(true);
          expect(strategyId(JSON.parse(JSON.stringify(s)) as InitStrategy)).to.equal(id);
        });

        it('builds and initialises a model with finite outputs, uses the pretrained weights it needs, leaks nothing', () => {
          const s = strategyOf(example);
          const start = tf.memory().numTensors;
          const m = createInitModel(REF, opts(7), s, 'sweep.init[0]');
          const fresh = snapshot(m);
          const built = tf.memory().numTensors;
          if (needsPretrained(s)) expect(() => applyInit(m, s, undefined, 7, 'sweep.init[0]')).to.throw(ConfigError, /needs pretrained weights/);
          const out = applyInit(m, s, needsPretrained(s) ? ckpt : undefined, 7, 'sweep.init[0]');
          expect(out.description).to.be.a('string').and.not.equal('');
          expect(tf.memory().numTensors, 'applying allocates no lasting tensor').to.equal(built);
          for (const l of out.frozenLayers) expect(m.model.getLayer(l).trainable, l).to.equal(false);
          const changed = differingWeights(fresh, snapshot(m));
          if (needsPretrained(s)) expect(changed.length, 'it changed the fresh weights').to.be.greaterThan(0);
          for (const [k, v] of snapshot(m)) expect(v.every(Number.isFinite), k).to.equal(true);
          const x = images(2, SIZE, 3, 3);
          for (const training of [false, true]) {
            const y = tf.tidy(() => {
              const logits = m.model.apply(x, { training }) as tf.Tensor;
              return { shape: logits.shape, finite: tf.all(tf.isFinite(logits)).dataSync()[0] };
            });
            expect(y.shape).to.deep.equal([2, 3]);
            expect(y.finite, `finite logits (training: ${training})`).to.equal(1);
          }
          x.dispose();
          m.dispose();
          expect(tf.memory().numTensors, 'no leaked tensors').to.equal(start);
        });
      });
    }
  }
});

describe('init config forms (checked against the registry)', () => {
  const issues = (raw: InitConfig) => {
    const r = parseInit(raw, 'sweep.init[1]');
    expect(r.ok, JSON.stringify(raw)).to.equal(false);
    return (r as { issues: ConfigError[] }).issues.map((e) => e.message).join('\n');
  };

  it('names an unknown strategy with "did you mean" at its path', () => {
    expect(issues('pretrianed')).to.contain('sweep.init[1]: unknown init strategy "pretrianed"; did you mean "pretrained"?');
    expect(issues({ transfuse: 2 })).to.contain('sweep.init[1].transfuse: unknown init strategy "transfuse"; did you mean "transfusion"?');
  });

  it('says what form a strategy takes', () => {
    expect(issues('transfusion')).to.contain('sweep.init[1]: init "transfusion" needs its parameters: write it as a mapping, e.g. {transfusion: 1}');
    expect(issues({ scratch: {} })).to.contain('sweep.init[1].scratch: init "scratch" takes no parameters; write the bare name scratch');
    expect(issues({ transfusion: 1, frozen: 1 })).to.contain('a mapping names one init strategy, received 2 (transfusion, frozen)');
    expect(issues({ transfusion: 'two' } as InitConfig)).to.contain('sweep.init[1].transfusion: expected number, received string "two"');
    const slim = issues({ slim: { kep: 1, top: 'dw' } });
    expect(slim).to.contain('sweep.init[1].slim.kep: unknown key "kep"; did you mean "keep"');
    expect(slim).to.contain('sweep.init[1].slim.top: unknown value "dw". Valid value names: cbr, depthwise');
  });

  it('fills in the defaults of a bare name that has parameters', () => {
    const r = parseInit('mean-var', 'sweep.init[0]');
    expect(r).to.deep.equal({ ok: true, value: { kind: 'mean-var', batchNorm: true } });
  });
});
