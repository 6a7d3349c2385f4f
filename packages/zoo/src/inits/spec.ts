// The init-strategy contract every file in this folder answers: its config forms, the strategy
// object trial keys hash, its id in trial names, and how it sets a model's starting weights.
import type { ComponentRef, InitConfig } from '@medtransfer/core';
import type { z } from 'zod';
import type { LoadReport, NamedWeights } from '../checkpoint';
import type { ClassifierModel, CreateModelOptions } from '../model';

/** What a strategy did to a model. */
export interface InitOutcome {
  /** One line for logs: what was done. */
  description: string;
  /** Weight-loading report, for strategies that load pretrained weights. */
  report?: LoadReport;
  /** Layers whose weights will not be trained. */
  frozenLayers: string[];
}

export interface InitContext {
  /** The pretrained weights (a source checkpoint, or external weights fitted to the model); present when the spec needs them. */
  weights: NamedWeights | undefined;
  /** The trial seed (for strategies that draw random numbers: fork a core `Rng` from it). */
  seed: number;
  /** Config path of the init entry, for errors (`sweep.init[2]`). */
  path: string;
}

/**
 * One init strategy. Its config forms are the bare name (when it takes no parameters, or `bare`
 * says the parameters' defaults suffice) and `{<name>: <params>}` (when it has `params`).
 */
export interface InitSpec<S extends { kind: string } = { kind: string }, P = unknown> {
  /** Registry name: the config name, the strategy's `kind` and the start of its id. */
  name: S['kind'];
  /** What it does, in one line (docs, the JSON Schema's descriptions). */
  summary: string;
  /** Needs pretrained weights: the source stage's checkpoint or the backbone's `params.weights`. */
  needsPretrained: boolean;
  /** Schema of the parameters (the value in `{<name>: …}`), strict, defaults filled in; absent: the bare name only. */
  params?: z.ZodType<P>;
  /** With `params`: the bare name is valid too and means `params` parsed from `{}`. */
  bare?: boolean;
  /** Config forms (at least one); the conformance tests run every one. */
  examples: InitConfig[];
  /** The strategy for the parsed parameters (`undefined` without `params`): what trial keys hash, so it must never change for a given config. */
  strategy(params: P): S;
  /** Identifier in trial names, skips and result tables (`transfusion-2`); default: the name. Lower-case, digits, `.`, `_`, `-`. */
  id?(s: S): string;
  /** Builds the model when the strategy has its own architecture (slim); default `createModel`. */
  buildModel?(ref: ComponentRef, opts: CreateModelOptions, s: S, path: string): ClassifierModel;
  /** Turns a freshly built model (the "scratch" initialisation) into the strategy's starting point. */
  apply(m: ClassifierModel, s: S, ctx: InitContext): Omit<InitOutcome, 'frozenLayers'> & { frozenLayers?: string[] };
}

/** Types a spec (the strategy type `S` comes from `strategy`'s return type). */
export function defineInit<S extends { kind: string }, P = undefined>(spec: InitSpec<S, P>): InitSpec<S, P> {
  return spec;
}
