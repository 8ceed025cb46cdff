// views/datasets.js -- the datasets scannd holds (GET /api/v1/datasets) and
// an upload form.

import * as api from '../api.js';
import { el, clear, fmtInt, fmtAge } from '../util.js';
import { uploadWidget } from './upload.js';

export async function loadDatasets() {
  const body = await api.get('/datasets', { limit: 200 });
  return body.datasets;
}

export async function renderDatasets(ctx) {
  document.title = 'Datasets · scann';
  const tbody = el('tbody');
  const status = el('p', { class: 'muted', role: 'status' });
  ctx.root.append(
    el('div', { class: 'head' }, [el('h1', { text: 'Datasets' })]),
    el('section', { class: 'card' }, uploadWidget('ds-upload', () => refresh())),
    el('div', { class: 'table-wrap' }, el('table', { id: 'datasets-table' }, [
      el('caption', { class: 'sr-only', text: 'Datasets' }),
      el('thead', {}, el('tr', {}, ['Name', 'ID', 'Rows', 'Features', 'Classes', 'Uploaded', 'Use']
        .map((h, i) => el('th', { scope: 'col', class: i >= 2 && i <= 5 ? 'num' : null, text: h })))),
      tbody,
    ])),
    status,
  );
  async function refresh() {
    const list = await loadDatasets();
    clear(tbody).append(...list.map((d) => el('tr', {}, [
      el('td', { 'data-label': 'Name', text: d.name ?? d.id }),
      el('td', { 'data-label': 'ID', class: 'mono', text: shortId(d.id) }),
      el('td', { 'data-label': 'Rows', class: 'num', text: fmtInt(d.rows) }),
      el('td', { 'data-label': 'Features', class: 'num', text: fmtInt(d.features) }),
      el('td', { 'data-label': 'Classes', class: 'num', text: fmtInt(d.classes) }),
      el('td', { 'data-label': 'Uploaded', class: 'num', text: fmtAge(d.created_at ?? d.created) }),
      el('td', { 'data-label': 'Use' }, el('a', { href: '#/submit?dataset=' + encodeURIComponent(d.id), 'aria-label': `New job on ${d.name || d.id}`, text: 'New job' })),
    ])));
    status.textContent = list.length ? '' : 'No datasets yet: upload a CSV above.';
  }
  await refresh();
}

function shortId(id) {
  const s = String(id ?? '');
  return s.length > 16 ? s.slice(0, 12) + '…' : s;
}
