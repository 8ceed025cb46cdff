// schema.js -- what the server says a spec and a job are made of, from GET
// /api/v1/schema: the default spec (and the defaults of the sections it
// leaves out until asked for), the DR method names, the job states and
// which of them are final.  Read once per page load and shared by the
// views, so none keeps a copy of a list the server owns.

import * as api from './api.js';

let pending = null;

// The schema (a promise, fetched once; a failed fetch is tried again).
export function loadSchema() {
  if (!pending) pending = api.get('/schema').catch((err) => { pending = null; throw err; });
  return pending;
}

// Every state's name, in the server's order.
export function stateNames(schema) {
  return schema.states.map((s) => s.name);
}

// The states a job ends in (nothing follows them).
export function terminalStates(schema) {
  return new Set(schema.states.filter((s) => s.terminal).map((s) => s.name));
}

// The default at a dotted spec path ("train.lr"): the default spec's value,
// else the opt-in sections' ("dr.ratios", "scann.pruning.fraction"), else
// undefined.
export function defaultAt(schema, path) {
  for (const root of [schema.defaults, schema.opt_in_defaults]) {
    let o = root;
    for (const k of path.split('.')) o = o !== null && typeof o === 'object' ? o[k] : undefined;
    if (o !== undefined && o !== null) return o;
  }
  return undefined;
}
