// api.js -- the dashboard's only door to scannd's REST API (/api/v1).
//
// Every request carries the API token kept in sessionStorage (if any) as
// "Authorization: Bearer".  Errors come back as ApiError with the API's
// {"error": {"code", "message", "field"}} body unpacked.  Event streams are
// read with fetch() rather than EventSource, because EventSource cannot send
// an Authorization header; the SSE framing (id:/event:/data:) is parsed here
// and the stream is resumed with Last-Event-ID after a network drop.

const BASE = '/api/v1';
const TOKEN_KEY = 'scann.token';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || String(status);
    this.field = e.field || null;
  }
}

export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(tok) {
  try {
    if (tok) sessionStorage.setItem(TOKEN_KEY, tok);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lives only in memory then */ }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  const t = getToken();
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

// Listeners told when the API answers 401 (token missing, wrong or revoked).
const unauthorizedListeners = new Set();
export function onUnauthorized(fn) { unauthorizedListeners.add(fn); }

async function parse(res) {
  const text = await res.text();
  let body = null;
  if (text) {
    try { body = JSON.parse(text); } catch { body = { error: { message: text.slice(0, 200) } }; }
  }
  if (!res.ok) {
    if (res.status === 401) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(res.status, body);
  }
  return body;
}

export function url(path, query) {
  const u = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
  }
  return u.pathname + u.search;
}

export async function get(path, query, opts = {}) {
  const res = await fetch(url(path, query), { headers: headers(), signal: opts.signal });
  return parse(res);
}

export async function post(path, body, query) {
  const res = await fetch(url(path, query), {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(res);
}

// Fetch an artifact as a Blob (model JSON, report) with the token attached.
export async function blob(path) {
  const res = await fetch(url(path), { headers: headers({ Accept: '*/*' }) });
  if (!res.ok) await parse(res);
  return res.blob();
}

// Upload a dataset as the request body: a File (CSV) or a FormData (IDX,
// multipart; the browser sets its boundary).  fetch() reports no upload
// progress, so this uses XMLHttpRequest; onProgress(fraction) is called as
// bytes leave.  Resolves with the dataset description.
export function upload(path, file, query, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url(path, query));
    const h = headers(file instanceof FormData ? {} : { 'Content-Type': file.type || 'text/csv' });
    for (const [k, v] of Object.entries(h)) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
      } else {
        if (xhr.status === 401) unauthorizedListeners.forEach((fn) => fn());
        reject(new ApiError(xhr.status, body));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { error: { message: 'network error' } })));
    xhr.send(file);
  });
}

// Follow a job's event stream.  onEvent({id, type, data}) is called for each
// event, history first.  Returns {close()}.  The server closes the stream
// after the job's end; if it closes it earlier (a restart, a drain) and
// resume() says the job is still live, or on a network error, the stream is
// reopened with Last-Event-ID = the last seq seen, so no event is missed or
// repeated.  onEnd is called once the stream is over for good.
export function follow(path, { onEvent, onEnd, onError, resume }) {
  const ctrl = new AbortController();
  let lastId = null;
  let stopped = false;
  let failures = 0;

  async function once() {
    const h = headers({ Accept: 'text/event-stream' });
    if (lastId !== null) h['Last-Event-ID'] = String(lastId);
    const res = await fetch(url(path), { headers: h, signal: ctrl.signal, cache: 'no-store' });
    if (!res.ok) await parse(res);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let ev = { id: null, type: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      failures = 0;
      buf += dec.decode(value, { stream: true });
      // Walk the complete lines with an index and cut the buffer once: a
      // history replay arrives as megabytes in a few chunks.
      let start = 0;
      for (;;) {
        const nl = buf.indexOf('\n', start);
        if (nl < 0) break;
        let line = buf.slice(start, nl);
        start = nl + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (ev.data.length) dispatch(ev);
          ev = { id: null, type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;  // comment / keep-alive
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        let val = c < 0 ? '' : line.slice(c + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'id') ev.id = val;
        else if (field === 'event') ev.type = val;
        else if (field === 'data') ev.data.push(val);
      }
      buf = buf.slice(start);
    }
  }

  function dispatch(ev) {
    let data;
    try { data = JSON.parse(ev.data.join('\n')); } catch { data = { raw: ev.data.join('\n') }; }
    const seq = ev.id !== null ? Number(ev.id) : Number(data.seq);
    if (Number.isFinite(seq)) {
      if (lastId !== null && seq <= lastId) return;  // already seen
      lastId = seq;
    }
    onEvent({ id: seq, type: data.type || ev.type, data });
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
        if (stopped) return;
        if (resume && resume() && failures < 5) {
          failures += 1;  // reset by the next chunk that arrives
          await new Promise((r) => setTimeout(r, 1000 * failures));
          continue;
        }
        if (onEnd) onEnd();
        return;
      } catch (err) {
        if (stopped || err.name === 'AbortError') return;
        if (err instanceof ApiError) { if (onError) onError(err); return; }
        failures += 1;
        if (failures > 5) { if (onError) onError(err); return; }
        await new Promise((r) => setTimeout(r, 500 * failures));
      }
    }
  })();

  return { close() { stopped = true; ctrl.abort(); } };
}
