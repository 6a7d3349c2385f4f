// CheXpert-style CSV manifests: an image path column plus label columns holding 1, 0, -1
// (uncertain) or blank, mapped by the uncertainty policies of Irvin et al. (AAAI 2019) to a
// multi-label matrix in which -1 marks a masked entry (left out of the loss and the metrics).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError, DataFormatError, type ImageDataset, type SplitName } from '@medtransfer/core';
import type { DecodeOptions } from './image-decode';
import { buildDiskCache, type DiskDataset } from './disk-cache';
import { buildImageSet, type ImageSetOptions, type LabelledFile } from './image-set';
import { SPLIT_FOLDERS } from './folder';
import { stratifiedSplit } from './stratified-split';

/** U-Ones: uncertain → 1; U-Zeros: uncertain → 0; U-Ignore: uncertain → masked (CheXpert paper, section 4). */
export const UNCERTAINTY_POLICIES = ['u-ones', 'u-zeros', 'u-ignore'] as const;
export type UncertaintyPolicy = (typeof UNCERTAINTY_POLICIES)[number];

export interface CsvManifestOptions extends DecodeOptions {
  /** Folder the image paths are relative to; default the CSV's folder. */
  root?: string;
  imageColumn?: string;
  labelColumns: string[];
  uncertainty?: UncertaintyPolicy;
  /** Blank (not mentioned) entries: `zero` (negative, the usual CheXpert reading) or `mask`. */
  blank?: 'zero' | 'mask';
  /** Keep only rows whose `viewColumn` equals `frontalValue`. */
  frontalOnly?: boolean;
  viewColumn?: string;
  frontalValue?: string;
  /** Column holding train / val (valid, validation) / test; absent → a seeded split. */
  splitColumn?: string;
  valFraction?: number;
  testFraction?: number;
  seed?: number;
  size?: number;
  channels?: 1 | 3 | 'auto';
  /** Config field prefix for messages (e.g. `target.dataset.params`). */
  paramsPath?: string;
}

/** Maps one cell to 1, 0 or -1 (masked) under the policy; undefined for a value that is none of 1, 0, -1, blank. */
export function labelValue(cell: string, uncertainty: UncertaintyPolicy, blank: 'zero' | 'mask'): number | undefined {
  const s = cell.trim();
  if (s === '') return blank === 'zero' ? 0 : -1;
  const v = Number(s);
  if (v === 1) return 1;
  if (v === 0) return 0;
  if (v === -1) return uncertainty === 'u-ones' ? 1 : uncertainty === 'u-zeros' ? 0 : -1;
  return undefined;
}

/** Loads a CSV manifest as a multi-label dataset (see README "csv"), decoded into memory. */
export function loadCsvManifest(csvFile: string, opts: CsvManifestOptions): ImageDataset {
  const { items, setOptions } = csvItems(csvFile, opts);
  return buildImageSet(items, setOptions);
}

/** The same dataset decoded once into an on-disk cache (see cacheImageFolder). */
export function cacheCsvManifest(csvFile: string, opts: CsvManifestOptions & { cacheDir: string; onImage?: (done: number, total: number) => void }): DiskDataset {
  const { items, setOptions } = csvItems(csvFile, opts);
  return buildDiskCache(items, { ...setOptions, cacheDir: opts.cacheDir, onImage: opts.onImage });
}

/** Reads the manifest: the labelled files with their splits, and the options to decode them. */
export function csvItems(csvFile: string, opts: CsvManifestOptions): { items: LabelledFile[]; setOptions: ImageSetOptions } {
  const params = opts.paramsPath ?? 'params';
  if (!existsSync(csvFile)) throw new ConfigError(`${params}.file`, `CSV file not found: ${csvFile}`);
  let rows: string[][];
  try {
    rows = parse(readFileSync(csvFile, 'utf8'), { bom: true, skip_empty_lines: true, relax_quotes: false }) as string[][];
  } catch (err) {
    throw new DataFormatError(csvFile, `not readable as CSV (${err instanceof Error ? err.message : String(err)})`);
  }
  if (rows.length < 2) throw new DataFormatError(csvFile, 'needs a header row and at least one data row');
  const header = rows[0].map((h) => h.trim());
  const column = (name: string, field: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new DataFormatError(csvFile, `has no column "${name}" (set by ${params}.${field}); its columns are: ${header.join(', ')}`);
    return i;
  };
  const imageCol = column(opts.imageColumn ?? 'Path', 'imageColumn');
  if (opts.labelColumns.length === 0) throw new ConfigError(`${params}.labelColumns`, 'list at least one label column');
  const labelCols = opts.labelColumns.map((c, k) => column(c, `labelColumns[${k}]`));
  const viewCol = opts.frontalOnly ? column(opts.viewColumn ?? 'Frontal/Lateral', 'viewColumn') : -1;
  const splitCol = opts.splitColumn !== undefined ? column(opts.splitColumn, 'splitColumn') : -1;
  const uncertainty = opts.uncertainty ?? 'u-ignore';
  const blank = opts.blank ?? 'zero';
  const root = opts.root ?? dirname(csvFile);
  const items: LabelledFile[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const where = `row ${r + 1}`; // 1-based line of the data row (header is row 1)
    if (viewCol >= 0 && row[viewCol].trim() !== (opts.frontalValue ?? 'Frontal')) continue;
    const rel = row[imageCol].trim();
    if (!rel) throw new DataFormatError(csvFile, `${where}: empty image path in column "${header[imageCol]}"`);
    const labels = labelCols.map((c, k) => {
      const v = labelValue(row[c], uncertainty, blank);
      if (v === undefined) {
        throw new DataFormatError(csvFile, `${where}, column "${opts.labelColumns[k]}": value "${row[c]}" is not a label; use 1, 0, -1 (uncertain) or leave it blank`);
      }
      return v;
    });
    let split: SplitName = 'train';
    if (splitCol >= 0) {
      const s = SPLIT_FOLDERS[row[splitCol].trim().toLowerCase()];
      if (!s) throw new DataFormatError(csvFile, `${where}, column "${header[splitCol]}": "${row[splitCol]}" is not a split; use ${Object.keys(SPLIT_FOLDERS).join(', ')}`);
      split = s;
    }
    const file = resolve(root, rel);
    if (!existsSync(file)) {
      throw new DataFormatError(csvFile, `${where}: image ${rel} not found (looked for ${file}); set ${params}.root to the folder the paths are relative to`);
    }
    items.push({ file, key: rel, labels, split });
  }
  if (items.length === 0) throw new DataFormatError(csvFile, `no rows left${opts.frontalOnly ? ` after the frontal-only filter (column "${opts.viewColumn ?? 'Frontal/Lateral'}" = "${opts.frontalValue ?? 'Frontal'}")` : ''}`);
  const fractions = { val: opts.valFraction ?? 0.1, test: opts.testFraction ?? 0.1 };
  if (splitCol < 0) {
    // stratified by the row's label pattern, so rare findings reach every split where possible
    const assigned = stratifiedSplit(items.map((it) => Array.from(it.labels).join(',')), fractions, opts.seed ?? 0);
    items.forEach((it, i) => (it.split = assigned[i]));
  }
  const setOptions: ImageSetOptions = {
    ...opts,
    name: 'csv',
    source: csvFile,
    task: 'multi-label',
    numClasses: opts.labelColumns.length,
    labelNames: opts.labelColumns,
    labelWidth: opts.labelColumns.length,
    channels: opts.channels ?? 'auto',
    sizeField: `${params}.size`,
    fingerprintExtra: {
      uncertainty,
      blank,
      frontal: opts.frontalOnly ? [opts.viewColumn ?? 'Frontal/Lateral', opts.frontalValue ?? 'Frontal'] : null,
      split: splitCol >= 0 ? opts.splitColumn : { ...fractions, seed: opts.seed ?? 0 },
      png16: opts.png16 ?? 'full',
      window: opts.window ?? null,
    },
  };
  return { items, setOptions };
}
