// 45-restart.test.mjs -- a job page left open while scannd is killed with
// SIGKILL and started again: the page reconnects its event stream with
// Last-Event-ID and carries on, with no event shown twice.

import { assert, waitFor, tinySpec, Scannd } from '../lib.mjs';

export const tests = [
  {
    name: 'an open job page carries on across a scannd crash and restart',
    allowNetworkErrors: true,  // the API is down for a moment, on purpose
    async fn({ page }) {
      const s = new Scannd();
      await s.start({ label: 'restart', workers: 1 });
      try {
        const sat = await s.uploadDataset('satellite.csv', 'satellite');
        const j = await s.submit({ ...tinySpec(sat.id), name: 'survivor', scheme: 'A',
          baseline: { hidden: [64] }, train: { epochs: 100000, batch: 8, lr: 0.001 } });
        await s.waitJob(j.id, (x) => x.state === 'running', 30000);
        await page.goto(s.base + '/#/jobs/' + j.id);
        const epochsNow = async () => Number(await page.locator('#chart-acc').getAttribute('data-epochs') || 0);
        await waitFor(async () => (await epochsNow()) >= 10, 30000, 'ten epochs before the crash');

        await s.crashAndRestart();
        const before = await epochsNow();
        await waitFor(async () => (await epochsNow()) >= before + 20, 40000,
          `the page to show new epochs after the restart (had ${before})`);
        const seqs = await page.locator('#event-log li').evaluateAll((ls) => ls.map((l) => Number(l.dataset.seq)));
        for (let k = 1; k < seqs.length; k++) {
          assert(seqs[k] > seqs[k - 1], `event log not strictly increasing at ${k}: ${seqs.slice(Math.max(0, k - 3), k + 2)}`);
        }
        const st = await page.textContent('#job-state');
        assert(st === 'running' || st === 'queued', 'state after restart: ' + st);
        await s.api('POST', `/jobs/${j.id}/cancel`);
        await page.locator('#job-state', { hasText: 'cancelled' }).waitFor({ timeout: 20000 });
      } finally {
        const w = await s.stop();
        if (w) console.log('# warning: ' + w.split('\n').join('\n# '));
      }
    },
  },
];
