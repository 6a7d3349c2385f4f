// Best-validation tracking in the direction of the chosen metric: higher-is-better metrics,
// lower-is-better ones (ece) and the loss.
import { expect } from 'chai';
import type { Metrics } from '@medtransfer/core';
import { BestTracker, metricValue } from './early-stopping';

const val = (auc: number, ece: number, loss = 1): Metrics => ({ loss, auc, acc: 0.5, ece });

describe('early stopping: BestTracker', () => {
  it('follows a higher-is-better metric up and a lower-is-better one (ece, loss) down', () => {
    const up = new BestTracker({ metric: 'auc', minDelta: 0 });
    const down = new BestTracker({ metric: 'ece', minDelta: 0 });
    const loss = new BestTracker({ metric: 'loss', minDelta: 0 });
    const series = [val(0.7, 0.2, 0.9), val(0.8, 0.1, 0.8), val(0.75, 0.05, 1.2)];
    series.forEach((m, i) => [up, down, loss].forEach((t) => t.observe((i + 1) * 10, m)));
    expect([up.state.bestStep, down.state.bestStep, loss.state.bestStep]).to.deep.equal([20, 30, 20]);
    expect(down.state.bestValue).to.equal(0.05);
  });

  it('counts minDelta in the metric direction and never takes a non-finite value', () => {
    const t = new BestTracker({ metric: 'ece', patience: 2, minDelta: 0.01 });
    expect(t.observe(1, val(0.7, 0.2))).to.equal(true);
    expect(t.observe(2, val(0.7, 0.195))).to.equal(false); // better by less than minDelta
    expect(t.observe(3, val(0.7, NaN))).to.equal(false);
    expect(t.shouldStop).to.equal(true);
  });

  it('reads NaN for a metric the validation does not hold; an unknown name fails at its config path', () => {
    expect(Number.isNaN(metricValue(val(0.7, 0.1), 'kappa'))).to.equal(true);
    expect(() => new BestTracker({ metric: 'ecee', minDelta: 0 })).to.throw(/training\.earlyStopping\.metric: unknown metric "ecee"; did you mean "ece"\?/);
  });
});
