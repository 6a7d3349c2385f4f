// CBR nets from Raghu et al., "Transfusion" (NeurIPS 2019), the small conv → batch-norm → ReLU
// baselines: blocks → spatial check → builder → table of variants → one spec per variant.
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@medtransfer/core';
import { z } from 'zod';
import { batchNormLayer } from './batch-norm-layer';
import { conv2dLayer } from './conv2d-layer';
import { heNormalFor } from './init';
import { BN_MOMENTUM } from './layers';
import { paramPath, parseParams } from './params';
import type { BackboneBuildOptions, BackboneParts, BackboneSpec, LayerGroup } from './spec';

export type CbrPadding = 'same' | 'valid';
export type TinyChannels = 'reported' | 'printed';

/** One block: conv (k×k, stride 1) → BN → ReLU, then optionally max-pool 3×3 stride 2. */
interface CbrBlock {
  filters: number;
  pool: boolean;
}

/** Parses the paper's layout notation, e.g. `c32 MP c64 MP c128`. */
export function parseLayout(layout: string): CbrBlock[] {
  const blocks: CbrBlock[] = [];
  for (const token of layout.trim().split(/\s+/)) {
    const conv = /^c(\d+)$/.exec(token);
    if (conv) blocks.push({ filters: Number(conv[1]), pool: false });
    else if (token === 'MP' && blocks.length && !blocks[blocks.length - 1].pool) blocks[blocks.length - 1].pool = true;
    else throw new Error(`internal: bad CBR layout token "${token}" in "${layout}"`);
  }
  return blocks;
}

// ---- spatial check -------------------------------------------------------------------------

export { BN_MOMENTUM };
const POOL_SIZE = 3;
const POOL_STRIDE = 2;

function outSize(n: number, kernel: number, stride: number, padding: CbrPadding): number {
  // Same formulas as TensorFlow: 'same' → ceil(n / s); 'valid' → floor((n - k) / s) + 1.
  return padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - kernel) / stride) + 1;
}

/** The first layer whose output would be empty, or null when every layer keeps ≥ 1 pixel. */
function firstEmptyLayer(blocks: CbrBlock[], kernel: number, padding: CbrPadding, size: number): string | null {
  let n = size;
  for (let i = 0; i < blocks.length; i++) {
    n = outSize(n, kernel, 1, padding);
    if (n < 1) return `block${i + 1}_conv (${kernel}×${kernel} conv)`;
    if (blocks[i].pool) {
      n = outSize(n, POOL_SIZE, POOL_STRIDE, padding);
      if (n < 1) return `block${i + 1}_pool (3×3 max-pool, stride 2)`;
    }
  }
  return null;
}

function smallestFittingSize(blocks: CbrBlock[], kernel: number, padding: CbrPadding): number {
  let n = 1;
  while (firstEmptyLayer(blocks, kernel, padding, n) !== null) n++;
  return n;
}

/** Refuses, before any weight is allocated, an input that valid padding would shrink to nothing. */
function checkSpatial(name: string, blocks: CbrBlock[], kernel: number, padding: CbrPadding, opts: BackboneBuildOptions): void {
  const [h, w] = opts.inputShape;
  const failAt = firstEmptyLayer(blocks, kernel, padding, h) ?? firstEmptyLayer(blocks, kernel, padding, w);
  if (failAt === null) return;
  const min = smallestFittingSize(blocks, kernel, padding);
  throw new ConfigError(
    paramPath(opts.path, 'padding'),
    `${name} with padding "${padding}" cannot take a ${h}×${w} input: the spatial size drops below 1 pixel at ` +
      `${failAt}. Use padding "same" (the default), or images of at least ${min}×${min} pixels with padding "${padding}".`,
  );
}

// ---- builder -------------------------------------------------------------------------------

interface CbrArch {
  name: string;
  kernel: number;
  layout: string;
  padding: CbrPadding;
}

function buildCbr(arch: CbrArch, opts: BackboneBuildOptions): BackboneParts {
  const blocks = parseLayout(arch.layout);
  checkSpatial(arch.name, blocks, arch.kernel, arch.padding, opts);

  const input = tf.input({ shape: opts.inputShape, name: 'input' });
  let x: tf.SymbolicTensor = input;
  const groups: LayerGroup[] = [];
  const apply = (layer: tf.layers.Layer) => (x = layer.apply(x) as tf.SymbolicTensor);
  blocks.forEach((block, i) => {
    const p = `block${i + 1}`;
    const layers = [`${p}_conv`, `${p}_bn`, `${p}_relu`];
    apply(
      conv2dLayer({
        name: `${p}_conv`,
        filters: block.filters,
        kernelSize: arch.kernel,
        strides: 1,
        padding: arch.padding,
        // No bias: the batch norm that follows has its own shift (beta).
        useBias: false,
        kernelInitializer: heNormalFor(opts.seed, `${p}_conv`),
      }),
    );
    // Moving-statistics momentum 0.9 (PyTorch's default, used by the MedMNIST baselines): Keras'
    // 0.99 lags the fast-changing weights of short medical runs (hundreds of steps), so
    // evaluation-mode outputs drift from training-mode ones. epsilon 1e-3 as in Keras.
    apply(batchNormLayer({ name: `${p}_bn`, axis: -1, momentum: BN_MOMENTUM, epsilon: 1e-3 }));
    apply(tf.layers.activation({ name: `${p}_relu`, activation: 'relu' }));
    if (block.pool) {
      apply(tf.layers.maxPooling2d({ name: `${p}_pool`, poolSize: POOL_SIZE, strides: POOL_STRIDE, padding: arch.padding }));
      layers.push(`${p}_pool`);
    }
    groups.push({ name: p, layers });
  });
  const features = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  groups[groups.length - 1].layers.push('gap');
  return { input, features, groups };
}

// ---- variants (Raghu et al. 2019, the CBR family; layouts as DESIGN.md quotes the paper) -----

const padding = z.enum(['same', 'valid']).default('same');
const cbrSchema = z.strictObject({ padding });
const tinySchema = z.strictObject({ padding, tinyChannels: z.enum(['reported', 'printed']).default('reported') });

/** Layout strings exactly as the paper prints them; CBR-Tiny has two readings (see README). */
export const CBR_VARIANTS = {
  'cbr-large-t': { kernel: 7, layout: 'c32 MP c64 MP c128 MP c256 MP c512' },
  'cbr-large-w': { kernel: 7, layout: 'c64 MP c128 MP c256 MP c512 MP' },
  'cbr-small': { kernel: 7, layout: 'c32 MP c64 MP c128 MP c256 MP' },
  'cbr-tiny': { kernel: 5, layout: { printed: 'c64 MP c128 MP c256 MP c512 MP', reported: 'c32 MP c64 MP c128 MP c256 MP' } },
} as const;

function plainCbr(name: 'cbr-large-t' | 'cbr-large-w' | 'cbr-small'): BackboneSpec {
  const v = CBR_VARIANTS[name];
  return {
    name,
    parseParams: (params, path) => parseParams(cbrSchema, params, path),
    minInputSize: (params) => smallestFittingSize(parseLayout(v.layout), v.kernel, parseParams(cbrSchema, params, '').padding),
    build: (opts) => {
      const p = parseParams(cbrSchema, opts.params, opts.path);
      return buildCbr({ name, kernel: v.kernel, layout: v.layout, padding: p.padding }, opts);
    },
  };
}

export const cbrLargeT: BackboneSpec = plainCbr('cbr-large-t');
export const cbrLargeW: BackboneSpec = plainCbr('cbr-large-w');
export const cbrSmall: BackboneSpec = plainCbr('cbr-small');

/** CBR-Tiny: `tinyChannels: 'reported'` (default, 32→256, ~1.08M params as the paper reports) or 'printed' (64→512, ~4.3M). */
export const cbrTiny: BackboneSpec = {
  name: 'cbr-tiny',
  parseParams: (params, path) => parseParams(tinySchema, params, path),
  minInputSize: (params) => {
    const p = parseParams(tinySchema, params, '');
    const v = CBR_VARIANTS['cbr-tiny'];
    return smallestFittingSize(parseLayout(v.layout[p.tinyChannels]), v.kernel, p.padding);
  },
  build: (opts) => {
    const p = parseParams(tinySchema, opts.params, opts.path);
    const v = CBR_VARIANTS['cbr-tiny'];
    return buildCbr({ name: 'cbr-tiny', kernel: v.kernel, layout: v.layout[p.tinyChannels], padding: p.padding }, opts);
  },
};

/** Every CBR variant, in the paper's order, for the register-all list. */
export const cbrSpecs: BackboneSpec[] = [cbrLargeT, cbrLargeW, cbrSmall, cbrTiny];
