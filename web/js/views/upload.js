// views/upload.js -- the dataset upload widget shared by the submit form and
// the datasets page: a file input, a name, a progress bar fed by the
// request's upload progress, and the API's answer (rows, features, classes)
// or its error.

import * as api from '../api.js';
import { el, fmtBytes, fmtInt } from '../util.js';

// onDone(dataset, {label}) is called with the API's description of the new
// dataset and the label column the user named (the job spec needs it too:
// the dataset row does not keep it).
export function uploadWidget(idPrefix, onDone) {
  const file = el('input', { type: 'file', id: idPrefix + '-file', name: 'file', accept: '.csv,text/csv,.gz,application/octet-stream' });
  const name = el('input', { type: 'text', id: idPrefix + '-name', name: 'dataset-name', autocomplete: 'off', placeholder: 'from the file name' });
  const label = el('input', { type: 'text', id: idPrefix + '-label', name: 'label', autocomplete: 'off', placeholder: 'the last column' });
  const btn = el('button', { type: 'button', id: idPrefix + '-go', text: 'Upload' });
  const bar = el('progress', { id: idPrefix + '-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const msg = el('p', { id: idPrefix + '-msg', class: 'small', role: 'status', 'aria-live': 'polite' });

  btn.addEventListener('click', async () => {
    const f = file.files && file.files[0];
    msg.classList.remove('error');
    if (!f) { msg.textContent = 'Choose a CSV file first.'; msg.classList.add('error'); file.focus(); return; }
    // The API takes 1 to 64 of A-Z a-z 0-9 . _ - as a name.
    const nm = name.value.trim() || f.name.replace(/\.(csv|gz)$/gi, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 64);
    bar.hidden = false; bar.value = 0;
    btn.disabled = true;
    msg.textContent = `Uploading ${f.name} (${fmtBytes(f.size)})…`;
    try {
      const ds = await api.upload('/datasets', f, { name: nm, label: label.value.trim() }, (p) => { bar.value = p; });
      const d = ds;
      msg.textContent = `Uploaded ${d.name || nm}: ${fmtInt(d.rows)} rows, ${fmtInt(d.features)} features, ${fmtInt(d.classes)} classes.`;
      if (onDone) onDone(d, { label: label.value.trim() });
    } catch (err) {
      msg.textContent = 'Upload failed: ' + err.message;
      msg.classList.add('error');
    } finally {
      btn.disabled = false;
    }
  });

  // IDX (the MNIST format): four files, sent as multipart; the t10k rows
  // become the test set.  The name field above names it too.
  const parts = ['train-images', 'train-labels', 't10k-images', 't10k-labels'];
  const idxInputs = parts.map((p) => el('input', { type: 'file', id: `${idPrefix}-idx-${p}`, name: p, accept: '.gz,application/octet-stream,*/*' }));
  const idxBtn = el('button', { type: 'button', id: idPrefix + '-idx-go', text: 'Upload IDX' });
  idxBtn.addEventListener('click', async () => {
    msg.classList.remove('error');
    const missing = parts.filter((p, i) => !(idxInputs[i].files && idxInputs[i].files[0]));
    if (missing.length) {
      msg.textContent = 'Choose all four IDX files; missing: ' + missing.join(', ') + '.';
      msg.classList.add('error');
      idxInputs[parts.indexOf(missing[0])].focus();
      return;
    }
    const fd = new FormData();
    parts.forEach((p, i) => fd.append(p, idxInputs[i].files[0]));
    const nm = name.value.trim() || idxInputs[0].files[0].name.replace(/[-.]?(train-images|images).*$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 64) || 'idx';
    bar.hidden = false; bar.value = 0;
    idxBtn.disabled = true;
    msg.textContent = 'Uploading the IDX files…';
    try {
      const ds = await api.upload('/datasets', fd, { name: nm }, (p) => { bar.value = p; });
      const d = ds;
      msg.textContent = `Uploaded ${d.name || nm}: ${fmtInt(d.rows)} rows, ${fmtInt(d.features)} features, ${fmtInt(d.classes)} classes.`;
      if (onDone) onDone(d, { label: '' });
    } catch (err) {
      msg.textContent = 'Upload failed: ' + err.message;
      msg.classList.add('error');
    } finally {
      idxBtn.disabled = false;
    }
  });

  return el('fieldset', { class: 'upload' }, [
    el('legend', { text: 'Upload a dataset (CSV with a header row)' }),
    el('div', { class: 'row' }, [
      el('div', {}, [el('label', { for: file.id, text: 'CSV file' }), file]),
      el('div', {}, [el('label', { for: name.id, text: 'Dataset name' }), name]),
      el('div', {}, [el('label', { for: label.id, text: 'Label column' }), label]),
      el('div', { class: 'end' }, btn),
    ]),
    el('details', { id: idPrefix + '-idx' }, [
      el('summary', { text: 'or IDX files (the MNIST format, raw or .gz)' }),
      el('div', { class: 'row' }, [
        ...parts.map((p, i) => el('div', {}, [el('label', { for: idxInputs[i].id, text: p }), idxInputs[i]])),
        el('div', { class: 'end' }, idxBtn),
      ]),
    ]),
    bar, msg,
  ]);
}
