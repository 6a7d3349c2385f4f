import { expect } from 'chai';
import { areaUnderCurve, stepsToThreshold } from './convergence';
import { makeCurve } from './test-fixtures';

describe('analysis/convergence: stepsToThreshold', () => {
  it('returns the first point that crosses the threshold, not a later one', () => {
    const curve = makeCurve([0.5, 0.7, 0.92, 0.88, 0.95]);
    expect(stepsToThreshold(curve, 'auc', 0.9)).to.deep.equal({ steps: 30, epochs: 3, imagesSeen: 960, trainSeconds: 15 });
  });

  it('counts a value exactly equal to the threshold as reached', () => {
    expect(stepsToThreshold(makeCurve([0.5, 0.8, 0.85]), 'auc', 0.8).steps).to.equal(20);
  });

  it('returns null fields (censored) when the threshold is never reached', () => {
    expect(stepsToThreshold(makeCurve([0.5, 0.79, 0.7999]), 'auc', 0.8)).to.deep.equal({
      steps: null,
      epochs: null,
      imagesSeen: null,
      trainSeconds: null,
    });
    expect(stepsToThreshold([], 'auc', 0.5).steps).to.equal(null);
  });

  it('reads the chosen metric and orders points by step', () => {
    const curve = makeCurve([0.9, 0.9, 0.9], [0.5, 0.6, 0.7]).reverse();
    expect(stepsToThreshold(curve, 'acc', 0.6).steps).to.equal(20);
    expect(stepsToThreshold(curve, 'auc', 0.6).steps).to.equal(10);
  });

  it('skips points whose metric is NaN', () => {
    expect(stepsToThreshold(makeCurve([NaN, 0.95]), 'auc', 0.9).steps).to.equal(20);
  });

  it('rejects an unknown metric or a non-numeric threshold with a clear message', () => {
    expect(() => stepsToThreshold(makeCurve([0.5]), 'aucc', 0.5)).to.throw(/stepsToThreshold: unknown metric "aucc"; did you mean .*"auc"\? Valid metric names: acc, auc/);
    expect(() => stepsToThreshold(makeCurve([0.5]), 'auc', Number.NaN)).to.throw(/threshold .* not a finite number/);
  });
});

describe('analysis/convergence: areaUnderCurve', () => {
  it('is the trapezoidal mean of the metric over the step range', () => {
    // Steps 10, 20, 40 (reorder a generated curve): trapezoids (0.5+0.7)/2·10 + (0.7+0.9)/2·20 = 6 + 16 = 22 over 30 steps.
    const c = makeCurve([0.5, 0.7, 0.0, 0.9]);
    const curve = [c[0], c[1], c[3]];
    expect(areaUnderCurve(curve, 'auc')).to.be.closeTo(22 / 30, 1e-12);
  });

  it('gives a constant curve its value, a single point its value, and no points null', () => {
    expect(areaUnderCurve(makeCurve([0.8, 0.8, 0.8]), 'auc')).to.be.closeTo(0.8, 1e-12);
    expect(areaUnderCurve(makeCurve([0.6]), 'auc')).to.equal(0.6);
    expect(areaUnderCurve([], 'auc')).to.equal(null);
  });
});
