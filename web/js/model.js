// model.js -- reading the API's objects into the shapes the views draw.
//
// The field names are those scannd's api/views.c sends (and api/openapi.yaml
// documents), one spelling each; a field that may be null (a job not yet
// started, a list entry without its spec) shows as '–', never a crash.

// A job as GET /jobs/{id} sends it; GET /jobs sends the same without spec,
// result and attempts, so task and scheme (which live in the spec) are
// null there until a view fills them in.
export function jobView(j) {
  const spec = j.spec || {};
  const latest = j.latest || {};   // the latest epoch event
  const res = j.result || {};
  return {
    id: String(j.id),
    name: j.name || 'job ' + j.id,
    dataset: j.dataset,
    task: spec.task ?? null,
    scheme: spec.scheme ?? null,
    state: j.state,
    progress: numOrNull(j.progress),   // 1 once succeeded (the API says so)
    stage: j.stage || null,
    bestValAcc: numOrNull(j.best_val_acc ?? res.best?.val_acc ?? latest.val_acc),
    params: numOrNull(latest.params),
    hidden: numOrNull(latest.hidden),
    depth: numOrNull(latest.depth),
    latest,
    owner: j.owner,
    created: j.created_at,
    started: j.started_at,
    finished: j.finished_at,
    error: j.error,
    runner: runnerText(j.runner),
    spec,
    raw: j,
  };
}

// How the job's latest attempt runs, in words: "local", or "Slurm job 123 ·
// PENDING (Resources)"; null before its first start (and in job lists).
export function runnerText(r) {
  if (!r || !r.kind) return null;
  if (r.kind !== 'slurm') return r.kind;
  const id = r.job_id ? `Slurm job ${r.job_id}` : 'Slurm (submitting)';
  return r.note ? `${id} · ${r.note}` : id;
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
  const base = result.baseline || null;
  if (base) rows.push({ key: 'mlp', label: 'MLP', pick: 'baseline', net: base });
  for (const [key, label] of [['dr', 'DR'], ['scann', 'SCANN'], ['dr+scann', 'DR+SCANN']]) {
    const g = result[key] || null;
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
