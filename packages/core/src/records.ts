// The records a result store holds (summary.json, curve.jsonl lines, source.json, failed.json)
// as zod schemas: every record is validated when it is read, so a damaged or incomplete file is
// reported by path instead of being counted.
import { z } from 'zod';
import { type ThroughputRecord, modelCostSchema, throughputRecordSchema } from './cost';
import { DataFormatError, formatPath } from './errors';
import { metrics } from './metrics';
import type { CurvePoint, TrialSummary } from './types';

/**
 * Store layout version, written into every record and folded into every key. 2: trial keys
 * name the source stage by its key (not its folder), dataset location params are left out of
 * keys, records carry their key parts. Records without it are version 1.
 */
export const STORE_VERSION = 2;

/** JSON has no NaN: a non-finite metric is written as null and read back as NaN. */
const num = z.union([z.number(), z.null()]).transform((v) => (v === null ? NaN : v));
const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();
const text = z.string().min(1);

/** Every registered metric by name: `auc` and `acc` always recorded, the others where the task defines them. */
const metricFields = Object.fromEntries(metrics.names().map((m) => [m, m === 'auc' || m === 'acc' ? num : num.optional()]));
const metricValuesSchema = z.looseObject(metricFields);
const metricsSchema = z.looseObject({
  loss: num,
  ...metricFields,
  perClassAuc: z.array(z.number().nullable()).optional(),
});

const reach = z.looseObject({
  threshold: z.number(),
  basis: z.enum(['absolute', 'final', 'best']),
  fraction: z.number().optional(),
  steps: count.nullable(),
  epochs: z.number().nullable(),
  imagesSeen: count.nullable(),
  trainSeconds: seconds.nullable(),
  censored: z.boolean(),
});

/** The components of a key, each a short hash or a plain value, so a changed component can be named. */
export const keyPartsSchema = z.record(z.string(), z.string());
export type KeyParts = z.infer<typeof keyPartsSchema>;

export const trialSummarySchema = z.looseObject({
  experiment: text,
  trial: text,
  key: text,
  storeVersion: z.number().int().positive().optional(),
  keyParts: keyPartsSchema.optional(),
  backbone: text,
  init: text,
  seed: z.number().int(),
  imageSize: z.number().int().positive().optional(),
  dataFraction: z.number().positive().max(1).optional(),
  dataset: text,
  task: z.enum(['binary', 'multi-class', 'ordinal', 'multi-label']),
  test: metricsSchema,
  finalVal: metricsSchema,
  testFrom: z.enum(['final', 'best-val']).optional(),
  bestStep: count.optional(),
  bestVal: metricsSchema.optional(),
  stoppedEarly: z.boolean().optional(),
  plannedSteps: count.optional(),
  convergence: z.looseObject({ metric: text, areaUnderCurve: z.number().nullable(), reached: z.array(reach) }).optional(),
  steps: count,
  imagesSeen: count,
  trainSeconds: seconds,
  evalSeconds: seconds,
  imagesPerSecond: num,
  backend: text,
  params: count,
  cost: modelCostSchema.optional(),
  finishedAt: text,
});

const curvePointFields = {
  step: count,
  epoch: z.number().nonnegative(),
  imagesSeen: count,
  trainLoss: num,
  valLoss: num,
  trainSeconds: seconds,
};

export const curvePointSchema = z.looseObject({ ...curvePointFields, val: metricValuesSchema });

/** A curve point as written before metrics were a registry: `valAuc`, `valAcc` (and `valKappa`) beside the loss; read as `val`. */
export const legacyCurvePointSchema = z
  .looseObject({ ...curvePointFields, valAuc: num, valAcc: num, valKappa: num.optional() })
  .transform(({ valAuc, valAcc, valKappa, ...rest }) => ({ ...rest, val: { auc: valAuc, acc: valAcc, ...(valKappa === undefined ? {} : { kappa: valKappa }) } }));

/** True for a curve point in the layout before `val` (it has `valAuc` or `valAcc` and no `val`). */
function isLegacyCurvePoint(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && !('val' in raw) && ('valAuc' in raw || 'valAcc' in raw);
}

/**
 * A curve point in the current layout, also from a value held in memory in the old one (a
 * training state saved before `val`); returned unchanged when it already has `val`.
 */
export function upgradeCurvePoint(point: CurvePoint | Record<string, unknown>): CurvePoint {
  if (!isLegacyCurvePoint(point)) return point as CurvePoint;
  const { valAuc, valAcc, valKappa, ...rest } = point as Record<string, unknown>;
  const val = { auc: valAuc, acc: valAcc, ...(valKappa === undefined ? {} : { kappa: valKappa }) };
  return { ...rest, val } as unknown as CurvePoint;
}

export const sourceRecordSchema = z.looseObject({
  key: text,
  storeVersion: z.number().int().positive().optional(),
  keyParts: keyPartsSchema.optional(),
  backbone: z.looseObject({ name: text, params: z.record(z.string(), z.unknown()).optional() }),
  dataset: text,
  result: z.looseObject({ steps: count }),
});

/** What source.json holds (the training result in full; only its step count is checked). */
export interface SourceRecord {
  key: string;
  storeVersion?: number;
  keyParts?: Record<string, string>;
  backbone: { name: string; params?: Record<string, unknown> };
  dataset: string;
  result: { steps: number };
}

export const trialFailureSchema = z.looseObject({
  trial: text,
  key: text,
  message: z.string(),
  stack: z.string().optional(),
  failedAt: text,
  backend: z.string(),
  host: z.string(),
  pid: z.number().int(),
});
export type TrialFailureRecord = z.infer<typeof trialFailureSchema>;

/** A stored record that cannot be used: not JSON, or not what its file must hold. */
export class StoredRecordError extends DataFormatError {
  constructor(file: string, detail: string) {
    super(file, detail);
    this.name = 'StoredRecordError';
  }
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function firstIssue(error: z.ZodError, raw: unknown): string {
  const issue = error.issues[0];
  const where = formatPath(issue.path) || '(top level)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  const got = valueAt(raw, issue.path);
  const what = got === undefined ? 'missing' : `${issue.message.replace(/^Invalid input: /, '')}, received ${JSON.stringify(got)?.slice(0, 60)}`;
  return `${where}: ${what}${more}`;
}

function parseJson(textOfFile: string, file: string, what: string): unknown {
  try {
    return JSON.parse(textOfFile);
  } catch (err) {
    throw new StoredRecordError(file, `not valid JSON (${(err as Error).message}); it is not a complete ${what}`);
  }
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, file: string, what: string): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new StoredRecordError(file, `not a valid ${what}: ${firstIssue(result.error, raw)}`);
  return result.data;
}

/** Parses the JSON text of a record file and validates it; throws StoredRecordError naming the file and the field. */
export function parseRecord<S extends z.ZodType>(schema: S, textOfFile: string, file: string, what: string): z.output<S> {
  return validate(schema, parseJson(textOfFile, file, what), file, what);
}

/** A trial summary (summary.json). */
export function parseTrialSummary(textOfFile: string, file: string): TrialSummary {
  return parseRecord(trialSummarySchema, textOfFile, file, 'trial summary') as unknown as TrialSummary;
}

/** A throughput record (cost/<key>/throughput.json). */
export function parseThroughputRecord(textOfFile: string, file: string): ThroughputRecord {
  return parseRecord(throughputRecordSchema, textOfFile, file, 'throughput record') as unknown as ThroughputRecord;
}

/**
 * A learning curve (curve.jsonl): one point per line, steps strictly increasing. A torn or
 * invalid line makes the whole curve invalid; the line number is named. Points written before
 * `val` (`valAuc`, `valAcc`, `valKappa`) are validated as such and read as `val`.
 */
export function parseCurve(textOfFile: string, file: string): CurvePoint[] {
  const out: CurvePoint[] = [];
  const lines = textOfFile.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const where = `${file}:${i + 1}`;
    const raw = parseJson(lines[i], where, 'curve point');
    const point = validate(isLegacyCurvePoint(raw) ? legacyCurvePointSchema : curvePointSchema, raw, where, 'curve point') as unknown as CurvePoint;
    const last = out[out.length - 1];
    if (last && point.step <= last.step) throw new StoredRecordError(`${file}:${i + 1}`, `step ${point.step} does not follow step ${last.step}; a curve's steps increase`);
    out.push(point);
  }
  return out;
}
