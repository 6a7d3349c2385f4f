import { expect } from 'chai';
import { dominates, paretoFront } from './pareto';

const accuracyForCost = { x: 'lower', y: 'higher' } as const;

describe('analysis/compare/pareto', () => {
  it('marks the front, and names the cheapest front point that dominates each other point', () => {
    const points = [
      { x: 1, y: 0.8 }, // 0 front
      { x: 2, y: 0.9 }, // 1 front
      { x: 2, y: 0.85 }, // 2 same cost, lower score: dominated by 1
      { x: 3, y: 0.88 }, // 3 dearer and worse: dominated by 1 (and by 4)
      { x: 2, y: 0.9 }, // 4 identical to 1: both on the front
      { x: 0.5, y: 0.7 }, // 5 front (cheapest)
      { x: null, y: 0.99 }, // 6 no cost: not compared
      { x: 4, y: 0.9 }, // 7 same score as 1, dearer: dominated by 1
      { x: 5, y: 0.95 }, // 8 front (best score)
      { x: 6, y: 0.7 }, // 9 dominated by every front point; named: the cheapest, 5
      { x: 7, y: NaN }, // 10 no score: not compared
    ];
    expect(paretoFront(points, accuracyForCost)).to.deep.equal([
      { status: 'front' },
      { status: 'front' },
      { status: 'dominated', by: 1 },
      { status: 'dominated', by: 1 },
      { status: 'front' },
      { status: 'front' },
      { status: 'missing' },
      { status: 'dominated', by: 1 },
      { status: 'front' },
      { status: 'dominated', by: 5 },
      { status: 'missing' },
    ]);
  });

  it('a single point is the front; equal points are all on it; no points give no marks', () => {
    expect(paretoFront([{ x: 3, y: 0.5 }], accuracyForCost)).to.deep.equal([{ status: 'front' }]);
    const same = Array.from({ length: 4 }, () => ({ x: 10, y: 0.9 }));
    expect(paretoFront(same, accuracyForCost).map((m) => m.status)).to.deep.equal(['front', 'front', 'front', 'front']);
    expect(paretoFront([], accuracyForCost)).to.deep.equal([]);
    expect(paretoFront([{ x: null, y: null }], accuracyForCost)).to.deep.equal([{ status: 'missing' }]);
  });

  it('lower is better on both axes (time to threshold against cost)', () => {
    const both = { x: 'lower', y: 'lower' } as const;
    const marks = paretoFront(
      [
        { x: 1, y: 100 },
        { x: 2, y: 50 },
        { x: 3, y: 60 },
        { x: 3, y: 50 },
      ],
      both,
    );
    expect(marks).to.deep.equal([{ status: 'front' }, { status: 'front' }, { status: 'dominated', by: 1 }, { status: 'dominated', by: 1 }]);
  });

  it('dominance is strict on one axis and weak on the other', () => {
    expect(dominates({ x: 1, y: 0.9 }, { x: 1, y: 0.9 }, accuracyForCost)).to.equal(false);
    expect(dominates({ x: 1, y: 0.9 }, { x: 1, y: 0.8 }, accuracyForCost)).to.equal(true);
    expect(dominates({ x: 1, y: 0.9 }, { x: 2, y: 0.9 }, accuracyForCost)).to.equal(true);
    expect(dominates({ x: 1, y: 0.8 }, { x: 2, y: 0.9 }, accuracyForCost)).to.equal(false);
    expect(dominates({ x: 2, y: 0.9 }, { x: 1, y: 0.8 }, { x: 'higher', y: 'higher' })).to.equal(true);
  });
});
