// Renders vega-lite specs to SVG headlessly (vega View, renderer 'none') and writes figures.
import { getLogger } from '@medtransfer/core';
import { importEsm } from './esm';
import type { VegaLiteSpec } from './figures';
import { writeFileAtomic } from './write-atomic';

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

/**
 * Writes `<fileBase>.svg` and `<fileBase>.vl.json` (the spec, so the figure can be restyled and
 * re-rendered, e.g. in the vega editor). Returns the paths written.
 */
export async function writeFigure(spec: VegaLiteSpec, fileBase: string): Promise<string[]> {
  const svg = await renderSvg(spec);
  const svgFile = `${fileBase}.svg`;
  const specFile = `${fileBase}.vl.json`;
  writeFileAtomic(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  writeFileAtomic(svgFile, svg.endsWith('\n') ? svg : `${svg}\n`);
  return [svgFile, specFile];
}
