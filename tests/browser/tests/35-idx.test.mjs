// idx.test.mjs -- an IDX dataset (the MNIST format) uploaded from the
// datasets page: four files as multipart, the missing ones named first.

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
];
