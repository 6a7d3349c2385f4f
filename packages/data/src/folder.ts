// Image-folder datasets: `root/<class>/*.png|jpg|dcm`, or `root/{train,val,test}/<class>/…`.
// Classes are the sorted folder names; splits without a folder are drawn by a seeded stratified split.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, DataFormatError, type ImageDataset, type SplitName } from '@medtransfer/core';
import { IMAGE_EXTENSIONS, isImageFile, type DecodeOptions } from './image-decode';
import { buildDiskCache, type DiskDataset } from './disk-cache';
import { buildImageSet, type ImageSetOptions, type LabelledFile } from './image-set';
import { stratifiedSplit } from './stratified-split';

/** Folder names recognised as splits (lower case). */
export const SPLIT_FOLDERS: Record<string, SplitName> = { train: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test' };

export interface FolderOptions extends DecodeOptions {
  /** Registry name recorded in the dataset (`folder` or `dicom`). */
  name?: string;
  /** Square output size; absent → the images' own (common) size. */
  size?: number;
  channels?: 1 | 3 | 'auto';
  /** Shares of each class drawn for val/test when the folder has no such split folder. */
  valFraction?: number;
  testFraction?: number;
  seed?: number;
  /** Extensions to pick up (lower case, with the dot); default all of IMAGE_EXTENSIONS. */
  extensions?: string[];
  /** Skip files with other extensions instead of failing on them. */
  skipOther?: boolean;
  /** Config field of `path`/`size`, for messages (e.g. `target.dataset.params`). */
  paramsPath?: string;
}

/** Plain JS string order (code units), the order of Python's `sorted` and torchvision's ImageFolder. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function listDir(dir: string): { dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue; // .DS_Store, editor files
    if (e.isDirectory()) dirs.push(e.name);
    else if (e.isFile() || (e.isSymbolicLink() && statSync(join(dir, e.name)).isFile())) files.push(e.name);
  }
  return { dirs: dirs.sort(byName), files: files.sort(byName) };
}

/** Image files under `dir` (recursively, sorted); other files fail unless `skipOther`. */
function imagesUnder(dir: string, exts: string[], skipOther: boolean, out: string[] = []): string[] {
  const { dirs, files } = listDir(dir);
  for (const f of files) {
    const file = join(dir, f);
    const ext = f.includes('.') ? f.slice(f.lastIndexOf('.')).toLowerCase() : '';
    if (exts.includes(ext)) out.push(file);
    else if (!skipOther) {
      throw new DataFormatError(
        file,
        `is not an image this dataset reads (extensions ${exts.join(', ')}); move it out of the dataset folder, or set params.skipOther: true to ignore such files`,
      );
    }
  }
  for (const d of dirs) imagesUnder(join(dir, d), exts, skipOther, out);
  return out;
}

/** Loads a class-per-folder image dataset (see README "folder"), decoded into memory. */
export function loadImageFolder(root: string, opts: FolderOptions = {}): ImageDataset {
  const { items, setOptions } = folderItems(root, opts);
  return buildImageSet(items, setOptions);
}

/**
 * The same dataset decoded once into an on-disk cache under `cacheDir` (reused while the files and
 * params are unchanged); read its splits with createDiskBatchSource. Memory stays at one image.
 */
export function cacheImageFolder(root: string, opts: FolderOptions & { cacheDir: string; onImage?: (done: number, total: number) => void }): DiskDataset {
  const { items, setOptions } = folderItems(root, opts);
  return buildDiskCache(items, { ...setOptions, cacheDir: opts.cacheDir, onImage: opts.onImage });
}

/** Lists the labelled files of a folder dataset, with their splits, and the options to decode them. */
export function folderItems(root: string, opts: FolderOptions = {}): { items: LabelledFile[]; setOptions: ImageSetOptions } {
  const params = opts.paramsPath ?? 'params';
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new ConfigError(`${params}.path`, `folder not found: ${root}; point path at a folder holding one sub-folder per class (or train/, val/, test/ with class sub-folders)`);
  }
  const exts = opts.extensions ?? IMAGE_EXTENSIONS;
  const skipOther = opts.skipOther ?? false;
  const top = listDir(root);
  const splitDirs = top.dirs.filter((d) => d.toLowerCase() in SPLIT_FOLDERS);
  const layout = splitDirs.length > 0 && splitDirs.some((d) => SPLIT_FOLDERS[d.toLowerCase()] === 'train') ? 'splits' : 'classes';
  // (split or undefined, class folder) pairs
  const groups: { split?: SplitName; dir: string; cls: string }[] = [];
  if (layout === 'splits') {
    const seen = new Set<SplitName>();
    for (const d of splitDirs) {
      const split = SPLIT_FOLDERS[d.toLowerCase()];
      if (seen.has(split)) throw new DataFormatError(join(root, d), `a second folder for the ${split} split; keep one of ${Object.keys(SPLIT_FOLDERS).filter((k) => SPLIT_FOLDERS[k] === split).join(', ')}`);
      seen.add(split);
      for (const cls of listDir(join(root, d)).dirs) groups.push({ split, dir: join(root, d, cls), cls });
    }
  } else {
    for (const cls of top.dirs) groups.push({ dir: join(root, cls), cls });
  }
  const stray = top.files.filter((f) => isImageFile(f));
  if (stray.length) {
    throw new DataFormatError(join(root, stray[0]), `image files directly in the dataset folder have no class; put each image in a sub-folder named after its class`);
  }
  const classes = [...new Set(groups.map((g) => g.cls))].sort(byName);
  if (classes.length < 2) {
    throw new DataFormatError(root, `found ${classes.length} class folder(s) (${classes.join(', ') || 'none'}); a folder dataset needs one sub-folder per class, at least two`);
  }
  const items: (LabelledFile & { fixed: boolean })[] = [];
  for (const g of groups) {
    const label = classes.indexOf(g.cls);
    for (const file of imagesUnder(g.dir, exts, skipOther)) {
      items.push({ file, key: relative(root, file).split('\\').join('/'), labels: [label], split: g.split ?? 'train', fixed: g.split !== undefined });
    }
  }
  if (items.length === 0) throw new DataFormatError(root, `no image files (${exts.join(', ')}) in the class folders`);
  const present = new Set(items.filter((i) => i.fixed).map((i) => i.split));
  const fractions = {
    val: present.has('val') ? 0 : (opts.valFraction ?? 0.1),
    test: present.has('test') ? 0 : (opts.testFraction ?? 0.1),
  };
  if (fractions.val > 0 || fractions.test > 0) {
    // only training images (from train/ or the class folders) are split further
    const pool = items.map((it, i) => (it.split === 'train' ? i : -1)).filter((i) => i >= 0);
    const assigned = stratifiedSplit(pool.map((i) => String(items[i].labels[0])), fractions, opts.seed ?? 0);
    pool.forEach((i, j) => (items[i].split = assigned[j]));
  }
  const name = opts.name ?? 'folder';
  const setOptions: ImageSetOptions = {
    ...opts,
    name,
    source: root,
    task: classes.length === 2 ? 'binary' : 'multi-class',
    numClasses: classes.length,
    labelNames: classes,
    labelWidth: 1,
    channels: opts.channels ?? 'auto',
    sizeField: `${params}.size`,
    fingerprintExtra: { name, layout, fractions, seed: opts.seed ?? 0, png16: opts.png16 ?? 'full', window: opts.window ?? null },
  };
  return { items, setOptions };
}
