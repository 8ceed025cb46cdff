// netdraw.js -- a drawing of a synthesized network, from the model artifact
// (GET /api/v1/jobs/{id}/model).
//
// SCANN's networks are general feed-forward graphs: hidden neurons are
// ordered, any neuron may feed any later one, and depth is the longest path.
// The drawing puts inputs in column 0, each hidden neuron in the column of
// its level (longest path from the inputs, recomputed here if the model does
// not carry it), outputs in the last column; a connection that skips one or
// more levels is drawn as a curve in a distinct colour.  Large networks are
// thinned for drawing (at most MAX_SHOW neurons per column, and the
// connections among those); the counts shown are always the full ones.
//
// normalizeModel() reads the engine's model file (worker/model.h):
//   {"format": "scann-model", "classes": [...], "network": {"inputs": I,
//    "hidden": H, "outputs": O, "connections": [[target, source, w], ...]}}
// where sources are inputs 0..I-1 then hidden I+h, and targets are hidden
// h then outputs H+o.  A network with a convolutional front also has
// "front": {"input": [c, h, w], "layers": [{"type": "conv", "maps", "kernel"}
// | {"type": "pool"} | {"type": "relu"}], "params": [...], "mask": "1101..."}
// (every conv layer's weights then its biases, '0' a pruned kernel weight);
// its output features are the inputs.  readFront() turns it into one box
// per layer, which drawNetwork() draws left of the inputs.  It also takes two simpler layouts (for other
// producers and hand-written files):
//   {inputs, outputs, neurons: [{id, level?}], connections: [{from, to, w}]}
//   {layers: [{units|size}...]} (a plain MLP).

import { svg } from './util.js';

const MAX_SHOW = 24;     // neurons drawn per level
const MAX_EDGES = 1500;  // connections drawn

function num(x, d = 0) { const n = Number(x); return Number.isFinite(n) ? n : d; }

export function normalizeModel(m) {
  if (!m || typeof m !== 'object') return null;
  const net = m.network || m.net || m.model || m;
  if (typeof net.hidden === 'number' && Array.isArray(net.connections)) {
    // The engine's layout: [target, source, weight] triples.
    const I = num(net.inputs); const H = num(net.hidden); const O = num(net.outputs);
    const hid = Array.from({ length: H }, (_, h) => ({ id: 'h:' + h }));
    const cs = net.connections.map(([t, s, w]) => ({
      from: s < I ? 'in:' + s : 'h:' + (s - I),
      to: t < H ? 'h:' + t : 'out:' + (t - H),
      w,
    }));
    const out = finish(I, O, hid, cs);
    out.classes = Array.isArray(m.classes) ? m.classes : null;
    out.front = readFront(net.front);
    return out;
  }
  const nIn = num(net.inputs?.length ?? net.inputs ?? net.n_inputs ?? net.features);
  const nOut = num(net.outputs?.length ?? net.outputs ?? net.n_outputs ?? net.classes);
  let hidden = net.neurons || net.hidden_neurons || (Array.isArray(net.hidden) ? net.hidden : null);
  let conns = net.connections || net.edges || net.synapses || null;

  if ((!hidden || !conns) && Array.isArray(net.layers)) {
    // A plain MLP given layer by layer: fully connect adjacent layers.
    const sizes = net.layers.map((l) => num(typeof l === 'number' ? l : l.units ?? l.size ?? l.out));
    const hid = sizes.slice(0, -1);
    hidden = [];
    conns = [];
    let prev = Array.from({ length: nIn }, (_, k) => 'in:' + k);
    hid.forEach((n, li) => {
      const cur = Array.from({ length: n }, (_, k) => 'h:' + (hidden.length + k));
      for (let k = 0; k < n; k++) hidden.push({ id: cur[k], level: li + 1 });
      for (const a of prev) for (const b of cur) conns.push({ from: a, to: b });
      prev = cur;
    });
    const outs = Array.from({ length: sizes[sizes.length - 1] || nOut }, (_, k) => 'out:' + k);
    for (const a of prev) for (const b of outs) conns.push({ from: a, to: b });
    return finish(nIn, outs.length, hidden, conns);
  }
  if (!hidden || !conns) return null;

  // Integer ids: inputs first, then hidden, then outputs (the engine's order).
  const hid = hidden.map((h, k) => ({ id: key(h.id ?? h.index ?? k, 'h', nIn, hidden.length), level: h.level }));
  const cs = conns.map((c) => {
    const a = Array.isArray(c) ? c : [c.from ?? c.src ?? c.source, c.to ?? c.dst ?? c.target, c.w ?? c.weight];
    return { from: key(a[0], 'any', nIn, hidden.length), to: key(a[1], 'any', nIn, hidden.length), w: a[2] };
  });
  return finish(nIn, nOut, hid, cs);
}

// The front's layers with their output shapes and, for a convolution, its
// kernel weights kept of all (pruned ones count out); null without a front.
export function readFront(f) {
  if (!f || !Array.isArray(f.layers) || !Array.isArray(f.input)) return null;
  let [c, h, w] = f.input.map((x) => num(x));
  const mask = typeof f.mask === 'string' ? f.mask : '';
  let off = 0;
  const layers = f.layers.map((l) => {
    const out = { type: String(l.type) };
    if (l.type === 'conv') {
      const maps = num(l.maps); const k = num(l.kernel);
      const n = maps * c * k * k;
      out.maps = maps; out.kernel = k; out.weights = n;
      out.active = mask ? [...mask.slice(off, off + n)].filter((x) => x === '1').length : n;
      off += n + maps;                 // the weights, then one bias per map
      c = maps; h = h - k + 1; w = w - k + 1;
    } else if (l.type === 'pool') {
      h = Math.floor(h / 2); w = Math.floor(w / 2);
    }
    out.shape = [c, h, w];
    return out;
  });
  return { input: f.input.map((x) => num(x)), layers, features: c * h * w };
}

// "conv 20@5×5 (412 of 500 weights)", "pool 2×2", "relu".
export function frontLayerName(l) {
  if (l.type === 'conv') {
    const kept = l.active < l.weights ? ` (${l.active} of ${l.weights} weights)` : ` (${l.weights} weights)`;
    return `conv ${l.maps}@${l.kernel}×${l.kernel}${kept}`;
  }
  return l.type === 'pool' ? 'max-pool 2×2' : l.type;
}

function key(id, kind, nIn, nHid) {
  if (typeof id === 'string' && /^(in|h|out):\d+$/.test(id)) return id;
  if (typeof id === 'string' && /^[ixho]\d+$/.test(id)) {
    return ({ i: 'in:', x: 'in:', h: 'h:', o: 'out:' })[id[0]] + id.slice(1);
  }
  const n = num(id, -1);
  if (kind === 'h') return 'h:' + n;
  if (n < nIn) return 'in:' + n;
  if (n < nIn + nHid) return 'h:' + (n - nIn);
  return 'out:' + (n - nIn - nHid);
}

function finish(nIn, nOut, hidden, conns) {
  // Levels: longest path from the inputs, hidden neurons in their order.
  const lvl = new Map();
  for (let k = 0; k < nIn; k++) lvl.set('in:' + k, 0);
  const incoming = new Map();
  for (const c of conns) {
    if (!incoming.has(c.to)) incoming.set(c.to, []);
    incoming.get(c.to).push(c.from);
  }
  const order = hidden.map((h) => h.id).sort((a, b) => num(a.slice(2)) - num(b.slice(2)));
  const given = new Map(hidden.filter((h) => Number.isFinite(h.level)).map((h) => [h.id, h.level]));
  for (const id of order) {
    if (given.has(id)) { lvl.set(id, given.get(id)); continue; }
    let l = 1;
    for (const src of incoming.get(id) || []) l = Math.max(l, (lvl.get(src) ?? 0) + 1);
    lvl.set(id, l);
  }
  const depth = Math.max(0, ...order.map((id) => lvl.get(id)));
  for (let k = 0; k < nOut; k++) lvl.set('out:' + k, depth + 1);
  return { nIn, nOut, hidden: order, conns, level: lvl, depth };
}

// Draw a normalized model about `width` px wide (wider, with a scroll bar,
// when the network has more levels than fit).  Returns {svg, stats}.
export function drawNetwork(net, label, width = 720) {
  const cols = [];
  const byLevel = new Map();
  for (const [id, l] of net.level) {
    if (!byLevel.has(l)) byLevel.set(l, []);
    byLevel.get(l).push(id);
  }
  const nCols = net.depth + 2;
  for (let l = 0; l < nCols; l++) cols.push(byLevel.get(l) || []);
  // The front, when there is one: a box per layer (and the image) left of
  // the inputs, FRONT_BOX wide each.
  const front = net.front ? [{ type: 'image', shape: net.front.input }, ...net.front.layers] : [];
  const FRONT_BOX = 118;
  const frontW = front.length * FRONT_BOX;
  const gap = Math.min(140, Math.max(34, (width - 60 - frontW) / Math.max(1, nCols - 1)));
  const W = Math.max(width, 60 + frontW + gap * (nCols - 1));
  const x0 = frontW + (W - frontW - gap * (nCols - 1)) / 2;
  const colX = (l) => x0 + l * gap;
  const tallest = Math.min(MAX_SHOW, Math.max(...cols.map((c) => c.length), 1));
  const TOP = 64;                      // room for the skip connections' arcs
  const body = Math.max(160, Math.min(420, tallest * 16));
  const H = TOP + body + 34;
  const pos = new Map();
  const shown = new Set();
  cols.forEach((ids, l) => {
    const vis = ids.length > MAX_SHOW ? thin(ids, MAX_SHOW) : ids;
    vis.forEach((id, k) => {
      pos.set(id, [colX(l), TOP + ((k + 0.5) * body) / vis.length]);
      shown.add(id);
    });
  });
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'netdraw', role: 'img', 'aria-label': label,
  }, [svg('title', { text: label })]);

  let skips = 0;
  const drawable = [];
  for (const c of net.conns) {
    const la = net.level.get(c.from); const lb = net.level.get(c.to);
    const skip = lb - la > 1;
    if (skip) skips++;
    if (shown.has(c.from) && shown.has(c.to)) drawable.push({ c, skip, span: lb - la });
  }
  // A dense drawing is a blot: keep the strongest connections, and fade
  // every line more the more there are.
  if (drawable.length > MAX_EDGES) {
    drawable.sort((a, b) => Math.abs(Number(b.c.w) || 0) - Math.abs(Number(a.c.w) || 0));
    drawable.length = MAX_EDGES;
  }
  const opacity = Math.max(0.12, Math.min(0.75, 8 / Math.sqrt(drawable.length || 1)));
  const edges = svg('g', { class: 'edges', 'stroke-opacity': opacity.toFixed(2) });
  for (const { c, skip, span } of drawable) {
    const [x1, y1] = pos.get(c.from); const [x2, y2] = pos.get(c.to);
    const cls = 'edge' + (skip ? ' skip' : '') + (Number(c.w) < 0 ? ' neg' : '');
    if (skip) {
      const my = Math.max(4, Math.min(y1, y2) - Math.min(TOP - 8, 14 + 4 * span));
      edges.append(svg('path', { d: `M${x1} ${y1} Q${(x1 + x2) / 2} ${my} ${x2} ${y2}`, class: cls }));
    } else {
      edges.append(svg('line', { x1, y1, x2, y2, class: cls }));
    }
  }
  root.append(edges);
  const nodes = svg('g', { class: 'nodes' });
  for (const id of shown) {
    const [x, y] = pos.get(id);
    const [kind, k] = id.split(':');
    const name = kind === 'in' ? `input ${k}` : kind === 'out' ? `output ${k}${net.classes && net.classes[k] !== undefined ? ' (' + net.classes[k] + ')' : ''}` : `hidden neuron ${k}, level ${net.level.get(id)}`;
    nodes.append(svg('circle', { cx: x, cy: y, r: kind === 'h' ? 5 : 4, class: 'node ' + kind },
      [svg('title', { text: name })]));
  }
  root.append(nodes);
  const labels = svg('g', { class: 'col-labels' });
  const roomy = gap >= 80;
  cols.forEach((ids, l) => {
    const name = l === 0 ? 'in' : l === nCols - 1 ? 'out' : String(l);
    const long = l === 0 ? 'inputs' : l === nCols - 1 ? 'outputs' : 'level ' + l;
    labels.append(svg('text', { x: colX(l), y: H - 10, class: 'tick middle' }, [
      svg('title', { text: `${long}: ${ids.length} neuron${ids.length === 1 ? '' : 's'}` }),
      roomy ? `${long} (${ids.length})` : name,
    ]));
  });
  root.append(labels);
  if (front.length) {
    const g = svg('g', { class: 'front' });
    const bh = 64; const y = TOP + body / 2 - bh / 2;
    front.forEach((l, i) => {
      const x = 8 + i * FRONT_BOX;
      const name = l.type === 'image' ? 'image' : frontLayerName(l);
      const dims = `${l.shape[0]}×${l.shape[1]}×${l.shape[2]}`;
      const title = l.type === 'image' ? `input image ${dims}` : `${name}: out ${dims}`;
      g.append(svg('rect', { x, y, width: FRONT_BOX - 22, height: bh, rx: 4, class: 'front-layer ' + l.type },
        [svg('title', { text: title })]));
      g.append(svg('text', { x: x + (FRONT_BOX - 22) / 2, y: y + 24, class: 'tick middle' },
        [l.type === 'conv' ? `conv ${l.maps}@${l.kernel}×${l.kernel}` : l.type === 'pool' ? 'pool 2×2' : l.type]));
      g.append(svg('text', { x: x + (FRONT_BOX - 22) / 2, y: y + 42, class: 'tick middle' }, [dims]));
      if (l.type === 'conv' && l.active < l.weights)
        g.append(svg('text', { x: x + (FRONT_BOX - 22) / 2, y: y + 58, class: 'tick middle' }, [`${l.active}/${l.weights}`]));
      const ax = x + FRONT_BOX - 20; const bx = i + 1 < front.length ? x + FRONT_BOX : colX(0) - 8;
      g.append(svg('line', { x1: ax, y1: y + bh / 2, x2: bx - 2, y2: y + bh / 2, class: 'front-arrow' }));
    });
    root.append(g);
  }
  return {
    svg: root,
    stats: { inputs: net.nIn, outputs: net.nOut, hidden: net.hidden.length, depth: net.depth, connections: net.conns.length, skips, drawn: drawable.length, front: net.front },
  };
}

function thin(ids, n) {
  const out = [];
  for (let k = 0; k < n; k++) out.push(ids[Math.floor((k * ids.length) / n)]);
  return out;
}
