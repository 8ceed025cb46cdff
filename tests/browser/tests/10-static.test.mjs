// static.test.mjs -- scannd serves web/ as it should: content types, caching
// headers, a Content-Security-Policy, no path escape; and the dashboard
// loads under that policy with no console error.

import { assert } from '../lib.mjs';

async function head(base, p) {
  const r = await fetch(base + p, { redirect: 'manual' });
  await r.arrayBuffer();
  return r;
}

export const tests = [
  {
    name: 'static files have content types, caching headers and a CSP',
    async fn({ page, base }) {
      const want = {
        '/': /^text\/html/,
        '/index.html': /^text\/html/,
        '/style.css': /^text\/css/,
        '/js/app.js': /^(text|application)\/javascript/,
        '/favicon.svg': /^image\/svg\+xml/,
      };
      for (const [p, ct] of Object.entries(want)) {
        const r = await head(base, p);
        assert(r.status === 200, `${p}: status ${r.status}`);
        assert(ct.test(r.headers.get('content-type') || ''), `${p}: content-type ${r.headers.get('content-type')}`);
        assert(r.headers.get('cache-control'), `${p}: no Cache-Control`);
        const csp = r.headers.get('content-security-policy') || '';
        if (p === '/' || p === '/index.html') {
          assert(/default-src[^;]*'self'/.test(csp), `${p}: CSP ${csp}`);
          assert(!/unsafe-inline|unsafe-eval/.test(csp.replace(/style-src[^;]*/, '')), `${p}: CSP allows inline script: ${csp}`);
        }
      }
      const r = await head(base, '/no-such-file.js');
      assert(r.status === 404, 'missing file: status ' + r.status);
      return page.goto(base + '/');
    },
  },
  {
    name: 'static paths cannot escape web/',
    async fn({ page, base }) {
      for (const p of ['/../Makefile.am', '/%2e%2e/Makefile.am', '/js/../../configure.ac', '/%2E%2E%2Fconfigure.ac',
        '/..%2fMakefile.am', '/js/%2e%2e/%2e%2e/README', '//etc/passwd', '/.%2e/.%2e/etc/passwd']) {
        const r = await head(base, p);
        const body = r.status === 200 ? await (await fetch(base + p)).text() : '';
        assert(r.status >= 400 || /<html/i.test(body), `${p} answered ${r.status} with something outside web/`);
        assert(!/root:x:0:0|AC_INIT|ACLOCAL_AMFLAGS/.test(body), `${p} leaked a file outside web/`);
      }
      await page.goto(base + '/');
    },
  },
  {
    name: 'dashboard loads under the CSP without console errors',
    async fn({ page, base }) {
      await page.goto(base + '/');
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      await page.locator('#jobs-table').waitFor();
      const title = await page.title();
      assert(/Jobs/.test(title), 'title ' + title);
      // No sign-in on loopback without tokens.
      assert(!(await page.locator('#token').count()), 'sign-in shown on an open server');
    },
  },
];
