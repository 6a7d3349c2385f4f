// What a registered dataset declares beside its loader: its params schema, the files and folders
// it reads (checked by `validate` and `plan` before anything loads) and its location-only params.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { ImageDataset } from '@medtransfer/core';
import { parseParams } from './params';

/** `path` is where the dataset sits in the experiment file (e.g. `target.dataset`); `seed` is the data seed. */
export interface DatasetContext {
  path: string;
  seed: number;
  /** The stage's imageSize, when known: image-folder, DICOM and CSV datasets resize to it unless params.size says otherwise. */
  imageSize?: number;
}

/** What `inputs` needs: where the dataset sits in the experiment file. */
export type InputContext = Pick<DatasetContext, 'path'>;

export type DatasetFactory = (params: Record<string, unknown>, ctx: DatasetContext) => ImageDataset;

/** A file or folder a dataset reads, as its params name it. */
export interface DatasetInput {
  /** The params key, e.g. `path`. */
  param: string;
  /** Full config path, e.g. `target.dataset.params.path` (the params mapping itself for a default location: the MedMNIST cache). */
  field: string;
  /** As written in the file; empty for a default location (the param is absent). */
  given: string;
  /** Absolute. */
  resolved: string;
  kind: 'file' | 'folder';
  /** How to fix it when it is missing or of the other kind: one or more sentences ending the message. */
  fix?: string;
}

/** A registry entry: every function parses the raw params with the dataset's schema (ConfigErrors at `${ctx.path}.params.<key>`). */
export interface DatasetEntry {
  /** Builds the dataset; loadDataset checks its inputs first. */
  load: DatasetFactory;
  /** The files and folders it reads. */
  inputs: (params: Record<string, unknown>, ctx: InputContext) => DatasetInput[];
  /** Params keys that only say where the data is (moving the data changes them, not the content). */
  locationParams: readonly string[];
}

/** What a dataset module writes; `defineDataset` turns it into a registry entry. */
export interface DatasetSpec<S extends z.ZodObject> {
  schema: S;
  load: (params: z.infer<S>, ctx: DatasetContext) => ImageDataset;
  inputs?: (params: z.infer<S>, ctx: InputContext) => DatasetInput[];
  locationParams?: readonly (keyof z.infer<S> & string)[];
}

export function defineDataset<S extends z.ZodObject>(name: string, spec: DatasetSpec<S>): DatasetEntry {
  const parse = (raw: Record<string, unknown>, ctx: InputContext) => parseParams(spec.schema, raw, ctx.path, name);
  return {
    load: (raw, ctx) => spec.load(parse(raw, ctx), ctx),
    inputs: (raw, ctx) => {
      const p = parse(raw, ctx);
      return spec.inputs ? spec.inputs(p, ctx) : [];
    },
    locationParams: spec.locationParams ?? [],
  };
}

/** `target.dataset.params` (or `params` at the top level). */
export const paramsField = (ctx: InputContext) => (ctx.path ? `${ctx.path}.params` : 'params');

/** The input named by `params[param] = given`, resolved against the working directory. */
export function inputAt(ctx: InputContext, param: string, given: string, kind: DatasetInput['kind'], fix?: string): DatasetInput {
  return { param, field: `${paramsField(ctx)}.${param}`, given, resolved: resolve(process.cwd(), given), kind, ...(fix ? { fix } : {}) };
}

/** ` (from "x.npz", relative to /cwd)` for a relative path as written; nothing for an absolute or default one. */
function origin(input: DatasetInput): string {
  return input.given && !isAbsolute(input.given) ? ` (from "${input.given}", relative to ${process.cwd()})` : '';
}

/**
 * What is wrong with an input, or undefined when it is there and of its kind: `file not found:
 * /abs/x.npz (from "x.npz", relative to /cwd). <fix>`; the message `validate`, `plan` and `run` give.
 */
export function inputProblem(input: DatasetInput): string | undefined {
  let what: string;
  try {
    const st = statSync(input.resolved);
    const isFolder = st.isDirectory();
    if (input.kind === 'folder' ? isFolder : st.isFile()) return undefined;
    what = `expected a ${input.kind}, but ${input.resolved}${origin(input)} is ${isFolder ? 'a folder' : st.isFile() ? 'a file' : 'neither a file nor a folder'}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    what =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${input.kind} not found: ${input.resolved}${origin(input)}`
        : `cannot read ${input.resolved}${origin(input)}: ${code ?? (err as Error).message}`;
  }
  return input.fix ? `${what}. ${input.fix}` : what;
}
