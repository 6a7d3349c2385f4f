// TensorBoard event files, one per trial, written without TensorFlow: TFRecord framing of `Event`
// protobufs (tensorflow/core/util/event.proto, summary.proto), of which only the few fields below
// are encoded by hand.
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { CurvePoint, TrialResult } from '@medtransfer/core';
import type { ExportedTrial } from './export';
import { writeFileAtomic } from './store';

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as TFRecord uses; CRC32C("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length (LE), masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(maskedCrc32c(len));
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data));
  return Buffer.concat([len, head, Buffer.from(data), tail]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A length-delimited field (wire type 2). */
const bytesField = (field: number, data: Uint8Array): Buffer => Buffer.concat([varint((field << 3) | 2), varint(data.length), Buffer.from(data)]);

/** `Summary.Value { tag = 1; simple_value (float) = 2 }`. */
function summaryValue(tag: string, value: number): Buffer {
  const f = Buffer.alloc(5);
  f[0] = (2 << 3) | 5;
  f.writeFloatLE(value, 1);
  return Buffer.concat([bytesField(1, Buffer.from(tag, 'utf8')), f]);
}

/** `Event { wall_time (double) = 1; step (int64) = 2; file_version = 3 | summary = 5 }`. */
export function encodeEvent(wallTime: number, step: number, body: { fileVersion: string } | { scalars: Record<string, number> }): Buffer {
  const wall = Buffer.alloc(9);
  wall[0] = (1 << 3) | 1;
  wall.writeDoubleLE(wallTime, 1);
  // proto3 leaves a zero step out, as TensorFlow's writer does.
  const parts = step === 0 ? [wall] : [wall, varint(2 << 3), varint(step)];
  if ('fileVersion' in body) parts.push(bytesField(3, Buffer.from(body.fileVersion, 'utf8')));
  else parts.push(bytesField(5, Buffer.concat(Object.entries(body.scalars).map(([tag, v]) => bytesField(1, summaryValue(tag, v))))));
  return Buffer.concat(parts);
}

/** When the trial started, in seconds since the epoch: its finish time less its training and evaluation time. */
export function trialStartSeconds(result: TrialResult): number {
  const s = result.summary;
  return Date.parse(s.finishedAt) / 1000 - (s.trainSeconds ?? 0) - (s.evalSeconds ?? 0);
}

/**
 * The scalars of one curve point: `loss/train`, `loss/val`, `val/<metric>` and
 * `throughput/images_per_second` (images ÷ training seconds since the previous point); values
 * that are not finite (an AUC undefined on a split) are left out.
 */
export function pointScalars(p: CurvePoint, prev: CurvePoint | undefined): Record<string, number> {
  const out: Record<string, number> = { 'loss/train': p.trainLoss, 'loss/val': p.valLoss };
  for (const [name, v] of Object.entries(p.val)) out[`val/${name}`] = v;
  const seconds = p.trainSeconds - (prev?.trainSeconds ?? 0);
  if (seconds > 0) out['throughput/images_per_second'] = (p.imagesSeen - (prev?.imagesSeen ?? 0)) / seconds;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Number.isFinite(v)));
}

/**
 * A trial's event file: the file-version event, one event per curve point (wall time: the trial's
 * start plus the training seconds so far) and the test metrics (`test/<metric>`) at the last step.
 * Wall times come from the records, so exporting again writes the same bytes.
 */
export function trialEvents(result: TrialResult): Buffer {
  const start = trialStartSeconds(result);
  const events = [encodeEvent(start, 0, { fileVersion: 'brain.Event:2' })];
  result.curve.forEach((p, i) => events.push(encodeEvent(start + p.trainSeconds, p.step, { scalars: pointScalars(p, result.curve[i - 1]) })));
  const s = result.summary;
  const test = Object.fromEntries(Object.entries(s.test).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)).map(([k, v]) => [`test/${k}`, v as number]));
  if (Object.keys(test).length) events.push(encodeEvent(Date.parse(s.finishedAt) / 1000, s.steps, { scalars: test }));
  return Buffer.concat(events.map(tfRecord));
}

/** Writes `<out>/<experiment>/<trial folder>/events.out.tfevents.<start time>.<host>` per trial; returns the files. */
export function writeTensorboard(trials: readonly ExportedTrial[], out: string): string[] {
  return trials.map(({ dir, result, config }) => {
    const machine = config.machine as { host?: unknown } | undefined;
    const host = typeof machine?.host === 'string' ? machine.host : hostname();
    const file = join(out, result.summary.experiment, basename(dir), `events.out.tfevents.${Math.floor(trialStartSeconds(result))}.${host}`);
    writeFileAtomic(file, trialEvents(result));
    return file;
  });
}
