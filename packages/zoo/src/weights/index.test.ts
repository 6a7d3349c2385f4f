// loadWeightSource: one entry for every kind, the same NamedWeights out of each.
import { expect } from 'chai';
import { join } from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import { saveCheckpoint } from '../checkpoint';
import { createModel } from '../model';
import { tempDir, useCpuBackend } from '../test-helpers';
import { type WeightSourceSpec, loadWeightSource } from './index';
import { kerasLayers, saveLayersArtifacts, writeKerasH5, writeLayersModel } from './test-fixtures';

describe('weight sources: loadWeightSource', () => {
  before(useCpuBackend);

  it('reads a checkpoint, a Keras .h5 and a tfjs Layers model of one model into the same tensors', async () => {
    const { dir, cleanup } = tempDir('sources');
    const m = createModel({ name: 'cbr-tiny', params: {} }, { inputShape: [12, 12, 3], numClasses: 2, seed: 4 });
    try {
      saveCheckpoint(m, join(dir, 'ckpt'));
      await writeKerasH5(join(dir, 'w.h5'), kerasLayers(m));
      writeLayersModel(dir, await saveLayersArtifacts(m));
      const [c, k, t] = await Promise.all([
        loadWeightSource({ kind: 'checkpoint', path: join(dir, 'ckpt') }),
        loadWeightSource({ kind: 'keras-h5', path: join(dir, 'w.h5') }),
        loadWeightSource({ kind: 'tfjs-layers', path: dir }),
      ]);
      expect(c.source).to.match(/^checkpoint /);
      expect(k.source).to.match(/^Keras \.h5 /);
      expect(t.source).to.match(/^tfjs Layers model /);
      for (const other of [k, t]) {
        // Order is the source's own (tfjs saves trainable weights first); names and values must agree.
        expect([...other.tensors.keys()].sort()).to.deep.equal([...c.tensors.keys()].sort());
        for (const [key, v] of c.tensors) {
          expect(other.tensors.get(key)!.shape, key).to.deep.equal(v.shape);
          expect(Array.from(other.tensors.get(key)!.data), key).to.deep.equal(Array.from(v.data));
        }
      }
    } finally {
      m.dispose();
      cleanup();
    }
  });

  it('refuses an unknown kind with the valid ones', async () => {
    try {
      await loadWeightSource({ kind: 'keras_h5', path: 'x' } as unknown as WeightSourceSpec);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(MedtransferError);
      expect((err as Error).message).to.contain('unknown weight source kind "keras_h5"; did you mean "keras-h5"');
    }
  });
});
