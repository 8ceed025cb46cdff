#!/usr/bin/python3
"""tests/bench/dna_dr_ceiling.py -- how much test accuracy on dna.csv survives
halving the features with each unsupervised DR method, measured with
scikit-learn independently of scann: every method of issue 4 fitted on the
Statlog training part (the first 2,000 rows, [0,1] by their range) with
ceil(180 / r) components, then the best test accuracy over a small grid of
classifiers (logistic regression C in {0.01, 0.1, 1}; MLPs (64,), (128,),
(256, 256) with alpha 1e-2) -- an optimistic ceiling, since the grid is
scored on the test part itself.  The raw 180 features are the reference.

  /usr/bin/python3 tests/bench/dna_dr_ceiling.py [--ratios 2,4] [CSV]

Run by hand (a few minutes); prints one JSON line per (method, ratio).
"""
import argparse
import json
import math
import warnings

import numpy as np
from sklearn import decomposition as dec, manifold as man, random_projection as rp
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore")
ap = argparse.ArgumentParser()
ap.add_argument("csv", nargs="?", default="tests/data/dna.csv")
ap.add_argument("--ratios", default="2,4")
args = ap.parse_args()
raw = np.genfromtxt(args.csv, delimiter=",", skip_header=1, dtype=str)
X, y = raw[:, :-1].astype(float), raw[:, -1]
Xtr, ytr, Xte, yte = X[:-1186], y[:-1186], X[-1186:], y[-1186:]
lo, hi = Xtr.min(0), Xtr.max(0)
span = np.where(hi > lo, hi - lo, 1.0)
Xtr, Xte = (Xtr - lo) / span, (Xte - lo) / span


def best(a, b):
    accs = {}
    for C in (0.01, 0.1, 1):
        accs["logreg C=%g" % C] = LogisticRegression(max_iter=3000, C=C).fit(a, ytr).score(b, yte)
    for h in ((64,), (128,), (256, 256)):
        m = MLPClassifier(h, alpha=1e-2, max_iter=400, random_state=0)
        accs["mlp %s" % (h,)] = m.fit(a, ytr).score(b, yte)
    k = max(accs, key=accs.get)
    return accs[k], k


acc, how = best(Xtr, Xte)
print(json.dumps({"method": "none", "features": X.shape[1], "test_acc": round(acc, 4), "by": how}))
for r in [int(v) for v in args.ratios.split(",")]:
    k = math.ceil(X.shape[1] / r)
    methods = {
        "pca": dec.PCA(k, random_state=0),
        "fa": dec.FactorAnalysis(k, random_state=0),
        "ica": dec.FastICA(k, whiten="unit-variance", random_state=0, max_iter=1000),
        "isomap": man.Isomap(n_neighbors=10, n_components=k),
        "rp-gaussian": rp.GaussianRandomProjection(k, random_state=0),
        "rp-sign": rp.SparseRandomProjection(k, density=1.0, random_state=0, dense_output=True),
        "rp-sparse": rp.SparseRandomProjection(k, density=1 / 3, random_state=0, dense_output=True),
        "rp-very-sparse": rp.SparseRandomProjection(k, density="auto", random_state=0, dense_output=True),
    }
    for name, m in methods.items():
        m.fit(Xtr)
        acc, how = best(m.transform(Xtr), m.transform(Xte))
        print(json.dumps({"method": name, "ratio": r, "features": k,
                          "test_acc": round(acc, 4), "by": how}), flush=True)
