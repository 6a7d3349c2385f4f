// Convergence speed-up: ratio of means, censoring bounds, seeded bootstrap CI.
import { expect } from 'chai';
import { convergenceSpeedup } from './speedup';

const run = (steps: number | null, trainedSteps = 100) => ({ steps, trainedSteps });

describe('stats: convergence speed-up', () => {
  it('is mean baseline steps ÷ mean treatment steps, with a CI around it', () => {
    const s = convergenceSpeedup([run(40), run(60), run(50)], [run(20), run(30), run(25)], { seed: 1 });
    expect(s.speedup).to.be.closeTo(2, 1e-12);
    expect(s.bound).to.equal('exact');
    expect(s.lo!).to.be.below(2);
    expect(s.hi!).to.be.above(2);
    expect(s.lo!).to.be.above(1.2);
    expect(convergenceSpeedup([run(40), run(60), run(50)], [run(20), run(30), run(25)], { seed: 1 })).to.deep.equal(s);
  });

  it('counts censored runs at their training length and says which way that biases the estimate', () => {
    const s = convergenceSpeedup([run(40), run(null, 200)], [run(20), run(20)]);
    expect(s.speedup).to.be.closeTo(120 / 20, 1e-12);
    expect(s).to.include({ bound: 'lower', censoredBaseline: 1, censoredTreatment: 0 });
    expect(convergenceSpeedup([run(40)], [run(null, 80)]).bound).to.equal('upper');
    expect(convergenceSpeedup([run(null)], [run(null)]).bound).to.equal('unknown');
  });

  it('gives null without runs and no CI with one run per side', () => {
    expect(convergenceSpeedup([], [run(10)]).speedup).to.equal(null);
    expect(convergenceSpeedup([run(30)], [run(10)])).to.include({ speedup: 3, lo: null, hi: null });
  });

  it('rejects non-positive steps with a clear message', () => {
    expect(() => convergenceSpeedup([run(0)], [run(10)])).to.throw(/steps must be positive/);
  });
});
