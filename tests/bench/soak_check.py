#!/usr/bin/env python3
"""soak_check.py REF GOT -- compare a job's stored worker events (GOT: one
stored event JSON a line, state events left out) with the stream an
uninterrupted run printed (REF, NDJSON).  A stored event's worker number is
its worker_seq, or its seq when that was the same.  Prints "N LOST DOUBLED
ALTERED": reference events, those never stored, worker numbers stored more
than once, and stored events whose content differs from the reference."""
import json
import sys


def strip(ev):
    return {k: v for k, v in ev.items() if k not in ("seq", "worker_seq")}


ref = {}
with open(sys.argv[1]) as f:
    for line in f:
        if line.strip():
            ev = json.loads(line)
            ref[ev["seq"]] = strip(ev)
seen = {}
altered = 0
with open(sys.argv[2]) as f:
    for line in f:
        ev = json.loads(line)
        w = ev.get("worker_seq", ev["seq"])
        seen[w] = seen.get(w, 0) + 1
        if ref.get(w) != strip(ev):
            altered += 1
lost = sum(1 for w in ref if w not in seen)
doubled = sum(1 for n in seen.values() if n > 1)
print(len(ref), lost, doubled, altered)
