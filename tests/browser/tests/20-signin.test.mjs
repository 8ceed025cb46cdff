// signin.test.mjs -- a scannd with tokens: the dashboard asks for one, says
// so when it is wrong, keeps the right one for the tab only, names the
// signed-in user, and shows only that user's jobs.

import { assert, tinySpec } from '../lib.mjs';

export const tests = [
  {
    name: 'sign in by pasting an API token',
    server: 'tokens',
    allowApiErrors: [401],
    async fn({ page, server, ctx }) {
      const tok = server.tokens.alice;
      assert(tok && tok.length >= 16, 'token add printed no token');
      // A job of alice's and one of root's: alice must see only hers.
      const ds = await server.uploadDataset('iris.csv', 'iris', tok);
      await server.submit({ ...tinySpec(ds.id), name: 'alice-job', train: { epochs: 1 } }, tok);
      await server.submit({ ...tinySpec(ds.id), name: 'root-job', train: { epochs: 1 } }, server.tokens.root);

      await page.goto(server.base + '/');
      await page.locator('#token').waitFor();
      assert(await page.locator('#token').evaluate((e) => e === document.activeElement), 'token field not focused');
      await page.fill('#token', 'not-a-token');
      await page.keyboard.press('Enter');
      await page.getByText('That token was not accepted.').waitFor();

      await page.fill('#token', tok);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('#jobs-table tbody tr').first().waitFor();
      await page.getByText('alice-job').waitFor();
      assert(!(await page.getByText('root-job').count()), 'alice sees root\'s job');
      const kept = await page.evaluate(() => sessionStorage.getItem('scann.token'));
      assert(kept === tok, 'token not in sessionStorage');
      assert(await page.locator('#sign-out').isVisible(), 'no sign-out button');
      // The header names the token's user (GET /api/v1/me).
      await page.locator('#who-name', { hasText: 'Signed in as alice' }).waitFor();
      assert(!/admin/.test(await page.locator('#who-name').textContent()), 'alice shown as admin');

      // The job page streams its events and fetches artifacts with the token.
      await page.getByRole('link', { name: 'alice-job' }).click();
      await page.locator('#job-state', { hasText: 'succeeded' }).waitFor({ timeout: 30000 });
      await page.locator('#event-log li[data-type="epoch"]').first().waitFor();
      await page.locator('#network svg.netdraw').waitFor();
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-report')]);
      assert(/report/.test(dl.suggestedFilename()), 'report download ' + dl.suggestedFilename());
      await page.goto(server.base + '/#/jobs');
      await page.getByText('alice-job').waitFor();

      // A new tab of the same browser session does not inherit it (sessionStorage).
      const other = await ctx.newPage();
      await other.goto(server.base + '/');
      await other.locator('#token').waitFor();
      await other.close();

      // Reload keeps the session; sign-out forgets it.
      await page.reload();
      await page.getByText('alice-job').waitFor();
      await page.click('#sign-out');
      await page.locator('#token').waitFor();
      assert(!(await page.evaluate(() => sessionStorage.getItem('scann.token'))), 'token kept after sign-out');
    },
  },
];
