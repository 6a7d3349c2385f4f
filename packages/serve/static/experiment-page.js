// An experiment's page: the trial grid (one row per group — every axis but the seed —, one column
// per seed), the learning curves of the selected finished trials (mean ± t-interval per group),
// and the report (summary.md rendered, links to the figures and files).
import { curvesSpec, draw } from './charts.js';
import { badge, bytes, countBadges, enc, fmt, getJson, h, runningText } from './dom.js';

/** Page state kept across live updates (selection and chart controls survive a refresh). */
const memory = new Map();

function stateOf(name) {
  if (!memory.has(name)) memory.set(name, { deselected: new Set(), metric: undefined, x: 'step', showTrials: true, summaryStamp: undefined });
  return memory.get(name);
}

function planNote(v) {
  if (!v.plan) return h('p', { class: 'note' }, 'No experiment file known: the trials shown are the folders in the store (pending trials appear once an experiment file is given with --experiment, or once a finished trial records it).');
  const from = v.plan.from === 'flag' ? 'given with --experiment' : 'recorded in the trials’ config.json';
  if (!v.plan.loaded) return h('p', { class: 'note warn' }, `Experiment file ${v.plan.file} (${from}) could not be planned: ${v.plan.error}. Showing the folders only.`);
  const skipped = v.plan.skipped.length ? ` ${v.plan.skipped.length} combination(s) skipped by sweep.skip.` : '';
  return h('p', { class: 'note' }, `Plan: ${v.plan.file} (${from}).${skipped}`);
}

function cell(v, t, st, onToggle) {
  const detail = t.state === 'running' ? runningText(t.running ?? {}) : t.state === 'finished' ? `${v.metric} ${fmt(t.finished?.test?.[v.metric])}` : t.detail;
  const box = t.state === 'finished' ? h('input', { type: 'checkbox', checked: !st.deselected.has(t.dir), title: 'show in the learning curves', onchange: (e) => onToggle(t.dir, e.target.checked) }) : null;
  return h(
    'td',
    { class: `cell ${t.state}`, dataset: { trial: t.dir, state: t.state }, title: t.detail ?? t.name },
    box,
    h('a', { href: `#/e/${enc(v.name)}/t/${enc(t.dir)}` }, badge(t.state)),
    t.inPlan === false ? h('span', { class: 'tag' }, 'not in plan') : null,
    detail ? h('div', { class: 'detail' }, detail) : null,
  );
}

/** The grid: rows = groups in plan order, columns = seeds; trials without axes listed below it. */
function grid(v, st, onToggle) {
  const seeds = [...new Set(v.trials.filter((t) => t.seed !== undefined && t.group !== 'other').map((t) => t.seed))].sort((a, b) => a - b);
  const groups = [...new Set(v.trials.filter((t) => t.group !== 'other').map((t) => t.group))];
  const rows = groups.map((g) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, g),
      seeds.map((s) => {
        const t = v.trials.find((x) => x.group === g && x.seed === s);
        return t ? cell(v, t, st, onToggle) : h('td', { class: 'cell none' }, '');
      }),
    ),
  );
  const others = v.trials.filter((t) => t.group === 'other');
  return h(
    'div',
    {},
    h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, h('th', {}, 'backbone · init' + v.axes.map((a) => ` · ${a}`).join('')), seeds.map((s) => h('th', {}, `seed ${s}`)))), h('tbody', {}, rows)),
    others.length ? h('table', { class: 'grid' }, h('tbody', {}, others.map((t) => h('tr', {}, h('th', { scope: 'row' }, t.dir), cell(v, t, st, onToggle))))) : null,
  );
}

function controls(v, st, redraw) {
  const select = (value, options, onchange) => h('select', { onchange: (e) => onchange(e.target.value) }, options.map((o) => h('option', { value: o, selected: o === value }, o)));
  return h(
    'div',
    { class: 'controls' },
    h('label', {}, 'metric ', select(st.metric, [...v.metrics, 'valLoss', 'trainLoss'], (m) => ((st.metric = m), redraw()))),
    h('label', {}, 'x ', select(st.x, ['step', 'epoch', 'imagesSeen', 'trainSeconds'], (x) => ((st.x = x), redraw()))),
    h('label', {}, h('input', { type: 'checkbox', checked: st.showTrials, onchange: (e) => ((st.showTrials = e.target.checked), redraw()) }), ' individual trials'),
    h('button', { type: 'button', onclick: () => (st.deselected.clear(), redraw(true)) }, 'all'),
    h('button', { type: 'button', onclick: () => (v.trials.forEach((t) => st.deselected.add(t.dir)), redraw(true)) }, 'none'),
  );
}

function reportSection(v, st, el) {
  const summary = v.files.find((f) => f.name === 'summary.md');
  const links = v.files.map((f) => h('li', {}, h('a', { href: `/files/${enc(v.name)}/${enc(f.name)}`, target: '_blank' }, f.name), ` ${bytes(f.size)}`));
  const frame = el.querySelector('iframe');
  const stamp = summary ? summary.mtime : undefined;
  el.replaceChildren(
    h('h2', {}, 'Report'),
    v.files.length ? h('ul', { class: 'files' }, links) : h('p', { class: 'note' }, 'No report yet: the runner writes one when it finishes (or `medtransfer report <experiment>`).'),
  );
  if (!summary) return;
  // keep the rendered summary unless summary.md changed
  const iframe = frame && st.summaryStamp === stamp ? frame : h('iframe', { class: 'summary', src: `/api/experiments/${enc(v.name)}/summary`, title: 'summary.md' });
  iframe.onload = () => (iframe.style.height = `${iframe.contentDocument.documentElement.scrollHeight + 20}px`);
  st.summaryStamp = stamp;
  el.append(iframe);
}

/** Builds the page into `main`; returns `update`, which refetches and redraws (called on every store change). */
export function experimentPage(main, name) {
  const st = stateOf(name);
  const head = h('div');
  const gridEl = h('section');
  const curvesHead = h('div');
  const chart = h('div', { class: 'chart', id: 'curves' });
  const chartNote = h('p', { class: 'note' });
  const report = h('section', { class: 'report' });
  main.replaceChildren(head, gridEl, h('section', {}, h('h2', {}, 'Learning curves'), curvesHead, chart, chartNote), report);
  let view;

  async function drawCurves() {
    const selected = view.trials.filter((t) => t.state === 'finished' && !st.deselected.has(t.dir)).map((t) => t.dir);
    const q = new URLSearchParams({ metric: st.metric, x: st.x, trials: selected.join(',') });
    const curves = await getJson(`/api/experiments/${enc(name)}/curves?${q}`);
    const threshold = st.metric === view.metric ? view.threshold : undefined;
    chart.dataset.trials = String(curves.trials.length);
    chart.dataset.points = String(curves.trials.reduce((n, t) => n + t.points.length, 0));
    chartNote.textContent = curves.trials.length
      ? `${curves.trials.length} finished trial(s). Line: mean over seeds per group; band: ${Math.round(curves.level * 100)}% t-interval (none for one seed)${threshold !== undefined ? `; dashed: threshold ${threshold}` : ''}.`
      : 'No finished trial selected yet: curves appear when a trial finishes (the runner writes its curve at the end).';
    await draw(chart, curvesSpec(curves, { showTrials: st.showTrials, threshold }));
  }

  async function update() {
    view = await getJson(`/api/experiments/${enc(name)}`);
    st.metric ??= view.metrics.includes(view.metric) ? view.metric : (view.metrics[0] ?? view.metric);
    const onToggle = (dir, on) => (on ? st.deselected.delete(dir) : st.deselected.add(dir), drawCurves());
    const redraw = (all) => (all ? update() : drawCurves());
    head.replaceChildren(h('h1', {}, name), planNote(view), h('p', {}, countBadges(view.counts), ` ${view.counts.trials} trial(s)`));
    gridEl.replaceChildren(h('h2', {}, 'Trials'), grid(view, st, onToggle));
    curvesHead.replaceChildren(controls(view, st, redraw));
    await drawCurves();
    reportSection(view, st, report);
  }
  return update;
}
