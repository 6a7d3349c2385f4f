// The optimiser contract every file in this folder answers: its own config fields (beside the
// fields every optimiser takes, core's optimizerSchema), how it is built, and its update's memory.
import type { OptimizerConfig } from '@medtransfer/core';
import type { z } from 'zod';
import type { SlotOptimizer } from './slot-optimizer';

/** Tensor bytes of an update, in units of the trainable weights' bytes (see memory-check.ts). */
export interface UpdateMemory {
  /** State kept between steps (created at the first update): Adam's two moments, SGD's momentum. */
  slots: number;
  /** The update's intermediates, alive until the step's tf.tidy ends (measured; say how). */
  temporaries: number;
}

/** An optimiser config after its spec checked it: the common fields and the spec's own, defaults filled in. */
export type OptimizerOf<P extends z.ZodRawShape> = OptimizerConfig & z.output<z.ZodObject<P>>;

export interface OptimizerSpec<P extends z.ZodRawShape = z.ZodRawShape> {
  /** Registry name: `training.optimizer.name`. */
  name: string;
  /** What it is, in one line (docs, the JSON Schema's descriptions); name the PyTorch class it matches. */
  summary: string;
  /**
   * The optimiser's own fields. Give new fields defaults only in a new optimiser: a default added
   * to an existing one would change the trial keys of files that leave the field out.
   */
  params: P;
  /** Checks between fields (ConfigError at `${path}.<field>`), when the experiment is planned. */
  check?(cfg: OptimizerOf<P>, path: string): void;
  /** The optimiser at `cfg.lr`; the training loop sets its rate every step (schedules). */
  create(cfg: OptimizerOf<P>): SlotOptimizer;
  memory(cfg: OptimizerOf<P>): UpdateMemory;
  /** Config mappings (as in an experiment file); the conformance tests run each one with every schedule. */
  examples: Array<{ name: string } & Record<string, unknown>>;
}

/** Types a spec (its config type comes from `params`). */
export function defineOptimizer<P extends z.ZodRawShape>(spec: OptimizerSpec<P>): OptimizerSpec<P> {
  return spec;
}
