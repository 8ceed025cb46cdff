// app.js -- the dashboard's entry point: hash router, sign-in, navigation.
//
// Routes (location.hash):
//   #/jobs[?state=S]      jobs list            (views/jobs.js)
//   #/jobs/ID             one job, live        (views/job.js)
//   #/submit              new job form         (views/submit.js)
//   #/datasets            datasets, upload     (views/datasets.js)
//   #/signin              paste an API token
//
// Sign-in is driven by the API itself: on loopback without tokens scannd
// answers without Authorization and the sign-in page never shows; any 401
// sends the user to #/signin and back to where they were afterwards.

import * as api from './api.js';
import { el, clear } from './util.js';
import { renderJobs } from './views/jobs.js';
import { renderJob } from './views/job.js';
import { renderSubmit } from './views/submit.js';
import { renderDatasets } from './views/datasets.js';

const main = document.getElementById('main');
let cleanup = null;         // the current view's teardown (streams, timers)
let returnTo = '#/jobs';

function parseHash() {
  const h = location.hash.replace(/^#/, '') || '/jobs';
  const [path, qs] = h.split('?');
  const parts = path.split('/').filter(Boolean);
  return { parts, query: new URLSearchParams(qs || '') };
}

function setNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// The header's "signed in as": GET /api/v1/me names the token's user.
async function showWho() {
  const who = document.getElementById('who');
  const name = document.getElementById('who-name');
  const tok = api.getToken();
  who.hidden = !tok;
  if (!tok) { name.textContent = ''; return; }
  name.textContent = 'Signed in';
  try {
    const me = await api.get('/me');
    if (api.getToken() === tok)
      name.textContent = 'Signed in as ' + me.user + (me.admin ? ' (admin)' : '');
  } catch (_) { /* a 401 sends the user to #/signin already */ }
}

function renderSignin(ctx) {
  document.title = 'Sign in · scann';
  const input = el('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'token-help token-error',
  });
  const errBox = el('p', { id: 'token-error', class: 'field-error', role: 'alert' });
  const form = el('form', { class: 'card narrow', 'aria-labelledby': 'signin-h' }, [
    el('h1', { id: 'signin-h', text: 'Sign in' }),
    el('p', { id: 'token-help', text: 'Paste an API token (from "scannd token add NAME"). It is kept for this browser tab only.' }),
    el('label', { for: 'token', text: 'API token' }),
    input,
    errBox,
    el('div', { class: 'actions' }, [el('button', { type: 'submit', class: 'primary', text: 'Sign in' })]),
  ]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errBox.textContent = '';
    const tok = input.value.trim();
    if (!tok) { errBox.textContent = 'A token is required.'; input.focus(); return; }
    api.setToken(tok);
    try {
      await api.get('/jobs', { limit: 1 });
      showWho();
      location.hash = returnTo && returnTo !== '#/signin' ? returnTo : '#/jobs';
    } catch (err) {
      api.setToken('');
      errBox.textContent = err.status === 401 ? 'That token was not accepted.' : err.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  ctx.root.append(form);
  input.focus();
}

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* view already gone */ } cleanup = null; }
  const { parts, query } = parseHash();
  clear(main);
  const ctx = {
    root: main,
    query,
    onCleanup(fn) { const prev = cleanup; cleanup = () => { if (prev) prev(); fn(); }; },
  };
  try {
    if (parts[0] === 'signin') { setNav(''); renderSignin(ctx); return; }
    if (parts[0] === 'jobs' && parts[1]) { setNav('jobs'); await renderJob(ctx, decodeURIComponent(parts[1])); }
    else if (parts[0] === 'submit') { setNav('submit'); await renderSubmit(ctx); }
    else if (parts[0] === 'datasets') { setNav('datasets'); await renderDatasets(ctx); }
    else { setNav('jobs'); await renderJobs(ctx); }
  } catch (err) {
    if (err && err.status === 401) return;  // onUnauthorized already moved us
    main.append(el('p', { class: 'error', role: 'alert', text: 'Could not load this page: ' + (err && err.message) }));
  }
}

api.onUnauthorized(() => {
  if (location.hash.startsWith('#/signin')) return;
  returnTo = location.hash || '#/jobs';
  api.setToken('');
  showWho();
  location.hash = '#/signin';
});

document.getElementById('sign-out').addEventListener('click', () => {
  api.setToken('');
  showWho();
  returnTo = '#/jobs';
  location.hash = '#/signin';
});

// The skip link moves focus without touching the hash (the router's).
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => {
  if (location.hash && !location.hash.startsWith('#/')) return;  // not a route
  main.focus({ preventScroll: true });
  route();
});
showWho();
route();
