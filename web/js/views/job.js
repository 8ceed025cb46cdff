// views/job.js -- one job, live: its state and progress, the training
// curves (train loss and validation accuracy, parameters and hidden neurons
// against epoch, growth and pruning steps marked), the synthesized network,
// the result (a study's table and scatter), the event log, cancel and the
// artifacts.
//
// Everything after the first GET /jobs/{id} arrives over the job's event
// stream (api.follow: history first, then live; the server closes it when
// the job ends).  The job itself is re-read every few seconds while it runs,
// for the progress and timestamps that events do not carry.

import * as api from '../api.js';
import { el, clear, fmtPct, fmtInt, fmtNum, fmtAge, toDate, toast } from '../util.js';
import { jobView, progressOf } from '../model.js';
import { loadSchema, terminalStates } from '../schema.js';
import { lineChart, responsive } from '../charts.js';
import { normalizeModel, drawNetwork, frontLayerName } from '../netdraw.js';
import { renderStudy, renderSynthResult } from './study.js';

const LOG_MAX = 300;
const POLL_MS = 4000;

export async function renderJob(ctx, id) {
  const enc = encodeURIComponent(id);
  const [raw, schema] = await Promise.all([api.get('/jobs/' + enc), loadSchema()]);
  const finalStates = terminalStates(schema);
  let job = jobView(raw);
  document.title = job.name + ' · scann';

  const epochs = [];     // epoch events in arrival order: x = index + 1
  const markers = [];    // {x, cls, label}
  let lastOp = null;
  let lastStage = null;
  let result = null;
  let bestVal = 0;
  const candidates = [];  // candidate events: networks worth reporting
  let alive = true;

  // ---- skeleton ------------------------------------------------------------
  const stateBadge = el('span', { class: 'state', id: 'job-state', 'aria-live': 'polite' });
  const cancelBtn = el('button', { type: 'button', id: 'cancel', class: 'danger', text: 'Cancel job' });
  const modelBtn = el('button', { type: 'button', id: 'dl-model', text: 'Download model' });
  const cBtn = el('button', { type: 'button', id: 'dl-model-c', text: 'Download C (float)' });
  const c8Btn = el('button', { type: 'button', id: 'dl-model-c-int8', text: 'Download C (int8)' });
  const reportBtn = el('button', { type: 'button', id: 'dl-report', text: 'Download report' });
  const progress = el('progress', { id: 'job-progress', max: 1, value: 0, 'aria-label': 'Job progress' });
  const progressText = el('span', { class: 'num' });
  const facts = el('dl', { class: 'facts', id: 'job-facts' });
  const live = el('dl', { class: 'facts live', id: 'job-live' });
  const errBox = el('div', { class: 'error-box', id: 'job-error', role: 'alert', hidden: true });
  const accWrap = el('div', { class: 'chart-wrap', id: 'chart-acc' });
  const parWrap = el('div', { class: 'chart-wrap', id: 'chart-params' });
  const netWrap = el('div', { id: 'network' }, el('p', { class: 'muted', text: 'The network is drawn from the model artifact when the job has one.' }));
  const resultWrap = el('div', { id: 'result' });
  // Scrollable regions take focus, so a keyboard can scroll them.
  const logList = el('ol', { class: 'log', id: 'event-log', 'aria-label': 'Event log', tabindex: 0 });
  const streamNote = el('p', { class: 'muted small', id: 'stream-status', role: 'status' });

  const resultCard = el('section', { class: 'card', id: 'result-card', 'aria-labelledby': 'h-result' }, [
    el('h2', { id: 'h-result', text: job.task === 'study' ? 'Study' : 'Result' }), resultWrap]);
  ctx.root.append(
    el('p', { class: 'crumbs' }, [el('a', { href: '#/jobs', text: '← Jobs' })]),
    el('div', { class: 'head' }, [
      el('h1', {}, [el('span', { id: 'job-name', text: job.name }), ' ', stateBadge]),
      el('div', { class: 'tools' }, [cancelBtn, modelBtn, cBtn, c8Btn, reportBtn]),
    ]),
    el('div', { class: 'progress-row' }, [progress, ' ', progressText]),
    errBox,
    el('div', { class: 'grid2' }, [
      el('section', { class: 'card', 'aria-labelledby': 'h-facts' }, [el('h2', { id: 'h-facts', text: 'Job' }), facts]),
      el('section', { class: 'card', 'aria-labelledby': 'h-live' }, [el('h2', { id: 'h-live', text: 'Latest epoch' }), live]),
    ]),
    el('section', { class: 'card', 'aria-labelledby': 'h-curves' }, [
      el('h2', { id: 'h-curves', text: 'Training curves' }),
      el('ul', { class: 'legend' }, [
        el('li', { class: 'k-loss', text: 'train loss' }), el('li', { class: 'k-acc', text: 'validation accuracy' }),
        el('li', { class: 'k-params', text: 'parameters' }), el('li', { class: 'k-hidden', text: 'hidden neurons' }),
        el('li', { class: 'k-depth', text: 'depth' }),
        el('li', { class: 'k-grow', text: 'growth step' }), el('li', { class: 'k-prune', text: 'pruning step' }),
        el('li', { class: 'k-stage', text: 'stage start' }), el('li', { class: 'k-restart', text: 'worker restart' }),
      ]),
      el('div', { class: 'curves' }, [accWrap, parWrap]),
      streamNote,
    ]),
    resultCard,
    el('section', { class: 'card', 'aria-labelledby': 'h-net' }, [el('h2', { id: 'h-net', text: 'Synthesized network' }), netWrap]),
    el('section', { class: 'card', 'aria-labelledby': 'h-log' }, [el('h2', { id: 'h-log', text: 'Event log' }), logList]),
  );
  resultWrap.append(el('p', { class: 'muted', text: 'The result appears when the job finishes.' }));
  // A study is read for its table: put it first, before the curves.
  if (job.task === 'study') document.getElementById('h-curves').closest('section').before(resultCard);

  // ---- job facts -----------------------------------------------------------
  function showJob() {
    stateBadge.textContent = job.state;
    stateBadge.className = 'state state-' + job.state;
    const done = finalStates.has(job.state);
    cancelBtn.hidden = done;
    cancelBtn.disabled = done;
    const pr = progressOf(job);
    if (pr.value === null) progress.removeAttribute('value'); else progress.value = pr.value;
    progress.parentElement.hidden = pr.value === null && done;
    progressText.textContent = pr.text;
    const sp = job.spec || {};
    const rows = [
      ['ID', job.id], ['Dataset', dsInfo ? `${dsInfo.name || job.dataset} (${dsInfo.rows} rows, ${dsInfo.features} features, ${dsInfo.classes} classes)` : job.dataset], ['Task', job.task], ['Scheme', job.scheme || sp.scheme],
      ['Owner', job.owner ?? '–'], ['Runner', job.runner ?? '–'],
      ['Submitted', fmtTime(job.created)], ['Started', fmtTime(job.started)], ['Finished', fmtTime(job.finished)],
      ['Epochs', sp.train?.epochs ?? '–'], ['Learning rate', sp.train?.lr ?? '–'],
      ['DR', sp.dr ? `${(sp.dr.methods || []).join(', ')} · r ${(sp.dr.ratios || []).join('/')}` : (sp.dr === null ? 'none' : '–')],
    ];
    clear(facts).append(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v ?? '–' })]));
    if (job.error) {
      const e = job.error;
      errBox.hidden = false;
      clear(errBox).append(
        el('strong', { text: 'The job failed: ' }),
        typeof e === 'string' ? e : (e.message || JSON.stringify(e)),
      );
      const tail = typeof e === 'object' ? (e.stderr || e.stderr_tail || e.tail) : null;
      if (tail) errBox.append(el('pre', { text: Array.isArray(tail) ? tail.join('\n') : String(tail) }));
    }
  }

  function fmtTime(t) {
    const d = toDate(t);
    return d ? `${d.toLocaleString()} (${fmtAge(t)} ago)` : '–';
  }

  function showLive() {
    const e = epochs[epochs.length - 1] || {};
    const best = bestVal;
    const rows = [
      ['Stage', e.stage ? `${e.stage}${e.iteration !== undefined ? ' · iteration ' + e.iteration : ''}` : '–'],
      ['Operation', e.operation ?? '–'],
      ['Epoch', e.epoch ?? '–'],
      ['Hidden neurons', fmtInt(e.hidden ?? job.hidden)],
      ['Depth', fmtInt(e.depth ?? job.depth)],
      ['Parameters', fmtInt(e.params ?? job.params)],
      ['FLOPs', fmtInt(e.flops)],
      ['Train loss', fmtNum(e.train_loss)],
      ['Val. accuracy', fmtPct(e.val_acc)],
      ['Best val. accuracy', epochs.length ? fmtPct(best) : fmtPct(job.bestValAcc)],
    ];
    clear(live).append(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  }

  // ---- curves --------------------------------------------------------------
  const pts = (f) => epochs.map((e, i) => [i + 1, Number(e[f])]).filter((p) => Number.isFinite(p[1]));
  const redrawAcc = responsive(accWrap, (width) => lineChart({
    width,
    label: `Train loss and validation accuracy over ${epochs.length} epochs`,
    empty: 'no epoch yet',
    xLabel: 'epoch (all stages)',
    left: { label: 'train loss', zero: true, fmt: (v) => fmtNum(v, 2) },
    right: { label: 'val. accuracy', min: 0, max: 1, fmt: (v) => Math.round(v * 100) + '%' },
    series: [
      { name: 'train loss', cls: 's-loss', axis: 'left', points: pts('train_loss') },
      { name: 'validation accuracy', cls: 's-acc', axis: 'right', points: pts('val_acc') },
    ],
    markers,
  }));
  const redrawParams = responsive(parWrap, (width) => lineChart({
    width,
    label: `Parameters, hidden neurons and depth over ${epochs.length} epochs`,
    empty: 'no epoch yet',
    xLabel: 'epoch (all stages)',
    left: { label: 'parameters', zero: true },
    right: { label: 'hidden neurons, depth', zero: true },
    series: [
      { name: 'parameters', cls: 's-params', axis: 'left', points: pts('params') },
      { name: 'hidden neurons', cls: 's-hidden', axis: 'right', points: pts('hidden') },
      { name: 'depth', cls: 's-depth', axis: 'right', points: pts('depth') },
    ],
    markers,
  }));
  // Redraw at most once a frame however fast events arrive (history replay).
  let drawQueued = false;
  function drawCurves() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      if (!alive) return;
      redrawAcc();
      redrawParams();
      accWrap.dataset.epochs = String(epochs.length);
    });
  }

  // ---- events --------------------------------------------------------------
  function logLine(ev) {
    const d = ev.data;
    let text;
    switch (ev.type) {
      case 'epoch':
        text = `${d.stage ?? ''}${d.iteration !== undefined ? ' it ' + d.iteration : ''} ${d.operation ?? ''} epoch ${d.epoch}: loss ${fmtNum(d.train_loss)}, val ${fmtPct(d.val_acc)}, ${fmtInt(d.params)} params, ${d.hidden ?? '–'} hidden, depth ${d.depth ?? '–'}`;
        break;
      case 'stage': text = `stage ${d.stage} ${d.state || ''}`.trim(); break;
      case 'state': text = `→ ${d.state}${d.message ? ': ' + d.message : ''}`; break;
      case 'candidate': text = `candidate: test ${fmtPct(d.test_acc ?? d.network?.test_acc)}, ${fmtInt(d.params ?? d.network?.params)} params${d.label ? ' (' + d.label + ')' : ''}`; break;
      case 'log': text = d.message ?? d.msg ?? d.text ?? JSON.stringify(d); break;
      case 'result': text = 'result ready'; break;
      default: text = JSON.stringify(d);
    }
    const level = ev.type === 'log' && typeof d.level === 'string' ? d.level.replace(/[^a-z]/gi, '') : '';
    const li = el('li', { class: 'ev ev-' + ev.type + (level ? ' lvl-' + level : ''), dataset: { seq: ev.id, type: ev.type } }, [
      el('span', { class: 'seq', text: '#' + ev.id }), ' ', el('span', { class: 'type', text: ev.type }), ' ', text.replace(/\s+/g, ' '),
    ]);
    const atEnd = logList.scrollTop + logList.clientHeight >= logList.scrollHeight - 4;
    logList.append(li);
    if (atEnd) logList.scrollTop = logList.scrollHeight;
    while (logList.childElementCount > LOG_MAX) logList.firstElementChild.remove();
  }

  // Events are applied as they come (cheap: arrays and a few fields) but
  // drawn at most once a frame: a history replay or a fast job delivers
  // thousands of events a second.
  let pendingLog = [];
  let dirty = { live: false, job: false, result: false, terminal: false };
  let flushQueued = false;

  function onEvent(ev) {
    if (!alive) return;
    const d = ev.data;
    pendingLog.push(ev);
    if (pendingLog.length > LOG_MAX) pendingLog = pendingLog.slice(-LOG_MAX);
    if (ev.type === 'epoch') {
      const x = epochs.length + 1;
      const op = d.operation ?? null;
      if (d.stage !== lastStage && lastStage !== null) {
        markers.push({ x, cls: 'm-stage', label: `stage ${d.stage} starts at epoch ${x}` });
      }
      if (op !== lastOp && op) {
        if (/grow/i.test(op)) markers.push({ x, cls: 'm-grow', label: `${op} before epoch ${x}` });
        else if (/prun/i.test(op)) markers.push({ x, cls: 'm-prune', label: `${op} before epoch ${x}` });
      }
      lastOp = op; lastStage = d.stage;
      epochs.push(d);
      bestVal = Math.max(bestVal, Number(d.val_acc) || 0);
      job.latest = d;
      dirty.live = true;
    } else if (ev.type === 'state') {
      if (d.state) { job.state = d.state; dirty.job = true; }
      if (d.state === 'running' && epochs.length) {
        // A worker started again (scannd restarted, or a retry): the curve
        // goes on from the checkpoint it resumed.
        markers.push({ x: epochs.length + 0.5, cls: 'm-restart', label: `worker restarted after epoch ${epochs.length}` });
        dirty.live = true;
      }
      if (finalStates.has(d.state)) dirty.terminal = true;
    } else if (ev.type === 'candidate') {
      candidates.push(d);
      if (result) dirty.result = true;
    } else if (ev.type === 'result') {
      result = d.result || d;
      dirty.result = true;
    }
    if (!flushQueued) {
      flushQueued = true;
      requestAnimationFrame(flush);
    }
  }

  function flush() {
    flushQueued = false;
    if (!alive) return;
    for (const ev of pendingLog) logLine(ev);
    pendingLog = [];
    const d = dirty;
    dirty = { live: false, job: false, result: false, terminal: false };
    if (d.job) showJob();
    if (d.live) {
      if (job.progress === null && job.state === 'running') progressText.textContent = progressOf(job).text;
      showLive();
      drawCurves();
    }
    if (d.result) showResult();
    if (d.terminal) refresh();
  }

  function showResult() {
    setArtifacts();
    clear(resultWrap);
    if (!result) return;
    if (job.task === 'study' || result.candidates || result['dr+scann']) resultWrap.append(renderStudy(result));
    else resultWrap.append(renderSynthResult(result, candidates));
  }

  // ---- model drawing and artifacts ----------------------------------------
  let modelShown = false;
  async function showModel() {
    if (modelShown || job.state !== 'succeeded') return;
    modelShown = true;
    let m;
    try {
      m = await api.get('/jobs/' + enc + '/model');
    } catch (err) {
      clear(netWrap).append(el('p', { class: 'muted', text: 'No model artifact: ' + err.message }));
      return;
    }
    const net = normalizeModel(m);
    if (!net) {
      clear(netWrap).append(el('p', { class: 'muted', text: 'The model artifact has a layout this page cannot draw.' }));
      return;
    }
    const label = `Synthesized network: ${stats0(net)}`;
    const picWrap = el('div', { class: 'net-wrap', id: 'net-pic', tabindex: 0, role: 'group', 'aria-label': 'Network drawing (scrolls sideways when deep)' });
    let stats = null;
    const statsLine = el('p', { id: 'net-stats' });
    clear(netWrap).append(
      statsLine,
      el('ul', { class: 'legend' }, [el('li', { class: 'k-edge', text: 'connection between adjacent levels' }), el('li', { class: 'k-skip', text: 'skip connection' })]),
      picWrap,
    );
    responsive(picWrap, (width) => {
      const d = drawNetwork(net, label, width);
      stats = d.stats;
      return d.svg;
    })();
    const frontText = stats.front ? `Front: ${stats.front.input.join('×')} image → ` +
      stats.front.layers.map(frontLayerName).join(' → ') + ` → ${stats.front.features} features.  ` : '';
    statsLine.textContent = frontText + `${stats.inputs} inputs → ${stats.hidden} hidden neurons over ${stats.depth} levels → ${stats.outputs} outputs; ${fmtInt(stats.connections)} connections, ${fmtInt(stats.skips)} of them skip a level` +
      (stats.drawn < stats.connections ? ` (the ${fmtInt(stats.drawn)} strongest drawn).` : '.');
  }
  function stats0(net) { return (net.front ? `a convolutional front of ${net.front.layers.length} layers, ` : '') + `${net.nIn} inputs, ${net.hidden.length} hidden neurons, depth ${net.depth}, ${net.nOut} outputs`; }

  async function download(path, name) {
    try {
      const b = await api.blob('/jobs/' + enc + path);
      const a = el('a', { href: URL.createObjectURL(b), download: name, class: 'sr-only' });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } catch (err) {
      toast(`Could not download ${name}: ${err.message}`);
    }
  }
  modelBtn.addEventListener('click', () => download('/model', `scann-${id}-model.json`));
  // model.c is a tar of scann_model.h and scann_model.c.
  cBtn.addEventListener('click', () => download('/model.c?format=c', `scann-${id}-model-c.tar`));
  c8Btn.addEventListener('click', () => download('/model.c?format=c-int8', `scann-${id}-model-c-int8.tar`));
  reportBtn.addEventListener('click', () => download('/report', `scann-${id}-report.json`));

  // Cancelling throws away the work done so far: the first click arms the
  // button, a second one within a few seconds cancels.
  let armed = 0;
  cancelBtn.addEventListener('click', async () => {
    if (!armed) {
      cancelBtn.textContent = 'Confirm: cancel this job';
      cancelBtn.classList.add('armed');
      armed = setTimeout(() => {
        armed = 0;
        cancelBtn.textContent = 'Cancel job';
        cancelBtn.classList.remove('armed');
      }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = 0;
    cancelBtn.textContent = 'Cancel job';
    cancelBtn.classList.remove('armed');
    cancelBtn.disabled = true;
    try {
      const j = await api.post('/jobs/' + enc + '/cancel');
      job = Object.assign(job, jobView(j));
      toast('Cancel requested');
      refresh();
    } catch (err) {
      cancelBtn.disabled = false;
      toast('Could not cancel: ' + err.message);
    }
  });

  function setArtifacts() {
    const ok = job.state === 'succeeded';
    for (const b of [modelBtn, reportBtn]) b.disabled = !ok;
    // Each C export exists only when the worker wrote it; if it could not
    // (a model with Isomap or spectral DR), the result says why.
    for (const [b, fmt] of [[cBtn, 'c'], [c8Btn, 'c-int8']]) {
      const ex = result && result.model_c ? result.model_c[fmt] : null;
      b.disabled = !(ok && ex && ex.file);
      b.title = ex && ex.error ? ex.error : (ex && ex.file ? `${ex.flash_bytes} bytes of flash, ${ex.ram_bytes} of RAM` : 'no C export for this job');
    }
  }

  // ---- refresh loop and stream ---------------------------------------------
  let timer = 0;
  // A job that ended without success has no result or model: say so
  // instead of promising them.
  function showEnded() {
    if (job.state !== 'failed' && job.state !== 'cancelled') return;
    if (!result) clear(resultWrap).append(el('p', { class: 'muted', text: `No result: the job was ${job.state}.` }));
    clear(netWrap).append(el('p', { class: 'muted', text: `No model: the job was ${job.state}.` }));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const j = jobView(await api.get('/jobs/' + enc));
      if (!alive) return;
      job = j;
    } catch (err) {
      if (!alive || err.status === 401) return;
    }
    showJob();
    setArtifacts();
    if (finalStates.has(job.state)) { showModel(); showEnded(); }
    else timer = setTimeout(refresh, POLL_MS);
  }

  let dsInfo = null;
  if (job.dataset) {
    api.get('/datasets/' + encodeURIComponent(job.dataset))
      .then((d) => { if (alive) { dsInfo = d; showJob(); } })
      .catch(() => { /* the id alone still shows */ });
  }
  showJob(); showLive(); setArtifacts(); drawCurves();
  if (job.raw.result) { result = job.raw.result; showResult(); }
  streamNote.textContent = 'Following live events…';
  const stream = api.follow('/jobs/' + enc + '/events', {
    onEvent,
    resume: () => alive && !finalStates.has(job.state),
    onEnd() { if (alive) { streamNote.textContent = `Stream closed: ${epochs.length} epochs received.`; refresh(); } },
    onError(err) { if (alive) streamNote.textContent = 'Event stream unavailable: ' + err.message; },
  });
  ctx.onCleanup(() => { alive = false; stream.close(); clearTimeout(timer); });
  refresh();
}
