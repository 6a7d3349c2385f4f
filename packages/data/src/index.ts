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
export { datasets, loadDataset, datasetInputs, checkDatasetInputs, datasetLocationParams, fractalParamsSchema, lesionParamsSchema } from './registry';
export { defineDataset, inputAt, inputProblem } from './dataset-spec';
export type { DatasetContext, DatasetFactory, DatasetEntry, DatasetInput, DatasetSpec, InputContext } from './dataset-spec';
export { parseParams } from './params';
export { createBatchSource } from './batches';
export type { BatchOptions, ImageBatchSource } from './batches';
export { resizeBilinear } from './resize';
export { MEDMNIST_MD5, MEDMNIST_BASE_URL, medmnistFileName, medmnistUrl, isMedmnistSize } from './medmnist-files';
export type { MedmnistSize } from './medmnist-files';
export { downloadVerified, md5File, md5FileSync, quarantine, DownloadError } from './download';
export type { DownloadFailure, DownloadOptions, DownloadResult } from './download';
export { defaultCacheDir, medmnistCachePath, fetchMedmnist, cachedMedmnistFile, dataGetCommand } from './medmnist-cache';
export type { FetchOptions, FetchResult } from './medmnist-cache';
export { loadCifar10, readCifarBatch, CIFAR10_LABELS, CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, CIFAR10_RECORD, CIFAR10_VERSION } from './cifar10';
export type { Cifar10Options } from './cifar10';
export { cifar10ParamsSchema } from './registry';
export { applySubset, subsetIndices, selectImages, strata, describeSubset } from './subset';
export {
  createPreprocessor,
  resolveNormalization,
  channelStats,
  sampleAffine,
  randomResizedBox,
  mapChannels,
  IMAGENET_MEAN,
  IMAGENET_STD,
} from './transforms';
export type { Affine, Normalization, Preprocessor } from './transforms';
export { createStageSources } from './stage-sources';
export type { StageSourceOptions } from './stage-sources';
export { decodeImage, readImageFile, fitImage, isImageFile, IMAGE_EXTENSIONS } from './image-decode';
export type { DecodedImage, DecodeOptions } from './image-decode';
export { decodeDicom, decodeDicomFrames, readDicomHeader, selectFrames, isDicom, DICOM_UNCOMPRESSED } from './dicom';
export type { DicomHeader, DicomOptions, FrameChoice } from './dicom';
export { DICOM_TRANSFER_SYNTAXES, transferSyntaxLabel } from './dicom-syntax';
export type { PixelCodec, TransferSyntax } from './dicom-syntax';
export { describeDicomSummary, dicomFileHeader, prepareDicomItems } from './dicom-dataset';
export type { DicomImageDataset, DicomSummary, PreparedDicom } from './dicom-dataset';
export { loadImageFolder, SPLIT_FOLDERS } from './folder';
export type { FolderOptions } from './folder';
export { loadCsvManifest, labelValue, UNCERTAINTY_POLICIES } from './csv-manifest';
export type { CsvManifestOptions, UncertaintyPolicy } from './csv-manifest';
export { stratifiedSplit } from './stratified-split';
export type { SplitFractions } from './stratified-split';
export { folderParamsSchema, csvParamsSchema } from './image-datasets';
export { resolveCache, decodedBytes, autoDiskCacheBytes, CACHE_MODES, AUTO_DISK_CACHE_MIB, AUTO_DISK_CACHE_ENV } from './cache-choice';
export type { CacheMode, ResolveCacheOptions } from './cache-choice';
export { buildDiskCache, openDiskDataset, diskCacheKey, DISK_CACHE_VERSION } from './disk-cache';
export type { DiskDataset, DiskSplit, DiskCacheOptions } from './disk-cache';
export { createDiskBatchSource } from './disk-batches';
export type { DiskBatchOptions, DiskBatchSource } from './disk-batches';
export { cacheImageFolder, folderItems } from './folder';
export { cacheCsvManifest, csvItems } from './csv-manifest';
export { buildImageSet } from './image-set';
export type { LabelledFile, ImageSetOptions } from './image-set';
export { encodePng, encodeDicom } from './image-fixtures';
export type { PngSpec, DicomSpec } from './image-fixtures';
export { diskImageDataset, isDiskSplit, selectDiskImages, diskSplitSource, diskChannelStats } from './disk-split';
export type { DiskImageSplit } from './disk-split';
export { channelStatsOf } from './transforms';
