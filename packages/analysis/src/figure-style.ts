// Shared look of every figure: colour-blind-safe palette, dash patterns, fonts and sizes.
// Change the house style here, not in each figure.

/**
 * Okabe & Ito (2008) colour-blind-safe palette. Ordered so the strongest colours come first;
 * yellow (#F0E442) is late because it is faint on white.
 */
export const OKABE_ITO: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** Tableau 20 (Tableau Software's 20-colour palette), for figures with more series than Okabe–Ito has colours. */
export const TABLEAU_20: readonly string[] = [
  '#4E79A7', '#A0CBE8', '#F28E2B', '#FFBE7D', '#59A14F', '#8CD17D', '#B6992D', '#F1CE63', '#499894', '#86BCB6',
  '#E15759', '#FF9D9A', '#79706E', '#BAB0AC', '#D37295', '#FABFD2', '#B07AA1', '#D4A6C8', '#9D7660', '#D7B5A6',
];

/**
 * One colour per series: Okabe–Ito up to 8 series, else Tableau 20 with its 10 strong hues first
 * and their light pairs after (neighbours in the legend differ in hue) — no two series alike below 21.
 */
export function seriesColours(n: number): string[] {
  if (n <= OKABE_ITO.length) return OKABE_ITO.slice(0, n);
  return Array.from({ length: n }, (_, i) => TABLEAU_20[((i % 20) * 2) % 20 + Math.floor((i % 20) / 10)]);
}

/** Dash patterns by init rank: scratch solid, pretrained dashed, then other inits. */
export const DASHES: readonly number[][] = [[1, 0], [7, 4], [2, 3], [9, 3, 2, 3], [4, 2, 1, 2]];

export const FIGURE_WIDTH = 560;
export const FIGURE_HEIGHT = 320;

/** vega-lite `config` block: fonts ≥ 11 px everywhere, light grid, no frame. */
export function figureConfig(): Record<string, unknown> {
  return {
    font: 'Helvetica, Arial, sans-serif',
    background: 'white',
    view: { stroke: null },
    title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#555555', anchor: 'start', offset: 12 },
    axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6', tickColor: '#888', domainColor: '#888' },
    // labelLimit 0: long labels (`mobilenet-v1 (alpha 0.25)`) are shown whole, not cut with "…"
    legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', symbolStrokeWidth: 2.5, symbolSize: 300, labelLimit: 0 },
    text: { fontSize: 11 },
  };
}
