# Reference values for packages/analysis/src/stats/*.test.ts, computed with SciPy.
# Regenerate (from the repository root):
#   /usr/bin/python3 packages/analysis/reference/stats_reference.py > packages/analysis/reference/stats_reference.json
# Produced with Debian's python3-scipy 1.10.1 and python3-numpy 1.24.2.
import json
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

warnings.simplefilter("ignore")


def describe_case(xs):
    xs = np.asarray(xs, dtype=float)
    n = len(xs)
    m = float(np.mean(xs))
    sd = float(np.std(xs, ddof=1))
    lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=stats.sem(xs))
    lo90, hi90 = stats.t.interval(0.90, n - 1, loc=m, scale=stats.sem(xs))
    return {"x": xs.tolist(), "mean": m, "sd": sd, "lo": float(lo), "hi": float(hi), "lo90": float(lo90), "hi90": float(hi90)}


def paired_case(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    d = x - y
    n = len(d)
    res = stats.ttest_rel(x, y)
    se = np.std(d, ddof=1) / np.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    return {
        "x": x.tolist(), "y": y.tolist(),
        "t": float(res.statistic), "p": float(res.pvalue),
        "meanDiff": float(np.mean(d)), "lo": float(np.mean(d) - half), "hi": float(np.mean(d) + half),
        "cohenDz": float(np.mean(d) / np.std(d, ddof=1)),
    }


def wilcoxon_case(x, y, method, correction=False):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    # SciPy 1.10 picks "exact" for n <= 50 even with ties (and truncates the tied rank sum);
    # medtransfer uses the normal approximation whenever there are ties or zeros, so ties and
    # zeros are computed here with method="approx" explicitly.
    res = stats.wilcoxon(x, y, method=method, correction=correction, zero_method="wilcox")
    d = x - y
    d = d[d != 0]
    r = stats.rankdata(np.abs(d))
    rp = float(np.sum(r[d > 0]))
    rm = float(np.sum(r[d < 0]))
    return {
        "x": x.tolist(), "y": y.tolist(), "method": method, "correction": correction,
        "statistic": float(res.statistic), "p": float(res.pvalue),
        "rPlus": rp, "rMinus": rm, "rankBiserial": (rp - rm) / (rp + rm),
    }


def holm(ps):
    ps = np.asarray(ps, dtype=float)
    m = len(ps)
    order = np.argsort(ps)
    adj = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * ps[i]))
        adj[i] = running
    return adj.tolist()


def bh(ps):
    ps = np.asarray(ps, dtype=float)
    m = len(ps)
    order = np.argsort(ps)
    adj = np.empty(m)
    running = 1.0
    for k in range(m - 1, -1, -1):
        i = order[k]
        running = min(running, min(1.0, m / (k + 1) * ps[i]))
        adj[i] = running
    return adj.tolist()


rng = np.random.default_rng(20190208)
out = {
    "generator": "packages/analysis/reference/stats_reference.py",
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "python": sys.version.split()[0],
    "distributions": {
        "tCdf": [{"x": x, "df": df, "value": float(stats.t.cdf(x, df))} for x, df in [(-2.5, 4), (0.3, 2), (1.96, 30), (-7.0, 3), (12.0, 1)]],
        "tQuantile": [{"p": p, "df": df, "value": float(stats.t.ppf(p, df))} for p, df in [(0.975, 1), (0.975, 2), (0.975, 4), (0.95, 9), (0.995, 29)]],
        "normalSf": [{"z": z, "value": float(stats.norm.sf(z))} for z in [0.0, 1.0, 1.959963984540054, 3.5, 8.0]],
    },
    "describe": [
        describe_case([0.81, 0.83, 0.86]),
        describe_case([0.90, 0.91]),
        describe_case(rng.normal(0.9, 0.02, 10).round(4).tolist()),
        describe_case([1.0, 1.0, 1.0, 2.0]),
    ],
    "pairedT": [
        paired_case([0.85, 0.86, 0.87], [0.80, 0.82, 0.84]),
        paired_case([0.91, 0.88, 0.93, 0.90, 0.89], [0.90, 0.89, 0.90, 0.88, 0.86]),
        paired_case(rng.normal(0.9, 0.02, 12).round(4).tolist(), rng.normal(0.89, 0.02, 12).round(4).tolist()),
    ],
    "wilcoxon": [
        # distinct, no zeros: exact
        wilcoxon_case([0.85, 0.86, 0.87, 0.90, 0.81], [0.80, 0.82, 0.84, 0.91, 0.70], "exact"),
        wilcoxon_case([1.2, 3.4, -0.5, 2.2, 0.9, -1.7, 4.1, 0.3], [0] * 8, "exact"),
        wilcoxon_case(list(range(1, 11)), [0] * 10, "exact"),
        wilcoxon_case([-6, -8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75], [0] * 15, "exact"),
        # the centre of the distribution: p = 1
        wilcoxon_case([-1, -2, -3, -4, -5, 6, -7, -8, -9, 10, 11, 12], [0] * 12, "exact"),
        # ties among |d|: normal approximation with tie correction
        wilcoxon_case([0.02, 0.02, -0.01, 0.03, 0.03, 0.03, 0.05, -0.02], [0] * 8, "approx"),
        # zeros (dropped) and ties
        wilcoxon_case([0.0, 0.02, 0.0, -0.01, 0.03, 0.03, 0.04, 0.01, 0.0, 0.02], [0] * 10, "approx"),
        # continuity correction
        wilcoxon_case([0.0, 0.02, 0.0, -0.01, 0.03, 0.03, 0.04, 0.01, 0.0, 0.02], [0] * 10, "approx", True),
        # n > 50, distinct: auto picks the approximation
        wilcoxon_case(rng.normal(0.1, 1.0, 60).tolist(), [0] * 60, "approx"),
    ],
    "padjust": [],
}
for ps in [[0.01, 0.04, 0.03, 0.20], [0.001, 0.5, 0.02, 0.02, 0.04, 0.9], [0.3]]:
    out["padjust"].append({"p": ps, "holm": holm(ps), "bh": bh(ps)})
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
