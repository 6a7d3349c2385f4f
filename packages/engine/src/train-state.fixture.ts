// The run the checkpoint tests interrupt and resume, shared by the test and its child process
// (train-state.child.ts) so both train exactly the same thing.
import type * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '@medtransfer/core';
import { textureProblem, tinyConvNet } from './test-support';
import type { TrainOptions } from './train';

export function resumeProblem(over: Partial<TrainingConfig> = {}) {
  const train = textureProblem({ n: 40, seed: 11, task: 'multi-class', numClasses: 3, size: 12 });
  const val = textureProblem({ n: 18, seed: 12, task: 'multi-class', numClasses: 3, size: 12 });
  // 40 images / batch 8 = 5 batches a pass: checkpoints fall mid-pass and on pass boundaries
  const training = { steps: 16, batchSize: 8, evalEvery: 3, optimizer: { name: 'adam', lr: 0.02, momentum: 0.9 }, ...over } as TrainingConfig;
  const options: Omit<TrainOptions, 'model'> = { train, val, test: val, training, seed: 5 };
  return { options, model: (seed: number): tf.LayersModel => tinyConvNet({ size: 12, outputs: 3, seed }) };
}
