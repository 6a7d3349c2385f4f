// `gabor-conv1`: the first convolution set to a fixed Gabor filter bank (a synthetic "pretrained"
// first layer, no weights needed), everything else as from scratch.
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { layerOf, namedWeights, shapeOf } from '../weight-names';
import { defineInit } from './spec';

/** A fixed Gabor bank (orientations × wavelengths × two phases), zero-mean and He-scaled per filter. */
export function gaborBank(shape: number[]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(kh * kw * cin * cout);
  const orientations = 8;
  const heStd = Math.sqrt(2 / (kh * kw * cin));
  for (let o = 0; o < cout; o++) {
    const theta = (Math.PI * (o % orientations)) / orientations;
    const band = Math.floor(o / orientations);
    const lambda = Math.max(2, Math.min(kh, kw) / (1 + (band >> 1)));
    const psi = band % 2 === 0 ? 0 : Math.PI / 2;
    const sigma = 0.56 * lambda;
    const f = new Float64Array(kh * kw);
    let mean = 0;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const dx = x - (kw - 1) / 2;
        const dy = y - (kh - 1) / 2;
        const xr = dx * Math.cos(theta) + dy * Math.sin(theta);
        const yr = -dx * Math.sin(theta) + dy * Math.cos(theta);
        const v = Math.exp(-(xr * xr + 0.25 * yr * yr) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * xr) / lambda + psi);
        f[y * kw + x] = v;
        mean += v;
      }
    }
    mean /= kh * kw;
    let sq = 0;
    for (let i = 0; i < f.length; i++) sq += (f[i] - mean) ** 2;
    const scale = sq > 0 ? heStd / Math.sqrt(sq / f.length) : 0;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let c = 0; c < cin; c++) out[((y * kw + x) * cin + c) * cout + o] = (f[y * kw + x] - mean) * scale;
      }
    }
  }
  return out;
}

export const gaborConv1 = defineInit({
  name: 'gabor-conv1',
  summary: 'the first convolution set to a fixed Gabor filter bank, the rest from scratch',
  needsPretrained: false,
  examples: ['gabor-conv1'],
  strategy: () => ({ kind: 'gabor-conv1' as const }),
  apply: (m, _s, { path }) => {
    const conv = m.model.layers.find((l) => l.getClassName() === 'Conv2D');
    if (!conv) throw new ConfigError(path, `${m.backbone} has no Conv2D layer for a Gabor first layer`);
    const kernel = namedWeights(m.model).find((w) => w.layer === conv.name && w.key.endsWith('/kernel'));
    if (!kernel) throw new Error(`internal: ${conv.name} has no kernel`);
    const shape = shapeOf(kernel.variable);
    tf.tidy(() => {
      kernel.variable.write(tf.tensor(gaborBank(shape), shape));
    });
    return { description: `gabor-conv1: ${layerOf(kernel.key)} set to a ${shape[3]}-filter Gabor bank; the rest from scratch` };
  },
});
