// idx.test.mjs -- an IDX dataset (the MNIST format) uploaded from the
// datasets page: four files as multipart, the missing ones named first;
// then a job with a convolutional front on it (issue 13), whose network
// drawing shows the front left of the inputs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert } from '../lib.mjs';

// n 2x2 images (alternating two patterns) and their labels, as IDX files.
function idxFiles(dir, set, n) {
  const img = Buffer.alloc(16 + 4 * n);
  img.writeUInt32BE(0x803, 0); img.writeUInt32BE(n, 4);
  img.writeUInt32BE(2, 8); img.writeUInt32BE(2, 12);
  const lab = Buffer.alloc(8 + n);
  lab.writeUInt32BE(0x801, 0); lab.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    Buffer.from(c ? [255, 255, 0, 0] : [0, 0, 255, 255]).copy(img, 16 + 4 * i);
    lab[8 + i] = c;
  }
  fs.writeFileSync(path.join(dir, `${set}-images`), img);
  fs.writeFileSync(path.join(dir, `${set}-labels`), lab);
}

export const tests = [
  {
    name: 'upload an IDX dataset as four files',
    async fn({ page, base }) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scann-idx-'));
      idxFiles(dir, 'train', 20);
      idxFiles(dir, 't10k', 6);
      await page.goto(base + '/#/datasets');
      await page.getByRole('heading', { name: 'Datasets' }).waitFor();
      await page.click('#ds-upload-idx summary');
      await page.fill('#ds-upload-name', 'tiny-idx');
      await page.setInputFiles('#ds-upload-idx-train-images', path.join(dir, 'train-images'));
      await page.click('#ds-upload-idx-go');
      await page.locator('#ds-upload-msg', { hasText: 'missing: train-labels, t10k-images, t10k-labels' }).waitFor();
      for (const p of ['train-labels', 't10k-images', 't10k-labels'])
        await page.setInputFiles(`#ds-upload-idx-${p}`, path.join(dir, p));
      await page.click('#ds-upload-idx-go');
      await page.locator('#ds-upload-msg', { hasText: 'Uploaded tiny-idx' }).waitFor();
      const msg = await page.textContent('#ds-upload-msg');
      assert(/26 rows, 4 features, 2 classes/.test(msg), 'upload message: ' + msg);
      await page.locator('#datasets-table tbody tr', { hasText: 'tiny-idx' }).waitFor();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'a job with a convolutional front: its drawing shows the front',
    async fn({ page, base, server }) {
      // the images the test above uploaded, 2x2: conv 2@2x2 leaves 2 features
      const ds = (await server.api('GET', '/datasets')).datasets.find((d) => d.name === 'tiny-idx');
      assert(ds, 'the tiny-idx dataset of the test above');
      const sub = await server.submit({
        name: 'front', dataset: ds.id, scheme: 'C', dr: null,
        front: { layers: [{ type: 'conv', maps: 2, kernel: 2 }, { type: 'relu' }] },
        baseline: { hidden: [4] }, split: { validation: 0.25 },
        scann: { search: 'recipe', iterations: 1, epochs_per_step: 1, initial_prune: 0.5, pruning: { fraction: 0.5 } },
        train: { epochs: 3, batch: 4, lr: 0.01 },
      });
      const j = await server.waitJob(sub.id, (x) => ['succeeded', 'failed', 'cancelled'].includes(x.state), 60000);
      assert(j.state === 'succeeded', 'front job ' + j.state + ' ' + JSON.stringify(j.error));
      await page.goto(base + '/#/jobs/' + sub.id);
      await page.locator('#network svg.netdraw g.front').waitFor();
      // the image, the conv and the relu, each a box
      const boxes = await page.locator('#network svg.netdraw g.front rect').count();
      assert(boxes === 3, 'front boxes ' + boxes);
      const stats = await page.textContent('#net-stats');
      assert(/Front: 1×2×2 image → conv 2@2×2 .* → relu → 2 features/.test(stats), 'network stats: ' + stats);
      assert(/2 inputs/.test(stats), 'the front\'s features are the inputs: ' + stats);
    },
  },
];
