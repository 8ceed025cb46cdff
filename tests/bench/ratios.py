#!/usr/bin/python3
# tests/bench/ratios.py -- read run.sh's output on stdin and print the issue's
# figures: per thread count, the epoch's GEMM time at the measured per-shape
# speeds (sgemm_peak), the engine's dense epoch and its ratio to that time
# (target <= 1.3), the 10% and 2% epochs as fractions of the dense epoch
# (targets <= 0.5 and <= 0.25), and PyTorch's epoch.
#
# run.sh repeats the GEMM and engine measurements ROUNDS times, because on
# this shared 2-core machine one round's sgemm speed swings by 20-40%.  Each
# round is printed, then "best of rounds": every shape's fastest GEMM speed
# against the engine's fastest epochs -- the reference gets its best case
# too, so that line is the conservative one.
import json, sys

N, B = 50000, 128
batches = N / B
# FLOPs per batch of each product in training 784-300-100-10 (sgemm_peak's
# shapes; the 10-wide output layer is small and timed at the fwd2 speed).
work = {"fwd1": 2 * B * 784 * 300, "fwd2": 2 * B * 300 * 100,
        "dW1": 2 * B * 784 * 300, "dW2": 2 * B * 300 * 100,
        "dX2": 2 * B * 300 * 100}
small = 3 * 2 * B * 100 * 10 + 2 * B * 100 * 10  # fwd3, dW3, dX3

rounds, torch, section = [], {}, None
for line in sys.stdin:
    if line.startswith("# sgemm_peak"):
        rounds.append(({}, {}))
    if line.startswith("# torch_mlp.py"):
        section = int(line.split(",")[1].split()[0])
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if not rounds:
        rounds.append(({}, {}))
    gemm, eng = rounds[-1]
    if "shape" in e:
        gemm.setdefault(e["threads"], {})[e["shape"]] = e["gflops"]
    elif "density" in e and e["kernel"] == "auto":
        eng.setdefault(e["threads"], {})[e["density"]] = e["best_s"]
    elif e.get("summary") and section:
        torch[section] = e["median_epoch_seconds"]

best_gemm, best_eng = {}, {}
for gemm, eng in rounds:
    for t, g in gemm.items():
        for k, v in g.items():
            best_gemm.setdefault(t, {})[k] = max(v, best_gemm.get(t, {}).get(k, 0))
    for t, d in eng.items():
        for k, v in d.items():
            best_eng.setdefault(t, {})[k] = min(v, best_eng.get(t, {}).get(k, 1e9))


def report(title, gemm, eng, with_torch):
    print(title)
    for t in sorted(eng):
        g = gemm.get(t, {})
        if not all(k in g for k in work):
            continue
        per_batch = sum(w / (g[k] * 1e9) for k, w in work.items()) + small / (g["fwd2"] * 1e9)
        gt = per_batch * batches
        d = eng[t]
        dense = d.get(1.0)
        print("  threads %d: GEMM time %.3f s (%.1f GFLOP); engine dense epoch %.3f s = %.2fx GEMM time"
              % (t, gt, (sum(work.values()) + small) * batches / 1e9, dense, dense / gt))
        for dens in (0.1, 0.02):
            if dens in d:
                print("    density %g: %.3f s = %.3fx dense" % (dens, d[dens], d[dens] / dense))
        if with_torch and t in torch:
            print("    PyTorch epoch (median) %.3f s = %.2fx engine dense" % (torch[t], torch[t] / dense))


for i, (gemm, eng) in enumerate(rounds):
    report("round %d" % (i + 1), gemm, eng, False)
report("best of %d round(s)" % len(rounds), best_gemm, best_eng, True)
