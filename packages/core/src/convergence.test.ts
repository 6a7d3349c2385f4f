// Convergence summary of a validation curve: absolute and relative thresholds, censoring,
// area under the curve.
import { expect } from 'chai';
import { convergenceSummary, curveArea, firstReach } from './convergence';
import type { CurvePoint } from './types';

const point = (step: number, valAuc: number): CurvePoint => ({
  step,
  epoch: step / 10,
  imagesSeen: step * 32,
  trainLoss: 1,
  valLoss: 1,
  val: { auc: valAuc, acc: valAuc - 0.1 },
  trainSeconds: step * 0.5,
});

const curve = [point(10, 0.6), point(20, 0.85), point(30, 0.92), point(40, NaN), point(50, 0.9)];

describe('convergence', () => {
  it('reports steps, epochs, images and training seconds at the first point reaching the threshold', () => {
    const s = convergenceSummary(curve, { metric: 'auc', threshold: 0.85 });
    expect(s.reached).to.deep.equal([{ threshold: 0.85, basis: 'absolute', steps: 20, epochs: 2, imagesSeen: 640, trainSeconds: 10, censored: false }]);
  });

  it('is censored (nulls, censored: true) when the threshold is never reached', () => {
    const s = convergenceSummary(curve, { metric: 'auc', threshold: 0.95 });
    expect(s.reached[0]).to.include({ steps: null, epochs: null, imagesSeen: null, trainSeconds: null, censored: true });
  });

  it('relative thresholds are a fraction of the final or the best finite value', () => {
    const fin = convergenceSummary(curve, { metric: 'auc', threshold: 0.99, relative: { fraction: 0.95, of: 'final' } });
    expect(fin.reached[1].threshold).to.be.closeTo(0.855, 1e-12);
    expect(fin.reached[1]).to.include({ basis: 'final', fraction: 0.95, steps: 30, censored: false });
    const best = convergenceSummary(curve, { metric: 'acc', threshold: 0.99, relative: { fraction: 1, of: 'best' } });
    expect(best.reached[1]).to.include({ basis: 'best', steps: 30 });
    expect(best.reached[1].threshold).to.be.closeTo(0.82, 1e-12);
  });

  it('area under the curve is the step-weighted mean, skipping non-finite points', () => {
    // trapezoids over 10–20–30–50: (0.725·10 + 0.885·10 + 0.91·20) / 40
    expect(curveArea(curve, 'auc')).to.be.closeTo((0.725 * 10 + 0.885 * 10 + 0.91 * 20) / 40, 1e-12);
    expect(curveArea([point(5, 0.7)], 'auc')).to.equal(0.7);
    expect(curveArea([point(5, NaN)], 'auc')).to.equal(null);
    const empty = convergenceSummary([], { metric: 'auc', threshold: 0.5, relative: { fraction: 0.9, of: 'final' } });
    expect(empty.areaUnderCurve).to.equal(null);
    expect(empty.reached.map((r) => r.censored)).to.deep.equal([true, true]);
  });

  it('equality counts as reached; unordered curves are read in step order', () => {
    expect(firstReach([point(30, 0.9), point(10, 0.9)], 'auc', 0.9)?.step).to.equal(10);
  });

  it('a lower-is-better metric (ece) reaches a threshold from above: ≤ counts, best is the lowest, relative = reference ÷ fraction', () => {
    const ece = [0.3, 0.12, 0.08, NaN, 0.1];
    const eceCurve = curve.map((p, i) => ({ ...p, val: { ...p.val, ece: ece[i] } }));
    const s = convergenceSummary(eceCurve, { metric: 'ece', threshold: 0.1, relative: { fraction: 0.8, of: 'best' } });
    expect(s.reached[0]).to.include({ steps: 30, censored: false });
    expect(s.reached[1].threshold).to.be.closeTo(0.08 / 0.8, 1e-12);
    expect(s.reached[1]).to.include({ basis: 'best', steps: 30 });
    expect(firstReach(eceCurve, 'ece', 0.12)?.step).to.equal(20);
    expect(convergenceSummary(eceCurve, { metric: 'ece', threshold: 0.05 }).reached[0].censored).to.equal(true);
  });

  it('takes any registered metric: a point without it (not defined for the task) counts as not finite', () => {
    const withKappa = curve.map((p, i) => (i < 2 ? p : { ...p, val: { ...p.val, kappa: 0.2 * i } }));
    const s = convergenceSummary(withKappa, { metric: 'kappa', threshold: 0.5 });
    expect(s.metric).to.equal('kappa');
    expect(s.reached[0]).to.include({ steps: 40, censored: false });
    expect(curveArea(curve, 'kappa')).to.equal(null);
    expect(() => convergenceSummary(curve, { metric: 'aucc', threshold: 0.5 })).to.throw(/report\.metric: unknown metric "aucc"; did you mean/);
  });
});
