// 05-units.test.mjs -- the dashboard's pure functions, run in node: the
// Pareto front, the study table's rows, reading the engine's model file
// (levels, depth, skip connections).  No browser, and no scannd but for
// reading a real job's JSON into the views' shape.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assert, SRCDIR, tinySpec, TERMINAL } from '../lib.mjs';

const js = (f) => import(pathToFileURL(path.join(SRCDIR, 'web/js', f)).href);

export const tests = [
  {
    name: 'units: every file of web/ and tests/browser/ is in the tarball and installed',
    server: 'none',
    async fn() {
      const mk = fs.readFileSync(path.join(SRCDIR, 'web/local.mk'), 'utf8');
      const walk = (d) => fs.readdirSync(path.join(SRCDIR, d), { withFileTypes: true }).flatMap((e) =>
        e.name === 'node_modules' ? [] : e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
      const files = [...walk('web'), ...walk('tests/browser')].filter((f) => f !== 'web/local.mk');
      const missing = files.filter((f) => !mk.includes(f));
      assert(!missing.length, 'not listed in web/local.mk: ' + missing.join(', '));
    },
  },
  {
    name: 'units: Pareto front keeps only undominated networks',
    server: 'none',
    async fn() {
      const { paretoFront } = await js('model.js');
      const pts = [
        { x: 1000, y: 0.90 }, { x: 100, y: 0.85 }, { x: 500, y: 0.95 },
        { x: 50, y: 0.80 }, { x: 600, y: 0.94 }, { x: 100, y: 0.86 }, { x: 2000, y: 0.95 },
      ];
      const f = paretoFront(pts);
      assert(JSON.stringify(f) === JSON.stringify([3, 5, 2]), 'front ' + JSON.stringify(f));
      assert(paretoFront([]).length === 0, 'empty front');
      assert(paretoFront([{ x: NaN, y: 1 }]).length === 0, 'NaN point on the front');
    },
  },
  {
    name: 'units: study rows and compression against the MLP',
    server: 'none',
    async fn() {
      const { studyRows } = await js('model.js');
      const n = (p, a) => ({ params: p, test_acc: a });
      const rows = studyRows({
        baseline: n(1000, 0.9), dr: { ha: n(500, 0.91), mc: n(250, 0.9) },
        scann: { ha: n(100, 0.92), mc: null }, 'dr+scann': { ha: n(50, 0.9), mc: n(40, 0.9) },
      });
      assert(rows.length === 7, 'rows ' + rows.length);
      assert(rows[0].label === 'MLP' && rows[0].compression === 1, 'MLP row');
      assert(rows.find((r) => r.key === 'dr-mc').compression === 4, 'DR M.C. compression');
      assert(rows.find((r) => r.key === 'scann-mc').net === null, 'missing M.C. not null');
      assert(rows.find((r) => r.key === 'dr+scann-mc').compression === 25, 'DR+SCANN M.C. compression');
    },
  },
  {
    name: 'units: M.C. at target rows, the target status and the Pareto list',
    server: 'none',
    async fn() {
      const { studyRows, targetStatus, paretoRows } = await js('model.js');
      const n = (p, a) => ({ params: p, test_acc: a, val_acc: a });
      const rows = studyRows({
        baseline: n(1000, 0.9), dr: { ha: n(500, 0.91), mc: n(250, 0.9), mc_target: null },
        scann: { ha: n(100, 0.92), mc: n(80, 0.9), mc_target: n(50, 0.89) }, 'dr+scann': { ha: n(50, 0.9), mc: n(40, 0.9), mc_target: n(40, 0.9) },
      });
      assert(rows.length === 10, 'rows ' + rows.length);
      const mct = rows.find((r) => r.key === 'scann-mct');
      assert(mct.pick === 'M.C. at target' && mct.compression === 20, 'SCANN M.C. at target');
      assert(rows.find((r) => r.key === 'dr-mct').net === null, 'missing M.C. at target not null');
      assert(targetStatus({ best: n(1, 1) }) === null, 'status for a result without target_met');
      const t = targetStatus({ target_met: false, target: { val_acc: 0.8, majority_val_acc: 0.3 }, baseline: n(1000, 0.85), best: n(10, 0.5) });
      assert(t.met === false && t.target === 0.8 && t.majority === 0.3 && t.baseline === 0.85 && t.best === 0.5, 'status ' + JSON.stringify(t));
      assert(paretoRows({}).length === 0, 'pareto of a result without one');
      const p = paretoRows({ pareto: [n(30, 0.9), n(10, 0.5), null] });
      assert(p.length === 2 && p[0].params === 10, 'pareto rows ' + JSON.stringify(p));
    },
  },
  {
    name: 'units: the engine\'s model file read into levels and skip connections',
    server: 'none',
    async fn() {
      const { normalizeModel } = await js('netdraw.js');
      // 2 inputs, hidden h0 <- in0, h1 <- h0 + in1, h2 <- h1 + in0 (a skip
      // over two levels); outputs from h2 and, skipping, from h0.
      const m = normalizeModel({
        format: 'scann-model', classes: ['a', 'b'],
        network: {
          inputs: 2, hidden: 3, outputs: 2,
          connections: [[0, 0, 0.5], [1, 2, 0.1], [1, 1, -0.3], [2, 3, 0.2], [2, 0, 0.4], [3, 4, 1], [4, 2, -1]],
        },
      });
      const lv = (id) => m.level.get(id);
      assert(lv('h:0') === 1 && lv('h:1') === 2 && lv('h:2') === 3, 'levels ' + JSON.stringify([...m.level]));
      assert(m.depth === 3 && lv('out:0') === 4 && lv('out:1') === 4, 'depth ' + m.depth);
      const skips = m.conns.filter((c) => m.level.get(c.to) - m.level.get(c.from) > 1).length;
      assert(skips === 3, 'skip connections ' + skips);
      assert(m.classes.join() === 'a,b', 'classes');
    },
  },
  {
    name: 'units: a model with a convolutional front reads into its layers, shapes and kept weights',
    server: 'none',
    async fn() {
      const { normalizeModel, drawNetwork, frontLayerName } = await js('netdraw.js');
      // 1x6x6 image, conv 2@3x3 (18 weights, 2 biases; 5 weights pruned),
      // pool: 2 maps of 2x2, 8 features into 8 inputs.
      const mask = '110110110001111111' + '11';   // 13 of 18 weights, 2 biases
      const m = normalizeModel({
        network: {
          inputs: 8, hidden: 0, outputs: 2, connections: [[0, 0, 1], [1, 7, -1]],
          front: {
            input: [1, 6, 6], layers: [{ type: 'conv', maps: 2, kernel: 3 }, { type: 'pool' }],
            params: Array(20).fill(0.1), mask,
          },
        },
      });
      const f = m.front;
      assert(f && f.layers.length === 2, 'front ' + JSON.stringify(f));
      assert(f.layers[0].weights === 18 && f.layers[0].active === 13, 'kept weights ' + JSON.stringify(f.layers[0]));
      assert(f.layers[0].shape.join() === '2,4,4' && f.layers[1].shape.join() === '2,2,2', 'shapes');
      assert(f.features === 8, 'features ' + f.features);
      assert(frontLayerName(f.layers[0]) === 'conv 2@3×3 (13 of 18 weights)', frontLayerName(f.layers[0]));
      // A model without a front has none.
      assert(normalizeModel({ network: { inputs: 1, hidden: 0, outputs: 2, connections: [] } }).front === null, 'no front');
      assert(typeof drawNetwork === 'function', 'drawNetwork');
    },
  },
  {
    name: 'units: a job as the API sends it reads into every field the views draw',
    async fn({ server }) {
      const { jobView } = await js('model.js');
      const ds = (await server.uploadDataset('iris.csv', 'iris')).id;
      const sub = await server.submit({ ...tinySpec(ds), name: 'read me' });
      await server.waitJob(sub.id, (x) => TERMINAL.has(x.state), 60000);
      const full = await server.api('GET', '/jobs/' + sub.id);
      const entry = (await server.api('GET', '/jobs?limit=1')).jobs[0];
      // The fields jobView reads are the ones api/views.c sends.
      for (const k of ['id', 'name', 'dataset', 'state', 'progress', 'stage', 'best_val_acc', 'latest',
        'owner', 'created_at', 'started_at', 'finished_at', 'error']) {
        assert(k in full && k in entry, 'the API sends no ' + k);
      }
      assert('spec' in full && 'result' in full && !('spec' in entry), 'spec in the full job only');
      const v = jobView(full);
      assert(v.id === String(sub.id) && v.name === 'read me' && v.dataset === ds, 'id/name/dataset ' + JSON.stringify(v));
      assert(v.state === 'succeeded' && v.progress === 1, `state ${v.state}, progress ${v.progress}`);
      assert(v.owner === 'local' && v.created && v.started && v.finished, 'owner and times ' + JSON.stringify(v));
      assert(v.task === 'synthesize' && v.scheme === 'B', `task ${v.task}, scheme ${v.scheme}`);
      assert(typeof v.bestValAcc === 'number', 'best val. acc. ' + v.bestValAcc);
      const e = jobView(entry);
      assert(e.id === v.id && e.task === null && e.scheme === null, 'list entry ' + JSON.stringify(e));
      assert(v.runner === 'local' && e.runner === null, `runner ${v.runner} / ${e.runner}`);
    },
  },
  {
    name: 'units: a Slurm job shows its Slurm id and, while pending, the reason',
    server: 'none',
    async fn() {
      const { runnerText } = await js('model.js');
      assert(runnerText(null) === null && runnerText(undefined) === null, 'no runner yet');
      assert(runnerText({ kind: 'local' }) === 'local', 'local');
      assert(runnerText({ kind: 'slurm', job_id: '123' }) === 'Slurm job 123', 'slurm id');
      assert(runnerText({ kind: 'slurm', job_id: '123', note: 'PENDING (Resources)' }) ===
        'Slurm job 123 · PENDING (Resources)', 'slurm pending');
      assert(runnerText({ kind: 'slurm' }) === 'Slurm (submitting)', 'slurm before sbatch answered');
    },
  },
];
