// Hand-made trial results with known numbers, shared by this package's tests.
import type { CurvePoint, TrialResult } from '@medtransfer/core';

/** A curve evaluated every 10 steps (10 steps per epoch, batch 32) with the given val AUCs. */
export function makeCurve(valAucs: number[], valAccs?: number[]): CurvePoint[] {
  return valAucs.map((auc, i) => {
    const step = (i + 1) * 10;
    return {
      step,
      epoch: step / 10,
      imagesSeen: step * 32,
      trainLoss: 1 / (i + 2),
      valLoss: 1 / (i + 1.5),
      val: { auc, acc: valAccs ? valAccs[i] : auc - 0.1 },
      trainSeconds: step * 0.5,
    };
  });
}

export function makeResult(
  backbone: string,
  init: string,
  seed: number,
  test: { auc: number; acc: number },
  valAucs: number[],
  dataset = 'synthetic/fractal',
): TrialResult {
  const curve = makeCurve(valAucs);
  const last = curve[curve.length - 1];
  return {
    summary: {
      experiment: 'fixture',
      trial: `target[backbone=${backbone},init=${init},seed=${seed}]`,
      key: `${backbone}-${init}-${seed}`,
      backbone,
      init,
      seed,
      dataset,
      task: 'binary',
      test: { loss: 0.5, ...test },
      finalVal: { loss: last.valLoss, ...last.val },
      steps: last.step,
      imagesSeen: last.imagesSeen,
      trainSeconds: last.trainSeconds,
      evalSeconds: 1,
      imagesPerSecond: 64,
      backend: 'cpu',
      params: 1000,
      finishedAt: '2025-01-01T00:00:00.000Z',
    },
    curve,
  };
}

/** The threshold the fixture is designed around (validation AUC). */
export const FIXTURE_THRESHOLD = 0.8;

/**
 * 2 backbones × 2 inits × 3 seeds, given in a scrambled order. Expected values (threshold 0.8):
 *  cbr-small scratch:     AUC 0.82 ± 0.02, ACC 0.72 ± 0.02, steps 30, 30, 20 → 26.667 (3/3)
 *  cbr-small pretrained:  AUC 0.86 ± 0.01, ACC 0.75 ± 0,    steps 10, 20, 10 → 13.333 (3/3), Δ +0.04
 *  resnet50 scratch:      AUC 0.75 ± 0.05, ACC 0.65 ± 0.05, steps 40, 20, —  → 30 (2/3)
 *  resnet50 pretrained:   AUC 0.90 ± 0,    ACC 0.82 ± 0.02, never reached    → — (0/3),   Δ +0.15
 */
export function fixtureResults(): TrialResult[] {
  return [
    makeResult('resnet50', 'pretrained', 2, { auc: 0.9, acc: 0.82 }, [0.7, 0.75, 0.79, 0.79]),
    makeResult('cbr-small', 'scratch', 1, { auc: 0.8, acc: 0.7 }, [0.5, 0.7, 0.8, 0.85]),
    makeResult('resnet50', 'scratch', 3, { auc: 0.8, acc: 0.7 }, [0.5, 0.6, 0.7, 0.79]),
    makeResult('cbr-small', 'pretrained', 1, { auc: 0.85, acc: 0.75 }, [0.81, 0.84, 0.86, 0.88]),
    makeResult('resnet50', 'pretrained', 1, { auc: 0.9, acc: 0.8 }, [0.72, 0.76, 0.78, 0.78]),
    makeResult('cbr-small', 'scratch', 2, { auc: 0.82, acc: 0.72 }, [0.6, 0.79, 0.81, 0.9]),
    makeResult('resnet50', 'scratch', 1, { auc: 0.7, acc: 0.6 }, [0.5, 0.6, 0.7, 0.8]),
    makeResult('cbr-small', 'pretrained', 2, { auc: 0.86, acc: 0.75 }, [0.79, 0.85, 0.87, 0.88]),
    makeResult('resnet50', 'pretrained', 3, { auc: 0.9, acc: 0.84 }, [0.74, 0.77, 0.79, 0.79]),
    makeResult('cbr-small', 'scratch', 3, { auc: 0.84, acc: 0.74 }, [0.65, 0.82, 0.83, 0.84]),
    makeResult('resnet50', 'scratch', 2, { auc: 0.75, acc: 0.65 }, [0.55, 0.85, 0.86, 0.87]),
    makeResult('cbr-small', 'pretrained', 3, { auc: 0.87, acc: 0.75 }, [0.9, 0.91, 0.92, 0.93]),
  ];
}
