// MobileNet v1 (Howard et al. 2017) with keras.applications `mobilenet.py` layer names and top
// (GAP → reshape → dropout → 1×1 conv `conv_preds`), widths 0.25–1.0: blocks → builder → spec.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { glorotUniformFor } from './init';
import { LayerLog, bn, checkMinInput, conv, depthwise, outSize, relu6, zeroPad } from './layers';
import { parseParams } from './params';
import type { BackboneBuildOptions, BackboneParts, BackboneSpec, HeadBuilder, LayerGroup } from './spec';

type Sym = tf.SymbolicTensor;
export type MobileNetStem = 'imagenet' | 'small';

/** Keras' default batch-norm epsilon (mobilenet.py does not override it). */
const EPS = 1e-3;

/**
 * The 13 depthwise-separable blocks: pointwise width and stride (Howard et al. 2017, Table 1).
 * `stage` groups them by resolution: each stride-2 block opens a new stage.
 */
const BLOCKS: { filters: number; stride: number; stage: number }[] = [
  { filters: 64, stride: 1, stage: 1 },
  { filters: 128, stride: 2, stage: 2 },
  { filters: 128, stride: 1, stage: 2 },
  { filters: 256, stride: 2, stage: 3 },
  { filters: 256, stride: 1, stage: 3 },
  { filters: 512, stride: 2, stage: 4 },
  ...[7, 8, 9, 10, 11].map(() => ({ filters: 512, stride: 1, stage: 4 })),
  { filters: 1024, stride: 2, stage: 5 },
  { filters: 1024, stride: 1, stage: 5 },
];

/** Keras `int(filters * alpha)`. */
const width = (filters: number, alpha: number) => Math.floor(filters * alpha);

// ---- blocks ----------------------------------------------------------------------------------

/** Keras `_depthwise_conv_block`: [pad (0,1)] → depthwise 3×3 → BN → ReLU6 → 1×1 conv → BN → ReLU6. */
function separable(log: LayerLog, x: Sym, id: number, filters: number, stride: number, seed: number): Sym {
  let y = x;
  // A stride-2 depthwise conv pads only bottom/right, as Keras does, so ImageNet weights see the same pixels.
  if (stride > 1) y = zeroPad(log, y, `conv_pad_${id}`, [[0, 1], [0, 1]]);
  y = depthwise(log, y, `conv_dw_${id}`, { strides: stride, padding: stride > 1 ? 'valid' : 'same', seed });
  y = relu6(log, bn(log, y, `conv_dw_${id}_bn`, EPS), `conv_dw_${id}_relu`);
  y = conv(log, y, `conv_pw_${id}`, { filters, kernel: 1, padding: 'same', useBias: false, seed });
  return relu6(log, bn(log, y, `conv_pw_${id}_bn`, EPS), `conv_pw_${id}_relu`);
}

// ---- builder ---------------------------------------------------------------------------------

interface MobileNetParams {
  alpha: number;
  stem: MobileNetStem;
  dropout: number;
}

/** Spatial size after the last block for an n-pixel side. */
function finalSize(n: number, stem: MobileNetStem): number {
  n = outSize(n, 3, stem === 'small' ? 1 : 2, 'same');
  // Each stride-2 block pads one pixel then takes a valid 3×3/2 conv.
  for (const b of BLOCKS) if (b.stride > 1) n = outSize(n + 1, 3, 2, 'valid');
  return n;
}

export function mobilenetMinInput(stem: MobileNetStem): number {
  let n = 1;
  while (finalSize(n, stem) < 1) n++;
  return n;
}

function buildMobileNet(p: MobileNetParams, opts: BackboneBuildOptions): BackboneParts {
  const min = mobilenetMinInput(p.stem);
  checkMinInput('mobilenet-v1', min, opts, p.stem === 'imagenet' ? `or set params.stem: small (takes ${mobilenetMinInput('small')} px and up)` : '');
  const log = new LayerLog();
  const input = tf.input({ shape: opts.inputShape, name: 'input' });
  // Keras `_conv_block`: 3×3 conv (stride 2; stride 1 with stem "small") → BN → ReLU6.
  let x = conv(log, input, 'conv1', { filters: width(32, p.alpha), kernel: 3, strides: p.stem === 'small' ? 1 : 2, padding: 'same', useBias: false, seed: opts.seed });
  x = relu6(log, bn(log, x, 'conv1_bn', EPS), 'conv1_relu');
  const groups: LayerGroup[] = [{ name: 'stem', layers: log.since(0) }];
  BLOCKS.forEach((b, i) => {
    const from = log.names.length;
    x = separable(log, x, i + 1, width(b.filters, p.alpha), b.stride, opts.seed);
    const name = `stage${b.stage}`;
    const last = groups[groups.length - 1];
    if (last.name === name) last.layers.push(...log.since(from));
    else groups.push({ name, layers: log.since(from) });
  });
  // Keras' automatic name for the top's unnamed GlobalAveragePooling2D.
  const features = log.apply(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  groups[groups.length - 1].layers.push('global_average_pooling2d');
  return { input, features, groups };
}

/** Keras' MobileNet top: reshape to 1×1×F → dropout → 1×1 conv `conv_preds` (with bias) → flatten. */
const mobilenetHead: HeadBuilder = (features, { numClasses, seed, params }) => {
  const f = features.shape[1] as number;
  const dropout = (params as unknown as MobileNetParams).dropout;
  const layers = [
    tf.layers.reshape({ name: 'reshape_1', targetShape: [1, 1, f] }),
    tf.layers.dropout({ name: 'dropout', rate: dropout }),
    tf.layers.conv2d({
      name: 'conv_preds',
      filters: numClasses,
      kernelSize: 1,
      padding: 'same',
      kernelInitializer: glorotUniformFor(seed, 'conv_preds'),
      biasInitializer: 'zeros',
    }),
    tf.layers.reshape({ name: 'reshape_2', targetShape: [numClasses] }),
  ];
  const logits = layers.reduce((x, l) => l.apply(x) as Sym, features);
  return { logits, layers: layers.map((l) => l.name) };
};

// ---- spec ------------------------------------------------------------------------------------

const mobilenetSchema = z.strictObject({
  /** Width multiplier: the four widths with Keras ImageNet weights. */
  alpha: z.literal([0.25, 0.5, 0.75, 1]).default(1),
  /** 'imagenet': conv1 stride 2 (needs ≥ 31 px); 'small': conv1 stride 1, for 28-px MedMNIST images. */
  stem: z.enum(['imagenet', 'small']).default('imagenet'),
  /** Dropout before `conv_preds` (Keras default 1e-3). */
  dropout: z.number().min(0).max(0.99).default(1e-3),
});

export const mobilenetV1: BackboneSpec = {
  name: 'mobilenet-v1',
  parseParams: (params, path) => parseParams(mobilenetSchema, params, path),
  minInputSize: (params) => mobilenetMinInput(parseParams(mobilenetSchema, params, '').stem),
  build: (opts) => buildMobileNet(parseParams(mobilenetSchema, opts.params, opts.path), opts),
  head: mobilenetHead,
};

export const mobilenetSpecs: BackboneSpec[] = [mobilenetV1];
