// A seeded, stratified train/val/test split for sources without split folders or a split column:
// within each stratum (a class, or a multi-label pattern) a fixed share goes to val and test.
import { Rng, type SplitName } from '@medtransfer/core';

export interface SplitFractions {
  val: number;
  test: number;
}

/**
 * Assigns each item to a split. Items are grouped by `strata[i]`; each group is permuted with an
 * Rng forked from `seed` by the group's key, then round(n·val) items go to val, round(n·test) to
 * test and the rest to train (at least one to train when the group has any). Same inputs ⇒ same split.
 */
export function stratifiedSplit(strata: readonly string[], fractions: SplitFractions, seed: number): SplitName[] {
  const groups = new Map<string, number[]>();
  strata.forEach((key, i) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const out: SplitName[] = new Array(strata.length).fill('train');
  const root = new Rng(seed).fork('stratified-split');
  for (const [key, members] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const perm = root.fork(key).permutation(members.length);
    const n = members.length;
    let nVal = Math.round(n * fractions.val);
    let nTest = Math.round(n * fractions.test);
    while (n > 0 && nVal + nTest >= n && nVal + nTest > 0) {
      if (nTest >= nVal && nTest > 0) nTest--;
      else nVal--;
    }
    for (let j = 0; j < n; j++) {
      const i = members[perm[j]];
      out[i] = j < nVal ? 'val' : j < nVal + nTest ? 'test' : 'train';
    }
  }
  return out;
}
