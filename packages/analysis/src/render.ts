// Renders vega-lite specs to SVG headlessly (vega View, renderer 'none') and writes figures.
import { getLogger } from '@medtransfer/core';
import { importEsm } from './esm';
import type { VegaLiteSpec } from './figures';
import { svgToPng } from './png';
import { writeFileAtomic } from '@medtransfer/core';

const log = getLogger('analysis');

interface VegaLiteModule {
  compile(spec: unknown, opts?: { logger?: unknown }): { spec: unknown };
}
interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none'; logger?: unknown }) => VegaView;
}

let modules: Promise<{ vl: VegaLiteModule; vega: VegaModule }> | undefined;

/** vega and vega-lite are ESM-only and take ~0.2 s to load, so load them once, on first use. */
function loadVega(): Promise<{ vl: VegaLiteModule; vega: VegaModule }> {
  modules ??= Promise.all([importEsm<VegaLiteModule>('vega-lite'), importEsm<VegaModule>('vega')]).then(([vl, vega]) => ({ vl, vega }));
  return modules;
}

/** A vega-util style logger that routes warnings to medtransfer's log instead of the console. */
function vegaLogger() {
  let lvl = 2; // vega.Warn
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    error: (...a: unknown[]) => (log.error(a.map(String).join(' ')), logger),
    warn: (...a: unknown[]) => (lvl >= 2 && log.warn(a.map(String).join(' ')), logger),
    info: (...a: unknown[]) => (lvl >= 3 && log.info(a.map(String).join(' ')), logger),
    debug: (...a: unknown[]) => (lvl >= 4 && log.debug(a.map(String).join(' ')), logger),
  };
  return logger;
}

/** Compiles a vega-lite spec and renders it to an SVG document string, without a browser. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { vl, vega } = await loadVega();
  const logger = vegaLogger();
  const view = new vega.View(vega.parse(vl.compile(spec, { logger }).spec), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface WriteFigureOptions {
  /** Also write `<fileBase>.png` (default true). */
  png?: boolean;
  /** PNG pixels per SVG unit (default 2). */
  pngScale?: number;
}

/**
 * Writes `<fileBase>.svg`, `<fileBase>.png` and `<fileBase>.vl.json` (the spec, so the figure
 * can be restyled and re-rendered, e.g. in the vega editor). Returns the paths written, in that
 * order, and the SVG (for inlining into an HTML report).
 */
export async function writeFigure(spec: VegaLiteSpec, fileBase: string, opts: WriteFigureOptions = {}): Promise<string[]> {
  return (await writeFigureWithSvg(spec, fileBase, opts)).files;
}

export async function writeFigureWithSvg(spec: VegaLiteSpec, fileBase: string, opts: WriteFigureOptions = {}): Promise<{ files: string[]; svg: string }> {
  const svg = await renderSvg(spec);
  const files: string[] = [];
  const svgFile = `${fileBase}.svg`;
  writeFileAtomic(svgFile, svg.endsWith('\n') ? svg : `${svg}\n`);
  files.push(svgFile);
  if (opts.png ?? true) {
    const pngFile = `${fileBase}.png`;
    writeFileAtomic(pngFile, svgToPng(svg, { scale: opts.pngScale }).png);
    files.push(pngFile);
  }
  const specFile = `${fileBase}.vl.json`;
  writeFileAtomic(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  files.push(specFile);
  return { files, svg };
}
