// `medtransfer backend [--require <name>]`: activate a backend the way `run` does and say which one
// this machine gives, so a job script can stop before training on the wrong one.
import { hostname } from 'node:os';
import { ConfigError, MedtransferError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { selectBackend, type BackendPreference, type SelectedBackend } from '@medtransfer/engine';

/**
 * The backend `run` would use with `required` (auto: the best that loads). A named backend that
 * does not load — or node-gpu on a machine where TensorFlow finds no GPU — throws, with what to
 * check; so does one that loads as something else.
 */
export async function checkBackend(required = 'auto'): Promise<SelectedBackend & { host: string }> {
  if (!(backendNames as readonly string[]).includes(required)) throw new MedtransferError(`--require: ${unknownNameMessage('backend', required, backendNames)}`);
  let got: SelectedBackend;
  try {
    got = await selectBackend(required as BackendPreference);
  } catch (err) {
    if (err instanceof ConfigError) throw new MedtransferError(`--require ${required}: on ${hostname()}: ${err.detail}`);
    throw err;
  }
  if (required !== 'auto' && got.name !== required) throw new MedtransferError(`--require ${required}: on ${hostname()} the backend is ${got.name} (${got.note}), not ${required}`);
  return { ...got, host: hostname() };
}

/** One line for logs: `backend node-gpu on gpu17: tfjs backend 'tensorflow': native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu)`. */
export function formatBackend(b: SelectedBackend & { host: string }): string {
  return `backend ${b.name} on ${b.host}: ${b.note} (${b.package})`;
}
