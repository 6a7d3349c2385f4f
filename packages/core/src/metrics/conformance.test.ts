// Conformance suite generated from the metric registry: every registered metric is checked here
// without editing this file — its description, a value in its range on random inputs of every
// task it defines, NaN (not a throw) where it is undefined.
import { expect } from 'chai';
import { Rng } from '../rng';
import type { TaskType } from '../types';
import { computeMetric, computeMetrics } from './compute';
import { metrics } from './registry';
import { ALL_TASKS, MetricInput } from './spec';

const CLASSES: Record<TaskType, number> = { binary: 2, 'multi-class': 4, ordinal: 5, 'multi-label': 3 };

/**
 * A random split of `n` rows: every class (label) present, probabilities mildly informative
 * (softmax or sigmoid of noisy logits shifted towards the truth), some multi-label entries masked.
 */
function randomInput(task: TaskType, n: number, seed: number): MetricInput {
  const rng = new Rng(seed);
  const k = CLASSES[task];
  const multiLabel = task === 'multi-label';
  const labels = new Int32Array(n * (multiLabel ? k : 1));
  const scores = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    if (multiLabel) {
      for (let j = 0; j < k; j++) {
        const y = i < 2 ? i : rng.next() < 0.4 ? 1 : 0; // rows 0 and 1: every label negative, then positive
        labels[i * k + j] = i >= 2 && rng.next() < 0.1 ? -1 : y;
        scores[i * k + j] = 1 / (1 + Math.exp(-(rng.normal() + (y === 1 ? 1 : -1))));
      }
    } else {
      const y = i < k ? i : rng.int(k);
      labels[i] = y;
      const logits = Array.from({ length: k }, (_, c) => rng.normal() + (c === y ? 1 : 0));
      const max = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (scores[i * k + c] = v / sum));
    }
  }
  return new MetricInput(task, labels, multiLabel ? k : 1, scores, k);
}

/** Degenerate splits on which a metric may be undefined: it must give NaN or a value in range, never throw. */
function degenerateInputs(task: TaskType): [string, MetricInput][] {
  const k = CLASSES[task];
  const w = task === 'multi-label' ? k : 1;
  const base = randomInput(task, 12, 7);
  const nonFinite = Float32Array.from(base.scores);
  nonFinite[0] = NaN;
  nonFinite[1] = Infinity;
  const oneClass = new Int32Array(base.labels.length).fill(task === 'multi-label' ? 1 : 0);
  const masked = new Int32Array(base.labels.length).fill(-1);
  const out: [string, MetricInput][] = [
    ['an empty split', new MetricInput(task, new Int32Array(0), w, new Float32Array(0), k)],
    ['one row', new MetricInput(task, base.labels.slice(0, w), w, base.scores.slice(0, k), k)],
    ['one class only', new MetricInput(task, oneClass, w, base.scores, k)],
    ['non-finite scores (a diverged model)', new MetricInput(task, base.labels, w, nonFinite, k)],
    ['tied scores', new MetricInput(task, base.labels, w, new Float32Array(base.scores.length).fill(1 / k), k)],
  ];
  if (task === 'multi-label') out.push(['every entry masked', new MetricInput(task, masked, w, base.scores, k)]);
  return out;
}

describe('metric registry', () => {
  it('registers auc and acc for every task, first (stored summaries and curves always hold them)', () => {
    expect(metrics.names().slice(0, 2)).to.deep.equal(['auc', 'acc']);
    for (const name of ['auc', 'acc']) expect(metrics.get(name).tasks).to.have.members([...ALL_TASKS]);
  });

  it('computeMetrics returns the metrics the task defines, in registry order', () => {
    for (const task of ALL_TASKS) {
      const x = randomInput(task, 40, 3);
      const m = computeMetrics(task, x.labels, x.labelWidth, x.scores, x.numOutputs);
      expect(Object.keys(m.values), task).to.deep.equal(metrics.names().filter((name) => metrics.get(name).tasks.includes(task)));
      expect(m.perClassAuc, task).to.have.length(CLASSES[task]);
    }
  });

  it('an unknown name fails with the nearest names', () => {
    expect(() => metrics.get('kapa', 'report.metric')).to.throw(/report\.metric: unknown metric "kapa"; did you mean "kappa"\?/);
  });
});

for (const name of metrics.names()) {
  const spec = metrics.get(name);
  describe(`metric ${name} (conformance)`, () => {
    it('says what it is: name, label, description, direction, range, tasks', () => {
      expect(spec.name).to.equal(name);
      expect(spec.label).to.be.a('string').and.not.equal('');
      expect(spec.description).to.be.a('string').with.length.greaterThan(20);
      expect(spec.higherIsBetter).to.be.a('boolean');
      expect(spec.range[0]).to.be.lessThan(spec.range[1]);
      expect(spec.tasks.length).to.be.greaterThan(0);
      for (const t of spec.tasks) expect(ALL_TASKS).to.include(t);
    });

    for (const task of ALL_TASKS) {
      if (spec.tasks.includes(task)) {
        it(`${task}: a finite value within [${spec.range.join(', ')}] on random inputs`, () => {
          for (const seed of [1, 2, 3]) {
            const v = computeMetric(name, randomInput(task, 64, seed));
            expect(Number.isFinite(v), `seed ${seed}: ${v}`).to.equal(true);
            expect(v, `seed ${seed}`).to.be.within(spec.range[0], spec.range[1]);
          }
        });

        it(`${task}: NaN or a value in range, never a throw, on degenerate splits`, () => {
          for (const [what, input] of degenerateInputs(task)) {
            let v = 0;
            expect(() => (v = computeMetric(name, input)), what).to.not.throw();
            if (!Number.isNaN(v)) expect(v, what).to.be.within(spec.range[0], spec.range[1]);
          }
        });
      } else {
        it(`${task}: not defined — NaN by name, left out of computeMetrics`, () => {
          const x = randomInput(task, 32, 1);
          expect(Number.isNaN(computeMetric(name, x))).to.equal(true);
          expect(computeMetrics(task, x.labels, x.labelWidth, x.scores, x.numOutputs).values).to.not.have.property(name);
        });
      }
    }
  });
}
