// A result store for the dashboard's tests (not a test file itself), written with the runner's own
// writers: an experiment file of 2 backbones × 2 inits × 3 seeds and, in its folder, finished
// trials, a running one (a live lock held by this process), a failed one, a damaged one, pending
// ones, a folder the plan does not list, the runner's report, a writer's hidden temporary file,
// and symlinks pointing out of the results directory.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CurvePoint, TrialResult } from '@medtransfer/core';
import { type PlannedTrial, type TaskLock, acquireLock, backboneId, loadPlan, writeExperimentReport, writeTrialFailure, writeTrialResult } from '@medtransfer/runner';

export const EXPERIMENT = 'dash';
export const THRESHOLD = 0.8;

const YAML = `
name: ${EXPERIMENT}
seeds: [1, 2, 3]
source:
  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 3 }
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 80, batchSize: 8, evalEvery: 10 }
sweep:
  backbone: [cbr-tiny, cbr-small]
  init: [scratch, pretrained]
report:
  metric: auc
  threshold: ${THRESHOLD}
`;

export interface FixtureStore {
  /** Holds the experiment file, the results directory and a file outside it. */
  base: string;
  root: string;
  experimentFile: string;
  experimentDir: string;
  /** A file outside the results directory that no request may read. */
  secret: string;
  trials: PlannedTrial[];
  /** The lock of the running trial (`cbr-tiny_pretrained_seed3`); release it when done. */
  lock: TaskLock;
}

/** Validation AUC of a made-up run: pretrained starts higher and ends a little higher, seeds wobble; evaluations 10 steps apart. */
export function fixtureCurve(init: string, seed: number, backbone: string, points = 8): CurvePoint[] {
  const small = backbone === 'cbr-small' ? 0.02 : 0;
  const [start, end] = init === 'pretrained' ? [0.74 + small, 0.92 + small] : [0.56 + small, 0.87 + small];
  return Array.from({ length: points }, (_, i) => {
    const step = (i + 1) * 10;
    const auc = start + (end - start) * (1 - Math.exp(-step / 25)) + 0.012 * Math.sin(seed * 2.3 + i * 1.7 + small * 50);
    return { step, epoch: step / 3, imagesSeen: step * 8, trainLoss: 0.7 - 0.05 * i, valLoss: 0.75 - 0.04 * i, val: { auc, acc: auc - 0.1 }, trainSeconds: step * 0.2 };
  });
}

/** A finished result of `trial` (or of the given axes for a folder the plan does not list). */
export function fixtureResult(trial: { name: string; backbone: string; init: string; seed: number }, points = 8): TrialResult {
  const curve = fixtureCurve(trial.init, trial.seed, trial.backbone, points);
  const last = curve[curve.length - 1];
  const reach = curve.find((p) => p.val.auc >= THRESHOLD);
  return {
    summary: {
      experiment: EXPERIMENT,
      trial: trial.name,
      key: `key-${trial.backbone}-${trial.init}-${trial.seed}`,
      storeVersion: 2,
      backbone: trial.backbone,
      init: trial.init,
      seed: trial.seed,
      imageSize: 16,
      dataset: 'synthetic/lesions',
      task: 'binary',
      test: { loss: 0.4, auc: last.val.auc - 0.01, acc: last.val.acc },
      finalVal: { loss: last.valLoss, ...last.val },
      plannedSteps: 80,
      convergence: {
        metric: 'auc',
        areaUnderCurve: 0.8,
        reached: [{ threshold: THRESHOLD, basis: 'absolute', steps: reach?.step ?? null, epochs: reach?.epoch ?? null, imagesSeen: reach?.imagesSeen ?? null, trainSeconds: reach?.trainSeconds ?? null, censored: !reach }],
      },
      steps: last.step,
      imagesSeen: last.imagesSeen,
      trainSeconds: last.trainSeconds,
      evalSeconds: 2,
      imagesPerSecond: 40,
      backend: 'cpu',
      params: 1234,
      finishedAt: '2026-12-01T10:00:00.000Z',
    },
    curve,
  };
}

/** Writes the finished trial `dir` of the fixture's experiment as the runner does (config, curve, then summary). */
export function writeFinished(store: Pick<FixtureStore, 'experimentDir' | 'experimentFile' | 'trials'>, dir: string, points = 8): void {
  const t = store.trials.find((x) => x.dir === dir);
  if (!t) throw new Error(`fixture: no planned trial ${dir}`);
  const axes = { name: t.name, backbone: backboneId(t.backbone), init: t.init, seed: t.seed };
  writeTrialResult(join(store.experimentDir, dir), { experiment: EXPERIMENT, file: store.experimentFile, trial: t, target: t.target }, fixtureResult(axes, points));
}

export const FINISHED = ['cbr-tiny_scratch_seed1', 'cbr-tiny_scratch_seed2', 'cbr-tiny_scratch_seed3', 'cbr-tiny_pretrained_seed1', 'cbr-tiny_pretrained_seed2', 'cbr-small_pretrained_seed1', 'cbr-small_pretrained_seed2'];
export const RUNNING = 'cbr-tiny_pretrained_seed3';
export const FAILED = 'cbr-small_scratch_seed1';
export const DAMAGED = 'cbr-small_scratch_seed2';
/** A finished folder the experiment file does not describe (seed 4). */
export const EXTRA = 'cbr-tiny_scratch_seed4';
export const PENDING = ['cbr-small_scratch_seed3', 'cbr-small_pretrained_seed3'];
export const FAILURE_MESSAGE = 'injected failure for the dashboard test';

export async function writeFixtureStore(): Promise<FixtureStore> {
  const base = mkdtempSync(join(tmpdir(), 'medtransfer-serve-'));
  const root = join(base, 'results');
  const experimentDir = join(root, EXPERIMENT);
  mkdirSync(experimentDir, { recursive: true });
  const experimentFile = join(base, `${EXPERIMENT}.yaml`);
  writeFileSync(experimentFile, YAML);
  const trials = loadPlan(experimentFile).trials;
  const store = { experimentDir, experimentFile, trials };
  for (const dir of FINISHED) writeFinished(store, dir);

  writeFinished(store, DAMAGED);
  writeFileSync(join(experimentDir, DAMAGED, 'curve.jsonl'), '{"step": 10, "epoch": 3.3, "imag'); // torn
  const failed = trials.find((t) => t.dir === FAILED)!;
  mkdirSync(join(experimentDir, FAILED), { recursive: true });
  writeTrialFailure(join(experimentDir, FAILED), { trial: failed.name, key: 'k', message: FAILURE_MESSAGE, stack: 'Error: injected\n    at test', failedAt: '2026-12-01T10:05:00.000Z', backend: 'cpu', host: 'testhost', pid: 42 });
  writeTrialResult(join(experimentDir, EXTRA), { experiment: EXPERIMENT, file: experimentFile }, fixtureResult({ name: 'target[backbone=cbr-tiny,init=scratch,seed=4]', backbone: 'cbr-tiny', init: 'scratch', seed: 4 }));

  mkdirSync(join(experimentDir, RUNNING), { recursive: true });
  const lock = acquireLock(join(experimentDir, RUNNING), 'fixture running trial');
  if (!lock) throw new Error('fixture: could not take the running trial lock');

  await writeExperimentReport(loadPlan(experimentFile), experimentDir);

  // a writer's temporary file, and links out of the results directory
  mkdirSync(join(experimentDir, PENDING[0]), { recursive: true });
  writeFileSync(join(experimentDir, PENDING[0], '.summary.json.tmp-host-1-0'), '{"half": ');
  const secret = join(base, 'secret.txt');
  writeFileSync(secret, 'not for the dashboard\n');
  symlinkSync(base, join(experimentDir, 'escape'));
  symlinkSync(base, join(root, 'outside'));
  symlinkSync(secret, join(experimentDir, 'secret-link.txt'));
  return { base, root, experimentFile, experimentDir, secret, trials, lock };
}
