// lib.mjs -- what the browser tests share: starting the real scannd on a
// free loopback port with a temporary data dir, a tiny client for the REST
// API (set-up only: the tests never fake or intercept the API), Chromium
// through playwright-core, and waiting helpers.
//
// Environment (exported by make check's AM_TESTS_ENVIRONMENT):
//   SCANN_BUILDDIR  where server/scannd and worker/scann-worker were built
//   SCANN_SRCDIR    the source tree (web/ is served from there)
//   SCANN_TEST_DATA tests/data (iris.csv, wine.csv)
//   SCANN_CHROMIUM  the browser (default /usr/bin/chromium)

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const HERE = path.dirname(new URL(import.meta.url).pathname);
export const SRCDIR = process.env.SCANN_SRCDIR || path.resolve(HERE, '../..');
export const BUILDDIR = process.env.SCANN_BUILDDIR || SRCDIR;
export const DATA = process.env.SCANN_TEST_DATA || path.join(SRCDIR, 'tests/data');
export const CHROMIUM = process.env.SCANN_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = path.join(BUILDDIR, 'tests/artifacts');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A running scannd.  opts.tokens: [[name, admin]] to add before start; the
// tokens printed are returned in .tokens (name -> token).
export class Scannd {
  constructor() {
    this.proc = null;
    this.dir = null;
    this.port = 0;
    this.base = '';
    this.tokens = {};
    this.log = [];
  }

  static binary() {
    return path.join(BUILDDIR, 'server/scannd');
  }

  async start(opts = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scann-browser-'));
    const bin = Scannd.binary();
    for (const [name, admin] of opts.tokens || []) {
      const out = execFileSync(bin, ['--data-dir', this.dir, 'token', 'add', name, ...(admin ? ['--admin'] : [])],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      // The token is the last whitespace-separated word printed.
      const tok = out.trim().split(/\s+/).pop();
      this.tokens[name] = tok;
    }
    this.opts = opts;
    for (let attempt = 0; attempt < 5; attempt++) {
      this.port = await freePort();
      if (await this.spawnOnPort()) return this;
    }
    throw new Error('scannd did not start:\n' + this.log.join('').slice(-3000));
  }

  // Start scannd on this.port with this.dir; true once /healthz answers.
  async spawnOnPort() {
    const opts = this.opts;
    this.base = `http://127.0.0.1:${this.port}`;
    const args = ['--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dir,
      '--workers', String(opts.workers || 2), '--web-dir', path.join(SRCDIR, 'web'),
      ...(opts.args || [])];
    this.proc = spawn(Scannd.binary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SCANN_BUILDDIR: BUILDDIR } });
    const logf = fs.createWriteStream(path.join(ARTIFACTS, `scannd-${opts.label || 'main'}.log`), { flags: 'a' });
    for (const s of [this.proc.stdout, this.proc.stderr]) {
      s.on('data', (b) => { logf.write(b); this.log.push(String(b)); if (this.log.length > 400) this.log.shift(); });
    }
    let exited = false;
    this.proc.on('exit', () => { exited = true; });
    const t0 = Date.now();
    while (!exited && Date.now() - t0 < 15000) {
      try {
        const r = await fetch(this.base + '/healthz');
        if (r.ok) return true;
      } catch { /* not up yet */ }
      await sleep(100);
    }
    if (!exited) this.proc.kill('SIGKILL');
    await sleep(100);
    return false;
  }

  // Kill scannd with SIGKILL (no drain: workers die with it or are
  // orphaned) and start it again on the same port and data dir.
  async crashAndRestart() {
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await done;
    for (let k = 0; k < 50; k++) {
      if (await this.spawnOnPort()) return;
      await sleep(200);
    }
    throw new Error('scannd did not come back on port ' + this.port + ':\n' + this.log.join('').slice(-2000));
  }

  // SIGTERM (scannd drains and exits), SIGKILL after 10 s.  Returns a
  // warning when scannd did not exit cleanly (the suite prints it).
  async stop() {
    let warning = null;
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const done = new Promise((r) => this.proc.once('exit', (code, sig) => r([code, sig])));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      const [code, sig] = await done;
      clearTimeout(t);
      if (code !== 0) {
        warning = `scannd exited with ${sig || 'status ' + code} after SIGTERM; its log ends:\n` +
          this.log.join('').split('\n').slice(-15).join('\n');
      }
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    return warning;
  }

  // The REST API, for test set-up and for checking what the UI did.
  async api(method, p, body, token) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    let payload;
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof Buffer) { payload = body; headers['Content-Type'] = 'text/csv'; }
      else { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
    }
    const r = await fetch(this.base + '/api/v1' + p, { method, headers, body: payload });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = text; }
    if (!r.ok) {
      const e = new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
      e.status = r.status; e.body = json;
      throw e;
    }
    return json;
  }

  async uploadDataset(file, name, token) {
    const body = fs.readFileSync(path.join(DATA, file));
    const q = name ? '?name=' + encodeURIComponent(name) : '';
    const d = await this.api('POST', '/datasets' + q, body, token);
    return d.dataset || d;
  }

  async submit(spec, token) {
    const j = await this.api('POST', '/jobs', spec, token);
    return j.job || j;
  }

  async waitJob(id, pred, timeoutMs = 60000, token) {
    const t0 = Date.now();
    let j;
    while (Date.now() - t0 < timeoutMs) {
      j = await this.api('GET', `/jobs/${id}?wait=2`, undefined, token);
      if (pred(j.job || j)) return j.job || j;
      await sleep(200);
    }
    throw new Error(`job ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(j).slice(0, 400)}`);
  }
}

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

// A tiny spec on a bundled dataset: finishes in seconds on 2 cores.
export function tinySpec(dataset, extra = {}) {
  return {
    name: 'tiny', dataset, task: 'synthesize', scheme: 'B', dr: null,
    baseline: { hidden: [16] },
    scann: { iterations: 2, epochs_per_step: 2, initial_hidden: 8, max_hidden: 24 },
    train: { epochs: 4, batch: 32, lr: 0.01 },
    ...extra,
  };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

export async function waitFor(fn, timeoutMs = 30000, what = 'condition') {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeoutMs) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(150);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (last instanceof Error ? ': ' + last.message : ''));
}

// Where a test saves an extra screenshot of its own (beside the per-test one).
export function shotPath(name) {
  return path.join(ARTIFACTS, name.replace(/[^a-z0-9-]+/gi, '-') + '.png');
}

// Thrown by a test that cannot run here for a reason outside the dashboard
// (e.g. the engine does not support a task yet): counted as skipped, and the
// reason printed.
export class Skip extends Error {}
