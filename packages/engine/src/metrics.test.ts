// Every registered metric (core's registry) against scikit-learn reference values, as evaluation
// reports them. The reference JSON was produced from the repository root with:
//   /usr/bin/python3 packages/engine/reference/metrics_reference.py > packages/engine/reference/metrics-reference.json
// (Debian python3-sklearn 1.2.1, numpy 1.24.2; the script rounds scores to float32 first).
// A case lists under `metrics` the value of every metric its task defines; null = undefined (NaN).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskType } from '@medtransfer/core';
import { computeMetrics, metrics, quadraticKappa, rocAuc } from '@medtransfer/core';

interface ReferenceCase {
  name: string;
  task: TaskType;
  labelWidth: number;
  numOutputs: number;
  labels: number[];
  scores: number[];
  perClassAuc: (number | null)[];
  metrics: Record<string, number | null>;
}

/** chai's `.NaN` is a property assertion, which the linter reads as an unused expression. */
function expectNaN(value: number, what?: string): void {
  expect(Number.isNaN(value), `${what ?? 'value'} ${value} should be NaN`).to.equal(true);
}

const reference = JSON.parse(readFileSync(join(__dirname, '..', 'reference', 'metrics-reference.json'), 'utf8')) as {
  cases: ReferenceCase[];
};

const fmt = (v: number | null) => (v === null ? 'undefined' : v.toFixed(4));

describe('metrics: every registered metric against scikit-learn', () => {
  for (const c of reference.cases) {
    const summary = Object.entries(c.metrics).map(([name, v]) => `${name} ${fmt(v)}`).join(', ');
    it(`${c.name} (${c.task}): ${summary}`, () => {
      const m = computeMetrics(c.task, Int32Array.from(c.labels), c.labelWidth, Float32Array.from(c.scores), c.numOutputs);
      // exactly the metrics the task defines, each equal to scikit-learn's value
      expect(Object.keys(m.values)).to.have.members(Object.keys(c.metrics));
      for (const [name, ref] of Object.entries(c.metrics)) {
        if (ref === null) expectNaN(m.values[name], name);
        else expect(m.values[name], name).to.be.closeTo(ref, 1e-12);
      }
      // per-class AUC as returned (null where undefined), not recomputed
      expect(m.perClassAuc).to.have.length(c.perClassAuc.length);
      m.perClassAuc.forEach((a, j) => {
        const r = c.perClassAuc[j];
        if (r === null) expect(a, `class ${j}`).to.equal(null);
        else expect(a, `class ${j}`).to.be.closeTo(r, 1e-12);
      });
    });
  }

  it('has a reference value for every registered metric on every task it is defined for', () => {
    for (const name of metrics.names()) {
      for (const task of metrics.get(name).tasks) {
        const finite = reference.cases.filter((c) => c.task === task && typeof c.metrics[name] === 'number');
        expect(finite.length, `no scikit-learn value of "${name}" on a ${task} case: add it to METRICS in reference/metrics_reference.py and regenerate the JSON`).to.be.greaterThan(0);
      }
    }
    const known = new Set(metrics.names());
    for (const c of reference.cases) for (const name of Object.keys(c.metrics)) expect(known.has(name), `${c.name}: "${name}" is not a registered metric`).to.equal(true);
  });

  it('matches every per-class one-vs-rest AUC (undefined classes are NaN)', () => {
    let checked = 0;
    for (const c of reference.cases) {
      const n = c.scores.length / c.numOutputs;
      for (let j = 0; j < c.numOutputs; j++) {
        const column = Array.from({ length: n }, (_, i) => Math.fround(c.scores[i * c.numOutputs + j]));
        const multiLabel = c.task === 'multi-label';
        const isPos = Array.from({ length: n }, (_, i) => (multiLabel ? c.labels[i * c.labelWidth + j] === 1 : c.labels[i] === j));
        const keep = multiLabel ? [...Array(n).keys()].filter((i) => c.labels[i * c.labelWidth + j] !== -1) : undefined;
        const auc = rocAuc(column, isPos, keep);
        const ref = c.perClassAuc[j];
        if (ref === null) expectNaN(auc, `${c.name} class ${j}`);
        else expect(auc, `${c.name} class ${j}`).to.be.closeTo(ref, 1e-12);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(15);
  });

  it('the reference covers ties, an absent class and masked multi-label entries', () => {
    const names = reference.cases.map((c) => c.name);
    expect(names).to.include.members(['binary-ties', 'multiclass-3', 'multiclass-absent-class', 'multilabel-masked', 'ordinal-5', 'ordinal-absent-grade-ties', 'ordinal-constant']);
    expect(reference.cases.filter((c) => typeof c.metrics.kappa === 'number')).to.have.length.greaterThan(1);
    const ml = reference.cases.find((c) => c.name === 'multilabel-masked')!;
    expect(ml.labels.filter((v) => v === -1).length).to.be.greaterThan(0);
    expect(reference.cases.find((c) => c.name === 'multiclass-absent-class')!.perClassAuc).to.include(null);
  });
});

describe('metrics: rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores tie', () => {
    const pos = [0, 0, 1, 1];
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], pos)).to.equal(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], pos)).to.equal(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], pos)).to.equal(0.5);
  });

  it('gives a tied positive/negative pair half credit (average ranks)', () => {
    // pairs (pos, neg): (0.5 vs 0.5) tie → 0.5, (0.5 vs 0.1) → 1, (0.9 vs 0.5) → 1, (0.9 vs 0.1) → 1
    expect(rocAuc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1])).to.equal(3.5 / 4);
  });

  it('is NaN without positives or without negatives, and for non-finite scores', () => {
    expectNaN(rocAuc([0.1, 0.2], [0, 0]));
    expectNaN(rocAuc([0.1, 0.2], [1, 1]));
    expectNaN(rocAuc([0.1, NaN], [0, 1]));
  });

  it('restricts to the given sample indices', () => {
    // without index 1 (a mis-ranked negative) the ranking is perfect
    expect(rocAuc([0.1, 0.95, 0.8, 0.9], [0, 0, 1, 1], [0, 2, 3])).to.equal(1);
    expect(rocAuc([0.1, 0.95, 0.8, 0.9], [0, 0, 1, 1])).to.equal(0.5);
  });
});

describe('metrics: quadratic-weighted kappa', () => {
  it('is 1 for perfect agreement, 0 for independent grades, and weighs distance quadratically', () => {
    expect(quadraticKappa([0, 1, 2, 3], [0, 1, 2, 3], 4)).to.equal(1);
    // predictions independent of the truth: observed = expected disagreement
    expect(quadraticKappa([0, 0, 1, 1], [0, 1, 0, 1], 2)).to.equal(0);
    const near = quadraticKappa([0, 1, 2, 3, 4], [1, 1, 2, 3, 4], 5);
    const far = quadraticKappa([0, 1, 2, 3, 4], [4, 1, 2, 3, 4], 5);
    expect(near).to.be.greaterThan(far);
  });

  it('uses every grade of the task, not only those present (an absent grade keeps its distance)', () => {
    // grades 0, 1 and 3 of 4: re-indexing the present grades would make 1 → 3 a distance of 1
    const truth = [0, 1, 3, 3, 1, 0];
    const pred = [0, 3, 3, 1, 1, 0];
    const k = quadraticKappa(truth, pred, 4);
    // by hand: Σ w·O = (1,3) + (3,1) = 4 + 4 = 8; row and column sums [2, 2, 0, 2], so
    // Σ w·E = 2·(1 + 9 + 4)·4 / 6 = 112/6 → κ = 1 − 48/112. Re-indexed grades would give 0.75.
    expect(k).to.be.closeTo(1 - 48 / 112, 1e-12);
  });

  it('is NaN (undefined), not an error, when truth and predictions are one and the same grade', () => {
    expectNaN(quadraticKappa([2, 2, 2], [2, 2, 2], 5));
    expectNaN(quadraticKappa([], [], 5));
    expect(() => quadraticKappa([0, 5], [0, 1], 5)).to.throw(/entry 1 has grades 5, 1/);
  });

  it('is only reported for ordinal tasks', () => {
    const scores = Float32Array.from([0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
    expect(computeMetrics('multi-class', Int32Array.from([0, 1, 2]), 1, scores, 3).values.kappa).to.equal(undefined);
    expect(computeMetrics('ordinal', Int32Array.from([0, 1, 2]), 1, scores, 3).values.kappa).to.equal(1);
  });
});

describe('metrics: edge cases', () => {
  const values = (...args: Parameters<typeof computeMetrics>) => computeMetrics(...args).values;

  it('binary ACC is argmax, i.e. p1 > 0.5 (exactly 0.5 counts as class 0)', () => {
    const scores = Float32Array.from([0.5, 0.5, 0.4, 0.6, 0.7, 0.3]);
    expect(values('binary', Int32Array.from([0, 1, 1]), 1, scores, 2).acc).to.be.closeTo(2 / 3, 1e-12);
  });

  it('binary AUC is NaN when the split holds one class only', () => {
    const m = values('binary', Int32Array.from([1, 1, 1]), 1, Float32Array.from([0.2, 0.8, 0.4, 0.6, 0.9, 0.1]), 2);
    expectNaN(m.auc);
    expect(m.acc).to.be.closeTo(2 / 3, 1e-12);
  });

  it('multi-class AUC leaves out absent classes rather than counting them as 0 or 0.5', () => {
    // classes 0 and 1 perfectly ranked, class 2 absent
    const scores = Float32Array.from([0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1]);
    const m = values('multi-class', Int32Array.from([0, 0, 1, 1]), 1, scores, 3);
    expect(m.auc).to.equal(1);
    expect(m.acc).to.equal(1);
  });

  it('multi-label: a label masked everywhere is left out of both AUC and ACC', () => {
    const labels = Int32Array.from([0, -1, 1, -1, 1, -1]);
    const scores = Float32Array.from([0.2, 0.9, 0.7, 0.1, 0.4, 0.5]);
    const m = values('multi-label', labels, 2, scores, 2);
    expect(m.auc).to.equal(1); // label 0: negatives {0.2}, positives {0.7, 0.4}
    expect(m.acc).to.be.closeTo(2 / 3, 1e-12); // 0.4 → predicted 0 for a positive
  });

  it('non-finite scores give NaN AUC and no per-class AUC (a diverged model is not reported as good)', () => {
    const scores = Float32Array.from([NaN, NaN, 0.1, 0.9, 0.9, 0.1]);
    const m = computeMetrics('binary', Int32Array.from([0, 1, 0]), 1, scores, 2);
    expectNaN(m.values.auc);
    expect(m.perClassAuc).to.deep.equal([null, null]);
    const ml = Float32Array.from([0.1, NaN, 0.9, 0.2]);
    expectNaN(values('multi-label', Int32Array.from([0, 1, 1, 0]), 2, ml, 2).auc);
  });

  it('rejects inconsistent shapes and out-of-range labels with a message naming the values', () => {
    expect(() => computeMetrics('multi-class', Int32Array.from([0, 1]), 1, new Float32Array(9), 3)).to.throw(/2 labels for 3 score rows/);
    expect(() => computeMetrics('multi-class', Int32Array.from([0, 5, 1]), 1, new Float32Array(9), 3)).to.throw(/label entry 1 is 5/);
    expect(() => computeMetrics('binary', Int32Array.from([0, 1, 1]), 1, new Float32Array(3), 1)).to.throw(/2 probabilities/);
    expect(() => computeMetrics('multi-label', Int32Array.from([0, 2]), 2, new Float32Array(2), 2)).to.throw(/0, 1 or -1/);
  });
});
