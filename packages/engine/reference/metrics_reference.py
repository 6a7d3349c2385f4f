"""Reference values of every registered metric (packages/core/src/metrics) for
packages/engine/src/metrics.test.ts, computed with scikit-learn (NumPy where it has no function):
- auc, acc as the MedMNIST evaluator computes them (per-class one-vs-rest roc_auc_score, ACC by
  argmax or at 0.5; multi-label per label over unmasked entries, then averaged);
- kappa: quadratic-weighted Cohen's kappa of the argmax grades for ordinal cases
  (cohen_kappa_score(weights="quadratic", labels=range(K)): every grade keeps its distance even when
  absent from the split; null where scikit-learn gives NaN, i.e. one and the same grade everywhere);
- balanced-accuracy: balanced_accuracy_score of the class predictions (mean recall over the
  classes present in the truth);
- f1: f1_score of the class-1 predictions (binary), average="macro" (multi-class, ordinal: the
  classes in the truth or the predictions), per label at 0.5 then averaged (multi-label); null
  where no sample is positive or predicted positive (scikit-learn: 0 with a warning);
- sensitivity-youden, specificity-youden (binary): TPR and 1 − FPR at the first argmax of
  TPR − FPR over roc_curve(drop_intermediate=False) of the class-1 probability;
- ece: expected calibration error in NumPy from its definition (15 equal-width bins on the max
  probability; scikit-learn has no function for it).
Each case lists the metrics its task defines under "metrics"; null = undefined (NaN).

Run from the repository root with Debian's interpreter (it has numpy and scikit-learn):
    /usr/bin/python3 packages/engine/reference/metrics_reference.py > packages/engine/reference/metrics-reference.json

Scores are rounded to float32 before scikit-learn sees them, so the TypeScript test (which
holds scores in a Float32Array) ranks exactly the same numbers, ties included.
"""
import json

import numpy as np
import sklearn
import warnings

from sklearn.metrics import accuracy_score, balanced_accuracy_score, cohen_kappa_score, f1_score, roc_auc_score, roc_curve

rng = np.random.RandomState(20240601)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


ALL_TASKS = {"binary", "multi-class", "ordinal", "multi-label"}
CLASS_TASKS = {"binary", "multi-class", "ordinal"}


def predicted(task, scores):
    """Class predictions as MedMNIST makes them: binary at 0.5 on the class-1 probability, else argmax."""
    return (scores[:, 1] > 0.5).astype(int) if task == "binary" else scores.argmax(axis=1)


def one_vs_rest(labels, scores):
    """Per-class one-vs-rest AUC (None where the class has no positives or no negatives)."""
    per_class = []
    for c in range(scores.shape[1]):
        y = (labels == c).astype(int)
        if y.min() == y.max():
            per_class.append(None)  # undefined: the class is absent (or is every sample)
        else:
            per_class.append(float(roc_auc_score(y, scores[:, c].astype(np.float64))))
    return per_class


def per_label(labels, scores, fn):
    """fn(y, s) on each label's unmasked entries (-1 = unknown, masked out); None for a label masked everywhere."""
    out = []
    for j in range(labels.shape[1]):
        keep = labels[:, j] != -1
        out.append(fn(labels[keep, j], scores[keep, j].astype(np.float64)) if keep.any() else None)
    return out


def mean_defined(values):
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def per_class_auc(task, labels, scores):
    if task == "multi-label":
        return per_label(labels, scores, lambda y, s: float(roc_auc_score(y, s)) if y.min() != y.max() else None)
    return one_vs_rest(labels, scores)


def auc(task, labels, scores):
    if task == "binary":
        # MedMNIST: AUC of the positive-class score
        y = labels
        return float(roc_auc_score(y, scores[:, 1].astype(np.float64))) if y.min() != y.max() else None
    return mean_defined(per_class_auc(task, labels, scores))


def acc(task, labels, scores):
    if task == "multi-label":
        return mean_defined(per_label(labels, scores, lambda y, s: float(accuracy_score(y, (s > 0.5).astype(int)))))
    return float(accuracy_score(labels, predicted(task, scores)))


def kappa(task, labels, scores):
    k = scores.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 for a constant case: scikit-learn warns and returns NaN
        value = float(cohen_kappa_score(labels, scores.argmax(axis=1), weights="quadratic", labels=list(range(k))))
    return None if np.isnan(value) else value


def balanced_accuracy(task, labels, scores):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "y_pred contains classes not in y_true": those are left out
        return float(balanced_accuracy_score(labels, predicted(task, scores)))


def f1(task, labels, scores):
    def binary_f1(y, pred):
        # 0/0 (no positive, none predicted): None, where scikit-learn would warn and give 0
        return float(f1_score(y, pred)) if (y == 1).sum() + (pred == 1).sum() > 0 else None
    if task == "binary":
        return binary_f1(labels, predicted(task, scores))
    if task == "multi-label":
        return mean_defined(per_label(labels, scores, lambda y, s: binary_f1(y, (s > 0.5).astype(int))))
    # macro over the classes in the truth or the predictions (labels=None)
    return float(f1_score(labels, predicted(task, scores), average="macro"))


def youden(labels, scores):
    """(sensitivity, specificity) at the first maximum of TPR − FPR over every ROC point, or Nones."""
    if labels.min() == labels.max():
        return None, None
    fpr, tpr, _ = roc_curve(labels, scores[:, 1].astype(np.float64), drop_intermediate=False)
    i = int(np.argmax(tpr - fpr))  # first maximum: the highest threshold
    return float(tpr[i]), float(1 - fpr[i])


def ece(task, labels, scores, bins=15):
    """Expected calibration error from its definition (scikit-learn has none): confidence = max
    probability, correct = argmax is the truth, bins (b/15, (b+1)/15] (the first also holds 0),
    ECE = sum over bins of |bin| / n * |accuracy - mean confidence| (Guo et al. 2017)."""
    conf = scores.max(axis=1).astype(np.float64)
    correct = (scores.argmax(axis=1) == labels).astype(np.float64)
    edges = np.arange(bins + 1) / bins
    total = 0.0
    for b in range(bins):
        in_bin = (conf <= edges[b + 1]) & ((conf > edges[b]) if b > 0 else True)
        if b == bins - 1:
            in_bin |= conf > 1
        if in_bin.any():
            total += in_bin.mean() * abs(correct[in_bin].mean() - conf[in_bin].mean())
    return float(total)


# Registered metric name -> (tasks it is defined for, reference function). A case lists the
# metrics its task defines; None is a value scikit-learn leaves undefined (NaN in TypeScript).
METRICS = {
    "auc": (ALL_TASKS, auc),
    "acc": (ALL_TASKS, acc),
    "kappa": ({"ordinal"}, kappa),
    "balanced-accuracy": (CLASS_TASKS, balanced_accuracy),
    "f1": (ALL_TASKS, f1),
    "sensitivity-youden": ({"binary"}, lambda task, labels, scores: youden(labels, scores)[0]),
    "specificity-youden": ({"binary"}, lambda task, labels, scores: youden(labels, scores)[1]),
    "ece": (CLASS_TASKS, ece),
}


def case(name, task, labels, scores):
    return {
        "name": name, "task": task,
        "labelWidth": int(labels.shape[1]) if task == "multi-label" else 1, "numOutputs": int(scores.shape[1]),
        "labels": [int(v) for v in labels.reshape(-1)], "scores": [float(v) for v in scores.reshape(-1)],
        "perClassAuc": per_class_auc(task, labels, scores),
        "metrics": {m: fn(task, labels, scores) for m, (tasks, fn) in METRICS.items() if task in tasks},
    }


def softmax_case(name, task, labels, scores):
    return case(name, task, labels, scores)


def multilabel_case(name, labels, scores):
    return case(name, "multi-label", labels, scores)


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

# Binary where every label and every prediction is class 0: AUC and F1 undefined (null).
n = 20
y = np.zeros(n, dtype=int)
p1 = f32(rng.uniform(0.05, 0.45, n))
cases.append(softmax_case("binary-negatives-only", "binary", y, f32(np.stack([1 - p1, p1], axis=1))))

# Binary with two ROC points of equal Youden J (0.5 at thresholds 0.9 and 0.4): the first, i.e.
# the highest threshold, gives sensitivity 0.5 and specificity 1.
y = np.array([0, 1, 0, 1])
p1 = f32([0.1, 0.4, 0.6, 0.9])
cases.append(softmax_case("binary-youden-tie", "binary", y, f32(np.stack([1 - p1, p1], axis=1))))

print(json.dumps({
    "producedBy": "/usr/bin/python3 packages/engine/reference/metrics_reference.py",
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "cases": cases,
}, indent=1))
