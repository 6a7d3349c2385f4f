// @medtransfer/zoo: backbones (CBR), the classifier head, layer groups, parameter counts and
// our own checkpoints. This file is the package's only public entry.
export type { BackboneBuildOptions, BackboneParts, BackboneSpec, ClassifierModel, CreateModelOptions, LayerGroup } from './model';
export { HEAD_LAYER, createModel } from './model';
export { backbones } from './registry';
export type { CbrPadding, TinyChannels } from './cbr';
export { CBR_VARIANTS } from './cbr';
export type { ParamCount } from './count';
export { countParams } from './count';
export { layerSeed } from './init';
export { weightKey } from './weight-names';
export type { Checkpoint, CheckpointManifest, CheckpointTensor, LoadOptions, LoadReport, ShapeMismatch, WeightEntry } from './checkpoint';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  WeightShapeError,
  loadWeights,
  readCheckpoint,
  saveCheckpoint,
} from './checkpoint';
