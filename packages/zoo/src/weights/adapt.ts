// Explicit, logged adaptations of pretrained weights before loading: a 3-channel first conv
// summed to take 1-channel (grayscale) input, and dropping the classifier.
import { MedtransferError, getLogger, unknownNameMessage } from '@medtransfer/core';
import type { CheckpointTensor, NamedWeights } from '../checkpoint';
import { layerOf } from '../weight-names';

export interface Adapted {
  /** New weights; tensors not touched by the step are shared with the input (never mutated). */
  weights: NamedWeights;
  /** One line saying what was done (also written to the log). */
  log: string;
}

const logger = getLogger('zoo/weights');
const fmt = (s: readonly number[]) => `[${s.join(',')}]`;

/**
 * Sums a first conv's HWIO kernel `[kh, kw, 3, out]` over its input channels (axis 2) into
 * `[kh, kw, 1, out]`. A gray image g fed as RGB (g, g, g) gives Σc W[.., c, ..]·g, so the summed
 * kernel computes exactly what the RGB net computed on a gray image replicated to 3 channels.
 */
export function adaptFirstConv(weights: NamedWeights, layerName: string, toChannels: 1): Adapted {
  const key = `${layerName}/kernel`;
  const t = weights.tensors.get(key);
  if (!t) {
    const kernels = [...weights.tensors.entries()].filter(([k, v]) => k.endsWith('/kernel') && v.shape.length === 4).map(([k]) => layerOf(k));
    throw new MedtransferError(`adaptFirstConv on ${weights.source}: ${unknownNameMessage('conv layer', layerName, kernels)}`);
  }
  if (t.shape.length !== 4) throw new MedtransferError(`adaptFirstConv on ${weights.source}: ${key} has shape ${fmt(t.shape)}; expected a conv kernel [kh, kw, in, out]`);
  const [kh, kw, cin, cout] = t.shape;
  if (toChannels !== 1) throw new MedtransferError(`adaptFirstConv: toChannels ${String(toChannels)} is not supported; only 1 (grayscale) is`);
  if (cin === toChannels) {
    const log = `first conv ${layerName} already takes ${cin} channel(s) ${fmt(t.shape)}; unchanged`;
    logger.info(log);
    return { weights, log };
  }
  if (cin !== 3) throw new MedtransferError(`adaptFirstConv on ${weights.source}: ${key} takes ${cin} input channels ${fmt(t.shape)}; summing to 1 channel expects an RGB (3-channel) first conv`);
  const out = new Float32Array(kh * kw * cout);
  for (let p = 0; p < kh * kw; p++) {
    for (let c = 0; c < cin; c++) {
      const src = (p * cin + c) * cout;
      for (let o = 0; o < cout; o++) out[p * cout + o] += t.data[src + o];
    }
  }
  const tensors = new Map<string, CheckpointTensor>(weights.tensors);
  tensors.set(key, { shape: [kh, kw, 1, cout], data: out });
  const log = `first conv ${layerName}: kernel ${fmt(t.shape)} summed over its RGB input channels to ${fmt([kh, kw, 1, cout])} for 1-channel input`;
  logger.info(`${log} (${weights.source})`);
  return { weights: { source: `${weights.source}, ${layerName} summed to 1 channel`, tensors }, log };
}

/** Removes the weights of the classifier layers (e.g. Keras `predictions`, tfjs MobileNet `conv_preds`). */
export function dropClassifier(weights: NamedWeights, headLayerNames: readonly string[]): Adapted {
  const heads = new Set(headLayerNames);
  const tensors = new Map<string, CheckpointTensor>();
  const dropped: string[] = [];
  for (const [k, v] of weights.tensors) {
    if (heads.has(layerOf(k))) dropped.push(`${k} ${fmt(v.shape)}`);
    else tensors.set(k, v);
  }
  const present = new Set(dropped.map((d) => layerOf(d.split(' ')[0])));
  const absent = headLayerNames.filter((h) => !present.has(h));
  const log =
    `dropped classifier ${dropped.length ? `${dropped.length} tensors: ${dropped.join(', ')}` : 'nothing'}` +
    (absent.length ? `; not in the weights: ${absent.join(', ')}` : '');
  logger.info(`${log} (${weights.source})`);
  return { weights: { source: `${weights.source}, classifier dropped`, tensors }, log };
}
