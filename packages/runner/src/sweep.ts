// Sweep axes → combinations: the cartesian product of the grid axes and the `tied` rows (one
// axis together), then `skip` entries removed with their reasons. Init entries are checked here
// (the zoo's init registry; their ids name trials); the other registry checks are plan.ts's.
import {
  ComponentRef,
  ConfigError,
  ExperimentConfig,
  InitConfig,
  SkipConfig,
  SweepAxis,
  canonicalJson,
  normalizeComponent,
  stableHash,
  sweepAxisNames,
} from '@medtransfer/core';
import { InitStrategy, parseInit, strategyId } from '@medtransfer/zoo';

/** Short identifier for a backbone with parameters: `cbr-small` or `cbr-small-<hash>`. */
export function backboneId(ref: ComponentRef): string {
  return Object.keys(ref.params).length ? `${ref.name}-${stableHash(ref.params, 6)}` : ref.name;
}

/** A value of an axis with where it sits in the file, for errors. */
interface At<T> {
  value: T;
  path: string;
}

/** One backbone or init entry of the sweep (listed once even when several tied rows name it). */
export interface SweepBackbone extends At<ComponentRef> {
  /** `true` when the file gives it as `{name, params}` (its name's path then ends in `.name`). */
  mapping: boolean;
}
export type SweepInit = At<InitConfig> & { strategy: InitStrategy };

/** One combination of axis values. */
export interface SweepPoint {
  backbone: SweepBackbone;
  init: SweepInit;
  imageSize: At<number>;
  dataFraction?: At<number>;
  seed: number;
}

export interface SweepExpansion {
  /** Axes the file names (grid or tied): those beyond backbone, init and seed join the trial name. */
  named: Set<SweepAxis>;
  backbones: SweepBackbone[];
  inits: SweepInit[];
  points: SweepPoint[];
  skipped: Array<{ point: SweepPoint; reason: string; path: string }>;
  issues: ConfigError[];
}

/** Seeds of the sweep: `sweep.seed` (a list or `{repeat, start}`), else the top-level `seeds`, else [1]. */
export function sweepSeeds(config: ExperimentConfig): number[] {
  const s = config.sweep.seed;
  if (s === undefined) return config.seeds ?? [1];
  if (Array.isArray(s)) return s;
  return Array.from({ length: s.repeat }, (_, i) => s.start + i);
}

function matchesSkip(p: SweepPoint, skip: SkipConfig): boolean {
  if (skip.backbone !== undefined && skip.backbone !== p.backbone.value.name && skip.backbone !== backboneId(p.backbone.value)) return false;
  if (skip.init !== undefined && skip.init !== strategyId(p.init.strategy)) return false;
  if (skip.imageSize !== undefined && skip.imageSize !== p.imageSize.value) return false;
  if (skip.dataFraction !== undefined && skip.dataFraction !== (p.dataFraction?.value ?? 1)) return false;
  if (skip.seed !== undefined && skip.seed !== p.seed) return false;
  return true;
}

/** Values of some axes: one option of a factor, or a combination being built. */
interface Assignment {
  backbone?: SweepBackbone;
  init?: SweepInit;
  imageSize?: At<number>;
  dataFraction?: At<number>;
  seed?: number;
}

export function expandSweep(config: ExperimentConfig, file: string): SweepExpansion {
  const { sweep } = config;
  const issues: ConfigError[] = [];
  const issue = (path: string, detail: string) => issues.push(new ConfigError(path, detail, file));
  const tied = sweep.tied ?? [];
  const tiedAxes = sweepAxisNames.filter((a) => tied.some((row) => a in row));
  tied.forEach((row, j) => {
    const keys = sweepAxisNames.filter((a) => a in row);
    if (!keys.length) issue(`sweep.tied[${j}]`, `names no axis; each row gives values for the same axes (${tiedAxes.join(', ') || 'e.g. backbone and imageSize'})`);
    else if (keys.join() !== tiedAxes.join()) {
      issue(`sweep.tied[${j}]`, `names ${keys.join(', ')} but the tied rows together name ${tiedAxes.join(', ')}; every row must give a value for each tied axis`);
    }
  });
  const rows = tied.map((r) => canonicalJson(r)).filter((s, i, all) => all.indexOf(s) !== i);
  if (rows.length) issue('sweep.tied', `rows listed twice: ${rows.join(', ')}`);
  for (const a of tiedAxes) {
    if (sweep[a as keyof typeof sweep] !== undefined) issue(`sweep.${a}`, `"${a}" is also an axis of sweep.tied; give each axis in one place (a grid list or the tied rows)`);
  }
  if (sweep.seed !== undefined && config.seeds !== undefined) {
    issue('seeds', 'seeds are given twice, as "seeds" and as "sweep.seed"; keep one (sweep.seed also takes {repeat: n})');
  }
  const named = new Set<SweepAxis>([...tiedAxes, ...sweepAxisNames.filter((a) => sweep[a as keyof typeof sweep] !== undefined)]);
  if (!named.has('backbone')) issue('sweep.backbone', 'missing (required): list the backbones here, or in the rows of sweep.tied');
  if (named.has('dataFraction') && config.target.subset) {
    issue('sweep.dataFraction', 'target.subset is set too; a dataFraction axis takes the target subset from each trial\'s fraction — remove target.subset (its seed: the data seed, 0)');
  }

  // Backbones and inits once each (a tied row reuses the entry of an equal earlier one).
  const backbones: SweepBackbone[] = [];
  const backboneEntry = (raw: NonNullable<typeof sweep.backbone>[number], path: string): SweepBackbone => {
    const value = normalizeComponent(raw);
    const found = backbones.find((b) => canonicalJson(b.value) === canonicalJson(value));
    if (found) return found;
    const entry = { value, path, mapping: typeof raw !== 'string' };
    backbones.push(entry);
    return entry;
  };
  const inits: SweepInit[] = [];
  // Each entry is checked once, where it first appears; a bad one leaves its combinations out (the issues stop the plan).
  const strategies = new Map<InitConfig, InitStrategy | undefined>();
  const strategyOf = (value: InitConfig, path: string): InitStrategy | undefined => {
    if (!strategies.has(value)) {
      const parsed = parseInit(value, path);
      if (!parsed.ok) for (const e of parsed.issues) issue(e.path, e.detail);
      strategies.set(value, parsed.ok ? parsed.value : undefined);
    }
    return strategies.get(value);
  };
  const initEntry = (value: InitConfig, path: string): SweepInit | undefined => {
    const strategy = strategyOf(value, path);
    if (!strategy) return undefined;
    const found = inits.find((x) => strategyId(x.strategy) === strategyId(strategy));
    if (found) return found;
    const entry = { value, path, strategy };
    inits.push(entry);
    return entry;
  };

  // One factor per grid axis, the tied rows as one factor at the place of their first axis.
  const factors: Array<{ axis: SweepAxis; options: Assignment[] }> = [];
  const grid = (axis: SweepAxis, options: Assignment[]) => factors.push({ axis, options });
  if (sweep.backbone) grid('backbone', sweep.backbone.map((b, i) => ({ backbone: backboneEntry(b, `sweep.backbone[${i}]`) })));
  if (sweep.imageSize) grid('imageSize', sweep.imageSize.map((value, i) => ({ imageSize: { value, path: `sweep.imageSize[${i}]` } })));
  if (sweep.dataFraction) grid('dataFraction', sweep.dataFraction.map((value, i) => ({ dataFraction: { value, path: `sweep.dataFraction[${i}]` } })));
  if (sweep.init) grid('init', sweep.init.map((v, i) => ({ init: initEntry(v, `sweep.init[${i}]`) })));
  if (tied.length && tiedAxes.length) {
    const options = tied.map((row, j): Assignment => {
      const at = `sweep.tied[${j}]`;
      return {
        backbone: row.backbone === undefined ? undefined : backboneEntry(row.backbone, `${at}.backbone`),
        init: row.init === undefined ? undefined : initEntry(row.init, `${at}.init`),
        imageSize: row.imageSize === undefined ? undefined : { value: row.imageSize, path: `${at}.imageSize` },
        dataFraction: row.dataFraction === undefined ? undefined : { value: row.dataFraction, path: `${at}.dataFraction` },
      };
    });
    factors.push({ axis: tiedAxes[0], options });
  }
  factors.sort((a, b) => sweepAxisNames.indexOf(a.axis) - sweepAxisNames.indexOf(b.axis));
  grid('seed', sweepSeeds(config).map((seed) => ({ seed })));

  const dupes = (sweep.backbone ?? []).map((r) => canonicalJson(normalizeComponent(r))).filter((s, i, all) => all.indexOf(s) !== i);
  if (dupes.length) issue('sweep.backbone', `listed twice: ${dupes.join(', ')}`);
  const initIds = (sweep.init ?? []).flatMap((x, i) => {
    const s = strategyOf(x, `sweep.init[${i}]`);
    return s ? [strategyId(s)] : [];
  });
  const twiceIds = initIds.filter((s, i, all) => all.indexOf(s) !== i);
  if (twiceIds.length) issue('sweep.init', `listed twice: ${twiceIds.join(', ')}`);
  for (const axis of ['imageSize', 'dataFraction', 'seed'] as const) {
    const list = axis === 'seed' ? sweepSeeds(config) : sweep[axis];
    const twice = (list ?? []).filter((v, i, all) => all.indexOf(v) !== i);
    if (twice.length) issue(axis === 'seed' && sweep.seed === undefined ? 'seeds' : `sweep.${axis}`, `listed twice: ${twice.join(', ')}`);
  }
  if (issues.length) return { named, backbones, inits, points: [], skipped: [], issues };

  let combos: Assignment[] = [{}];
  for (const f of factors) combos = combos.flatMap((c) => f.options.map((o) => ({ ...c, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) })));
  const scratch = inits.length ? undefined : initEntry('scratch', 'sweep.init');
  const all: SweepPoint[] = combos.map((c) => ({
    backbone: c.backbone!,
    init: c.init ?? scratch!,
    imageSize: c.imageSize ?? { value: config.target.imageSize, path: 'target.imageSize' },
    dataFraction: c.dataFraction,
    seed: c.seed!,
  }));

  const skips = sweep.skip ?? [];
  const points: SweepPoint[] = [];
  const skipped: SweepExpansion['skipped'] = [];
  const used = new Set<number>();
  for (const p of all) {
    const hits = skips.flatMap((s, i) => (matchesSkip(p, s) ? [i] : []));
    hits.forEach((i) => used.add(i));
    if (!hits.length) points.push(p);
    else skipped.push({ point: p, reason: skips[hits[0]].reason, path: `sweep.skip[${hits[0]}]` });
  }
  skips.forEach((s, i) => {
    const axes = sweepAxisNames.filter((a) => s[a] !== undefined);
    if (!axes.length) issue(`sweep.skip[${i}]`, `names no axis, so it would skip every trial; give the combination (${sweepAxisNames.join(', ')}) and a reason`);
    else if (!used.has(i)) {
      const values = `backbones ${backbones.map((b) => `${b.value.name}${b.value.name === backboneId(b.value) ? '' : ` (${backboneId(b.value)})`}`).join(', ')}; inits ${inits.map((x) => strategyId(x.strategy)).join(', ')}`;
      issue(`sweep.skip[${i}]`, `matches no trial of the sweep (${axes.map((a) => `${a}: ${String(s[a])}`).join(', ')}); fix its values or remove it (${values})`);
    }
  });
  return { named, backbones, inits, points, skipped, issues };
}
