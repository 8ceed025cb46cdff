// submit.test.mjs -- the new-job form against the real API: a CSV upload
// with its progress, a job submitted and followed live until its network is
// drawn with both C exports downloadable, a bad spec whose API error lands
// beside the field it names, and the DR methods and defaults the form
// takes from GET /api/v1/schema.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assert, waitFor, DATA } from '../lib.mjs';

export const tests = [
  {
    name: 'upload a dataset, submit a job, watch its curve live, see its network',
    async fn({ page, base, server }) {
      await page.goto(base + '/#/submit');
      await page.getByRole('heading', { name: 'New job' }).waitFor();
      await page.setInputFiles('#upload-file', path.join(DATA, 'wine.csv'));
      await page.fill('#upload-name', 'wine');
      await page.fill('#upload-label', 'label');  // wine.csv's class column, named
      await page.click('#upload-go');
      await page.locator('#upload-msg', { hasText: 'Uploaded wine' }).waitFor();
      const msg = await page.textContent('#upload-msg');
      assert(/178 rows, 13 features, 3 classes/.test(msg), 'upload message: ' + msg);
      assert(await page.locator('#upload-progress').evaluate((e) => e.value === 1), 'progress not full');
      const chosen = await page.locator('#f-dataset').evaluate((s) => s.options[s.selectedIndex].text);
      assert(/wine/.test(chosen), 'uploaded dataset not selected: ' + chosen);

      await page.fill('#f-name', 'wine from the browser');
      await page.fill('#f-train-epochs', '6');
      await page.check('#f-scheme-A');
      await page.selectOption('#f-dr', 'none');
      await page.click('#advanced summary');
      await page.fill('#f-scann-iterations', '3');
      await page.fill('#f-scann-epochs-per-step', '2');
      await page.fill('#f-train-batch', '32');
      await page.fill('#f-train-lr', '0.01');
      await page.click('#submit-job');
      await page.waitForURL(/#\/jobs\/[^/]+$/);
      const id = decodeURIComponent(page.url().split('#/jobs/')[1]);
      const job = await server.api('GET', '/jobs/' + id);
      const spec = (job.job || job).spec || {};
      assert(spec.scheme === 'A' && spec.train.epochs === 6 && spec.dr === null && spec.label_column === 'label',
        'stored spec: ' + JSON.stringify(spec));

      // Live: the accuracy chart gains epochs while the job runs.
      const seen = new Set();
      await waitFor(async () => {
        const n = Number(await page.locator('#chart-acc').getAttribute('data-epochs') || 0);
        seen.add(n);
        const st = await page.textContent('#job-state');
        return st === 'succeeded' || st === 'failed';
      }, 60000, 'the job to finish');
      // (A tiny job may finish before the page has drawn twice: the live
      // growth itself is checked on a long job in 40-jobs.)
      assert(await page.textContent('#job-state') === 'succeeded', 'job state ' + await page.textContent('#job-state'));
      const pts = await page.locator('#chart-acc .s-acc').getAttribute('data-points');
      assert(Number(pts) >= 6, 'val acc points ' + pts);
      const log = await page.locator('#event-log li').count();
      assert(log >= Number(pts), 'event log has ' + log + ' lines');

      // The network drawing and the result.
      await page.locator('#network svg.netdraw').waitFor();
      const stats = await page.textContent('#net-stats');
      assert(/13 inputs/.test(stats) && /3 outputs/.test(stats), 'network stats: ' + stats);
      // The result: compression, and every candidate on the accuracy/params
      // scatter with its Pareto front.
      await page.locator('#synth-result').waitFor();
      assert(/×/.test(await page.textContent('#compression')), 'no compression figure');
      const sc = page.locator('#candidates-scatter');
      const npts = Number(await sc.getAttribute('data-points'));
      const nfront = Number(await sc.getAttribute('data-front'));
      assert(npts >= 2 && nfront >= 1 && nfront <= npts, `scatter: ${npts} points, ${nfront} on the front`);
      assert(await sc.locator('circle.front').count() === nfront, 'front points not highlighted');
      await page.locator('#dl-model:not([disabled])').waitFor();
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-model')]);
      assert(/model/.test(dl.suggestedFilename()), 'download name ' + dl.suggestedFilename());
      // Both C exports download as a tar holding the header and the source.
      for (const [btn, fmt] of [['#dl-model-c', 'c'], ['#dl-model-c-int8', 'c-int8']]) {
        await page.locator(btn + ':not([disabled])').waitFor();
        const [resp, cdl] = await Promise.all([
          page.waitForResponse((r) => r.url().includes('/model.c?format=' + fmt)),
          page.waitForEvent('download'),
          page.click(btn),
        ]);
        assert(resp.status() === 200, `${fmt}: status ${resp.status()}`);
        assert(/x-tar/.test(resp.headers()['content-type']), `${fmt}: ${resp.headers()['content-type']}`);
        const body = readFileSync(await cdl.path());
        const text = body.toString('latin1');
        assert(text.includes('scann_model.h') && text.includes('scann_model_predict'),
          `${fmt}: the tar (${body.length} bytes) lacks the header or the predict function: ${text.slice(0, 120)}`);
        assert(cdl.suggestedFilename().endsWith('.tar'), 'C download name ' + cdl.suggestedFilename());
      }
      await page.locator('#job-facts').scrollIntoViewIfNeeded();
    },
  },
  {
    name: 'a bad spec shows the API error beside the field it names',
    allowApiErrors: [400, 422],
    async fn({ page, base, server }) {
      const ds = await server.uploadDataset('iris.csv', 'iris');
      // From the datasets page to a form with that dataset picked.
      await page.goto(base + '/#/datasets');
      const row = page.locator('#datasets-table tbody tr', { hasText: 'iris' });
      await row.waitFor();
      assert(/150/.test(await row.textContent()), 'iris row: ' + await row.textContent());
      await row.getByRole('link', { name: 'New job on iris' }).click();
      await page.waitForURL(/#\/submit\?dataset=/);
      await page.locator('#f-dataset').waitFor();
      await waitFor(() => page.locator('#f-dataset').evaluate((s) => s.value !== ''), 5000, 'dataset preselected');
      await page.click('#advanced summary');
      await page.fill('#f-train-lr', '-0.5');
      await page.click('#submit-job');
      const err = page.locator('#f-train-lr-error');
      await err.waitFor({ state: 'visible' });
      const text = await err.textContent();
      assert(text.length > 3, 'empty field error');
      assert(await page.locator('#f-train-lr').getAttribute('aria-invalid') === 'true', 'lr not marked invalid');
      assert(await page.locator('#f-train-lr').evaluate((e) => e === document.activeElement), 'lr not focused');
      assert(/train\.lr/.test(await page.textContent('#form-error')), 'form summary does not name train.lr');
      assert(page.url().includes('#/submit'), 'left the form');

      // A second mistake, in DR ratios: the error moves there.
      await page.fill('#f-train-lr', '');
      await page.selectOption('#f-dr', 'choose');
      await page.fill('#f-dr-ratios', '2, 0');
      await page.click('#submit-job');
      await page.locator('#f-dr-ratios-error').waitFor({ state: 'visible' });
      assert(!(await page.locator('#f-train-lr-error').isVisible()), 'old error still shown');
      const list = await server.api('GET', '/jobs?limit=100');
      const jobs = list.jobs || list.items || [];
      assert(!jobs.some((j) => (j.name || '') === 'bad'), 'a bad job was stored');
    },
  },
  {
    name: 'the form offers the server\'s DR methods and shows its defaults',
    async fn({ page, base, server }) {
      const schema = await server.api('GET', '/schema');
      await page.goto(base + '/#/submit');
      await page.getByRole('heading', { name: 'New job' }).waitFor();
      const methods = await page.locator('input[name=dr-method]').evaluateAll((l) => l.map((i) => i.value));
      assert(JSON.stringify(methods) === JSON.stringify(schema.dr_methods),
        `methods ${methods} != ${schema.dr_methods}`);
      const ph = (sel) => page.locator(sel).getAttribute('placeholder');
      assert(await ph('#f-train-lr') === String(schema.defaults.train.lr), 'lr placeholder ' + await ph('#f-train-lr'));
      assert(await ph('#f-train-epochs') === String(schema.defaults.train.epochs), 'epochs placeholder');
      assert(await ph('#f-split-validation') === String(schema.defaults.split.validation), 'validation placeholder');
      assert(await ph('#f-dr-ratios') === schema.opt_in_defaults.dr.ratios.join(', '), 'ratios placeholder ' + await ph('#f-dr-ratios'));
      assert(await ph('#f-scann-pruning-fraction') === String(schema.opt_in_defaults.scann.pruning.fraction), 'pruning placeholder');
      assert(await page.locator('#f-scheme-' + schema.defaults.scheme).isChecked(), 'default scheme not checked');
      assert(await page.locator('#f-task-' + schema.defaults.task).isChecked(), 'default task not checked');
    },
  },
];
