// The one register-all list of metrics: adding a metric means writing its file beside these and
// adding it to ALL. Order here is the order of stored metrics, export columns and docs tables.
import { Registry } from '../registry';
import { acc } from './accuracy';
import { auc } from './auc';
import { balancedAccuracy } from './balanced-accuracy';
import { ece } from './ece';
import { f1 } from './f1';
import { kappa } from './kappa';
import type { MetricSpec } from './spec';
import { sensitivityYouden, specificityYouden } from './youden';

export const metrics = new Registry<MetricSpec>('metric');

const ALL: MetricSpec[] = [auc, acc, kappa, balancedAccuracy, f1, sensitivityYouden, specificityYouden, ece];

for (const spec of ALL) metrics.register(spec.name, spec);
