// a11y.test.mjs -- the dashboard on a phone and from the keyboard alone.

import { assert, tinySpec, TERMINAL, shotPath } from '../lib.mjs';

export const tests = [
  {
    name: 'phone: jobs list and job page fit the screen',
    viewport: { width: 390, height: 844 },
    mobile: true,
    async fn({ page, base, server }) {
      // One finished job of its own, so the list and the job page have content.
      const ds = await server.uploadDataset('wine.csv', 'wine');
      const j = await server.submit({ ...tinySpec(ds.id), name: 'phone job', scheme: 'A' });
      await server.waitJob(j.id, (x) => TERMINAL.has(x.state), 30000);
      await page.goto(base + '/#/jobs');
      await page.locator('#jobs-table tbody tr').first().waitFor();
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(over <= 1, `page is ${over}px wider than the phone`);
      await page.screenshot({ path: shotPath('phone-jobs-list'), fullPage: true });
      await page.goto(base + '/#/jobs/' + j.id);
      await page.locator('#job-state').waitFor();
      await page.locator('#chart-acc svg').waitFor();
      const over2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(over2 <= 1, `job page is ${over2}px wider than the phone`);
      await page.locator('#network svg, #network p').first().waitFor();
      await page.screenshot({ path: shotPath('phone-job-page'), fullPage: true });
      await page.goto(base + '/#/submit');
      await page.locator('#job-form').waitFor();
      const over3 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(over3 <= 1, `form is ${over3}px wider than the phone`);
      const sticking = await page.evaluate(() => [...document.querySelectorAll('main *')]
        .filter((e) => !e.closest('.table-wrap, .net-wrap, ol.log'))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.tagName + (e.id ? '#' + e.id : '')));
      assert(!sticking.length, 'sticking out of the phone screen: ' + sticking.slice(0, 5).join(', '));
    },
  },
  {
    name: 'keyboard: every control is reachable and labelled',
    async fn({ page, base }) {
      await page.goto(base + '/#/submit');
      await page.locator('#job-form').waitFor();
      await page.click('#advanced summary');
      // Every form control has an accessible name.
      const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, textarea, a[href]')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => {
          if (e.labels && e.labels.length) return false;
          if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')) return false;
          return !(e.textContent || '').trim();
        }).map((e) => e.outerHTML.slice(0, 80)));
      assert(!unnamed.length, 'unlabelled controls: ' + unnamed.join(' | '));
      // Tab from the top reaches the skip link, the nav, the upload and the submit button.
      // Start from the top of the document, as a fresh page load would.
      await page.evaluate(() => {
        document.activeElement && document.activeElement.blur();
        document.body.tabIndex = -1;
        document.body.focus();
        document.body.removeAttribute('tabindex');
      });
      const reached = new Set();
      for (let k = 0; k < 80; k++) {
        await page.keyboard.press('Tab');
        const id = await page.evaluate(() => {
          const a = document.activeElement;
          return a ? (a.id || a.getAttribute('href') || a.className || a.tagName) : '';
        });
        if (id === '#main') {
          // The skip link works from the keyboard and keeps the route.
          const url = page.url();
          await page.keyboard.press('Enter');
          assert(await page.evaluate(() => document.activeElement.id === 'main'), 'skip link did not move focus to main');
          assert(page.url() === url, 'skip link changed the route');
          await page.evaluate(() => { document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex'); });
          await page.keyboard.press('Tab');
        }
        reached.add(id);
        if (id === 'submit-job') break;
      }
      for (const want of ['#main', '#/jobs', '#/submit', '#/datasets', 'upload-file', 'upload-go', 'f-dataset', 'f-name', 'f-train-epochs', 'f-train-lr', 'submit-job']) {
        assert(reached.has(want), `Tab never reached ${want}; reached ${[...reached].join(', ')}`);
      }
      // Enter on a focused nav link navigates.
      await page.focus('a[data-nav="jobs"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/jobs/);
      await page.locator('#jobs-table').waitFor();
    },
  },
];
