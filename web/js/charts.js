// charts.js -- the dashboard's two kinds of chart, drawn as SVG by hand:
// a line chart with one or two y axes and vertical event markers (training
// curves against epoch, growth and pruning steps), and a scatter with a
// logarithmic x axis and a highlighted Pareto front (accuracy vs params).
//
// Both return an <svg> sized by its viewBox, so CSS scales it to the
// container; colours come from CSS classes (style.css), not attributes.

import { svg, fmtCompact } from './util.js';

const PAD = { l: 52, r: 56, t: 14, b: 36 };
const MAX_DRAWN = 600;   // points per line drawn
const MAX_MARKERS = 200; // growth/pruning marks drawn

// Charts are drawn at the width of their container (so text stays at its
// CSS size on a phone and on a laptop) within these bounds.
function dims(width) {
  const W = Math.round(Math.min(960, Math.max(300, width || 640)));
  return { W, H: Math.round(Math.max(200, Math.min(300, W * 0.42))) };
}

function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) { hi = lo + 1; }
  const span = hi - lo;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function extent(values, pad = 0) {
  let lo = Infinity; let hi = -Infinity;
  for (const v of values) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) { lo -= 0.5 || 1; hi += 0.5; }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

function frame(label, W, H) {
  return svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label,
    preserveAspectRatio: 'xMidYMid meet',
  }, [svg('title', { text: label })]);
}

// opts: {label, xLabel, width (px, optional), series: [{name, cls, axis: 'left'|'right', points: [[x, y]]}],
//        left: {label, min, max, fmt}, right: {label, min, max, fmt},
//        markers: [{x, cls, label}]}
export function lineChart(opts) {
  const { W, H } = dims(opts.width);
  const root = frame(opts.label, W, H);
  let x0 = 1; let x1 = 2; let any = false;
  for (const s of opts.series) for (const p of s.points) { any = true; if (p[0] < x0) x0 = p[0]; if (p[0] > x1) x1 = p[0]; }
  if (!any) { x0 = 0; x1 = 10; }
  const sx = (x) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const axes = {};
  for (const side of ['left', 'right']) {
    const a = opts[side];
    if (!a) continue;
    const vals = opts.series.filter((s) => (s.axis || 'left') === side).flatMap((s) => s.points.map((p) => p[1]));
    let [lo, hi] = extent(vals, 0.05);
    if (a.min !== undefined) lo = a.min;
    if (a.max !== undefined) hi = a.max;
    if (a.zero) { lo = Math.min(0, lo); if (a.max === undefined) hi += (hi - lo) * 0.06; }
    const ticks = niceTicks(lo, hi, 4);
    lo = Math.min(lo, ticks[0]); hi = Math.max(hi, ticks[ticks.length - 1]);
    axes[side] = { lo, hi, ticks, fmt: a.fmt || fmtCompact, label: a.label,
      s: (y) => H - PAD.b - ((y - lo) / (hi - lo || 1)) * (H - PAD.t - PAD.b) };
  }
  const g = svg('g', { class: 'axes' });
  root.append(g);
  // grid and y ticks
  for (const [side, a] of Object.entries(axes)) {
    const x = side === 'left' ? PAD.l : W - PAD.r;
    g.append(svg('line', { x1: x, x2: x, y1: PAD.t, y2: H - PAD.b, class: 'axis' }));
    for (const t of a.ticks) {
      const y = a.s(t);
      if (side === 'left') g.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: 'grid' }));
      g.append(svg('text', {
        x: side === 'left' ? x - 6 : x + 6, y: y + 4, class: 'tick ' + (side === 'left' ? 'end' : 'start'),
        text: a.fmt(t),
      }));
    }
    g.append(svg('text', {
      class: 'axis-label', text: a.label,
      transform: side === 'left' ? `translate(12 ${(H - PAD.b + PAD.t) / 2}) rotate(-90)`
        : `translate(${W - 10} ${(H - PAD.b + PAD.t) / 2}) rotate(90)`,
    }));
  }
  g.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: H - PAD.b, y2: H - PAD.b, class: 'axis' }));
  for (const t of niceTicks(x0, x1, 8).filter((t) => Number.isInteger(t))) {
    g.append(svg('text', { x: sx(t), y: H - PAD.b + 16, class: 'tick middle', text: String(t) }));
  }
  g.append(svg('text', { x: (PAD.l + W - PAD.r) / 2, y: H - 4, class: 'axis-label', text: opts.xLabel || '' }));

  if (!any) {
    g.append(svg('text', { x: (PAD.l + W - PAD.r) / 2, y: (H - PAD.b + PAD.t) / 2, class: 'axis-label empty', text: opts.empty || 'no data yet' }));
  }

  // markers: growth / pruning steps
  const mk = svg('g', { class: 'markers' });
  const ms = opts.markers || [];
  const mk0 = Math.ceil(ms.length / MAX_MARKERS);
  for (const m of mk0 > 1 ? ms.filter((_, i) => i % mk0 === 0) : ms) {
    const x = sx(m.x);
    mk.append(svg('g', { class: 'marker ' + (m.cls || '') }, [
      svg('title', { text: m.label }),
      svg('line', { x1: x, x2: x, y1: PAD.t, y2: H - PAD.b }),
      svg('path', { d: `M${x - 5} ${PAD.t} L${x + 5} ${PAD.t} L${x} ${PAD.t + 7} Z` }),
    ]));
  }
  root.append(mk);

  for (const s of opts.series) {
    const a = axes[s.axis || 'left'];
    if (!a || !s.points.length) continue;
    // More points than pixels only cost time: keep every k-th (and the last).
    const k = Math.ceil(s.points.length / MAX_DRAWN);
    const shown = k > 1 ? s.points.filter((p, i) => i % k === 0 || i === s.points.length - 1) : s.points;
    const d = shown.map((p, i) => (i ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' + a.s(p[1]).toFixed(1)).join(' ');
    const grp = svg('g', { class: 'series ' + (s.cls || ''), 'data-series': s.name, 'data-points': s.points.length }, [
      svg('path', { d, class: 'line' }),
    ]);
    if (s.points.length <= 80) {
      for (const p of s.points) {
        grp.append(svg('circle', { cx: sx(p[0]), cy: a.s(p[1]), r: 2.2, class: 'dot' },
          [svg('title', { text: `${s.name}: ${a.fmt(p[1])} at ${opts.xLabel || 'x'} ${p[0]}` })]));
      }
    }
    root.append(grp);
  }
  return root;
}

// opts: {label, xLabel, yLabel, points: [{x, y, label, cls}], front: [indices], yFmt}
// x is drawn on a log10 scale.
export function scatterLog(opts) {
  const { W, H } = dims(opts.width);
  const root = frame(opts.label, W, H);
  const pts = opts.points.filter((p) => p.x > 0 && Number.isFinite(p.y));
  const lx = pts.map((p) => Math.log10(p.x));
  let [a0, a1] = extent(lx, 0.08);
  a0 = Math.floor(a0 * 2) / 2; a1 = Math.ceil(a1 * 2) / 2;
  if (a1 - a0 < 1) { a0 -= 0.5; a1 += 0.5; }
  let [y0, y1] = extent(pts.map((p) => p.y), 0.1);
  y0 = Math.max(0, y0); y1 = Math.min(1, y1);
  if (y1 - y0 < 0.02) { y0 = Math.max(0, y0 - 0.01); y1 = Math.min(1, y1 + 0.01); }
  const sx = (x) => PAD.l + ((Math.log10(x) - a0) / (a1 - a0)) * (W - 20 - PAD.l);
  const sy = (y) => H - PAD.b - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
  const g = svg('g', { class: 'axes' });
  root.append(g);
  g.append(svg('line', { x1: PAD.l, x2: PAD.l, y1: PAD.t, y2: H - PAD.b, class: 'axis' }));
  g.append(svg('line', { x1: PAD.l, x2: W - 20, y1: H - PAD.b, y2: H - PAD.b, class: 'axis' }));
  for (const t of niceTicks(y0, y1, 4)) {
    if (t < y0 || t > y1) continue;
    g.append(svg('line', { x1: PAD.l, x2: W - 20, y1: sy(t), y2: sy(t), class: 'grid' }));
    g.append(svg('text', { x: PAD.l - 6, y: sy(t) + 4, class: 'tick end', text: (opts.yFmt || String)(t) }));
  }
  for (let e = Math.ceil(a0); e <= Math.floor(a1); e++) {
    const x = sx(10 ** e);
    g.append(svg('line', { x1: x, x2: x, y1: PAD.t, y2: H - PAD.b, class: 'grid' }));
    g.append(svg('text', { x, y: H - PAD.b + 16, class: 'tick middle', text: fmtCompact(10 ** e) }));
    for (const m of [2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < a1) g.append(svg('line', { x1: sx(v), x2: sx(v), y1: H - PAD.b, y2: H - PAD.b + 4, class: 'axis' }));
    }
  }
  g.append(svg('text', { x: (PAD.l + W - 20) / 2, y: H - 4, class: 'axis-label', text: opts.xLabel }));
  g.append(svg('text', { class: 'axis-label', text: opts.yLabel, transform: `translate(12 ${(H - PAD.b + PAD.t) / 2}) rotate(-90)` }));

  const frontIdx = (opts.front || []).filter((i) => pts.includes(opts.points[i]));
  if (frontIdx.length > 1) {
    const d = frontIdx.map((i, k) => (k ? 'L' : 'M') + sx(opts.points[i].x).toFixed(1) + ' ' + sy(opts.points[i].y).toFixed(1)).join(' ');
    root.append(svg('path', { d, class: 'front-line' }));
  }
  const onFront = new Set(frontIdx);
  const dots = svg('g', { class: 'points' });
  opts.points.forEach((p, i) => {
    if (!pts.includes(p)) return;
    dots.append(svg('circle', {
      cx: sx(p.x), cy: sy(p.y), r: onFront.has(i) ? 5.5 : 4,
      class: 'pt ' + (p.cls || '') + (onFront.has(i) ? ' front' : ''),
    }, [svg('title', { text: p.label })]));
  });
  root.append(dots);
  return root;
}

// Keep wrap filled with draw(width)'s chart, redrawn when wrap's width
// changes noticeably (window resize, phone rotation).  Returns redraw().
export function responsive(wrap, draw) {
  let drawnAt = -1;
  const redraw = () => {
    const w = wrap.clientWidth || 640;
    drawnAt = w;
    const c = draw(w);
    while (wrap.firstChild) wrap.removeChild(wrap.firstChild);
    wrap.append(c);
  };
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => {
      if (wrap.isConnected && Math.abs((wrap.clientWidth || 0) - drawnAt) > 30) redraw();
    }).observe(wrap);
  }
  return redraw;
}
