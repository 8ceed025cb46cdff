// views/study.js -- a job's result: for a study, the paper's table (MLP, DR,
// SCANN and DR+SCANN, each with its H.A. and M.C. pick: test accuracy,
// parameters, compression against the MLP, energy per inference) and the
// accuracy-versus-parameters scatter of every candidate, log-scaled, with
// the Pareto front highlighted; for a synthesize job, the baseline against
// the best network.  Both say whether the validation target was met (a
// result without target_met, from an older engine, says neither) and list
// the result's Pareto networks (params, validation and test accuracy).

import { el, fmtPct, fmtInt, fmtNum, fmtRatio } from '../util.js';
import { studyRows, paretoFront, targetStatus, paretoRows } from '../model.js';
import { scatterLog, responsive } from '../charts.js';

function drText(n) {
  if (!n || !n.dr) return '–';
  return `${n.dr.method} ÷${n.dr.ratio}`;
}

function netCells(n, compression, empty = 'no network met the baseline accuracy') {
  if (!n) {
    return [el('td', { colspan: 7, class: 'muted', text: empty })];
  }
  return [
    el('td', { 'data-label': 'Test acc.', class: 'num', text: fmtPct(n.test_acc, 2) }),
    el('td', { 'data-label': 'Params', class: 'num', text: fmtInt(n.params) }),
    el('td', { 'data-label': 'Compression', class: 'num', text: fmtRatio(compression) }),
    el('td', { 'data-label': 'Energy', class: 'num', text: n.energy_nj !== undefined ? fmtNum(n.energy_nj) + ' nJ' : '–' }),
    el('td', { 'data-label': 'Hidden', class: 'num', text: fmtInt(n.hidden) }),
    el('td', { 'data-label': 'Depth', class: 'num', text: fmtInt(n.depth) }),
    el('td', { 'data-label': 'DR', text: drText(n) }),
  ];
}

// Whether the result met its validation target: a warning (role alert) when
// it did not -- the network shown is then only the most accurate one, not a
// compressed network as good as the baseline -- a short note when it did,
// nothing for a result without target_met.
export function targetNote(result) {
  const t = targetStatus(result);
  if (!t) return null;
  const base = [t.baseline !== null ? `MLP baseline ${fmtPct(t.baseline)}` : '',
    t.majority !== null ? `majority class ${fmtPct(t.majority)}` : ''].filter(Boolean).join(', ');
  const need = t.target !== null ? ` ≥ ${fmtPct(t.target)}` : '';
  if (t.met) {
    return el('p', { class: 'target-ok', id: 'target-met', role: 'status', dataset: { met: 'true' } }, [
      el('strong', { text: 'Target met: ' }),
      `validation accuracy${need}` + (base ? ` (${base})` : '') + '.',
    ]);
  }
  return el('div', { class: 'warn-box', id: 'target-warning', role: 'alert', dataset: { met: 'false' } }, [
    el('strong', { text: 'Target not met: ' }),
    `no network kept validation accuracy${need}` + (base ? ` (${base})` : '') +
      '; showing the most accurate network instead' +
      (t.best !== null ? ` (${fmtPct(t.best)} validation accuracy)` : '') + '.',
  ]);
}

// The result's Pareto networks (fewest parameters for their validation
// accuracy) as a small table; null when the result has none.
export function paretoTable(result) {
  const rows = paretoRows(result);
  if (!rows.length) return null;
  const t = targetStatus(result);
  const need = t && t.target !== null ? t.target : null;
  const heads = ['Params', 'Val. acc.', 'Test acc.', 'Hidden', 'Depth', 'DR'];
  if (need !== null) heads.push('Meets target');
  return el('div', { class: 'table-wrap' }, el('table', { class: 'study pareto', id: 'pareto-table' }, [
    el('caption', { text: `Pareto front: ${rows.length} network${rows.length === 1 ? '' : 's'} no other beats on both parameters and validation accuracy` +
      (need !== null ? ` (target: ${fmtPct(need)} validation accuracy)` : '') }),
    el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((n) => {
      const meets = need !== null && Number(n.val_acc) >= need;
      return el('tr', { dataset: need !== null ? { meets: String(meets) } : {} }, [
        el('td', { 'data-label': 'Params', class: 'num', text: fmtInt(n.params) }),
        el('td', { 'data-label': 'Val. acc.', class: 'num', text: fmtPct(n.val_acc, 2) }),
        el('td', { 'data-label': 'Test acc.', class: 'num', text: fmtPct(n.test_acc, 2) }),
        el('td', { 'data-label': 'Hidden', class: 'num', text: fmtInt(n.hidden) }),
        el('td', { 'data-label': 'Depth', class: 'num', text: fmtInt(n.depth) }),
        el('td', { 'data-label': 'DR', text: drText(n) }),
        need !== null ? el('td', { 'data-label': 'Meets target', text: meets ? 'yes' : 'no' }) : null,
      ]);
    })),
  ]));
}

// The accuracy-versus-parameters scatter: the named networks first (they
// keep their colour when a candidate repeats one), then every candidate;
// the Pareto front (fewest parameters for the accuracy) is drawn through.
// Returns the chart's wrapper, with data-points and data-front counts.
export function accuracyScatter(id, named, candidates) {
  const pts = [];
  const seen = new Set();
  const add = (n, label, cls) => {
    if (!n || !(Number(n.params) > 0)) return;
    const k = `${n.params}|${n.test_acc}|${n.dr ? n.dr.method + n.dr.ratio : ''}`;
    if (seen.has(k)) return;
    seen.add(k);
    pts.push({ x: Number(n.params), y: Number(n.test_acc), cls, label: `${label}: ${fmtPct(n.test_acc, 2)} at ${fmtInt(n.params)} params` });
  };
  for (const p of named) add(p.net, p.label, p.cls);
  for (const [i, c] of candidates.entries()) {
    const n = c.network || c;
    const where = c.stage ? `${c.stage}${c.iteration !== undefined ? ' it ' + c.iteration : ''}` : `candidate ${i + 1}`;
    add(n, c.label || c.name || where + (n.dr ? ' (' + drText(n) + ')' : ''), 'p-cand');
  }
  const front = paretoFront(pts);
  const chartWrap = el('div', { class: 'chart-wrap', id, dataset: { points: pts.length, front: front.length } });
  if (pts.length) {
    responsive(chartWrap, (width) => scatterLog({
      width,
      label: `Test accuracy against parameters for ${pts.length} networks; ${front.length} on the Pareto front`,
      xLabel: 'parameters (log scale)', yLabel: 'test accuracy',
      yFmt: (v) => (v * 100).toFixed(0) + '%',
      points: pts, front,
    }))();
  } else {
    chartWrap.append(el('p', { class: 'muted', text: 'No candidates to plot.' }));
  }
  return chartWrap;
}

export function renderStudy(result) {
  const rows = studyRows(result);
  const table = el('table', { class: 'study', id: 'study-table' }, [
    el('caption', { text: 'Study: MLP baseline, DR, SCANN and DR+SCANN (H.A. = highest accuracy, M.C. = most compressed at baseline accuracy' +
      (rows.some((r) => r.key.endsWith('-mct')) ? ', M.C. at target = most compressed meeting the validation target)' : ')') }),
    el('thead', {}, el('tr', {}, ['Method', 'Pick', 'Test acc.', 'Params', 'Compression', 'Energy', 'Hidden', 'Depth', 'DR']
      .map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', { dataset: { row: r.key } }, [
      el('th', { scope: 'row', 'data-label': 'Method', text: r.label }),
      el('td', { 'data-label': 'Pick', text: r.pick }),
      ...netCells(r.net, r.compression, r.empty),
    ]))),
  ]);

  const named = rows.map((r) => ({ net: r.net, label: `${r.label} ${r.pick}`,
    cls: r.key === 'mlp' ? 'p-mlp' : 'p-' + r.key.replace(/-(ha|mc|mct)$/, '').replace('+', '') }));
  const chartWrap = accuracyScatter('study-scatter', named, result.candidates || []);

  const pareto = paretoTable(result);
  return el('div', { class: 'study-wrap', id: 'study' }, [
    targetNote(result),
    el('div', { class: 'table-wrap' }, table),
    el('h3', { text: 'Accuracy against parameters' }),
    el('ul', { class: 'legend' }, [
      el('li', { class: 'k-mlp', text: 'MLP' }), el('li', { class: 'k-dr', text: 'DR' }),
      el('li', { class: 'k-scann', text: 'SCANN' }), el('li', { class: 'k-drscann', text: 'DR+SCANN' }),
      el('li', { class: 'k-cand', text: 'other candidates' }), el('li', { class: 'k-front', text: 'Pareto front' }),
    ]),
    chartWrap,
    pareto ? el('h3', { text: 'Pareto front' }) : null,
    pareto,
  ]);
}

// candidates: the job's candidate events ({stage, iteration, network}).
export function renderSynthResult(r, candidates = []) {
  const base = r.baseline || null;
  const best = r.best || null;
  const comp = r.compression ?? (base && best && best.params ? base.params / best.params : null);
  // A missed target: the best network is only the most accurate one, and
  // its compression is no success -- say so beside the figure.
  const missed = targetStatus(r)?.met === false;
  const bestLabel = missed ? 'Most accurate (target not met)' : 'SCANN best';
  const line = (label, n) => el('tr', {}, [el('th', { scope: 'row', text: label }), ...netCells(n, n && base && n.params ? base.params / n.params : null)]);
  const pareto = paretoTable(r);
  return el('div', { id: 'synth-result', dataset: missed ? { target: 'missed' } : {} }, [
    targetNote(r),
    el('p', { class: missed ? 'big missed' : 'big', id: 'compression-line' }, [
      'Compression ', el('strong', { id: 'compression', class: missed ? 'missed' : null, text: fmtRatio(comp) }),
      best ? ` at ${fmtPct(best.test_acc, 2)} test accuracy` : '',
      base ? ` (MLP baseline: ${fmtPct(base.test_acc, 2)})` : '',
      missed ? ' ' : '',
      missed ? el('span', { class: 'tag-warn', id: 'compression-flag', text: 'target not met: less accurate than required' }) : null,
    ]),
    el('div', { class: 'table-wrap' }, el('table', { class: 'study' }, [
      el('thead', {}, el('tr', {}, ['Network', 'Test acc.', 'Params', 'Compression', 'Energy', 'Hidden', 'Depth', 'DR']
        .map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, [line('MLP baseline', base), line(bestLabel, best)]),
    ])),
    pareto ? el('h3', { text: 'Pareto front' }) : null,
    pareto,
    el('h3', { text: 'Accuracy against parameters of every candidate' }),
    el('ul', { class: 'legend' }, [
      el('li', { class: 'k-mlp', text: 'MLP baseline' }), el('li', { class: 'k-scann', text: missed ? 'most accurate (target not met)' : 'SCANN best' }),
      el('li', { class: 'k-cand', text: 'other candidates' }), el('li', { class: 'k-front', text: 'Pareto front' }),
    ]),
    accuracyScatter('candidates-scatter', [
      { net: base, label: 'MLP baseline', cls: 'p-mlp' },
      { net: best, label: bestLabel, cls: 'p-scann' },
    ], candidates),
  ]);
}
