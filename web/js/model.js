// model.js -- reading the API's objects into the shapes the views draw.
//
// The field names follow DESIGN.md and scannd's api/ views; where the API
// has two plausible spellings both are read, so a view never crashes on a
// missing field and shows '–' instead.

import { pick } from './util.js';

// A job as returned by GET /jobs and GET /jobs/{id}.
export function jobView(j) {
  const spec = j.spec || {};
  const latest = j.latest || j.metrics || {};   // the latest epoch event
  const res = j.result || {};
  const state = pick(j, 'state', 'status') ?? 'queued';
  let progress = numOrNull(pick(j, 'progress', 'progress.fraction'));
  if (progress === null && state === 'succeeded') progress = 1;
  return {
    id: String(pick(j, 'id', 'job_id') ?? ''),
    name: pick(j, 'name') || spec.name || 'job ' + pick(j, 'id'),
    dataset: pick(j, 'dataset_name', 'dataset') ?? spec.dataset ?? '',
    task: pick(j, 'task') ?? spec.task ?? null,
    scheme: pick(j, 'scheme') ?? spec.scheme ?? null,
    state,
    progress,
    stage: j.stage || null,
    bestValAcc: numOrNull(pick(j, 'best_val_acc', 'metrics.best_val_acc') ?? pick(res, 'best.val_acc') ?? latest.val_acc),
    params: numOrNull(pick(j, 'params') ?? latest.params),
    hidden: numOrNull(latest.hidden),
    depth: numOrNull(latest.depth),
    latest,
    owner: pick(j, 'owner', 'user', 'owner_name'),
    created: pick(j, 'created_at', 'submitted_at', 'created'),
    started: pick(j, 'started_at'),
    finished: pick(j, 'finished_at', 'ended_at'),
    error: pick(j, 'error'),
    spec,
    raw: j,
  };
}

function numOrNull(x) {
  if (x === null || x === undefined || x === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

// The rows of the paper's study table, from a study job's result event.
// A result from the targeted search also has each method's M.C. at target
// (mc_target: the most compressed network meeting the validation target);
// that row is added only when the result has the field.
export function studyRows(result) {
  const rows = [];
  const base = result.baseline || result.mlp || null;
  if (base) rows.push({ key: 'mlp', label: 'MLP', pick: 'baseline', net: base });
  for (const [key, label] of [['dr', 'DR'], ['scann', 'SCANN'], ['dr+scann', 'DR+SCANN']]) {
    const g = result[key] || result[key.replace('+', '_')] || null;
    rows.push({ key: key + '-ha', label, pick: 'H.A.', net: g ? g.ha ?? null : null });
    rows.push({ key: key + '-mc', label, pick: 'M.C.', net: g ? g.mc ?? null : null });
    if (g && 'mc_target' in g) {
      rows.push({ key: key + '-mct', label, pick: 'M.C. at target', net: g.mc_target ?? null,
        empty: 'no network met the validation target' });
    }
  }
  const bp = base ? Number(base.params) : NaN;
  for (const r of rows) {
    r.compression = r.net && r.net.params ? bp / Number(r.net.params) : null;
  }
  return rows;
}

// Whether a result met its validation target, for the job page's note:
// null for a result without target_met (older engines); else {met,
// target (the validation accuracy a network needed), majority (the
// majority-class share it had to beat), baseline and best (their validation
// accuracies)}, each a number or null.
export function targetStatus(result) {
  if (!result || typeof result.target_met !== 'boolean') return null;
  const t = result.target || {};
  return {
    met: result.target_met,
    target: numOrNull(t.val_acc),
    majority: numOrNull(t.majority_val_acc),
    baseline: numOrNull(result.baseline?.val_acc),
    best: numOrNull(result.best?.val_acc),
  };
}

// The result's Pareto list (non-dominated by params and validation
// accuracy), sorted by params; [] when the result has none.
export function paretoRows(result) {
  const p = result && Array.isArray(result.pareto) ? result.pareto : [];
  return p.filter((n) => n && typeof n === 'object')
    .slice().sort((a, b) => Number(a.params) - Number(b.params));
}

// Points not dominated by any other: no other has fewer-or-equal params and
// higher-or-equal accuracy with one of them strictly better.  Returns the
// indices of the front sorted by params.
export function paretoFront(points) {
  const idx = points.map((p, i) => i)
    .filter((i) => Number.isFinite(points[i].x) && Number.isFinite(points[i].y))
    .sort((a, b) => points[a].x - points[b].x || points[b].y - points[a].y);
  const front = [];
  let best = -Infinity;
  for (const i of idx) {
    if (points[i].y > best) { front.push(i); best = points[i].y; }
  }
  return front;
}

// What to show for a job's progress: {value: fraction or null (unknown,
// drawn as an indeterminate bar), text}.  The API may give a fraction; when
// it does not, a running job shows where it is (stage, iteration, epoch).
export function progressOf(v) {
  if (v.progress !== null) return { value: v.progress, text: Math.round(v.progress * 100) + '%' };
  if (v.state !== 'running') return { value: v.state === 'queued' ? 0 : null, text: v.state === 'queued' ? 'waiting' : '–' };
  const l = v.latest || {};
  const stage = l.stage || (v.stage && v.stage.stage) || '';
  const parts = [stage, l.iteration !== undefined ? 'it ' + l.iteration : '', l.epoch !== undefined ? 'ep ' + l.epoch : ''];
  return { value: null, text: parts.filter(Boolean).join(' · ') || 'starting' };
}
