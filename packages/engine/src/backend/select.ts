// Picks the tfjs backend: the best one that loads (node-gpu → node → native → wasm → cpu) or the
// one the experiment names, says which one it picked, and makes wasm trainable with our kernels.
import * as tf from '@tensorflow/tfjs';
import { backendNames, ConfigError, getLogger } from '@medtransfer/core';
import { registerWasmGradients } from './wasm-gradients';
import { installNativeKernels, nativeStatus, setNativeKernelsEnabled } from './native';

export type BackendPreference = (typeof backendNames)[number];
type Concrete = Exclude<BackendPreference, 'auto'>;

export interface SelectedBackend {
  /** medtransfer's name for it (the config value): `node-gpu`, `node`, `native`, `wasm` or `cpu`. */
  name: string;
  /** npm package that provides it. */
  package: string;
  /** One line for logs and results: tfjs backend name and what it runs on. */
  note: string;
}

interface Candidate {
  name: Concrete;
  package: string;
  /** The name tfjs registers the backend under. */
  tfName: string;
  describe: () => string;
  /** Makes tfjs know the backend; throws if the package cannot be loaded. */
  load(): void;
}

/** The native addon is not built or is turned off: an expected condition, not a broken install. */
class NativeUnavailable extends Error {}
/** node-gpu loaded, but TensorFlow found no GPU: explicit node-gpu fails rather than train on the CPU. */
class NoGpuDevice extends Error {}

/* eslint-disable @typescript-eslint/no-require-imports -- optional packages must load lazily */
const candidates: readonly Candidate[] = [
  {
    name: 'node-gpu',
    package: '@tensorflow/tfjs-node-gpu',
    tfName: 'tensorflow',
    describe: () => 'native TensorFlow with CUDA',
    load: () => require('@tensorflow/tfjs-node-gpu'),
  },
  {
    name: 'node',
    package: '@tensorflow/tfjs-node',
    tfName: 'tensorflow',
    describe: () => 'native TensorFlow on the CPU',
    load: () => require('@tensorflow/tfjs-node'),
  },
  {
    name: 'native',
    package: '@medtransfer/native',
    tfName: 'wasm',
    describe: () => `wasm backend with medtransfer native kernels (${nativeStatus().describe}) for convolutions, pooling, matmul, reductions, arithmetic`,
    load: () => {
      require('@tensorflow/tfjs-backend-wasm');
      registerWasmGradients();
      const status = installNativeKernels();
      if (!status.available) throw new NativeUnavailable(String(status.reason));
    },
  },
  {
    name: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    tfName: 'wasm',
    describe: () => 'WebAssembly + XNNPACK, single thread, with medtransfer gradient kernels',
    load: () => {
      require('@tensorflow/tfjs-backend-wasm');
      registerWasmGradients();
      setNativeKernelsEnabled(false);
    },
  },
  {
    name: 'cpu',
    package: '@tensorflow/tfjs',
    tfName: 'cpu',
    describe: () => 'plain JavaScript (slow)',
    load: () => undefined,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

const log = getLogger('engine');

/** True when `err` says the package itself is absent (not a broken install of it). */
function isNotInstalled(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${pkg}'`);
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

/** What to check on a machine where node-gpu does not load or finds no GPU. */
export const GPU_HINT =
  'CUDA / the GPU backend was not found. Check on this machine: `nvidia-smi` lists a GPU (on a cluster: a GPU partition ' +
  'and a GPU requested, e.g. --gres gpu:1); the CUDA and cuDNN libraries TensorFlow needs are loaded (e.g. `module load cuda`, ' +
  'LD_LIBRARY_PATH); @tensorflow/tfjs-node-gpu is installed where medtransfer runs ("npm install @tensorflow/tfjs-node-gpu"). ' +
  'Or set backend to "auto", "node", "wasm" or "cpu".';

/**
 * Why a loaded node-gpu backend is not on a GPU, or undefined. TensorFlow falls back to the CPU
 * when it finds no CUDA device; tfjs-node's backend says which it got (`isUsingGpuDevice`).
 */
export function gpuDeviceProblem(backend: unknown): string | undefined {
  const b = backend as { isUsingGpuDevice?: unknown };
  if (b?.isUsingGpuDevice === true) return undefined;
  return b?.isUsingGpuDevice === false ? 'TensorFlow found no CUDA device (it would train on the CPU)' : 'the TensorFlow backend does not say whether it uses a GPU';
}

function installHint(c: Candidate): string {
  if (c.name === 'native') {
    return 'Unset MEDTRANSFER_NATIVE or build the addon as the message says, or set backend to "auto", "wasm" or "cpu".';
  }
  if (c.name === 'node-gpu') return GPU_HINT;
  if (c.name === 'node') {
    return `Install it with "npm install ${c.package}" (its install step downloads the TensorFlow C library), or set backend to "auto", "wasm" or "cpu".`;
  }
  return `Reinstall dependencies with "npm install" (${c.package} is a regular dependency), or set backend to "cpu".`;
}

/** Loads and activates one backend; returns null (auto) or throws (explicit) when it cannot. */
async function tryCandidate(c: Candidate, explicit: boolean): Promise<SelectedBackend | null> {
  try {
    c.load();
    if (!(await tf.setBackend(c.tfName)) || tf.getBackend() !== c.tfName) {
      throw new Error(`tfjs could not initialise backend '${c.tfName}'`);
    }
    if (c.name === 'node-gpu') {
      const problem = gpuDeviceProblem(tf.backend());
      if (problem && explicit) throw new NoGpuDevice(problem);
      // auto: TensorFlow on the CPU still beats the next candidates; say so instead of implying a GPU
      if (problem) {
        log.warn(`backend node-gpu: ${problem}. ${GPU_HINT}`);
        return { name: c.name, package: c.package, note: `tfjs backend '${c.tfName}': native TensorFlow on the CPU (no CUDA device found)` };
      }
    }
  } catch (err) {
    const notInstalled = isNotInstalled(err, c.package);
    const why =
      err instanceof NativeUnavailable
        ? `${c.package} is unavailable: ${err.message}`
        : err instanceof NoGpuDevice
          ? `${c.package} loaded, but ${err.message}`
          : notInstalled
            ? `${c.package} is not installed`
            : `${c.package} failed to load: ${firstLine(err)}`;
    if (explicit) throw new ConfigError('backend', `backend "${c.name}" is not available: ${why}. ${installHint(c)}`);
    if (notInstalled) log.debug(`backend ${c.name} skipped: ${why}`);
    else if (err instanceof NativeUnavailable) log.info(`backend ${c.name} skipped: ${why}`);
    else log.warn(`backend ${c.name} skipped: ${why}`);
    return null;
  }
  return { name: c.name, package: c.package, note: `tfjs backend '${c.tfName}': ${c.describe()}` };
}

let last: { pref: BackendPreference; result: SelectedBackend; tfName: string } | null = null;

/**
 * Activates a tfjs backend. 'auto' takes the first of node-gpu → node → native → wasm → cpu that loads;
 * an explicit name that cannot load throws a ConfigError saying what failed and how to fix it.
 * Calling it again with the same preference is cheap and logs nothing new.
 */
export async function selectBackend(pref: BackendPreference): Promise<SelectedBackend> {
  if (!(backendNames as readonly string[]).includes(pref)) {
    throw new ConfigError('backend', `unknown backend "${String(pref)}"; valid: ${backendNames.join(', ')}`);
  }
  if (last && last.pref === pref && tf.getBackend() === last.tfName) return last.result;
  const order = pref === 'auto' ? candidates : candidates.filter((c) => c.name === pref);
  for (const c of order) {
    const result = await tryCandidate(c, pref !== 'auto');
    if (result) {
      last = { pref, result, tfName: c.tfName };
      log.info(`backend: ${result.name} (${result.note})${pref === 'auto' ? ', picked automatically' : ''}`);
      return result;
    }
  }
  // Unreachable: the cpu backend ships with @tensorflow/tfjs.
  throw new ConfigError('backend', 'no tfjs backend could be loaded; reinstall dependencies with "npm install"');
}
