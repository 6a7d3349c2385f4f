// Shared look of every figure: colour-blind-safe palette, dash patterns, fonts and sizes.
// Change the house style here, not in each figure.

/**
 * Okabe & Ito (2008) colour-blind-safe palette. Ordered so the strongest colours come first;
 * yellow (#F0E442) is late because it is faint on white.
 */
export const OKABE_ITO: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

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
    legend: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', symbolStrokeWidth: 2.5, symbolSize: 300 },
    text: { fontSize: 11 },
  };
}
