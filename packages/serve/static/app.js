// The dashboard page: experiments in the sidebar, a page per experiment and per trial (hash
// routes #/e/<experiment> and #/e/<experiment>/t/<trial>), redrawn when the server says the
// store changed (server-sent events from /api/events).
import { countBadges, enc, getJson, h } from './dom.js';
import { experimentPage } from './experiment-page.js';
import { trialPage } from './trial-page.js';

const main = document.getElementById('main');
const nav = document.getElementById('experiments');
let current = { update: async () => {}, experiment: undefined };
let updates = 0;

function route() {
  const m = /^#\/e\/([^/]+)(?:\/t\/([^/]+))?$/.exec(location.hash);
  if (!m) return { page: 'home' };
  return { page: m[2] ? 'trial' : 'experiment', experiment: decodeURIComponent(m[1]), trial: m[2] && decodeURIComponent(m[2]) };
}

async function refreshNav() {
  const list = await getJson('/api/experiments');
  document.getElementById('root').textContent = list.root;
  const r = route();
  nav.replaceChildren(
    h('h2', {}, 'Experiments'),
    list.experiments.length
      ? h('ul', {}, list.experiments.map((e) => h('li', { class: e.name === r.experiment ? 'current' : '' }, h('a', { href: `#/e/${enc(e.name)}` }, e.name), h('div', {}, countBadges(e.counts)))))
      : h('p', { class: 'note' }, 'No experiment in this folder yet.'),
  );
  return list;
}

function home(list) {
  main.replaceChildren(
    h('h1', {}, 'Experiments'),
    h(
      'table',
      { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'experiment'), h('th', {}, 'trials'), h('th', {}, 'experiment file'))),
      h('tbody', {}, list.experiments.map((e) => h('tr', {}, h('th', {}, h('a', { href: `#/e/${enc(e.name)}` }, e.name)), h('td', {}, countBadges(e.counts)), h('td', {}, e.plan ?? '—')))),
    ),
  );
}

/** Runs one refresh at a time; a change arriving meanwhile runs one more after it. */
let running = null;
let again = false;
async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      const list = await refreshNav();
      if (route().page === 'home') home(list);
      else await current.update();
      document.body.dataset.updates = String(++updates);
    } catch (err) {
      main.prepend(h('p', { class: 'note warn' }, String(err.message ?? err)));
    }
  })();
  await running;
  running = null;
  if (again) {
    again = false;
    await refresh();
  }
}

function navigate() {
  const r = route();
  if (r.page === 'experiment') current = { update: experimentPage(main, r.experiment), experiment: r.experiment };
  else if (r.page === 'trial') current = { update: trialPage(main, r.experiment, r.trial), experiment: r.experiment };
  else current = { update: async () => {}, experiment: undefined };
  refresh();
}

function listen() {
  const live = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.onopen = () => ((live.textContent = '● live'), (live.className = 'live on'));
  events.onerror = () => ((live.textContent = '○ reconnecting'), (live.className = 'live off'));
  events.addEventListener('change', (e) => {
    const { experiments, list } = JSON.parse(e.data);
    if (list || current.experiment === undefined || experiments.includes(current.experiment)) refresh();
    else refreshNav();
  });
}

window.addEventListener('hashchange', navigate);
navigate();
listen();
