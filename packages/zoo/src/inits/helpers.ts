// What several init strategies share: the backbone's layer groups without the head, the k of
// transfusion/frozen checked against them, and batch-norm layers.
import { ConfigError } from '@medtransfer/core';
import type { LayerGroup } from '../spec';
import type { ClassifierModel } from '../model';

/** The backbone's groups without the head: the k of transfusion/frozen counts these. */
export function bodyGroups(m: ClassifierModel): LayerGroup[] {
  const head = new Set(m.headLayers);
  return m.groups.filter((g) => !g.layers.every((l) => head.has(l)));
}

/** The layers of groups 1..k, after checking k against the backbone's groups (ConfigError at `path`). */
export function groupLayers(m: ClassifierModel, k: number, path: string): string[] {
  const groups = bodyGroups(m);
  if (!Number.isInteger(k) || k < 1 || k > groups.length) {
    throw new ConfigError(
      path,
      `${m.backbone} has ${groups.length} layer groups (${groups.map((g) => g.name).join(', ')}); k must be a whole number from 1 to ${groups.length}, received ${k}`,
    );
  }
  return groups.slice(0, k).flatMap((g) => g.layers);
}

export const isBatchNorm = (m: ClassifierModel, layer: string): boolean => m.model.getLayer(layer).getClassName() === 'BatchNormalization';

/** Every layer of the model except `keep`: the `exclude` list that loads only `keep`'s weights. */
export function allBut(m: ClassifierModel, keep: Iterable<string>): string[] {
  const kept = new Set(keep);
  return m.model.layers.map((l) => l.name).filter((l) => !kept.has(l));
}
