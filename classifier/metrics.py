"""Scores of predictions against true labels, as plain dictionaries."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, confusion_matrix, precision_recall_fscore_support

from classifier import defaults
from classifier.errors import LabelError
from classifier.labels import decide


def _per_label(y_true, y_pred, labels, *, indicator: bool) -> dict:
    kwargs = {} if indicator else {"labels": labels}
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, zero_division=0, **kwargs)
    return {
        str(label): {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labels)
    }


def single_label_metrics(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict:
    """Accuracy, F1 averages, per-label scores and the confusion matrix.

    ``labels`` fixes the order of the confusion matrix; labels that occur only
    in ``y_true`` or ``y_pred`` are appended to it. A prediction of ``''``
    (abstained) counts as wrong.
    """
    y_true = [str(v) for v in y_true]
    y_pred = [str(v) for v in y_pred]
    order = list(labels) + sorted((set(y_true) | set(y_pred)) - set(labels) - {""})
    scored = [l for l in order if l in set(y_true) | set(labels)]
    kwargs = {"labels": scored, "zero_division": 0}
    return {
        "task": "single_label",
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)) if y_true else 0.0,
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", **kwargs)),
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", **kwargs)),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", **kwargs)),
        "per_label": _per_label(y_true, y_pred, scored, indicator=False),
        "confusion_matrix": {
            "labels": order,
            "matrix": confusion_matrix(y_true, y_pred, labels=order).tolist() if y_true else [],
        },
    }


def multi_label_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Micro/macro/weighted F1, subset accuracy, Hamming loss and per-label scores.

    ``y_true`` and ``y_pred`` are 0/1 matrices with one column per label in
    ``labels``. ``accuracy`` is the subset accuracy (every label of a row right).
    """
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    subset = float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0
    kwargs = {"zero_division": 0}
    return {
        "task": "multi_label",
        "n": int(len(y_true)),
        "accuracy": subset,
        "subset_accuracy": subset,
        "hamming_loss": float(hamming_loss(y_true, y_pred)) if len(y_true) else 0.0,
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", **kwargs)),
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", **kwargs)),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", **kwargs)),
        "samples_f1": float(f1_score(y_true, y_pred, average="samples", zero_division=1)),
        "per_label": _per_label(y_true, y_pred, labels, indicator=True),
    }


def reliability_bins(scores, outcomes, bins: int = 10) -> list[dict]:
    """Scores grouped into ``bins`` equal-width bins on [0, 1], with how often each bin's events happened.

    ``scores`` are predicted probabilities and ``outcomes`` 0/1 (or bool)
    values saying whether each predicted event happened. A score of exactly 1
    falls in the last bin. Returns one ``{"lower", "upper", "count",
    "mean_score", "frequency"}`` per bin, in order; an empty bin has a count of
    0 and ``None`` for its mean score and frequency.
    """
    scores = np.asarray(scores, dtype=float).ravel()
    outcomes = np.asarray(outcomes, dtype=float).ravel()
    if scores.shape != outcomes.shape:
        raise ValueError("scores and outcomes must have the same number of values")
    if bins < 1:
        raise ValueError("bins must be 1 or more")
    which = np.clip((scores * bins).astype(int), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    score_sums = np.bincount(which, weights=scores, minlength=bins)
    outcome_sums = np.bincount(which, weights=outcomes, minlength=bins)
    out = []
    for b in range(bins):
        n = int(counts[b])
        out.append({
            "lower": b / bins,
            "upper": (b + 1) / bins,
            "count": n,
            "mean_score": float(score_sums[b] / n) if n else None,
            "frequency": float(outcome_sums[b] / n) if n else None,
        })
    return out


def expected_calibration_error(scores, outcomes, bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean gap between score and frequency over the bins.

    ``ECE = sum over bins of (n_b / N) * |frequency_b - mean_score_b|`` with
    the equal-width bins of :func:`reliability_bins`. 0 is perfect; an empty
    input gives 0.
    """
    table = reliability_bins(scores, outcomes, bins)
    total = sum(row["count"] for row in table)
    if not total:
        return 0.0
    return float(sum(row["count"] * abs(row["frequency"] - row["mean_score"]) for row in table if row["count"]) / total)


def calibration_events(probs: np.ndarray, truth, multi_label: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (score, outcome) pairs whose calibration ``evaluate`` reports.

    Single-label (``truth``: one column index per row, -1 for a label the
    model does not know): the top label's probability, and whether the top
    label is the true one. Multi-label (``truth``: a 0/1 matrix shaped like
    ``probs``): every label's probability, and whether the row has that label.
    """
    probs = np.asarray(probs, dtype=float)
    if multi_label:
        return probs.ravel(), np.asarray(truth, dtype=float).ravel()
    if len(probs) == 0:
        return np.zeros(0), np.zeros(0)
    top = probs.argmax(axis=1)
    return probs[np.arange(len(probs)), top], (top == np.asarray(truth)).astype(float)

def score(model, texts: list[str], gold: list, multi_label: bool, threshold: float | None = None,
           probs: np.ndarray | None = None) -> dict:
    """Metrics of ``model`` on ``texts`` against ``gold`` labels (``probs``: the model's, if already computed).

    Adds ``ece``, the expected calibration error over ``ece_bins`` equal-width
    bins: single-label, of the top label's probability against whether it is
    right; multi-label, of every label's probability against whether the row
    has that label.
    """
    if not texts:
        raise LabelError("There are no labelled rows to score.", "Check the test table's columns.")
    if probs is None:
        probs = model.predict_proba(texts)
    predicted, _ = decide(probs, model.labels, multi_label, threshold=model.threshold_for(threshold))
    if multi_label:
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer(classes=model.labels)
        known = set(model.labels)
        unknown = sorted({l for row in gold for l in row} - known)
        y_true = binarizer.fit_transform([[l for l in row if l in known] for row in gold])
        y_pred = binarizer.transform(predicted)
        result = multi_label_metrics(y_true, y_pred, model.labels)
        if unknown:
            result["unknown_labels"] = unknown
        truth = y_true
    else:
        result = single_label_metrics(list(gold), [p[0] if p else "" for p in predicted], model.labels)
        index = {label: i for i, label in enumerate(model.labels)}
        truth = np.array([index.get(str(g), -1) for g in gold])
    scores, outcomes = calibration_events(probs, truth, multi_label)
    result["ece"] = expected_calibration_error(scores, outcomes, defaults.ECE_BINS)
    result["ece_bins"] = defaults.ECE_BINS
    return result
