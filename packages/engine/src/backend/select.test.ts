// Backend selection: what 'auto' picks and reports, explicit choices, errors that say how to fix.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { ConfigError, setLogLevel, setLogSink, type LogLevel } from '@medtransfer/core';
import { gpuDeviceProblem, selectBackend, type BackendPreference } from './select';
import { wasmGradientKernels } from './wasm-gradients';
import { activeBackend } from './test-support';
import { nativeStatus } from './native';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', function () {
  let saved: string;
  let lines: Array<[LogLevel, string]>;
  let restoreSink: () => void;

  beforeEach(() => {
    saved = activeBackend();
    lines = [];
    setLogLevel('debug');
    restoreSink = setLogSink((level, line) => lines.push([level, line]));
  });

  afterEach(async () => {
    restoreSink();
    setLogLevel((process.env.MEDTRANSFER_LOG as LogLevel | undefined) ?? 'info');
    await tf.setBackend(saved);
  });

  it('auto picks the best backend that loads and reports it', async () => {
    const picked = await selectBackend('auto');
    const native = nativeStatus().available;
    const expected = installed('@tensorflow/tfjs-node-gpu')
      ? 'node-gpu'
      : installed('@tensorflow/tfjs-node')
        ? 'node'
        : native
          ? 'native'
          : 'wasm';
    expect(picked.name).to.equal(expected);
    const tfNames: Record<string, string> = { native: 'wasm', wasm: 'wasm' };
    expect(tf.getBackend()).to.equal(tfNames[expected] ?? 'tensorflow');
    const info = lines.filter(([level]) => level === 'info').map(([, l]) => l);
    expect(info.some((l) => l.includes(`backend: ${expected}`) && l.includes('picked automatically'))).to.equal(true, info.join('\n'));
    if (expected === 'wasm' || expected === 'native') {
      // The skipped native backends are named, with the reason, at debug level.
      const debug = lines.filter(([level]) => level === 'debug').map(([, l]) => l);
      expect(debug.some((l) => l.includes('node-gpu skipped') && l.includes('@tensorflow/tfjs-node-gpu is not installed'))).to.equal(true);
      expect(debug.some((l) => l.includes('node skipped') && l.includes('@tensorflow/tfjs-node is not installed'))).to.equal(true);
      expect(picked.package).to.equal(native ? '@medtransfer/native' : '@tensorflow/tfjs-backend-wasm');
    }
  });

  it('an explicit backend that is not installed throws, naming the package and the install command', async function () {
    if (installed('@tensorflow/tfjs-node')) {
      console.log('      (skipped: @tensorflow/tfjs-node is installed here)');
      this.skip();
    }
    let caught: unknown;
    try {
      await selectBackend('node');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    const msg = (caught as Error).message;
    expect(msg).to.include('backend "node"');
    expect(msg).to.include('@tensorflow/tfjs-node is not installed');
    expect(msg).to.include('npm install @tensorflow/tfjs-node');
    expect(tf.getBackend()).to.equal(saved);
  });

  it('an explicit node-gpu that cannot load says what to check: nvidia-smi, the CUDA module, the package', async function () {
    if (installed('@tensorflow/tfjs-node-gpu')) {
      console.log('      (skipped: @tensorflow/tfjs-node-gpu is installed here)');
      this.skip();
    }
    let caught: unknown;
    try {
      await selectBackend('node-gpu');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    const msg = (caught as Error).message;
    expect(msg).to.include('backend "node-gpu" is not available: @tensorflow/tfjs-node-gpu is not installed');
    expect(msg).to.include('CUDA / the GPU backend was not found');
    for (const check of ['`nvidia-smi`', 'module load cuda', 'npm install @tensorflow/tfjs-node-gpu']) expect(msg).to.include(check);
    expect(tf.getBackend()).to.equal(saved);
  });

  it('a node-gpu backend that fell back to the CPU is recognised (tfjs-node says whether it uses a GPU)', () => {
    expect(gpuDeviceProblem({ isUsingGpuDevice: true })).to.equal(undefined);
    expect(gpuDeviceProblem({ isUsingGpuDevice: false })).to.match(/found no CUDA device \(it would train on the CPU\)/);
    expect(gpuDeviceProblem({})).to.match(/does not say whether it uses a GPU/);
  });

  it('an explicit wasm choice installs the medtransfer gradient kernels', async () => {
    const picked = await selectBackend('wasm');
    expect(picked).to.include({ name: 'wasm', package: '@tensorflow/tfjs-backend-wasm' });
    expect(tf.getBackend()).to.equal('wasm');
    const names = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const k of wasmGradientKernels) expect(names.has(k), k).to.equal(true);
  });

  it('is idempotent: a second call returns the same choice without logging again', async () => {
    const a = await selectBackend('cpu');
    const logged = lines.length;
    const b = await selectBackend('cpu');
    expect(b).to.deep.equal(a);
    expect(a.name).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
    expect(lines.length).to.equal(logged);
  });

  it('rejects an unknown name with the valid ones', async () => {
    let caught: unknown;
    try {
      await selectBackend('gpu' as BackendPreference);
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.match(/unknown backend "gpu"; valid: auto, node-gpu, node, native, wasm, cpu/);
  });
});
