// Vega-lite specs of the dashboard's charts, drawn with vega-embed (served from node_modules
// under /vendor/, globals `vegaEmbed`, `vega`, `vegaLite`).
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const X_TITLES = { step: 'training step', epoch: 'epoch', imagesSeen: 'images seen', trainSeconds: 'training seconds' };
const EMBED = { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } };

function yTitle(metric) {
  return metric === 'valLoss' ? 'validation loss' : metric === 'trainLoss' ? 'training loss' : `validation ${metric}`;
}

/**
 * Mean ± t-interval per group (bands from /api/…/curves), each selected trial as a thin line when
 * `showTrials`, and the threshold as a dashed rule.
 */
export function curvesSpec(curves, { showTrials, threshold }) {
  const x = { field: 'x', type: 'quantitative', title: X_TITLES[curves.x] ?? curves.x };
  const y = { type: 'quantitative', title: yTitle(curves.metric), scale: { zero: false } };
  const color = { field: 'group', type: 'nominal', title: 'group', legend: { orient: 'bottom', columns: 3 } };
  const points = curves.trials.flatMap((t) => t.points.map((p) => ({ dir: t.dir, group: t.group, x: p.x, y: p.y })));
  const layer = [
    { data: { name: 'bands' }, mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
    {
      data: { name: 'bands' },
      mark: { type: 'line', strokeWidth: 2.2, point: { size: 18 } },
      encoding: {
        x,
        y: { ...y, field: 'mean' },
        color,
        tooltip: [{ field: 'group' }, { field: 'x', title: x.title }, { field: 'mean', format: '.4f' }, { field: 'lo', format: '.4f' }, { field: 'hi', format: '.4f' }, { field: 'n', title: 'seeds' }],
      },
    },
  ];
  if (showTrials) {
    layer.push({
      data: { name: 'trials' },
      mark: { type: 'line', strokeWidth: 1, opacity: 0.5 },
      encoding: { x, y: { ...y, field: 'y' }, color, detail: { field: 'dir' }, tooltip: [{ field: 'dir', title: 'trial' }, { field: 'x', title: x.title }, { field: 'y', format: '.4f' }] },
    });
  }
  if (threshold !== undefined) layer.push({ data: { values: [{}] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#444', strokeWidth: 1.5 }, encoding: { y: { datum: threshold, type: 'quantitative' } } });
  return { $schema: SCHEMA, width: 'container', height: 320, datasets: { bands: curves.bands, trials: points }, layer, config: { font: 'system-ui, sans-serif' } };
}

/** One trial's curve: `metric` (a validation metric or a loss) against `x`, with the threshold. */
export function trialCurveSpec(curve, { metric, x, threshold }) {
  const value = (p) => (metric === 'valLoss' || metric === 'trainLoss' ? p[metric] : p.val?.[metric]);
  const values = curve.map((p) => ({ x: p[x], y: value(p) })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const layer = [
    {
      data: { values },
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
      encoding: { x: { field: 'x', type: 'quantitative', title: X_TITLES[x] }, y: { field: 'y', type: 'quantitative', title: yTitle(metric), scale: { zero: false } }, tooltip: [{ field: 'x' }, { field: 'y', format: '.4f' }] },
    },
  ];
  if (threshold !== undefined) layer.push({ data: { values: [{}] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#444' }, encoding: { y: { datum: threshold, type: 'quantitative' } } });
  return { $schema: SCHEMA, width: 'container', height: 260, layer, config: { font: 'system-ui, sans-serif' } };
}

/** Draws `spec` into `el` unless the same spec is already drawn there (live updates redraw only what changed). */
const drawn = new WeakMap();

export async function draw(el, spec) {
  const key = JSON.stringify(spec);
  if (drawn.get(el) === key) return;
  drawn.set(el, key);
  await globalThis.vegaEmbed(el, spec, EMBED);
}
