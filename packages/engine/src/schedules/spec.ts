// The schedule contract every file in this folder answers: lr(step) = lr × warm-up(step) ×
// factor(step), a pure function of the step (a resumed run needs no schedule state).
import type { ScheduleConfig } from '@medtransfer/core';
import type { z } from 'zod';

export type ScheduleParams<P extends z.ZodRawShape> = z.output<z.ZodObject<P>>;

export interface ScheduleSpec<P extends z.ZodRawShape = z.ZodRawShape> {
  /** Registry name: `schedule: <name>` or `{ name: <name>, … }`. */
  name: string;
  /** The rate it gives, in one line (docs, the JSON Schema's descriptions); name the PyTorch scheduler it matches. */
  summary: string;
  /**
   * Its fields beside `name`, with defaults; the bare name is valid when every field has one.
   * A default added to an existing schedule would change the trial keys of files that leave it out.
   */
  params: P;
  /** Checks between fields (ConfigError at `${path}.<field>`), when the experiment is planned. */
  check?(p: ScheduleParams<P>, path: string): void;
  /**
   * The multiplier of the base rate at optimiser step `i + 1` (so `i` counts from 0) of a run of
   * `totalSteps` steps whose first `warmupSteps` are warm-up (warm-up multiplies it on top).
   */
  factor(p: ScheduleParams<P>, i: number, totalSteps: number, warmupSteps: number): number;
  /** Config forms (as in an experiment file); the conformance tests run each one with every optimiser. */
  examples: ScheduleConfig[];
}

/** Types a spec (its params type comes from `params`). */
export function defineSchedule<P extends z.ZodRawShape>(spec: ScheduleSpec<P>): ScheduleSpec<P> {
  return spec;
}

/** The position after warm-up, `i − warmupSteps` clamped to [0, span], and span = totalSteps − warmupSteps (≥ 1). */
export function afterWarmup(i: number, totalSteps: number, warmupSteps: number): { j: number; span: number } {
  const span = Math.max(1, totalSteps - warmupSteps);
  return { j: Math.min(Math.max(0, i - warmupSteps), span), span };
}
