// SVG → PNG without a browser, through resvg (a Rust renderer shipped as a prebuilt binary in
// the npm package). Text is drawn with the system's fonts; sans-serif falls back to DejaVu Sans.
import { Resvg } from '@resvg/resvg-js';

export interface PngOptions {
  /** Pixels per SVG unit (default 2: sharp at print size and on high-density screens). */
  scale?: number;
}

export interface RasterImage {
  png: Buffer;
  width: number;
  height: number;
  /** RGBA bytes, row-major (for checks such as "the image is not blank"). */
  pixels: Buffer;
}

/**
 * Renders an SVG document to PNG. The figures ask for "Helvetica, Arial, sans-serif"; machines
 * without those fonts get DejaVu Sans (Debian's default), so axis text never disappears.
 */
export function svgToPng(svg: string, opts: PngOptions = {}): RasterImage {
  const scale = opts.scale ?? 2;
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  const img = resvg.render();
  return { png: img.asPng(), width: img.width, height: img.height, pixels: img.pixels };
}

/** Fraction of pixels that are clearly not white (a blank render gives 0). */
export function inkFraction(pixels: Buffer): number {
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 0 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 3 * 200) ink++;
  }
  return ink / (pixels.length / 4);
}
