// Experiment files shared by the runner's tests (not a test file itself).

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
