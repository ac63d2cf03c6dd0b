"""Scores of predictions against true labels, as plain dictionaries."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, confusion_matrix, precision_recall_fscore_support


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
