# Reference values for packages/analysis/src/similarity/*.test.ts, computed with NumPy.
# Regenerate (from the repository root):
#   /usr/bin/python3 packages/analysis/reference/similarity_reference.py > packages/analysis/reference/similarity_reference.json
# Produced with Debian's python3-numpy 1.24.2.
#
# CCA follows Google's svcca `cca_core.get_cca_similarity` (covariances, rescaling, pinv and the
# inverse matrix square root, then an SVD; epsilon = 0), SVCCA its tutorial (centre, SVD, keep the
# top directions — here those explaining 99 % of the variance, Σ s² — then CCA, mean
# coefficient), CKA Kornblith et al.'s `feature_space_linear_cka`. PWCCA follows Google's
# `pwcca.compute_pwcca` on centred activations with one correction: the canonical variates use
# the canonical weights uᵀ Σxx^-½ (Morcos et al. 2018), where the repository code uses uᵀ alone;
# the verbatim value is recorded too ("pwcca_google_verbatim") for comparison, not tested.
import json
import sys

import numpy as np


def positivedef_matrix_sqrt(array):
    w, v = np.linalg.eigh(array)
    wsqrt = np.sqrt(np.clip(w, 0, None))
    return np.dot(v, np.dot(np.diag(wsqrt), np.conj(v).T))


def get_cca(acts1, acts2):
    """acts: neurons x datapoints (Google's layout). Returns coefficients and what PWCCA needs."""
    numx = acts1.shape[0]
    cov = np.cov(acts1, acts2)
    sxx = cov[:numx, :numx].copy()
    sxy = cov[:numx, numx:].copy()
    syy = cov[numx:, numx:].copy()
    xmax = np.max(np.abs(sxx))
    ymax = np.max(np.abs(syy))
    sxx /= xmax
    syy /= ymax
    sxy /= np.sqrt(xmax * ymax)
    invsqrt_xx = positivedef_matrix_sqrt(np.linalg.pinv(sxx))
    invsqrt_yy = positivedef_matrix_sqrt(np.linalg.pinv(syy))
    u, s, v = np.linalg.svd(invsqrt_xx @ sxy @ invsqrt_yy)
    return {"coef": np.abs(s), "u": u, "v": v, "invsqrt_xx": invsqrt_xx, "invsqrt_yy": invsqrt_yy}


def pwcca(acts1, acts2, verbatim=False):
    acts1 = acts1 - acts1.mean(axis=1, keepdims=True)
    acts2 = acts2 - acts2.mean(axis=1, keepdims=True)
    r = get_cca(acts1, acts2)
    if acts1.shape[0] <= acts2.shape[0]:
        coef_w = r["u"].T if verbatim else r["u"].T @ r["invsqrt_xx"]
        dirns = coef_w @ acts1
        acts = acts1
    else:
        coef_w = r["v"] if verbatim else r["v"] @ r["invsqrt_yy"]
        dirns = coef_w @ acts2
        acts = acts2
    k = len(r["coef"])
    P, _ = np.linalg.qr(dirns[:k].T)
    weights = np.sum(np.abs(P.T @ acts.T), axis=1)
    weights = weights / np.sum(weights)
    return float(np.sum(weights * r["coef"])), weights


def svcca(x, y, keep=0.99):
    """x, y: examples x features."""
    out = []
    for a in (x, y):
        c = (a - a.mean(axis=0)).T  # neurons x datapoints
        U, s, V = np.linalg.svd(c, full_matrices=False)
        frac = np.cumsum(s ** 2) / np.sum(s ** 2)
        k = int(np.searchsorted(frac, keep * (1 - 1e-12)) + 1)
        out.append((np.dot(s[:k] * np.eye(k), V[:k]), k))
    r = get_cca(out[0][0], out[1][0])
    return float(np.mean(r["coef"])), r["coef"], out[0][1], out[1][1]


def cka(x, y):
    x = x - x.mean(axis=0, keepdims=True)
    y = y - y.mean(axis=0, keepdims=True)
    return float(np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def case(name, x, y):
    x = np.round(x, 6)
    y = np.round(y, 6)
    cc = get_cca(x.T, y.T)["coef"]
    # The same correlations by the numerically stable route (orthonormal bases from SVDs), which
    # medtransfer uses; the covariance route squares the condition number of ill-conditioned inputs.
    ux = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)[0]
    uy = np.linalg.svd(y - y.mean(axis=0), full_matrices=False)[0]
    cc_stable = np.linalg.svd(ux.T @ uy)[1]
    a, _, bt = np.linalg.svd(ux.T @ uy)
    k = len(cc_stable)
    if x.shape[1] <= y.shape[1]:
        h, acts = ux @ a[:, :k], x - x.mean(axis=0)
    else:
        h, acts = uy @ bt.T[:, :k], y - y.mean(axis=0)
    w_stable = np.sum(np.abs(h.T @ acts), axis=1)
    w_stable = w_stable / np.sum(w_stable)
    xs = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    ys = np.linalg.svd(y - y.mean(axis=0), compute_uv=False)
    sv, svcoef, kx, ky = svcca(x, y)
    pw, w = pwcca(x.T, y.T)
    pw_google, _ = pwcca(x.T, y.T, verbatim=True)
    return {
        "name": name, "x": x.tolist(), "y": y.tolist(),
        "cka": cka(x, y),
        "cca": cc.tolist(), "cca_mean": float(np.mean(cc)), "cca_stable": cc_stable.tolist(),
        "condition": [float(xs[0] / xs[-1]), float(ys[0] / ys[-1])],
        "svcca": sv, "svcca_coefficients": svcoef.tolist(), "svcca_kept": [kx, ky],
        "pwcca": pw, "pwcca_weights": w.tolist(), "pwcca_google_verbatim": pw_google,
        "pwcca_stable": float(np.sum(w_stable * cc_stable)), "pwcca_weights_stable": w_stable.tolist(),
    }


rng = np.random.default_rng(1902_07208)
n = 120
x1 = rng.normal(size=(n, 6))
y1 = x1 @ rng.normal(size=(6, 8)) * 0.5 + rng.normal(size=(n, 8))
# low-rank activations plus a little noise: SVCCA keeps only the strong directions
z = rng.normal(size=(n, 3))
x2 = z @ rng.normal(size=(3, 10)) * np.array([5.0, 3.0, 2.0] + [1.0] * 7)[:10] + 0.01 * rng.normal(size=(n, 10))
y2 = np.tanh(z @ rng.normal(size=(3, 7))) + 0.05 * rng.normal(size=(n, 7))
# more features in x than in y (PWCCA weights on y's side)
x3 = rng.normal(size=(n, 9)) + 2.0
y3 = np.maximum(x3[:, :4] @ rng.normal(size=(4, 5)), 0) + 0.3 * rng.normal(size=(n, 5))

out = {
    "generator": "packages/analysis/reference/similarity_reference.py",
    "numpy": np.__version__,
    "python": sys.version.split()[0],
    "cases": [case("linear-plus-noise", x1, y1), case("low-rank", x2, y2), case("wider-x", x3, y3)],
}
json.dump(out, sys.stdout)
sys.stdout.write("\n")
