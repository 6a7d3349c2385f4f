// Experiment files and plan helpers shared by the runner's tests (not a test file itself).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ConfigIssuesError, parseExperimentYaml } from '@medtransfer/core';
import { createModel, kerasLayers, writeKerasH5 } from '@medtransfer/zoo';
import { Plan, planExperiment } from './plan';

/** Plans experiment-file text as if read from `file`. */
export const planText = (text: string, file: string): Plan => planExperiment(parseExperimentYaml(text, file), file);

/** The message of the ConfigIssuesError that `fn` throws; fails the test when it does not. */
export function configIssues(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigIssuesError);
    return (err as Error).message;
  }
  throw new Error('expected the plan to be rejected');
}

/**
 * The smallest sweep with a source stage: CBR-Tiny on 16 px fractals, then scratch and
 * pretrained on 16 px synthetic lesions, seeds 1 and 2 (one source stage, four trials).
 */
export function tinyPretrainExperiment(name: string): string {
  return `
name: ${name}
seeds: [1, 2]
source:
  dataset: { name: synthetic/fractal, params: { classes: 4, perClass: 8, valPerClass: 2, testPerClass: 2, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 3 }
target:
  dataset: { name: synthetic/lesions, params: { train: 24, val: 16, test: 16, size: 16 } }
  imageSize: 16
  training: { steps: 3, batchSize: 8, evalEvery: 3 }
sweep:
  backbone: [cbr-tiny]
  init: [scratch, pretrained]
`;
}

/** Our mobilenet-v1 of width `alpha` as a Keras-layout no-top .h5 (3 channels, no classifier), standing in for Keras' file; returns its bytes. */
export async function writeMobilenetH5(file: string, alpha: number, seed = 3): Promise<Buffer> {
  const m = createModel({ name: 'mobilenet-v1', params: { alpha } }, { inputShape: [32, 32, 3], numClasses: 1000, seed });
  try {
    const head = new Set(m.headLayers);
    await writeKerasH5(file, kerasLayers(m).filter((l) => !head.has(l.name)));
  } finally {
    m.dispose();
  }
  return readFileSync(file);
}
