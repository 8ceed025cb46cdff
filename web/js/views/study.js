// views/study.js -- a job's result: for a study, the paper's table (MLP, DR,
// SCANN and DR+SCANN, each with its H.A. and M.C. pick: test accuracy,
// parameters, compression against the MLP, energy per inference) and the
// accuracy-versus-parameters scatter of every candidate, log-scaled, with
// the Pareto front highlighted; for a synthesize job, the baseline against
// the best network.

import { el, fmtPct, fmtInt, fmtNum, fmtRatio } from '../util.js';
import { studyRows, paretoFront } from '../model.js';
import { scatterLog, responsive } from '../charts.js';

function drText(n) {
  if (!n || !n.dr) return '–';
  return `${n.dr.method} ÷${n.dr.ratio}`;
}

function netCells(n, compression) {
  if (!n) {
    return [el('td', { colspan: 7, class: 'muted', text: 'no network met the baseline accuracy' })];
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
    el('caption', { text: 'Study: MLP baseline, DR, SCANN and DR+SCANN (H.A. = highest accuracy, M.C. = most compressed at baseline accuracy)' }),
    el('thead', {}, el('tr', {}, ['Method', 'Pick', 'Test acc.', 'Params', 'Compression', 'Energy', 'Hidden', 'Depth', 'DR']
      .map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((r) => el('tr', { dataset: { row: r.key } }, [
      el('th', { scope: 'row', 'data-label': 'Method', text: r.label }),
      el('td', { 'data-label': 'Pick', text: r.pick }),
      ...netCells(r.net, r.compression),
    ]))),
  ]);

  const named = rows.map((r) => ({ net: r.net, label: `${r.label} ${r.pick}`,
    cls: r.key === 'mlp' ? 'p-mlp' : 'p-' + r.key.replace(/-(ha|mc)$/, '').replace('+', '') }));
  const chartWrap = accuracyScatter('study-scatter', named, result.candidates || []);

  return el('div', { class: 'study-wrap', id: 'study' }, [
    el('div', { class: 'table-wrap' }, table),
    el('h3', { text: 'Accuracy against parameters' }),
    el('ul', { class: 'legend' }, [
      el('li', { class: 'k-mlp', text: 'MLP' }), el('li', { class: 'k-dr', text: 'DR' }),
      el('li', { class: 'k-scann', text: 'SCANN' }), el('li', { class: 'k-drscann', text: 'DR+SCANN' }),
      el('li', { class: 'k-cand', text: 'other candidates' }), el('li', { class: 'k-front', text: 'Pareto front' }),
    ]),
    chartWrap,
  ]);
}

// candidates: the job's candidate events ({stage, iteration, network}).
export function renderSynthResult(r, candidates = []) {
  const base = r.baseline || null;
  const best = r.best || null;
  const comp = r.compression ?? (base && best && best.params ? base.params / best.params : null);
  const line = (label, n) => el('tr', {}, [el('th', { scope: 'row', text: label }), ...netCells(n, n && base && n.params ? base.params / n.params : null)]);
  return el('div', { id: 'synth-result' }, [
    el('p', { class: 'big' }, [
      'Compression ', el('strong', { id: 'compression', text: fmtRatio(comp) }),
      best ? ` at ${fmtPct(best.test_acc, 2)} test accuracy` : '',
      base ? ` (MLP baseline: ${fmtPct(base.test_acc, 2)})` : '',
    ]),
    el('div', { class: 'table-wrap' }, el('table', { class: 'study' }, [
      el('thead', {}, el('tr', {}, ['Network', 'Test acc.', 'Params', 'Compression', 'Energy', 'Hidden', 'Depth', 'DR']
        .map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, [line('MLP baseline', base), line('SCANN best', best)]),
    ])),
    el('h3', { text: 'Accuracy against parameters of every candidate' }),
    el('ul', { class: 'legend' }, [
      el('li', { class: 'k-mlp', text: 'MLP baseline' }), el('li', { class: 'k-scann', text: 'SCANN best' }),
      el('li', { class: 'k-cand', text: 'other candidates' }), el('li', { class: 'k-front', text: 'Pareto front' }),
    ]),
    accuracyScatter('candidates-scatter', [
      { net: base, label: 'MLP baseline', cls: 'p-mlp' },
      { net: best, label: 'SCANN best', cls: 'p-scann' },
    ], candidates),
  ]);
}
