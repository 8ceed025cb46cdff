// util.js -- small DOM and formatting helpers shared by every view.
// Nothing here knows the API; views build their DOM with el() so no HTML
// string is ever parsed (no injection through job names or log lines).

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(doc, tag, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') tag.setAttribute('class', v);
    else if (k === 'text') tag.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') tag.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(tag.dataset, v);
    else if (v === true) tag.setAttribute(k, '');
    else tag.setAttribute(k, String(v));
  }
  for (const c of [].concat(children ?? [])) {
    if (c === null || c === undefined || c === false) continue;
    tag.append(c instanceof Node ? c : doc.createTextNode(String(c)));
  }
  return tag;
}

// el('a', {href: '#/x', class: 'btn'}, ['text', child]) -> HTMLElement
export function el(name, attrs, children) {
  return build(document, document.createElement(name), attrs, children);
}

// The same for SVG elements.
export function svg(name, attrs, children) {
  return build(document, document.createElementNS(SVG_NS, name), attrs, children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function fmtPct(x, digits = 1) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return '–';
  return (Number(x) * 100).toFixed(digits) + '%';
}

export function fmtInt(x) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return '–';
  return Math.round(Number(x)).toLocaleString('en-US');
}

export function fmtNum(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return '–';
  const n = Number(x);
  if (n !== 0 && (Math.abs(n) >= 1e5 || Math.abs(n) < 1e-3)) return n.toExponential(2);
  return String(Number(n.toPrecision(digits)));
}

// Compact counts for axes: 1200 -> 1.2k.
export function fmtCompact(x) {
  const n = Number(x);
  if (!Number.isFinite(n)) return '';
  const a = Math.abs(n);
  if (a >= 1e6) return +(n / 1e6).toPrecision(3) + 'M';
  if (a >= 1e3) return +(n / 1e3).toPrecision(3) + 'k';
  return String(+n.toPrecision(3));
}

export function fmtRatio(x) {
  if (x === null || x === undefined || !Number.isFinite(Number(x))) return '–';
  return Number(x).toFixed(Number(x) >= 100 ? 0 : 1) + '×';
}

// Timestamps may come as ISO text or Unix seconds (or milliseconds).
export function toDate(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t);
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function fmtAge(t, now = Date.now()) {
  const d = toDate(t);
  if (!d) return '–';
  const s = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return n + ' B';
}

let toastTimer = 0;
export function toast(msg) {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}
