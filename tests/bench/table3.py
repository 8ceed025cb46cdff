#!/usr/bin/env python3
"""Tables III and IV from table3.sh's and table4.sh's event streams:
OUT/{a,b,c,m}.ndjson, each job whose spec OUT/{a,b,c,m}.json exists.

One markdown row per network: the LeNet-5 baseline (scheme C's job trains
it; the magnitude job trains the same one, same seed), magnitude pruning,
schemes A, B, C -- test error, parameters, compression against 431,080,
energy per inference, and the job's wall seconds (--timings).  Compression
is against scheme C's baseline: LeNet-5 in Table III, the Ciresan seed in
Table IV.  A job
without a result yet shows its last candidate, marked "running".
"""
import json
import os
import sys

LENET5 = 431080


def events(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def row(name, net, wall, note="", seed=LENET5):
    err = 100.0 * (1.0 - net["test_acc"])
    comp = seed / net["params"]
    front = net.get("front")
    kernels = f"{front['kernel_weights']:,}" if front else "-"
    return (f"| {name} | {err:.2f}% | {net['params']:,} | {comp:.1f}x | "
            f"{net['energy_nj'] / 1000.0:.2f} uJ | {net['macs']:,} | "
            f"{kernels} | {wall} | {note} |")


def main(out):
    print("| network | test error | params | compression | energy | MACs | "
          "kernel weights | wall s | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    names = {"m": "magnitude pruning", "a": "scheme A", "b": "scheme B",
             "c": "scheme C"}
    base_done = False
    seed = LENET5
    for e in events(f"{out}/c.ndjson"):
        if e.get("type") == "result":
            seed = e["baseline"]["params"]
    seed_name = "LeNet-5 baseline" if seed == LENET5 else "seed"
    for j in ("c", "m", "a", "b"):
        if not os.path.exists(f"{out}/{j}.json"):
            continue
        ev = events(f"{out}/{j}.ndjson")
        res = [e for e in ev if e.get("type") == "result"]
        cands = [e for e in ev if e.get("type") == "candidate"]
        last_epoch = [e for e in ev if "elapsed_s" in e]
        wall = f"{last_epoch[-1]['elapsed_s']:.0f}" if last_epoch else "-"
        if res:
            r = res[0]
            if not base_done and j == "c":
                base = [e for e in cands if e["stage"] == "baseline"]
                bwall = [e for e in ev if e.get("stage") == "baseline"
                         and "elapsed_s" in e]
                print(row(seed_name, r["baseline"],
                          f"{bwall[-1]['elapsed_s']:.0f}" if bwall else "-",
                          seed=seed))
                base_done = bool(base)
            note = "" if r.get("target_met", True) else "target missed"
            if j == "b":
                note += (" (its own 400-neuron baseline: "
                         f"{100 * (1 - r['baseline']['test_acc']):.2f}%, "
                         f"{r['baseline']['params']:,} params)")
            print(row(names[j], r["best"], f"{r.get('elapsed_s', 0):.0f}"
                      if "elapsed_s" in r else wall, note.strip(), seed))
            # Of the candidates smaller than an accepted result (validation
            # did not accept them), the best on validation: what the scheme reached
            # at that size, and by how many validation rows it missed the
            # job's target.
            small = max((e for e in cands if e["stage"] != "baseline" and
                         e["network"]["params"] < r["best"]["params"]),
                        key=lambda e: (e["network"]["val_acc"],
                                       -e["network"]["params"]), default=None)
            target = [e["target_val"] for e in ev if e.get("type") == "stage"
                      and e.get("state") == "start" and "target_val" in e]
            if (small and r.get("target_met", True) and
                    small["network"]["params"] < r["best"]["params"]):
                n = small["network"]
                short = ""
                n_val = [e["data"]["validation"] for e in ev
                         if e.get("message") == "job accepted"]
                if target and n_val:
                    rows = round((target[-1] - n["val_acc"]) * n_val[0])
                    short = f", {rows} validation rows under the target"
                print(row(f"{names[j]}, a smaller candidate", n, "-",
                          f"{small['operation']} {small['iteration']}: not "
                          f"accepted (val {100 * n['val_acc']:.2f}%{short})",
                          seed))
        elif cands:
            print(row(names[j], cands[-1]["network"], wall,
                      f"running: {cands[-1]['stage']} iteration "
                      f"{cands[-1]['iteration']}", seed))
        else:
            print(f"| {names[j]} | - | - | - | - | - | - | {wall} | no candidate yet |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
