#!/usr/bin/env python3
"""Table of tests/bench/defaults.sh's results: OUTDIR DATASET... -> markdown on stdout.

Per dataset: the job's baseline and best (test accuracy, parameters), compression,
target_met, whether best's test accuracy is within max(1 point, one test row) of the
baseline's, scikit-learn's pick on the same rows and the baseline's distance to it,
magnitude pruning's compression (dense params / params_live of its smallest network within
0.5 validation points) and SCANN's ratio to it; then the geometric mean of compression.
"""
import json
import math
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    out, sets = sys.argv[1], sys.argv[2:]
    print("| dataset | baseline test | params | best test | params | compression | target_met "
          "| test within | sklearn pick test | baseline - sklearn | magnitude pruning | SCANN / pruning | wall s |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|")
    comps = []
    for name in sets:
        s = load(os.path.join(out, name + ".scann.json"))
        if s is None:
            print("| %s | (no result) |" % name)
            continue
        b, x = s["baseline"], s["best"]
        rows = load(os.path.join(out, name, "report.json")) or {}
        n_test = None
        acc_log = os.path.join(out, name + ".ndjson")
        with open(acc_log) as f:
            first = json.loads(f.readline())
            n_test = first.get("data", {}).get("test")
        slack = max(0.01, 1.0 / n_test) if n_test else 0.01
        within = x["test_acc"] >= b["test_acc"] - slack - 1e-12
        comps.append(s["compression"])
        sk = load(os.path.join(out, name + ".sklearn.json"))
        pr = load(os.path.join(out, name + ".prune.json"))
        sk_test = sk["pick"]["test_acc"] / 100 if sk else None
        prune_c = None
        if pr:
            live = pr["smallest_within_tolerance"]["params_live"]
            prune_c = pr["dense_params"] / max(live, 1)
        print("| %s | %.2f%% | %d | %.2f%% | %d | %.1fx | %s | %s | %s | %s | %s | %s | %.0f |" % (
            name, 100 * b["test_acc"], b["params"], 100 * x["test_acc"], x["params"],
            s["compression"], "yes" if s["target_met"] else "**no**",
            "yes" if within else "**no**",
            "%.2f%%" % (100 * sk_test) if sk_test is not None else "-",
            "%+.2f" % (100 * (b["test_acc"] - sk_test)) if sk_test is not None else "-",
            "%.1fx" % prune_c if prune_c else "-",
            "%.2f" % (s["compression"] / prune_c) if prune_c else "-",
            s["wall_s"]))
    if comps:
        g = math.exp(sum(math.log(c) for c in comps) / len(comps))
        print("\ngeometric mean of compression: %.1fx over %d datasets" % (g, len(comps)))


if __name__ == "__main__":
    main()
