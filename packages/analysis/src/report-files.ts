// Writes a report's files: the Markdown, a self-contained HTML page with the figures inlined, and
// each figure as .svg, .png and .vl.json. Every figure is rendered before the first file is
// written, so a rendering error leaves the directory untouched.
import * as path from 'node:path';
import { writeFileAtomic } from '@medtransfer/core';
import type { VegaLiteSpec } from './figures';
import { reportHtml } from './markdown-html';
import { svgToPng } from './png';
import { renderSvg } from './render';

export interface ReportFigure {
  /** File name without extension; the Markdown refers to `<base>.svg`. */
  base: string;
  alt: string;
  spec: VegaLiteSpec;
}

export interface ReportFiles {
  markdown: string;
  markdownFile: string;
  htmlFile: string;
  /** Title of the HTML page. */
  title: string;
  figures: readonly ReportFigure[];
  /** Also write PNGs of the figures (default true). */
  png?: boolean;
}

/** Writes the report into `dir`; returns the paths: Markdown, HTML, then each figure's files. */
export async function writeReportFiles(dir: string, r: ReportFiles): Promise<string[]> {
  const svgs = await Promise.all(r.figures.map((f) => renderSvg(f.spec)));
  const html = reportHtml(r.markdown, { title: r.title, figures: new Map(r.figures.map((f, i) => [`${f.base}.svg`, svgs[i]])) });
  const pngs = r.png ?? true ? svgs.map((svg) => svgToPng(svg).png) : [];

  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    const file = path.join(dir, name);
    writeFileAtomic(file, data);
    files.push(file);
  };
  write(r.markdownFile, r.markdown);
  write(r.htmlFile, html);
  r.figures.forEach((f, i) => {
    write(`${f.base}.svg`, svgs[i].endsWith('\n') ? svgs[i] : `${svgs[i]}\n`);
    if (pngs.length > 0) write(`${f.base}.png`, pngs[i]);
    write(`${f.base}.vl.json`, `${JSON.stringify(f.spec, null, 2)}\n`);
  });
  return files;
}
