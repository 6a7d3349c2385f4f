// Weight sources: every source yields the same NamedWeights (tensors by `layer/weight` name),
// so `loadWeights` matches, reports and checks them the same way.
import { MedtransferError, unknownNameMessage } from '@medtransfer/core';
import { type NamedWeights, readCheckpoint } from '../checkpoint';
import { readKerasH5 } from './keras-h5';
import { readTfjsLayers } from './tfjs-layers';

export const WEIGHT_SOURCE_KINDS = ['checkpoint', 'keras-h5', 'tfjs-layers'] as const;
export type WeightSourceKind = (typeof WEIGHT_SOURCE_KINDS)[number];

export interface WeightSourceSpec {
  kind: WeightSourceKind;
  /** checkpoint: directory; keras-h5: .h5 file; tfjs-layers: directory, model.json path or http(s) URL. */
  path: string;
  /**
   * Set when the config named a Keras Applications file (`weights: imagenet` or `{kind:
   * keras-applications, name}`): its table name and cache folder. `path` is then the cached file
   * (kind keras-h5), read and fingerprinted like any other .h5.
   */
  kerasApplications?: { name: string; dir: string };
}

/** Reads weights from any supported source. */
export async function loadWeightSource(spec: WeightSourceSpec): Promise<NamedWeights> {
  switch (spec.kind) {
    case 'checkpoint':
      return readCheckpoint(spec.path);
    case 'keras-h5':
      return readKerasH5(spec.path);
    case 'tfjs-layers':
      return readTfjsLayers(spec.path);
    default:
      throw new MedtransferError(`loadWeightSource: ${unknownNameMessage('weight source kind', String((spec as { kind: unknown }).kind), WEIGHT_SOURCE_KINDS)}`);
  }
}
