// Checks that a Keras Applications file holds what its table entry says: every weight of our model
// of that backbone, by name and shape, and nothing else — through the same matching as loading.
import { type NamedWeights, loadWeights } from '../checkpoint';
import { createModel, minInputSize } from '../model';
import { layerOf } from '../weight-names';
import { renumberKerasAutoNames } from './external';
import { type KerasApplicationsFile, describeFit } from './keras-applications';

export interface LayoutCheck {
  /** Tensors of the file that fit the model by name and shape. */
  matched: number;
  /** Why the file does not fit, one line per kind of problem (empty: it fits). */
  problems: string[];
  /** Harmless findings (renumbered names, a classifier in a no-top file). */
  notes: string[];
}

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;
const firstOf = (keys: string[], n = 5) => `${keys.slice(0, n).join(', ')}${keys.length > n ? `, … (${keys.length} in all)` : ''}`;

/**
 * Compares `weights` (read from the file) with our model of `entry.backbone` and its params, built
 * with a 1000-class head when the file has the classifier. A no-top file may still carry the
 * classifier (it is dropped when loading anyway); a top file must.
 */
export function checkKerasApplicationsLayout(entry: KerasApplicationsFile, weights: NamedWeights): LayoutCheck {
  const ref = { name: entry.backbone, params: { ...entry.params } };
  const size = Math.max(32, minInputSize(ref));
  const m = createModel(ref, { inputShape: [size, size, 3], numClasses: entry.top ? 1000 : 2, seed: 0 });
  const target = describeFit(entry.backbone, entry.params);
  try {
    const renamed = renumberKerasAutoNames(m, weights);
    const notes = renamed.log ? [renamed.log] : [];
    const report = loadWeights(m, renamed.weights, { exclude: entry.top ? [] : m.headLayers, onShapeMismatch: 'skip' });
    const problems: string[] = [];
    for (const s of report.shapeMismatch.slice(0, 3)) {
      problems.push(`layer "${layerOf(s.name)}": ${s.name} is ${fmt(s.checkpoint)} in the file but ${fmt(s.model)} in ${target}`);
    }
    if (report.shapeMismatch.length > 3) problems.push(`${report.shapeMismatch.length - 3} more weight(s) of other shapes`);
    if (report.missing.length) problems.push(`${report.missing.length} weight(s) of ${target} are not in the file: ${firstOf(report.missing)}`);
    if (report.unexpected.length) problems.push(`${report.unexpected.length} weight(s) in the file are not in ${target}: ${firstOf(report.unexpected)}`);
    const classifier = report.skipped.filter((k) => renamed.weights.tensors.has(k));
    if (classifier.length) notes.push(`the file also holds the classifier (${classifier.join(', ')}), which loading drops`);
    for (const [key, shape] of Object.entries(entry.layout.keys)) {
      const t = renamed.weights.tensors.get(key);
      if (t && fmt(t.shape) !== fmt(shape)) problems.push(`layer "${layerOf(key)}": ${key} is ${fmt(t.shape)} in the file but the table expects ${fmt(shape)}`);
    }
    return { matched: report.matched.length, problems, notes };
  } finally {
    m.dispose();
  }
}
