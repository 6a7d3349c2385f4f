// What a model costs: the counted part every trial records in its summary (parameters, forward
// FLOPs, checkpoint bytes) and the measured part (training and inference throughput, latency),
// measured once per architecture, input size and backend and kept in the store as its own record.
import { z } from 'zod';

/** The counted cost of a trial's model, recorded in its summary. */
export interface ModelCost {
  /** Every weight, batch-norm moving statistics included (Keras `count_params`). */
  paramsTotal: number;
  /** The weights training updates (fewer with a frozen init). */
  paramsTrainable: number;
  /** Forward FLOPs of one image at the trial's input size (2 × multiply-accumulates; the zoo's counter). */
  flopsPerImage: number;
  /** Bytes of the model's checkpoint on disk (weights.bin + weights.json, as saveCheckpoint writes it). */
  checkpointBytes: number;
  /** Key of the throughput record of this architecture, input size and backend (`cost/<key>/throughput.json`); absent when not measured. */
  throughputKey?: string;
}

/** One timed step: the median of timed repeats after warm-up (tinybench). */
export interface StepTiming {
  batch: number;
  /** Median milliseconds per step. */
  medianMs: number;
  /** batch / median seconds. */
  imagesPerSecond: number;
  /** Timed repeats the median is over. */
  samples: number;
}

/** Measured throughput of one architecture at one input size on one backend. */
export interface ThroughputRecord {
  key: string;
  storeVersion: number;
  keyParts: Record<string, string>;
  /** The backbone as the trial names it (`resnet50`, `mobilenet-v1-<hash>`), and its architecture fingerprint. */
  backbone: string;
  architecture: string;
  imageSize: number;
  channels: number;
  numClasses: number;
  /** The backend that ran, and its thread count (not part of the key: a store moved to another machine keeps it, and says where it was measured). */
  backend: string;
  threads: number;
  /** A training step (forward, backward, Adam update) at `train.batch`. */
  train: StepTiming;
  /** An evaluation forward pass at `infer.batch`. */
  infer: StepTiming;
  /** A forward pass of a single image. */
  latency: StepTiming;
  /** 1-, 5- and 15-minute load averages when the measurement started (a busy machine measures slower). */
  loadAverage: number[];
  cpu: string;
  measuredAt: string;
}

const count = z.number().int().nonnegative();
const positive = z.number().positive();
const text = z.string().min(1);

export const modelCostSchema = z.looseObject({
  paramsTotal: count,
  paramsTrainable: count,
  flopsPerImage: count,
  checkpointBytes: count,
  throughputKey: text.optional(),
});

const stepTimingSchema = z.looseObject({ batch: z.number().int().positive(), medianMs: positive, imagesPerSecond: positive, samples: z.number().int().positive() });

export const throughputRecordSchema = z.looseObject({
  key: text,
  storeVersion: z.number().int().positive(),
  keyParts: z.record(z.string(), z.string()),
  backbone: text,
  architecture: text,
  imageSize: z.number().int().positive(),
  channels: z.number().int().positive(),
  numClasses: z.number().int().positive(),
  backend: text,
  threads: z.number().int().positive(),
  train: stepTimingSchema,
  infer: stepTimingSchema,
  latency: stepTimingSchema,
  loadAverage: z.array(z.number().nonnegative()),
  cpu: z.string(),
  measuredAt: text,
});
