// Stage loading with a data-scarcity subset and transforms: the subset reaches the batches, and
// the trial keys change with it (so results for different fractions never mix).
import { expect } from 'chai';
import { parseExperimentYaml } from '@medtransfer/core';
import { planExperiment } from './plan';
import { createContext } from './context';
import { listTasks } from './tasks';

const yaml = (extra: string) => `
name: subset
seeds: [1]
target:
  dataset: { name: synthetic/lesions, params: { train: 40, val: 8, test: 8, size: 16 } }
  imageSize: 16
  channels: 1
${extra}
  training: { steps: 1, batchSize: 4 }
sweep: { backbone: [cbr-tiny] }
`;

async function load(extra: string) {
  const config = parseExperimentYaml(yaml(extra), 'subset.yaml');
  const ctx = await createContext(planExperiment(config, 'subset.yaml'), '/tmp/medtransfer-unused', 'cpu');
  return { ctx, keys: listTasks(ctx).map((t) => t.key) };
}

describe('stage data: subsets and transforms', () => {
  it('trains on the stratified subset, and the subset changes fingerprint and trial key', async () => {
    const full = await load('');
    const tenth = await load('  subset: { fraction: 0.1 }');
    const fifth = await load('  subset: { fraction: 0.2 }');
    const perClass = await load('  subset: { perClass: 3 }');
    expect(full.ctx.target.batches.train.count).to.equal(40);
    expect(tenth.ctx.target.batches.train.count).to.equal(4);
    expect(fifth.ctx.target.batches.train.count).to.equal(8);
    expect(perClass.ctx.target.batches.train.count).to.equal(6);
    expect(tenth.ctx.target.batches.val.count).to.equal(8);
    const fingerprints = [full, tenth, fifth, perClass].map((r) => r.ctx.target.dataset.fingerprint);
    expect(new Set(fingerprints).size).to.equal(4);
    const keys = [full, tenth, fifth, perClass].map((r) => r.keys[0]);
    expect(new Set(keys).size).to.equal(4);
  });

  it('transform errors name the stage field', async () => {
    let err: Error | undefined;
    try {
      await load('  transforms: { centerCrop: 20 }');
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.contain('target.transforms.centerCrop: is 20 but the images are 16×16');
  });
});
