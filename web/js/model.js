// model.js -- reading the API's objects into the shapes the views draw.
//
// The field names follow DESIGN.md and scannd's api/ views; where the API
// has two plausible spellings both are read, so a view never crashes on a
// missing field and shows '–' instead.

import { pick } from './util.js';

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

// A job as returned by GET /jobs and GET /jobs/{id}.
export function jobView(j) {
  const spec = j.spec || {};
  const m = j.metrics || j.latest || {};
  return {
    id: String(pick(j, 'id', 'job_id') ?? ''),
    name: pick(j, 'name') ?? spec.name ?? pick(j, 'id') ?? '',
    dataset: pick(j, 'dataset', 'dataset_name') ?? spec.dataset ?? '',
    task: pick(j, 'task') ?? spec.task ?? 'synthesize',
    scheme: pick(j, 'scheme') ?? spec.scheme ?? '',
    state: pick(j, 'state', 'status') ?? 'queued',
    progress: numOrNull(pick(j, 'progress', 'progress.fraction')),
    bestValAcc: numOrNull(pick(j, 'best_val_acc', 'metrics.best_val_acc', 'best.val_acc') ?? m.val_acc),
    params: numOrNull(pick(j, 'params', 'metrics.params', 'latest.params')),
    hidden: numOrNull(pick(j, 'hidden', 'metrics.hidden', 'latest.hidden')),
    depth: numOrNull(pick(j, 'depth', 'metrics.depth', 'latest.depth')),
    owner: pick(j, 'owner', 'user', 'owner_name'),
    created: pick(j, 'created_at', 'submitted_at', 'created', 'timestamps.created', 'timestamps.queued'),
    started: pick(j, 'started_at', 'timestamps.started'),
    finished: pick(j, 'finished_at', 'ended_at', 'timestamps.finished'),
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
export function studyRows(result) {
  const rows = [];
  const base = result.baseline || result.mlp || null;
  if (base) rows.push({ key: 'mlp', label: 'MLP', pick: 'baseline', net: base });
  for (const [key, label] of [['dr', 'DR'], ['scann', 'SCANN'], ['dr+scann', 'DR+SCANN']]) {
    const g = result[key] || result[key.replace('+', '_')] || null;
    rows.push({ key: key + '-ha', label, pick: 'H.A.', net: g ? g.ha ?? null : null });
    rows.push({ key: key + '-mc', label, pick: 'M.C.', net: g ? g.mc ?? null : null });
  }
  const bp = base ? Number(base.params) : NaN;
  for (const r of rows) {
    r.compression = r.net && r.net.params ? bp / Number(r.net.params) : null;
  }
  return rows;
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
