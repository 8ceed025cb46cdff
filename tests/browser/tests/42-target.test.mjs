// target.test.mjs -- the job page says honestly whether a synthesize job met
// its validation target: a job that cannot meet it (satellite with a
// one-neuron SCANN network) shows a warning and no plain-success
// compression; one that meets it (tiny iris) says so and shows no warning.
// Both list the result's Pareto networks.  A result from an older engine
// (no target_met) shows neither note.

import { assert, tinySpec, TERMINAL } from '../lib.mjs';

const pct = (x) => (Number(x) * 100).toFixed(1) + '%';

async function finished(server, spec) {
  const j = await server.submit(spec);
  const done = await server.waitJob(j.id, (x) => TERMINAL.has(x.state), 60000);
  assert(done.state === 'succeeded', `job ${spec.name} ended ${done.state} ${JSON.stringify(done.error || '')}`);
  return done;
}

export const tests = [
  {
    name: 'a job that missed its target shows a warning, not a plain compression',
    async fn({ page, base, server }) {
      const sat = await server.uploadDataset('satellite.csv', 'satellite-target');
      // One hidden neuron cannot come near the 32-neuron baseline.
      const done = await finished(server, {
        name: 'cannot meet', dataset: sat.id, split: { test_last: 2000 }, scheme: 'A',
        baseline: { hidden: [32] },
        scann: { initial_hidden: 1, max_hidden: 1, epochs_per_step: 1 },
        train: { epochs: 8, lr: 0.01 },
      });
      const r = done.result || {};
      assert(typeof r.target_met === 'boolean', 'the result has no target_met: ' + JSON.stringify(r).slice(0, 300));
      assert(r.target_met === false, 'the spec met its target after all: ' + JSON.stringify(r.target));
      await page.goto(base + '/#/jobs/' + done.id);
      await page.locator('#synth-result').waitFor({ timeout: 15000 });

      // The warning: an alert, near the result, naming the target and the baseline.
      const warn = page.locator('#result [role="alert"]#target-warning');
      await warn.waitFor({ timeout: 10000 });
      const text = (await warn.textContent()).replace(/\s+/g, ' ');
      assert(/^Target not met: no network kept validation accuracy ≥ /.test(text), 'warning text: ' + text);
      assert(text.includes('≥ ' + pct(r.target.val_acc)), `warning lacks the target ${pct(r.target.val_acc)}: ${text}`);
      assert(text.includes('MLP baseline ' + pct(r.baseline.val_acc)), 'warning lacks the baseline: ' + text);
      assert(/showing the most accurate network instead/.test(text), 'warning text: ' + text);
      assert(await page.locator('#target-met').count() === 0, '"Target met" shown for a missed target');
      // It sits above the compression figure, inside the result.
      const above = await page.evaluate(() => {
        const w = document.getElementById('target-warning');
        const c = document.getElementById('compression');
        return !!(w && c && (w.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING));
      });
      assert(above, 'the warning is not before the compression');

      // The compression is flagged, not shown as a plain success.
      const line = page.locator('#compression-line');
      assert(/\bmissed\b/.test(await line.getAttribute('class')), 'compression line not styled as missed');
      const flag = page.locator('#compression-line #compression-flag');
      assert(await flag.isVisible(), 'no flag beside the compression');
      assert(/target not met/.test(await flag.textContent()), 'flag: ' + await flag.textContent());
      const colour = await page.locator('#compression').evaluate((e) => getComputedStyle(e).color);
      assert(colour === 'rgb(154, 103, 0)', 'compression colour ' + colour + ' (not the warning colour)');
      const labels = await page.locator('#synth-result tbody th').allTextContents();
      assert(labels.includes('Most accurate (target not met)') && !labels.includes('SCANN best'),
        'table rows: ' + labels.join(' | '));

      // The Pareto list: one row per network of the result, none meeting the target.
      const rows = page.locator('#pareto-table tbody tr');
      assert(await rows.count() === r.pareto.length, `pareto rows ${await rows.count()} for ${r.pareto.length} networks`);
      const first = r.pareto[0];
      const cells = await rows.first().locator('td').allTextContents();
      assert(cells[0] === first.params.toLocaleString('en-US') && cells[1] === (first.val_acc * 100).toFixed(2) + '%' &&
        cells[2] === (first.test_acc * 100).toFixed(2) + '%', 'pareto row: ' + cells.join(' | '));
      const meets = await rows.evaluateAll((rs) => rs.map((x) => x.dataset.meets));
      assert(meets.every((m) => m === 'false'), 'a pareto row meets the missed target: ' + meets.join(','));

      // The engine's warning is marked in the event log.
      await page.locator('#event-log li.lvl-warning', { hasText: 'no candidate met the target' }).waitFor();
      await page.locator('#result-card').scrollIntoViewIfNeeded();
    },
  },
  {
    name: 'a job that met its target says so and shows no warning',
    async fn({ page, base, server }) {
      const iris = await server.uploadDataset('iris.csv', 'iris-target');
      const done = await finished(server, { ...tinySpec(iris.id), name: 'meets' });
      const r = done.result || {};
      assert(typeof r.target_met === 'boolean', 'the result has no target_met: ' + JSON.stringify(r).slice(0, 300));
      assert(r.target_met === true, 'tiny iris missed its target: ' + JSON.stringify(r.target) + ' best ' + JSON.stringify(r.best));
      await page.goto(base + '/#/jobs/' + done.id);
      await page.locator('#synth-result').waitFor({ timeout: 15000 });
      const ok = page.locator('#result #target-met');
      await ok.waitFor({ timeout: 10000 });
      const text = (await ok.textContent()).replace(/\s+/g, ' ');
      assert(text.startsWith('Target met: validation accuracy ≥ ' + pct(r.target.val_acc)), 'note: ' + text);
      assert(await page.locator('#target-warning, #result [role="alert"]').count() === 0, 'a warning for a met target');
      assert(!/\bmissed\b/.test(await page.locator('#compression-line').getAttribute('class')), 'compression styled as missed');
      assert(await page.locator('#compression-flag').count() === 0, 'compression flagged for a met target');
      assert((await page.locator('#synth-result tbody th').allTextContents()).includes('SCANN best'), 'no SCANN best row');
      const rows = await page.locator('#pareto-table tbody tr').count();
      assert(rows === r.pareto.length && rows >= 1, `pareto rows ${rows} for ${r.pareto.length} networks`);
      const meets = await page.locator('#pareto-table tbody tr').evaluateAll((rs) => rs.map((x) => x.dataset.meets));
      assert(meets.includes('true'), 'no pareto row meets the met target: ' + meets.join(','));
    },
  },
  {
    name: 'a result without target_met shows neither note',
    async fn({ page, base }) {
      // An older engine's result, drawn by the page's own module.
      await page.goto(base + '/#/jobs');
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      const got = await page.evaluate(async () => {
        const { renderSynthResult } = await import('/js/views/study.js');
        const n = (p, a) => ({ params: p, test_acc: a, val_acc: a, hidden: 4, depth: 1, dr: null });
        const div = renderSynthResult({ baseline: n(1000, 0.9), best: n(100, 0.9), compression: 10 });
        document.querySelector('main').append(div);
        const out = {
          notes: div.querySelectorAll('#target-warning, #target-met, [role="alert"]').length,
          cls: div.querySelector('#compression-line').className,
          flag: !!div.querySelector('#compression-flag'),
          pareto: !!div.querySelector('#pareto-table'),
        };
        div.remove();
        return out;
      });
      assert(got.notes === 0 && got.cls === 'big' && !got.flag && !got.pareto, 'older result: ' + JSON.stringify(got));
    },
  },
];
