// The official Keras Applications ImageNet weight files for our ImageNet backbones: a stable name
// each, where Keras publishes it, the MD5 Keras publishes (if any) and the layout the file must have.
import { ConfigError, MedtransferError, unknownNameMessage } from '@medtransfer/core';

/** Where Keras publishes the files; `<base>/<entry.path>` is an entry's URL (a mirror keeps the sub-folders). */
export const KERAS_APPLICATIONS_URL = 'https://storage.googleapis.com/tensorflow/keras-applications';

export interface KerasApplicationsFile {
  /** Stable name: `resnet50-notop`, `inception-v3`, `mobilenet-0.5-224-notop`, … */
  name: string;
  /** The registry backbone the file fits, and the params that decide its weight shapes. */
  backbone: string;
  params: Record<string, number | string>;
  /** true: with the ImageNet classifier (1000 classes); false: Keras' `include_top=False` file. */
  top: boolean;
  /** The input size the weights were trained at (the file's layout does not depend on it). */
  inputSize: number;
  /** Path under KERAS_APPLICATIONS_URL, e.g. `resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`. */
  path: string;
  /** File name in the cache: Keras' own. */
  file: string;
  /** The MD5 Keras publishes for the file (`file_hash` in keras/src/applications/<net>.py), or null: none is published. */
  md5: string | null;
  /** Size in bytes where known (as Keras' downloader reports it), for `weights list`. */
  bytes?: number;
  /**
   * What the file must hold, under our weight names (after renumbering Keras 2.0–2.2 automatic
   * names): the number of tensors and a few of them with their shapes. Taken from our model of
   * the backbone (a test rebuilds it and compares); the full check compares every tensor.
   */
  layout: { tensors: number; keys: Record<string, number[]> };
}

/** The URL of an entry, from the Keras bucket or a mirror with the same sub-folders. */
export function kerasApplicationsUrl(entry: KerasApplicationsFile, base = KERAS_APPLICATIONS_URL): string {
  return `${base.replace(/\/+$/, '')}/${entry.path}`;
}

// ResNet50: keras/src/applications/resnet.py, BASE_WEIGHTS_PATH + `resnet50_weights_tf_dim_ordering_tf_kernels[_notop].h5`,
// WEIGHTS_HASHES['resnet50'] = (top, notop). 53 convs with bias + 53 batch norms = 318 tensors; the classifier adds 2.
const resnet50 = (top: boolean): KerasApplicationsFile => {
  const file = `resnet50_weights_tf_dim_ordering_tf_kernels${top ? '' : '_notop'}.h5`;
  return {
    name: top ? 'resnet50' : 'resnet50-notop',
    backbone: 'resnet50',
    // the small stem's conv1 is 3×3 where the file's is 7×7 (MobileNet's small stem keeps conv1's shape, only its stride)
    params: { stem: 'imagenet' },
    top,
    inputSize: 224,
    path: `resnet/${file}`,
    file,
    md5: top ? '2cb95161c43110f7111970584f804107' : '4d473c1dd8becc155b73f8504c6f6626',
    bytes: top ? 102_967_424 : 94_765_736,
    layout: {
      tensors: top ? 320 : 318,
      keys: {
        'conv1_conv/kernel': [7, 7, 3, 64],
        'conv5_block3_3_conv/kernel': [1, 1, 512, 2048],
        ...(top ? { 'predictions/kernel': [2048, 1000] } : {}),
      },
    },
  };
};

// InceptionV3: keras/src/applications/inception_v3.py, WEIGHTS_PATH / WEIGHTS_PATH_NO_TOP and their file_hash.
// 94 convs without bias + 94 batch norms without γ = 376 tensors; the classifier adds 2. The files
// use Keras 2.0–2.2 automatic names (conv2d_1 … conv2d_94), which loading renumbers.
const inceptionV3 = (top: boolean): KerasApplicationsFile => {
  const file = `inception_v3_weights_tf_dim_ordering_tf_kernels${top ? '' : '_notop'}.h5`;
  return {
    name: top ? 'inception-v3' : 'inception-v3-notop',
    backbone: 'inception-v3',
    params: {},
    top,
    inputSize: 299,
    path: `inception_v3/${file}`,
    file,
    md5: top ? '9a0d58056eeedaa3f26cb7ebd46da564' : 'bcbd6486424b2319ff4ef7d526e38f63',
    bytes: top ? 96_112_376 : 87_910_968,
    layout: {
      tensors: top ? 378 : 376,
      keys: {
        'conv2d/kernel': [3, 3, 3, 32],
        'conv2d_93/kernel': [1, 1, 2048, 192],
        ...(top ? { 'predictions/kernel': [2048, 1000] } : {}),
      },
    },
  };
};

/** MobileNet v1 width multipliers with ImageNet weights, and Keras' spelling of them in file names. */
export const MOBILENET_ALPHAS = [0.25, 0.5, 0.75, 1] as const;
const ALPHA_TEXT: Record<number, string> = { 0.25: '2_5', 0.5: '5_0', 0.75: '7_5', 1: '1_0' };
/** The input sizes Keras trained MobileNet v1 at; the `imagenet` shorthand takes 224. */
export const MOBILENET_SIZES = [128, 160, 192, 224] as const;

// MobileNet v1: keras/src/applications/mobilenet.py, BASE_WEIGHT_PATH + `mobilenet_<alpha>_<rows>_tf[_no_top].h5`.
// Keras publishes no hash for these, so only the layout is checked. conv1 + its batch norm (5) and 13
// blocks of depthwise + pointwise conv with a batch norm each (10) = 135 tensors; `conv_preds` adds 2.
const mobilenet = (alpha: number, size: number, top: boolean): KerasApplicationsFile => {
  const file = `mobilenet_${ALPHA_TEXT[alpha]}_${size}_tf${top ? '' : '_no_top'}.h5`;
  const c = (n: number) => Math.floor(n * alpha);
  return {
    name: `mobilenet-${alpha === 1 ? '1.0' : String(alpha)}-${size}${top ? '' : '-notop'}`,
    backbone: 'mobilenet-v1',
    params: { alpha },
    top,
    inputSize: size,
    path: `mobilenet/${file}`,
    file,
    md5: null,
    layout: {
      tensors: top ? 137 : 135,
      keys: {
        'conv1/kernel': [3, 3, 3, c(32)],
        'conv_dw_13/depthwise_kernel': [3, 3, c(1024), 1],
        'conv_pw_13/kernel': [1, 1, c(1024), c(1024)],
        ...(top ? { 'conv_preds/kernel': [1, 1, c(1024), 1000] } : {}),
      },
    },
  };
};

/** Every known file: ResNet50, InceptionV3, MobileNet v1 (4 widths × 4 input sizes), each with and without the classifier. */
export const KERAS_APPLICATIONS: readonly KerasApplicationsFile[] = [
  resnet50(false),
  resnet50(true),
  inceptionV3(false),
  inceptionV3(true),
  ...MOBILENET_ALPHAS.flatMap((a) => MOBILENET_SIZES.flatMap((s) => [mobilenet(a, s, false), mobilenet(a, s, true)])),
];

/** The entry called `name`; an unknown name throws with the nearest names and the full list. */
export function kerasApplicationsFile(name: string, entries: readonly KerasApplicationsFile[] = KERAS_APPLICATIONS): KerasApplicationsFile {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new MedtransferError(unknownNameMessage('Keras Applications weight file', name, entries.map((e) => e.name)));
  return entry;
}

/** `mobilenet-v1 alpha 0.5` / `resnet50`: a backbone and the params that decide a file's shapes. */
export function describeFit(backbone: string, params: Record<string, unknown>): string {
  const p = Object.entries(params).map(([k, v]) => `${k} ${String(v)}`);
  return [backbone, ...p].join(' ');
}

/** Whether `entry` fits backbone `name` with (parsed, defaults filled in) `params`. */
export function fitsBackbone(entry: KerasApplicationsFile, name: string, params: Record<string, unknown>): boolean {
  return entry.backbone === name && Object.entries(entry.params).every(([k, v]) => params[k] === v);
}

/** Which backbones `weights: imagenet` works for, for messages. */
export function imagenetBackbones(): string {
  return `resnet50, inception-v3 and mobilenet-v1 (alpha ${MOBILENET_ALPHAS.join(', ')})`;
}

/**
 * The file `weights: imagenet` means for a backbone: its no-top file (MobileNet: trained at 224 px).
 * A backbone without one is a ConfigError at `at` listing the backbones that have one.
 */
export function imagenetFileFor(name: string, params: Record<string, unknown>, at: string, entries: readonly KerasApplicationsFile[] = KERAS_APPLICATIONS): KerasApplicationsFile {
  const fits = entries.filter((e) => !e.top && fitsBackbone(e, name, params));
  const entry = fits.find((e) => e.inputSize === 224) ?? fits[0];
  if (entry) return entry;
  const known = entries.some((e) => e.backbone === name);
  const what = known ? `${describeFit(name, params)} has no Keras ImageNet weight file` : `${name} has no Keras ImageNet weights`;
  throw new ConfigError(
    at,
    `${what}; "imagenet" is available for ${imagenetBackbones()}. Use one of those, another init than pretrained weights, ` +
      'or name a file of your own: {kind: keras-h5, path: …}',
  );
}
