// The wasm heap limit: a failed allocation is refused before tfjs writes anything, the estimate
// refuses a step that cannot fit without allocating it, and an error mid-step says what to do.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ensureWasm, onBackend } from './test-support';
import { WASM_HEAP_MAX_BYTES, WasmAllocationError, WasmHeapError, guardWasmAllocations, isWasmHeapFailure, tfjsUsable } from './heap-limit';
import { heapEstimate, measureStepMemory } from '../memory-check';
import { heapModel, heapSource, heapTraining } from './heap-limit.fixture';
import { train } from '../train';

const heapBytes = () => ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;
const FIXES = ['training.batchSize', 'imageSize', '@tensorflow/tfjs-node'];

function runChild(mode: string): { name?: string; message?: string; tfjsUsable: boolean; later: string } {
  const r = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'heap-limit.child.ts'), mode], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`child (${mode}) printed no result (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(line);
}

describe('wasm heap limit', function () {
  before(async () => {
    await ensureWasm();
  });

  it('an allocation over the heap limit throws before anything is written, and tfjs stays usable', async () => {
    await onBackend('wasm', () => {
      guardWasmAllocations();
      const before = tf.memory().numTensors;
      // 4.4 GB: tfjs would pass the size to malloc truncated to 32 bits and write past the block
      expect(() => tf.zeros([1.1e9])).to.throw(WasmAllocationError, /4400000000 bytes/);
      expect(tf.memory().numTensors).to.equal(before);
      expect(Array.from(tf.tidy(() => tf.add(tf.ones([3]), 1)).dataSync())).to.deep.equal([2, 2, 2]);
      expect(heapBytes()).to.be.below(2 ** 31);
    });
  });

  it('recognises the wasm module failures and tfjs allocation failures, and nothing else', () => {
    const runtime = (m: string) => Object.assign(new Error(m), { name: 'RuntimeError' });
    expect(isWasmHeapFailure(runtime('Aborted(). Build with -sASSERTIONS for more info.'))).to.equal(true);
    expect(isWasmHeapFailure(runtime('memory access out of bounds'))).to.equal(true);
    expect(isWasmHeapFailure(new RangeError('Invalid typed array length: 4400000000'))).to.equal(true);
    expect(isWasmHeapFailure(new WasmAllocationError(5e9))).to.equal(true);
    expect(isWasmHeapFailure(runtime('unreachable'))).to.equal(false);
    expect(isWasmHeapFailure(new Error('memory access out of bounds'))).to.equal(false);
  });

  it('the step estimate (batch 1 and 2, extrapolated) matches the measured peak at batch 6', async () => {
    await onBackend('wasm', async () => {
      const model = heapModel(4);
      const [batch] = [...heapSource(6).epoch(6)];
      const probe = { model, task: 'binary' as const, numOutputs: 2, vars: model.trainableWeights.map((w) => w.read() as tf.Variable) };
      const m = await measureStepMemory({ ...probe, batch });
      const measured = await tf.profile(() => {
        tf.tidy(() => {
          const y = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 2);
          tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(tf.tensor4d(batch.x, batch.shape), { training: true }) as tf.Tensor) as tf.Scalar, probe.vars);
        });
      });
      expect(m.perImage).to.be.above(32 * 32 * 2 * 4); // at least the upsampled map of one image (32×32×2 floats)
      expect(Math.abs(heapEstimate(m, 6, { slots: 0, temporaries: 0 }).peakBytes - measured.peakBytes) / measured.peakBytes).to.be.below(0.05);
      model.dispose();
    });
  });

  it('train refuses a batch whose step cannot fit the heap, before allocating it, naming the fixes; the model is untouched', async () => {
    await onBackend('wasm', async () => {
      // ×250 upsampling: about 60 MB of activations per image, so batch 400 needs ~24 GB
      const model = heapModel(250);
      const data = heapSource(4);
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      const tensors = tf.memory().numTensors;
      const err = await train({ model, train: data, val: data, training: heapTraining(400), seed: 1 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(WasmHeapError);
      const e = err as WasmHeapError;
      expect(e.tfjsUnusable).to.equal(false);
      expect(e.estimate?.peakBytes).to.be.above(WASM_HEAP_MAX_BYTES);
      expect(e.estimate?.maxBatchSize).to.be.within(10, 100);
      for (const s of ['wasm backend', 'heap-probe-net', 'batch size 400', '8×8 px', '4.00 GiB', ...FIXES]) expect(e.message).to.include(s);
      expect(heapBytes(), 'nothing near the full step was allocated').to.be.below(1.5 * 1024 ** 3);
      expect(tf.memory().numTensors).to.equal(tensors);
      expect(model.getWeights().map((w) => Array.from(w.dataSync()))).to.deep.equal(weights); // batch-norm statistics restored
      expect(tfjsUsable()).to.equal(true);
      model.dispose();
    });
  });

  it('a step that runs out mid-training (child process) throws the message with the fixes and marks tfjs unusable', function () {
    const r = runChild('train');
    expect(r.name).to.equal('WasmHeapError');
    for (const s of ['batch size 4', ...FIXES, 'unusable', 'start a new process']) expect(r.message).to.include(s);
    expect(r.tfjsUsable).to.equal(false);
  });

  it('filling the heap without the guard makes the wasm module fail, recognised as a heap failure (MEDTRANSFER_SLOW_TESTS=1)', function () {
    if (process.env.MEDTRANSFER_SLOW_TESTS !== '1') {
      console.log('      (skipped: set MEDTRANSFER_SLOW_TESTS=1; allocates ~4 GB for ~15 s)');
      return this.skip();
    }
    const r = runChild('abort');
    expect(r.name).to.equal('WasmHeapError');
    for (const s of FIXES) expect(r.message).to.include(s);
    expect(r.later).to.match(/memory access out of bounds|Aborted/);
  });
});
