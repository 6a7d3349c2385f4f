// Hand-made accuracy-for-cost results with known numbers, shared by the compare tests (tests only, not exported).
import type { ModelCost, ThroughputRecord, TrialResult } from '@medtransfer/core';
import { makeResult } from '../test-fixtures';

/** t(0.975, 2) and t(0.975, 1), as scipy.stats.t.ppf gives them. */
export const T2 = 4.302652729911275;
export const T1 = 12.706204736174698;

/** A throughput record whose batch-32 steps and single-image step take the given median milliseconds. */
export function throughputRecord(key: string, backbone: string, ms: { train: number; infer: number; latency: number }): ThroughputRecord {
  const timing = (batch: number, medianMs: number) => ({ batch, medianMs, imagesPerSecond: batch / (medianMs / 1000), samples: 5 });
  return {
    key,
    storeVersion: 2,
    keyParts: {},
    backbone,
    architecture: `${backbone}-arch`,
    imageSize: 28,
    channels: 3,
    numClasses: 2,
    backend: 'wasm',
    threads: 2,
    train: timing(32, ms.train),
    infer: timing(32, ms.infer),
    latency: timing(1, ms.latency),
    loadAverage: [1.5, 1.2, 1],
    cpu: 'test CPU',
    measuredAt: '2026-01-01T00:00:00.000Z',
  };
}

const withCost = (r: TrialResult, cost: ModelCost | undefined): TrialResult => ({ ...r, summary: { ...r.summary, imageSize: 28, cost } });

export const CBR_COST: ModelCost = { paramsTotal: 2_000_000, paramsTrainable: 1_990_000, flopsPerImage: 50e6, checkpointBytes: 8e6, throughputKey: 'k-cbr' };

/**
 * cbr-small scratch, 3 seeds: AUC 0.80, 0.82, 0.84; ACC 0.70, 0.72, 0.74; val AUC reaches 0.8 at
 * steps 30, 30, 20 (15, 15, 10 s). resnet50 scratch, 2 seeds, no cost: AUC 0.7, 0.8; seed 2
 * never reaches 0.8 (censored at its 40 steps, 20 s).
 */
export function compareFixture(): TrialResult[] {
  return [
    withCost(makeResult('cbr-small', 'scratch', 1, { auc: 0.8, acc: 0.7 }, [0.5, 0.7, 0.8, 0.85]), CBR_COST),
    withCost(makeResult('cbr-small', 'scratch', 2, { auc: 0.82, acc: 0.72 }, [0.6, 0.79, 0.81, 0.9]), CBR_COST),
    withCost(makeResult('cbr-small', 'scratch', 3, { auc: 0.84, acc: 0.74 }, [0.65, 0.82, 0.83, 0.84]), CBR_COST),
    withCost(makeResult('resnet50', 'scratch', 1, { auc: 0.7, acc: 0.6 }, [0.5, 0.6, 0.8, 0.8]), undefined),
    withCost(makeResult('resnet50', 'scratch', 2, { auc: 0.8, acc: 0.7 }, [0.5, 0.6, 0.7, 0.79]), undefined),
  ].map((r) => (r.summary.backbone === 'resnet50' ? { ...r, summary: { ...r.summary, params: 23_500_000 } } : r));
}
