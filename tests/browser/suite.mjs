// suite.mjs -- runs the dashboard's browser tests against the real scannd.
//
// One scannd without tokens (loopback: no sign-in) serves most tests; one
// with a token serves the sign-in test.  Each test gets a fresh browser
// context and page; every console error and uncaught page error fails the
// test, except an API answer the test expects (a 400 it provoked, the 401
// that sends an unsigned user to the sign-in page), which Chromium logs as
// "Failed to load resource" -- and only for /api/ URLs.  A full-page
// screenshot of each test's last state goes to tests/artifacts/<test>.png
// in the build tree, pass or fail (tests of pure functions, server 'none',
// have no page and no screenshot).
//
// usage: node suite.mjs [name-filter]
// Prints one line per test and closes with "N passed, N failed".

import fs from 'node:fs';
import path from 'node:path';
import { Scannd, launchBrowser, ARTIFACTS, Skip } from './lib.mjs';

const files = fs.readdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'tests'))
  .filter((f) => f.endsWith('.test.mjs')).sort();
const filter = process.argv[2] || '';

const SUITE_TIMEOUT_MS = 170000;
const TEST_TIMEOUT_MS = 75000;

function slug(s) { return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const tests = [];
  for (const f of files) {
    const mod = await import('./tests/' + f);
    for (const t of mod.tests) tests.push({ ...t, file: f });
  }
  const chosen = tests.filter((t) => !filter || t.name.includes(filter) || t.file.includes(filter));

  const servers = {};
  async function server(kind) {
    if (!servers[kind]) {
      const s = new Scannd();
      servers[kind] = s;
      await s.start(kind === 'tokens'
        ? { tokens: [['alice', false], ['root', true]], label: 'tokens' }
        : { label: 'open' });
    }
    return servers[kind];
  }

  const browser = await launchBrowser();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const t0 = Date.now();
  const killer = setTimeout(() => {
    console.log(`not ok - suite exceeded ${SUITE_TIMEOUT_MS / 1000} s`);
    console.log(`${passed} passed, ${failed + 1} failed` + (skipped ? `, ${skipped} skipped` : ''));
    for (const s of Object.values(servers)) { try { s.proc.kill('SIGKILL'); } catch { /* gone */ } }
    process.exit(1);
  }, SUITE_TIMEOUT_MS);

  try {
    for (const t of chosen) {
      const s = t.server === 'none' ? null : await server(t.server || 'open');
      const ctx = await browser.newContext({
        viewport: t.viewport || { width: 1280, height: 860 },
        deviceScaleFactor: 1,
        isMobile: !!t.mobile,
        hasTouch: !!t.mobile,
        acceptDownloads: true,
      });
      const page = await ctx.newPage();
      const problems = [];
      const allowed = t.allowApiErrors || [];
      page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        const url = (msg.location() && msg.location().url) || '';
        const text = msg.text();
        const m = /status of (\d{3})/.exec(text);
        if (m && url.includes('/api/v1/') && allowed.includes(Number(m[1]))) return;
        if (t.allowNetworkErrors && /net::ERR_/.test(text) && url.includes('/api/v1/')) return;
        problems.push(`console error: ${text} (${url})`);
      });
      page.on('pageerror', (err) => problems.push('page error: ' + err.message));
      page.on('requestfailed', (req) => {
        const u = req.url();
        // A stream or poll cut by navigation is aborted by design.
        if (/net::ERR_ABORTED/.test(req.failure()?.errorText || '') && u.includes('/api/v1/')) return;
        if (t.allowNetworkErrors && u.includes('/api/v1/')) return;
        problems.push(`request failed: ${u} ${req.failure()?.errorText}`);
      });
      const started = Date.now();
      let err = null;
      try {
        let timer;
        await Promise.race([
          t.fn({ page, ctx, server: s, base: s && s.base, browser }),
          new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`test timed out after ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS); }),
        ]).finally(() => clearTimeout(timer));
        if (problems.length) err = new Error(problems.join('\n'));
      } catch (e) {
        err = e;
        if (problems.length) err.message += '\n' + problems.join('\n');
      }
      const shot = path.join(ARTIFACTS, slug(t.name) + '.png');
      // (Unit tests of pure functions have no page to show.)
      if (s) { try { await page.screenshot({ path: shot, fullPage: true }); } catch { /* page gone */ } }
      await ctx.close();
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (err instanceof Skip && !problems.length) {
        skipped++;
        console.log(`ok - ${t.name} # SKIP ${err.message}`);
      } else if (err) {
        failed++;
        console.log(`not ok - ${t.name} (${secs} s)`);
        console.log('  ' + String(err.stack || err).split('\n').join('\n  '));
      } else {
        passed++;
        console.log(`ok - ${t.name} (${secs} s)`);
      }
    }
  } catch (e) {
    failed++;
    console.log('not ok - suite set-up: ' + (e.stack || e));
  } finally {
    clearTimeout(killer);
    await browser.close().catch(() => {});
    for (const s of Object.values(servers)) {
      const w = await s.stop().catch((e) => 'stopping scannd: ' + e.message);
      if (w) console.log('# warning: ' + w.split('\n').join('\n# '));
    }
  }
  console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${ARTIFACTS}`);
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
  process.exit(failed ? 1 : 0);
}

main();
