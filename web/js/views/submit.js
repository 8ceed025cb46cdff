// views/submit.js -- the new-job form: dataset (pick one or upload a CSV),
// task, scheme, DR methods and ratios, rates and epochs.
//
// Only the dataset is required: an empty field is left out of the spec so
// the API fills in its default, which the placeholder shows.  The DR
// methods offered and every default shown come from GET /api/v1/schema,
// the server's own tables, not from a copy here.  The form
// does no validation of its own beyond that (novalidate): the API validates
// with the worker's own code, and its {"error": {"field"}} is shown beside
// the input whose data-field names that field ("dr.ratios[1]" lands on
// dr.ratios), or above the form when no input matches.

import * as api from '../api.js';
import { el, clear } from '../util.js';
import { loadDatasets } from './datasets.js';
import { uploadWidget } from './upload.js';
import { loadSchema, defaultAt } from '../schema.js';

// Friendlier names for the DR methods the server lists; a method not named
// here is offered under its spec name.
const DR_LABELS = {
  pca: 'PCA', fa: 'Factor analysis', ica: 'FastICA', isomap: 'Isomap',
  spectral: 'Spectral embedding', 'rp-gaussian': 'Random proj. (Gaussian)',
  'rp-sign': 'Random proj. (±1)', 'rp-sparse': 'Random proj. (sparse)',
  'rp-very-sparse': 'Random proj. (very sparse)',
};

// Inputs that map one-to-one to a spec path: [path, label, hint]; the
// placeholder is the path's default from the schema.
const NUMBERS = [
  ['train.epochs', 'Epochs', 'training epochs per run; 0: from the row count'],
  ['train.lr', 'Learning rate', ''],
  ['train.batch', 'Batch size', ''],
  ['train.weight_decay', 'Weight decay', ''],
  ['scann.iterations', 'SCANN iterations', 'grow/prune rounds'],
  ['scann.epochs_per_step', 'Epochs per step', 'training after each architecture change; 0: from the row count'],
  ['scann.growth.fraction', 'Growth fraction', 'of dormant connections'],
  ['scann.pruning.fraction', 'Pruning fraction', 'of existing connections (the recipe search only)'],
  ['scann.initial_hidden', 'Initial hidden (A)', ''],
  ['scann.max_hidden', 'Max hidden (A)', ''],
  ['split.validation', 'Validation share', ''],
  ['split.test', 'Test share', ''],
];

// A default as a placeholder: numbers as typed, lists comma-separated.
function shown(v) {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
}

function setPath(obj, path, value) {
  const ks = path.split('.');
  let o = obj;
  for (const k of ks.slice(0, -1)) { o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {}; o = o[k]; }
  o[ks[ks.length - 1]] = value;
}

// "0.01" -> 0.01; anything not a number goes to the API as typed, so the
// API (not this page) says what is wrong with it.
function numeric(s) {
  const t = s.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

export async function renderSubmit(ctx) {
  document.title = 'New job · scann';
  const schema = await loadSchema();
  const def = (path) => shown(defaultAt(schema, path));
  const fieldErrors = new Map();  // data-field -> error <p>

  function field(path, label, input, hint) {
    const id = 'f-' + path.replace(/[^a-z0-9]+/gi, '-');
    input.id = input.id || id;
    input.dataset.field = path;
    const err = el('p', { class: 'field-error', id: id + '-error', role: 'alert' });
    fieldErrors.set(path, err);
    const desc = [hint ? id + '-hint' : null, err.id].filter(Boolean).join(' ');
    input.setAttribute('aria-describedby', desc);
    return el('div', { class: 'field', dataset: { for: path } }, [
      el('label', { for: input.id, text: label }),
      input,
      hint ? el('p', { class: 'hint', id: id + '-hint', text: hint }) : null,
      err,
    ]);
  }

  const dsSelect = el('select', { name: 'dataset', required: true }, el('option', { value: '', text: 'Loading…' }));
  async function fillDatasets(selectId) {
    let list = [];
    try { list = await loadDatasets(); } catch (err) { if (err.status === 401) throw err; }
    clear(dsSelect).append(el('option', { value: '', text: list.length ? 'Choose a dataset' : 'No datasets: upload one' }),
      ...list.map((d) => el('option', {
        value: d.id, selected: String(d.id) === String(selectId),
        text: `${d.name ?? d.id}${d.rows ? ` (${d.rows} rows, ${d.features} features, ${d.classes} classes)` : ''}`,
      })));
  }

  const name = el('input', { type: 'text', name: 'name', autocomplete: 'off', placeholder: 'optional' });
  const labelCol = el('input', { type: 'text', name: 'label_column', autocomplete: 'off', placeholder: 'last column' });
  const radios = (nm, opts, checked) => el('div', { class: 'radios' }, opts.map(([v, l]) => el('label', { class: 'inline' }, [
    el('input', { type: 'radio', name: nm, value: v, checked: v === checked, id: `f-${nm}-${v}` }), ' ', l,
  ])));
  const task = radios('task', [['synthesize', 'Synthesize one network'], ['study', 'Study: MLP / DR / SCANN / DR+SCANN']], def('task'));
  const scheme = radios('scheme', [['A', 'A · constructive'], ['B', 'B · destructive'], ['C', 'C · dense-sparse-dense']], def('scheme'));
  task.dataset.field = 'task';
  scheme.dataset.field = 'scheme';

  const drMode = el('select', { name: 'dr-mode' }, [
    el('option', { value: 'default', text: 'API default' }),
    el('option', { value: 'choose', text: 'These methods and ratios' }),
    el('option', { value: 'none', text: 'No DR' }),
  ]);
  const drBoxes = schema.dr_methods.map((v) => el('label', { class: 'inline check' }, [
    el('input', { type: 'checkbox', name: 'dr-method', value: v, id: 'f-dr-' + v }), ' ', DR_LABELS[v] || v,
  ]));
  const drMethods = el('div', { class: 'checks', role: 'group', 'aria-label': 'DR methods' }, drBoxes);
  const ratios = el('input', { type: 'text', name: 'ratios', inputmode: 'decimal', autocomplete: 'off', placeholder: def('dr.ratios') });
  const maxDrop = el('input', { type: 'text', name: 'max_drop', inputmode: 'decimal', autocomplete: 'off', placeholder: def('dr.max_drop') });
  const drFields = el('div', { class: 'dr-fields' }, [
    field('dr.methods', 'Methods', drMethods),
    el('div', { class: 'row' }, [
      field('dr.ratios', 'Feature compression ratios', ratios, 'comma-separated, ascending'),
      field('dr.max_drop', 'Max. val. accuracy drop', maxDrop, 'stops reducing further'),
    ]),
  ]);
  const syncDr = () => {
    const on = drMode.value === 'choose';
    drFields.hidden = !on;
  };
  drMode.addEventListener('change', syncDr);

  const nums = NUMBERS.map(([p, l, hint]) => [p, el('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', name: p, placeholder: def(p) }), l, hint]);
  const optim = el('select', { name: 'train.optimizer' }, [
    el('option', { value: '', text: def('train.optimizer') + ' (default)' }), el('option', { value: 'adam', text: 'adam' }), el('option', { value: 'sgd', text: 'sgd with momentum' }),
  ]);
  const advanced = el('details', { class: 'advanced', id: 'advanced' }, [
    el('summary', { text: 'Rates, epochs and SCANN steps' }),
    el('div', { class: 'grid3' }, [
      ...nums.filter(([p]) => p !== 'train.epochs').map(([p, input, l, hint]) => field(p, l, input, hint)),
      field('train.optimizer', 'Optimizer', optim),
    ]),
  ]);
  // Epochs is the field most people change: it stays outside the fold.
  const [, epochsInput, epochsLabel, epochsHint] = nums.find(([p]) => p === 'train.epochs');

  const formError = el('div', { class: 'error-box', id: 'form-error', role: 'alert', hidden: true });
  const submitBtn = el('button', { type: 'submit', class: 'primary', id: 'submit-job', text: 'Submit job' });

  const form = el('form', { id: 'job-form', novalidate: true, 'aria-labelledby': 'submit-h' }, [
    el('h1', { id: 'submit-h', text: 'New job' }),
    formError,
    el('section', { class: 'card' }, [
      el('h2', { text: 'Data' }),
      el('div', { class: 'row' }, [
        field('dataset', 'Dataset', dsSelect),
        field('label_column', 'Label column', labelCol, 'empty: the last column'),
      ]),
      uploadWidget('upload', async (d, extra) => {
        await fillDatasets(d.id);
        if (extra.label) labelCol.value = extra.label;
        dsSelect.focus();
      }),
    ]),
    el('section', { class: 'card' }, [
      el('h2', { text: 'Recipe' }),
      el('div', { class: 'row' }, [field('name', 'Job name', name), field('train.epochs', epochsLabel, epochsInput, epochsHint)]),
      el('fieldset', {}, [el('legend', { text: 'Task' }), task, fieldErrorFor('task')]),
      el('fieldset', {}, [el('legend', { text: 'Scheme' }), scheme, fieldErrorFor('scheme')]),
      el('fieldset', {}, [el('legend', { text: 'Dimensionality reduction' }),
        field('dr', 'Methods and ratios', drMode), drFields]),
      advanced,
    ]),
    el('div', { class: 'actions' }, [submitBtn]),
  ]);
  function fieldErrorFor(path) {
    const err = el('p', { class: 'field-error', id: 'f-' + path + '-error', role: 'alert' });
    fieldErrors.set(path, err);
    return err;
  }

  function clearErrors() {
    formError.hidden = true;
    clear(formError);
    for (const p of fieldErrors.values()) p.textContent = '';
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  function spec() {
    const s = { dataset: dsSelect.value };
    if (name.value.trim()) s.name = name.value.trim();
    if (labelCol.value.trim()) s.label_column = labelCol.value.trim();
    s.task = form.querySelector('input[name=task]:checked').value;
    s.scheme = form.querySelector('input[name=scheme]:checked').value;
    if (drMode.value === 'none') s.dr = null;
    else if (drMode.value === 'choose') {
      s.dr = {};
      const ms = drBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      if (ms.length) s.dr.methods = ms;
      if (ratios.value.trim()) s.dr.ratios = ratios.value.split(/[\s,]+/).filter(Boolean).map(numeric);
      if (maxDrop.value.trim()) s.dr.max_drop = numeric(maxDrop.value);
    }
    for (const [p, input] of nums) if (input.value.trim()) setPath(s, p, numeric(input.value));
    if (optim.value) setPath(s, 'train.optimizer', optim.value);
    return s;
  }

  function showFieldError(err) {
    let path = (err.field || '').replace(/\[\d+\]/g, '');
    while (path && !fieldErrors.has(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    const msg = err.field ? `${err.message}` : err.message;
    if (path) {
      const p = fieldErrors.get(path);
      const named = !err.field || msg.includes(err.field);
      p.textContent = msg + (named || err.field === path ? '' : ` (${err.field})`);
      const input = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      if (input) {
        const d = input.closest('details');
        if (d) d.open = true;
        if (path.startsWith('dr.') && drMode.value !== 'choose') { drMode.value = 'choose'; syncDr(); }
        input.setAttribute('aria-invalid', 'true');
        const focusable = input.matches('input,select,textarea') ? input : input.querySelector('input,select');
        if (focusable) focusable.focus();
      }
    }
    formError.hidden = false;
    clear(formError).append(el('strong', { text: 'The job was not submitted. ' }),
      err.field && !err.message.includes(err.field) ? `${err.field}: ${err.message}` : err.message);
    if (!path) formError.focus?.();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    if (!dsSelect.value) {
      showFieldError({ field: 'dataset', message: 'Choose a dataset or upload one.' });
      return;
    }
    submitBtn.disabled = true;
    try {
      const res = await api.post('/jobs', spec());
      const id = res.id;
      location.hash = '#/jobs/' + encodeURIComponent(id);
    } catch (err) {
      if (err.status !== 401) showFieldError(err);
    } finally {
      submitBtn.disabled = false;
    }
  });

  syncDr();
  ctx.root.append(form);
  await fillDatasets(ctx.query.get('dataset'));
}
