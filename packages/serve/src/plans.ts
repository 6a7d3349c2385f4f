// Which experiment file describes an experiment folder, so the dashboard can list the trials not
// started yet. An experiment file given on the command line wins; otherwise the file a finished
// trial's config.json records (`file`, relative to where the runner was started), when it exists
// from here. Without one the dashboard shows what the folders hold.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import { CONFIG_FILE, type Plan, loadPlan, readJson } from '@medtransfer/runner';

export interface PlanInfo {
  /** The experiment file as recorded or given. */
  file: string;
  /** `flag`: given to `medtransfer serve`; `config.json`: recorded by a finished trial. */
  from: 'flag' | 'config.json';
  plan?: Plan;
  /** Why the file could not be planned (the trials listed are then the folders'). */
  error?: string;
}

interface Cached {
  mtimeMs: number;
  plan?: Plan;
  error?: string;
}

export class PlanSource {
  private readonly cache = new Map<string, Cached>();
  /** Experiment name → file, for the files given on the command line. */
  private readonly explicit = new Map<string, string>();

  /** `files`: experiment files given on the command line; one that cannot be planned is an error here. */
  constructor(files: readonly string[] = []) {
    for (const file of files) {
      const got = this.load(resolve(file));
      if (!got.plan) throw new MedtransferError(`--experiment ${file}: ${got.error}`);
      this.explicit.set(got.plan.config.name, file);
    }
  }

  /** Names of the experiments given on the command line (their folders may not exist yet). */
  explicitNames(): string[] {
    return [...this.explicit.keys()];
  }

  /** The plan of the experiment `name` stored in `dir`, or undefined when no file is known. */
  forExperiment(name: string, dir: string): PlanInfo | undefined {
    const flagged = this.explicit.get(name);
    if (flagged) return { file: flagged, from: 'flag', ...this.load(resolve(flagged)) };
    const recorded = recordedFile(dir);
    if (!recorded) return undefined;
    const got = this.load(resolve(recorded));
    if (got.plan && got.plan.config.name !== name) {
      return { file: recorded, from: 'config.json', error: `it now describes experiment "${got.plan.config.name}", not "${name}"` };
    }
    return { file: recorded, from: 'config.json', ...got };
  }

  /** Plans a file once per modification time. */
  private load(file: string): Omit<Cached, 'mtimeMs'> {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      return { error: `file not found: ${file}` };
    }
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    let entry: Cached;
    try {
      entry = { mtimeMs, plan: loadPlan(file) };
    } catch (err) {
      if (!(err instanceof MedtransferError)) throw err;
      entry = { mtimeMs, error: err.message };
    }
    this.cache.set(file, entry);
    return entry;
  }
}

/** The experiment file the first trial folder with a readable config.json records, if it exists from here. */
function recordedFile(experimentDir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(experimentDir).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = join(experimentDir, name, CONFIG_FILE);
    if (name.startsWith('.') || !existsSync(file)) continue;
    try {
      const recorded = readJson<{ file?: unknown }>(file).file;
      if (typeof recorded === 'string' && existsSync(recorded)) return recorded;
    } catch {
      // a damaged config.json says nothing about the plan; try the next trial
    }
  }
  return undefined;
}
