// views/jobs.js -- the jobs list: one page of GET /api/v1/jobs at a time,
// filtered by state, paged by the API's opaque cursor (so a thousand jobs
// cost one page each), refreshed every few seconds while the page is open.

import * as api from '../api.js';
import { el, clear, fmtPct, fmtInt, fmtAge } from '../util.js';
import { jobView, progressOf } from '../model.js';
import { loadSchema, stateNames } from '../schema.js';

// Dataset id -> name, so the list shows "iris" rather than a hash; read
// once a minute at most (one request for up to 100 datasets).
const dsNames = new Map();
let dsNamesAt = 0;
async function datasetNames() {
  if (Date.now() - dsNamesAt < 60000) return dsNames;
  dsNamesAt = Date.now();
  try {
    const body = await api.get('/datasets', { limit: 100 });
    for (const d of body.datasets) if (d.name) dsNames.set(String(d.id), d.name);
  } catch { /* names are a nicety: ids still show */ }
  return dsNames;
}
const PAGE = 20;
const REFRESH_MS = 3000;

// Task and scheme live in a job's spec, which GET /jobs (the list) leaves
// out: they are read once per job from GET /jobs/{id} (a spec never
// changes) and kept for the page's life.
const specCache = new Map();
async function fillSpecs(jobs) {
  const todo = jobs.filter((j) => !j.spec && !j.task && !specCache.has(String(j.id))).map((j) => String(j.id));
  for (let k = 0; k < todo.length; k += 4) {
    await Promise.all(todo.slice(k, k + 4).map(async (id) => {
      try {
        const full = await api.get('/jobs/' + encodeURIComponent(id));
        const sp = full.spec || {};
        specCache.set(id, { task: sp.task ?? null, scheme: sp.scheme ?? null });
      } catch { specCache.set(id, {}); }
    }));
  }
  return todo.length > 0;
}

export async function renderJobs(ctx) {
  document.title = 'Jobs · scann';
  const state = ctx.query.get('state') || '';
  const cursor = ctx.query.get('cursor') || '';
  const back = ctx.query.getAll('back');  // cursors of the pages before this one
  const states = ['', ...stateNames(await loadSchema())];  // '' = all

  const filter = el('select', { id: 'state-filter', name: 'state' },
    states.map((s) => el('option', { value: s, selected: s === state, text: s || 'all' })));
  filter.addEventListener('change', () => {
    location.hash = '#/jobs' + (filter.value ? '?state=' + encodeURIComponent(filter.value) : '');
  });

  const tbody = el('tbody');
  const status = el('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const pager = el('nav', { class: 'pager', 'aria-label': 'Pages' });

  ctx.root.append(
    el('div', { class: 'head' }, [
      el('h1', { text: 'Jobs' }),
      el('div', { class: 'tools' }, [
        el('label', { for: 'state-filter', text: 'State' }), filter,
        el('a', { class: 'button primary', href: '#/submit', text: 'New job' }),
      ]),
    ]),
    el('div', { class: 'table-wrap' }, [
      el('table', { class: 'jobs', id: 'jobs-table' }, [
        el('caption', { class: 'sr-only', text: 'Jobs' + (state ? ' in state ' + state : '') }),
        el('thead', {}, el('tr', {}, ['Name', 'Dataset', 'Task', 'Scheme', 'State', 'Progress',
          'Best val. acc.', 'Params', 'Owner', 'Age'].map((h) => el('th', {
            scope: 'col', class: /acc|Params|Age/.test(h) ? 'num' : null, text: h,
            title: h === 'Best val. acc.' ? 'the best validation accuracy of any epoch so far' : null,
          })))),
        tbody,
      ]),
    ]),
    status,
    pager,
  );

  let timer = 0;
  let alive = true;
  ctx.onCleanup(() => { alive = false; clearTimeout(timer); });

  async function load() {
    let page;
    try {
      page = await api.get('/jobs', { state, limit: PAGE, cursor });
    } catch (err) {
      if (err.status === 401) return;
      status.textContent = 'Could not load jobs: ' + err.message;
      status.classList.add('error');
      return;
    }
    if (!alive) return;
    const jobs = page.jobs;
    const next = page.next_cursor;   // null on the last page
    const names = await datasetNames();
    if (!alive) return;
    fill(jobs, names);
    if (await fillSpecs(jobs) && alive) { shown = ''; fill(jobs, names); }
    status.classList.remove('error');
    if (jobs.length) status.textContent = '';
    else if (state) status.textContent = `No ${state} jobs.`;
    else clear(status).append('No jobs yet: ', el('a', { href: '#/submit', text: 'submit the first one' }), '.');
    clear(pager);
    if (cursor) {
      const prev = back.slice(0, -1);
      const q = new URLSearchParams();
      if (state) q.set('state', state);
      if (back.length && back[back.length - 1]) q.set('cursor', back[back.length - 1]);
      prev.forEach((b) => q.append('back', b));
      pager.append(el('a', { class: 'button', href: '#/jobs?' + q, rel: 'prev', text: '← Newer' }));
    }
    if (next && jobs.length) {
      const q = new URLSearchParams();
      if (state) q.set('state', state);
      q.set('cursor', next);
      back.forEach((b) => q.append('back', b));
      q.append('back', cursor);
      pager.append(el('a', { class: 'button', href: '#/jobs?' + q, rel: 'next', text: 'Older →' }));
    }
    timer = setTimeout(load, REFRESH_MS);
  }

  let shown = '';
  let shownNames = -1;
  function fill(jobs, names) {
    // Redraw only what changed, and keep the keyboard focus where it was:
    // the list refreshes every few seconds under a user tabbing through it.
    const sig = JSON.stringify(jobs.map((j) => [j.id, j.state, j.latest && j.latest.epoch, j.latest && j.latest.stage, j.progress]));
    if (sig === shown && names.size === shownNames) return;
    shown = sig;
    shownNames = names.size;
    const focusedRow = document.activeElement && document.activeElement.closest && document.activeElement.closest('#jobs-table tr');
    const focusedId = focusedRow ? focusedRow.dataset.id : null;
    const rows = jobs.map((j) => {
      const v = jobView(j);
      const sp = specCache.get(v.id) || {};
      v.task = v.task ?? sp.task ?? null;
      v.scheme = v.scheme ?? sp.scheme ?? null;
      const pr = progressOf(v);
      const prog = el('progress', { max: 1, value: pr.value ?? undefined, 'aria-label': 'progress of ' + v.name });
      return el('tr', { dataset: { id: v.id, state: v.state } }, [
        el('td', { 'data-label': 'Name' }, el('a', { href: '#/jobs/' + encodeURIComponent(v.id), text: v.name })),
        el('td', { 'data-label': 'Dataset', title: v.dataset, text: names.get(String(v.dataset)) || v.dataset }),
        el('td', { 'data-label': 'Task', text: v.task ?? '–' }),
        el('td', { 'data-label': 'Scheme', text: v.scheme ?? '–' }),
        el('td', { 'data-label': 'State' }, el('span', { class: 'state state-' + v.state, text: v.state })),
        el('td', { 'data-label': 'Progress' }, [pr.value === null && v.state !== 'running' ? null : prog, ' ', el('span', { class: 'small', text: pr.text })]),
        el('td', { 'data-label': 'Best val. acc.', class: 'num', text: fmtPct(v.bestValAcc) }),
        el('td', { 'data-label': 'Params', class: 'num', text: fmtInt(v.params) }),
        el('td', { 'data-label': 'Owner', text: v.owner ?? '–' }),
        el('td', { 'data-label': 'Age', class: 'num' }, el('time', { datetime: v.created || '', text: fmtAge(v.created) })),
      ]);
    });
    clear(tbody).append(...rows);
    if (focusedId) {
      const a = tbody.querySelector(`tr[data-id="${CSS.escape(focusedId)}"] a`);
      if (a) a.focus({ preventScroll: true });
    }
  }

  await load();
}
