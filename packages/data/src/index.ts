// @medtransfer/data: dataset sources (MedMNIST .npz, synthetic generators), the dataset registry
// and batch sources that turn stored uint8 images into normalised float batches.
export { readNpy, encodeNpy, shapeSize } from './npy';
export type { NpyArray, TypedArray } from './npy';
export { readNpz, parseNpz, zipDirectory, readFileBytes, crc32 } from './npz';
export type { ZipMember } from './npz';
export { MEDMNIST_INFO, MEDMNIST_FLAGS, MEDMNIST_SIZES, MEDMNIST_ZENODO, medmnistInfo } from './medmnist-info';
export type { MedmnistInfo } from './medmnist-info';
export { loadMedmnist, requireSplits, sha256Hex, SPLIT_NAMES } from './medmnist';
export { generateFractalDataset, FRACTAL_DEFAULTS, FRACTAL_VERSION } from './fractal';
export type { FractalParams } from './fractal';
export { generateLesionDataset, LESION_DEFAULTS, LESION_LABELS, LESION_VERSION } from './synthetic-target';
export type { LesionParams } from './synthetic-target';
export { datasets, loadDataset, fractalParamsSchema, lesionParamsSchema } from './registry';
export type { DatasetContext, DatasetFactory } from './registry';
export { parseParams } from './params';
export { createBatchSource } from './batches';
export type { BatchOptions, ImageBatchSource } from './batches';
export { resizeBilinear } from './resize';
