// @medtransfer/zoo: backbones (CBR, ResNet, Inception-v3, MobileNet v1), the classifier head, layer groups, parameter counts and
// our own checkpoints. This file is the package's only public entry.
export type { BackboneBuildOptions, BackboneParts, BackboneSpec, HeadBuilder, HeadOptions, HeadParts, LayerGroup } from './spec';
export { HEAD_LAYER, denseHead } from './spec';
export type { ClassifierModel, CreateModelOptions } from './model';
export { createModel, minInputSize } from './model';
export { backbones } from './registry';
export type { CbrPadding, TinyChannels } from './cbr';
export { CBR_VARIANTS } from './cbr';
export type { ResNetStem } from './resnet';
export { RESNET_VARIANTS } from './resnet';
export { INCEPTION_MIN_INPUT } from './inception';
export type { MobileNetStem } from './mobilenet';
export { BN_MOMENTUM } from './layers';
export type { ParamCount } from './count';
export { countMacs, countParams } from './count';
export { TRAINING_FACTOR, countFlops, countFlopsAt, type FlopCount, type LayerFlops } from './flops';
export { architectureFingerprint, modelCost } from './cost';
export { layerSeed } from './init';
export { weightKey } from './weight-names';
export type { Checkpoint, CheckpointManifest, CheckpointTensor, LoadOptions, LoadReport, ShapeMismatch, WeightEntry } from './checkpoint';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  WeightShapeError,
  checkpointBytes,
  loadWeights,
  readCheckpoint,
  saveCheckpoint,
} from './checkpoint';
export type { NamedWeights } from './checkpoint';
export { weightBase } from './weight-names';
export type { WeightSourceKind, WeightSourceSpec } from './weights/index';
export { WEIGHT_SOURCE_KINDS, loadWeightSource } from './weights/index';
export type { KerasH5Weights } from './weights/keras-h5';
export { readKerasH5 } from './weights/keras-h5';
export type { TfjsLayersWeights } from './weights/tfjs-layers';
export { readTfjsLayers, tfjsWeightKey } from './weights/tfjs-layers';
export type { Adapted } from './weights/adapt';
export { adaptFirstConv, dropClassifier } from './weights/adapt';
export type { InitContext, InitOutcome, InitSpec, InitStrategy } from './inits';
export { applyInit, createInitModel, defineInit, gaborBank, initForms, inits, needsPretrained, parseInit, strategyId } from './inits';
export type { SlimOptions, SlimTopKind } from './slim';
export { SLIM_DEFAULTS, SLIM_TOP_GROUP, createSlimModel } from './slim';
export type { ExternalWeights, FittedWeights, SplitOptions } from './weights/external';
export { WEIGHTS_PARAM, checkWeightSource, fitWeightsToModel, readWeightSource, splitBackboneWeights, weightsFingerprint } from './weights/external';
// The official Keras Applications ImageNet files (`weights: imagenet`, `medtransfer weights get`).
export type { KerasApplicationsFile } from './weights/keras-applications';
export { KERAS_APPLICATIONS, KERAS_APPLICATIONS_URL, describeFit, imagenetFileFor, kerasApplicationsFile, kerasApplicationsUrl } from './weights/keras-applications';
export type { LayoutCheck } from './weights/keras-applications-layout';
export { checkKerasApplicationsLayout } from './weights/keras-applications-layout';
// Writers for Keras-layout .h5 files and tfjs Layers artifacts of a zoo model (tests of other packages use them).
export type { H5Layer, H5Weight, SavedLayersModel } from './weights/test-fixtures';
export { kerasLayers, saveLayersArtifacts, writeKerasH5, writeLayersModel } from './weights/test-fixtures';
