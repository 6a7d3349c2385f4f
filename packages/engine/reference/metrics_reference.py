"""Reference AUC/ACC values for packages/engine/src/metrics.test.ts, computed with scikit-learn
the way the MedMNIST evaluator does (per-class one-vs-rest roc_auc_score, ACC by argmax or at 0.5),
and quadratic-weighted Cohen's kappa of the argmax grades for ordinal cases
(cohen_kappa_score(weights="quadratic", labels=range(K)): every grade keeps its distance even when
absent from the split; null where scikit-learn gives NaN, i.e. one and the same grade everywhere).

Run from the repository root with Debian's interpreter (it has numpy and scikit-learn):
    /usr/bin/python3 packages/engine/reference/metrics_reference.py > packages/engine/reference/metrics-reference.json

Scores are rounded to float32 before scikit-learn sees them, so the TypeScript test (which
holds scores in a Float32Array) ranks exactly the same numbers, ties included.
"""
import json

import numpy as np
import sklearn
import warnings

from sklearn.metrics import accuracy_score, cohen_kappa_score, roc_auc_score

rng = np.random.RandomState(20240601)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def one_vs_rest(labels, scores):
    """Mean one-vs-rest AUC over classes that have both positives and negatives; per-class list."""
    per_class = []
    for c in range(scores.shape[1]):
        y = (labels == c).astype(int)
        if y.min() == y.max():
            per_class.append(None)  # undefined: the class is absent (or is every sample)
        else:
            per_class.append(float(roc_auc_score(y, scores[:, c].astype(np.float64))))
    defined = [a for a in per_class if a is not None]
    return (float(np.mean(defined)) if defined else None), per_class


def softmax_case(name, task, labels, scores):
    auc, per_class = one_vs_rest(labels, scores)
    if task == "binary":
        # MedMNIST: AUC of the positive-class score, ACC at 0.5 on it.
        auc = float(roc_auc_score(labels, scores[:, 1].astype(np.float64)))
        acc = float(accuracy_score(labels, (scores[:, 1] > 0.5).astype(int)))
    else:
        acc = float(accuracy_score(labels, scores.argmax(axis=1)))
    extra = {}
    if task == "ordinal":
        k = scores.shape[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 0/0 for a constant case: scikit-learn warns and returns NaN
            kappa = float(cohen_kappa_score(labels, scores.argmax(axis=1), weights="quadratic", labels=list(range(k))))
        extra["kappa"] = None if np.isnan(kappa) else kappa
    return {**extra,
        "name": name, "task": task, "labelWidth": 1, "numOutputs": int(scores.shape[1]),
        "labels": [int(v) for v in labels], "scores": [float(v) for v in scores.reshape(-1)],
        "auc": auc, "acc": acc, "perClassAuc": per_class,
    }


def multilabel_case(name, labels, scores):
    per_label_auc, per_label_acc = [], []
    for j in range(labels.shape[1]):
        keep = labels[:, j] != -1  # -1 = unknown entry, masked out
        y, s = labels[keep, j], scores[keep, j].astype(np.float64)
        per_label_acc.append(float(accuracy_score(y, (s > 0.5).astype(int))) if keep.any() else None)
        per_label_auc.append(float(roc_auc_score(y, s)) if keep.any() and y.min() != y.max() else None)
    aucs = [a for a in per_label_auc if a is not None]
    accs = [a for a in per_label_acc if a is not None]
    return {
        "name": name, "task": "multi-label", "labelWidth": int(labels.shape[1]), "numOutputs": int(scores.shape[1]),
        "labels": [int(v) for v in labels.reshape(-1)], "scores": [float(v) for v in scores.reshape(-1)],
        "auc": float(np.mean(aucs)), "acc": float(np.mean(accs)), "perClassAuc": per_label_auc,
    }


cases = []

# Binary with heavy ties: positive-class scores on a 0.1 grid.
n = 40
y = rng.randint(0, 2, n)
p1 = f32(np.clip(np.round(0.25 * y + rng.uniform(0.1, 0.8, n), 1), 0, 1))
cases.append(softmax_case("binary-ties", "binary", y, f32(np.stack([1 - p1, p1], axis=1))))

# Binary, continuous scores, imbalanced (like BreastMNIST: ~27 % class 0).
n = 150
y = (rng.uniform(size=n) > 0.27).astype(int)
p1 = f32(1 / (1 + np.exp(-(1.2 * (2 * y - 1) + rng.normal(0, 1.5, n)))))
cases.append(softmax_case("binary-continuous", "binary", y, f32(np.stack([1 - p1, p1], axis=1))))

# Multi-class, 3 classes, softmax probabilities, some rows duplicated to force ties.
n = 60
y = rng.randint(0, 3, n)
logits = rng.normal(0, 1, (n, 3))
logits[np.arange(n), y] += 1.0
probs = f32(softmax(logits))
probs[10:15] = probs[0]  # identical score rows across (likely) different labels
cases.append(softmax_case("multiclass-3", "multi-class", y, probs))

# Ordinal, 5 grades (RetinaMNIST-like): same metric as multi-class.
n = 80
y = rng.choice(5, n, p=[0.45, 0.12, 0.2, 0.15, 0.08])
logits = rng.normal(0, 1, (n, 5))
logits[np.arange(n), y] += 0.8
cases.append(softmax_case("ordinal-5", "ordinal", y, f32(softmax(logits))))

# Multi-class with 4 outputs where class 2 never occurs in this split: its AUC is undefined
# and excluded from the mean.
n = 50
y = rng.choice([0, 1, 3], n)
logits = rng.normal(0, 1, (n, 4))
logits[np.arange(n), y] += 1.0
cases.append(softmax_case("multiclass-absent-class", "multi-class", y, f32(softmax(logits))))

# Multi-label, 4 labels, some entries masked (-1); label 3 is positive wherever it is known,
# so its AUC is undefined (excluded) while its ACC still counts.
n = 60
labels = (rng.uniform(size=(n, 4)) < np.array([0.3, 0.5, 0.15, 1.0])).astype(int)
mask = rng.uniform(size=(n, 4)) < 0.2
labels[mask] = -1
raw = rng.normal(0, 1.2, (n, 4)) + 1.3 * (labels == 1)
scores = f32(1 / (1 + np.exp(-raw)))
scores[:, 0] = f32(np.round(scores[:, 0], 1))  # ties in label 0
cases.append(multilabel_case("multilabel-masked", labels, scores))

# (Appended after the original cases so their random draws, and values, stay as they were.)
# Ordinal, 5 grades, grade 3 absent from the labels and coarse scores so argmax ties occur
# (a tie predicts the lowest grade, as numpy's argmax).
n = 60
y = rng.choice([0, 1, 2, 4], n, p=[0.4, 0.2, 0.25, 0.15])
logits = rng.normal(0, 1, (n, 5))
logits[np.arange(n), y] += 1.0
probs = f32(np.round(softmax(logits), 1))
cases.append(softmax_case("ordinal-absent-grade-ties", "ordinal", y, probs))

# Ordinal where every label and every prediction is grade 2: kappa undefined (null), AUC undefined.
n = 12
y = np.full(n, 2)
logits = rng.normal(0, 0.3, (n, 5))
logits[:, 2] += 3.0
cases.append(softmax_case("ordinal-constant", "ordinal", y, f32(softmax(logits))))

print(json.dumps({
    "producedBy": "/usr/bin/python3 packages/engine/reference/metrics_reference.py",
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "cases": cases,
}, indent=1))
