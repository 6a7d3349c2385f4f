// A trial's page: state, curve, metrics (summary.json), convergence, the recorded failure, the runs
// that took its lock, its files (checkpoints, saved state, records moved aside) and config.json.
import { draw, trialCurveSpec } from './charts.js';
import { badge, bytes, duration, enc, fill, fmt, getJson, h, runningText } from './dom.js';

const controls = { metric: undefined, x: 'step' };

function metricsTable(s) {
  const splits = [
    ['test', s.test],
    ['final val', s.finalVal],
    ['best val', s.bestVal],
  ].filter(([, m]) => m);
  const names = [...new Set(splits.flatMap(([, m]) => Object.keys(m).filter((k) => typeof m[k] === 'number')))];
  return h(
    'table',
    { class: 'metrics' },
    h('thead', {}, h('tr', {}, h('th', {}, 'metric'), splits.map(([label]) => h('th', {}, label)))),
    h('tbody', {}, names.map((n) => h('tr', {}, h('th', { scope: 'row' }, n), splits.map(([, m]) => h('td', { class: 'num' }, fmt(m[n], 4)))))),
  );
}

function facts(s) {
  const reach = s.convergence?.reached ?? [];
  const rows = [
    ['steps', `${s.steps}${s.plannedSteps ? ` of ${s.plannedSteps} planned` : ''}${s.stoppedEarly ? ' (stopped early)' : ''}`],
    s.bestStep !== undefined ? ['best validation step', s.bestStep] : null,
    ['test from', s.testFrom ?? 'final'],
    ...reach.map((r) => [`steps to ${s.convergence.metric} ${r.basis === 'absolute' ? '' : `${r.fraction} × ${r.basis} = `}${fmt(r.threshold)}`, r.censored ? 'not reached' : `${r.steps} (epoch ${fmt(r.epochs, 2)})`]),
    s.convergence ? ['area under the curve', fmt(s.convergence.areaUnderCurve, 4)] : null,
    ['time', `${duration(s.trainSeconds)} training + ${duration(s.evalSeconds)} evaluation, ${fmt(s.imagesPerSecond, 1)} img/s`],
    ['backend', s.backend],
    ['parameters', s.params.toLocaleString('en')],
    ['dataset', `${s.dataset} (${s.task})`],
    ['finished', s.finishedAt],
    ['key', s.key],
  ].filter(Boolean);
  return h('table', { class: 'facts' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, String(v))))));
}

export function trialPage(main, experiment, dir) {
  const chart = h('div', { class: 'chart', id: 'trial-curve' });
  const body = h('div');
  main.replaceChildren(body);

  return async function update() {
    const d = await getJson(`/api/experiments/${enc(experiment)}/trials/${enc(dir)}`);
    const t = d.trial;
    const exp = await getJson(`/api/experiments/${enc(experiment)}`);
    const s = d.summary;
    controls.metric ??= s?.convergence?.metric ?? 'auc';
    const select = (value, options, set) => h('select', { onchange: (e) => (set(e.target.value), update()) }, options.map((o) => h('option', { value: o, selected: o === value }, o)));
    const metrics = d.curve ? [...new Set(d.curve.flatMap((p) => Object.keys(p.val ?? {})))] : [];
    const fileLink = (p) => `/files/${enc(experiment)}/${enc(dir)}/${p.split('/').map(enc).join('/')}`;
    fill(
      body,
      h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'experiments'), ' / ', h('a', { href: `#/e/${enc(experiment)}` }, experiment), ' / ', dir),
      h('h1', {}, t.name),
      h('p', { dataset: { trial: t.dir, state: t.state } }, badge(t.state), t.state === 'running' ? runningText(t.running ?? {}) : null, t.inPlan === false ? h('span', { class: 'tag' }, 'not in the plan') : null),
      t.detail ? h('p', { class: `note ${t.state === 'failed' || t.state === 'damaged' ? 'warn' : ''}` }, t.detail) : null,
      t.running ? h('p', { class: 'note' }, `Lock held by pid ${t.running.pid ?? '?'} on ${t.running.host ?? '?'} since ${t.running.startedAt ?? '?'}; heartbeat ${t.running.heartbeatAgeSeconds} s ago. The runner writes the curve when the trial finishes.`) : null,
      d.curve ? h('section', {}, h('h2', {}, 'Curve'), h('div', { class: 'controls' }, h('label', {}, 'metric ', select(controls.metric, [...metrics, 'valLoss', 'trainLoss'], (m) => (controls.metric = m))), h('label', {}, 'x ', select(controls.x, ['step', 'epoch', 'imagesSeen', 'trainSeconds'], (x) => (controls.x = x)))), chart) : null,
      s ? h('section', {}, h('h2', {}, 'Metrics (summary.json)'), metricsTable(s), facts(s)) : null,
      d.failure ? h('section', {}, h('h2', {}, 'Failure (failed.json)'), h('p', {}, d.failure.message), h('p', { class: 'note' }, `${d.failure.failedAt} on ${d.failure.host}, backend ${d.failure.backend}, pid ${d.failure.pid}`), d.failure.stack ? h('pre', {}, d.failure.stack) : null) : null,
      d.attempts.length ? h('section', {}, h('h2', {}, 'Runs (attempts.jsonl)'), h('ul', {}, d.attempts.map((a) => h('li', {}, `${a.startedAt}: pid ${a.pid} on ${a.host}${a.tookOverFrom ? `, took the lock over from pid ${a.tookOverFrom.pid} on ${a.tookOverFrom.host}` : ''}`)))) : null,
      h('section', {}, h('h2', {}, 'Files'), d.files.length ? h('ul', { class: 'files' }, d.files.map((f) => h('li', {}, h('a', { href: fileLink(f.path), target: '_blank' }, f.path), ` ${bytes(f.size)}`))) : h('p', { class: 'note' }, 'No folder yet: the trial has not started.')),
      d.config !== undefined ? h('section', {}, h('h2', {}, 'Config (config.json)'), h('pre', { class: 'config' }, JSON.stringify(d.config, null, 2))) : d.configError ? h('p', { class: 'note warn' }, d.configError) : null,
    );
    if (d.curve) await draw(chart, trialCurveSpec(d.curve, { metric: controls.metric, x: controls.x, threshold: controls.metric === exp.metric ? exp.threshold : undefined }));
  };
}
