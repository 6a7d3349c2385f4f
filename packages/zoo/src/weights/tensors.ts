// Helpers shared by the weight sources: collect named float32 tensors with the checks every
// source makes (known dtype, element count matching the shape, finite values, unique names).
import { DataFormatError } from '@medtransfer/core';
import type { CheckpointTensor } from '../checkpoint';

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Adds one tensor to `into` under `key`, refusing duplicates, wrong sizes and non-finite values. */
export function addTensor(into: Map<string, CheckpointTensor>, key: string, shape: number[], data: Float32Array, file: string, from: string): void {
  if (into.has(key)) {
    throw new DataFormatError(file, `two weights map to the name "${key}" (the second is ${from}); each layer may hold one weight of each kind`);
  }
  if (data.length !== numel(shape)) {
    throw new DataFormatError(file, `weight ${from} has ${data.length} values but its shape [${shape}] needs ${numel(shape)}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new DataFormatError(file, `weight ${from} holds ${data[i]} at index ${i}; pretrained weights must be finite`);
  }
  into.set(key, { shape, data });
}
