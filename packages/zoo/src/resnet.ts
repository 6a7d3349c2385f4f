// ResNet-18/-34/-50 with keras.applications layer names (ResNet50 as in Keras' v1 `resnet.py`;
// ResNet-18/-34, absent from Keras, use the same scheme with basic blocks): blocks → builder → variants.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LayerLog, bn, conv, relu, zeroPad } from './layers';
import { parseParams } from './params';
import { type BackboneBuildOptions, type BackboneParts, type BackboneSpec, type LayerGroup, denseHead } from './spec';

type Sym = tf.SymbolicTensor;
export type ResNetStem = 'imagenet' | 'small';

/** Keras ResNet50's batch-norm epsilon (resnet.py); the Keras default would be 1e-3. */
const EPS = 1.001e-5;
/** Keras ResNet convs keep their bias (use_bias=True), although the batch norm after makes it redundant. */
const BIAS = true;

// ---- blocks ----------------------------------------------------------------------------------

interface BlockArgs {
  log: LayerLog;
  name: string;
  filters: number;
  stride: number;
  /** 1×1 conv + BN on the shortcut (when the shape changes); otherwise identity. */
  convShortcut: boolean;
  seed: number;
}

function merge(a: BlockArgs, shortcut: Sym, y: Sym): Sym {
  const sum = a.log.apply(tf.layers.add({ name: `${a.name}_add` }), [shortcut, y]);
  return relu(a.log, sum, `${a.name}_out`);
}

function projection(a: BlockArgs, x: Sym, filters: number): Sym {
  if (!a.convShortcut) return x;
  const s = conv(a.log, x, `${a.name}_0_conv`, { filters, kernel: 1, strides: a.stride, useBias: BIAS, seed: a.seed });
  return bn(a.log, s, `${a.name}_0_bn`, EPS);
}

/** Keras `block1`: 1×1 (stride here, Caffe-style) → 3×3 → 1×1 ×4, BN after each, ReLU after the add. */
function bottleneck(a: BlockArgs, x: Sym): Sym {
  const { log, name, filters, seed } = a;
  const shortcut = projection(a, x, 4 * filters);
  let y = conv(log, x, `${name}_1_conv`, { filters, kernel: 1, strides: a.stride, useBias: BIAS, seed });
  y = relu(log, bn(log, y, `${name}_1_bn`, EPS), `${name}_1_relu`);
  y = conv(log, y, `${name}_2_conv`, { filters, kernel: 3, padding: 'same', useBias: BIAS, seed });
  y = relu(log, bn(log, y, `${name}_2_bn`, EPS), `${name}_2_relu`);
  y = conv(log, y, `${name}_3_conv`, { filters: 4 * filters, kernel: 1, useBias: BIAS, seed });
  y = bn(log, y, `${name}_3_bn`, EPS);
  return merge(a, shortcut, y);
}

/**
 * Basic block (He et al. 2016, ResNet-18/34): 3×3 → 3×3. A strided 3×3 conv pads one pixel on
 * every side (`_1_pad`, as torchvision does) rather than TF's bottom/right-heavy 'same', so
 * torchvision weights give the same outputs.
 */
function basic(a: BlockArgs, x: Sym): Sym {
  const { log, name, filters, seed } = a;
  const shortcut = projection(a, x, filters);
  let y = x;
  if (a.stride > 1) y = zeroPad(log, y, `${name}_1_pad`, 1);
  y = conv(log, y, `${name}_1_conv`, { filters, kernel: 3, strides: a.stride, padding: a.stride > 1 ? 'valid' : 'same', useBias: BIAS, seed });
  y = relu(log, bn(log, y, `${name}_1_bn`, EPS), `${name}_1_relu`);
  y = conv(log, y, `${name}_2_conv`, { filters, kernel: 3, padding: 'same', useBias: BIAS, seed });
  y = bn(log, y, `${name}_2_bn`, EPS);
  return merge(a, shortcut, y);
}

// ---- builder ---------------------------------------------------------------------------------

type BlockKind = 'basic' | 'bottleneck';

/** Keras stage names and widths: conv2 (stride 1) … conv5; the output width is 4× for bottlenecks. */
const STAGES = [
  { name: 'conv2', filters: 64, stride: 1 },
  { name: 'conv3', filters: 128, stride: 2 },
  { name: 'conv4', filters: 256, stride: 2 },
  { name: 'conv5', filters: 512, stride: 2 },
] as const;

function stem(log: LayerLog, x: Sym, kind: ResNetStem, seed: number): Sym {
  if (kind === 'small') {
    // MedMNIST's 28-px ResNets: one 3×3 stride-1 conv and no max-pool, so 28 px reach conv5 at 4×4.
    const y = conv(log, x, 'conv1_conv', { filters: 64, kernel: 3, padding: 'same', useBias: BIAS, seed });
    return relu(log, bn(log, y, 'conv1_bn', EPS), 'conv1_relu');
  }
  let y = zeroPad(log, x, 'conv1_pad', 3);
  y = conv(log, y, 'conv1_conv', { filters: 64, kernel: 7, strides: 2, useBias: BIAS, seed });
  y = relu(log, bn(log, y, 'conv1_bn', EPS), 'conv1_relu');
  y = zeroPad(log, y, 'pool1_pad', 1);
  return log.apply(tf.layers.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2, padding: 'valid' }), y);
}

function buildResNet(kind: BlockKind, depths: readonly number[], stemKind: ResNetStem, opts: BackboneBuildOptions): BackboneParts {
  const log = new LayerLog();
  const input = tf.input({ shape: opts.inputShape, name: 'input' });
  let x = stem(log, input, stemKind, opts.seed);
  const groups: LayerGroup[] = [{ name: 'stem', layers: log.since(0) }];
  let channels = 64;
  STAGES.forEach((stage, s) => {
    const from = log.names.length;
    const out = kind === 'bottleneck' ? 4 * stage.filters : stage.filters;
    for (let b = 1; b <= depths[s]; b++) {
      const stride = b === 1 ? stage.stride : 1;
      // Keras gives every first bottleneck a projection; a basic block needs one only when the shape changes.
      const convShortcut = b === 1 && (kind === 'bottleneck' || stride !== 1 || channels !== out);
      const args = { log, name: `${stage.name}_block${b}`, filters: stage.filters, stride, convShortcut, seed: opts.seed };
      x = kind === 'bottleneck' ? bottleneck(args, x) : basic(args, x);
      channels = out;
    }
    groups.push({ name: stage.name, layers: log.since(from) });
  });
  const features = log.apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  groups[groups.length - 1].layers.push('avg_pool');
  return { input, features, groups };
}

// ---- variants --------------------------------------------------------------------------------

const resnetSchema = z.strictObject({
  /** 'imagenet': 7×7/2 conv + 3×3/2 max-pool (Keras, ImageNet weights); 'small': 3×3/1 conv, no pool. */
  stem: z.enum(['imagenet', 'small']).default('imagenet'),
});

/** Blocks per stage (He et al. 2016, Table 1). */
export const RESNET_VARIANTS = {
  resnet18: { block: 'basic', depths: [2, 2, 2, 2] },
  resnet34: { block: 'basic', depths: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', depths: [3, 4, 6, 3] },
} as const;

function resnetSpec(name: keyof typeof RESNET_VARIANTS): BackboneSpec {
  const v = RESNET_VARIANTS[name];
  return {
    name,
    parseParams: (params, path) => parseParams(resnetSchema, params, path),
    // Every stride-2 layer is padded, so even a 1-px input keeps one pixel down to conv5.
    minInputSize: () => 1,
    build: (opts) => buildResNet(v.block, v.depths, parseParams(resnetSchema, opts.params, opts.path).stem, opts),
    head: denseHead('predictions'),
  };
}

export const resnet18: BackboneSpec = resnetSpec('resnet18');
export const resnet34: BackboneSpec = resnetSpec('resnet34');
export const resnet50: BackboneSpec = resnetSpec('resnet50');

export const resnetSpecs: BackboneSpec[] = [resnet18, resnet34, resnet50];
