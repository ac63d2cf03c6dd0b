"""Labelled data prepared for training: checks that it can train a model, its targets and label counts.

(The held-out slice is drawn by the pipeline itself: see :mod:`classifier.estimators.holdout`.)
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from classifier.errors import LabelError
from classifier.io.labelled import LabelledData
from classifier.labels import check_label_names


def check_trainable(data: LabelledData) -> None:
    if not data.texts:
        raise LabelError(f"{data.source} has no rows with both a text and a label.",
                         "Check the `text_col` and `label_col` columns.")
    if data.spec.multi_label:
        if not data.label_set:
            raise LabelError(f"No row of {data.source} has a label in column {data.spec.column!r}.",
                             f"Label some rows, joining several labels with {data.spec.sep!r}.")
    check_label_names(data.label_set, data.source)
    if not data.spec.multi_label and len(data.label_set) < 2:
        raise LabelError(f"{data.source} has only one class ({data.label_set[0]!r}); a classifier needs two or more.",
                         "Add rows of other classes, or check `label_col`.")


def targets(data: LabelledData, idx) -> np.ndarray:
    """The labels of the rows ``idx`` as the classifier takes them: a 0/1 matrix over
    ``data.label_set`` (multi-label) or an array of label strings (single-label)."""
    if data.spec.multi_label:
        from sklearn.preprocessing import MultiLabelBinarizer

        return MultiLabelBinarizer(classes=data.label_set).fit_transform([data.labels[i] for i in idx])
    return np.array([data.labels[i] for i in idx], dtype=object)


def label_counts(data: LabelledData) -> dict[str, int]:
    if data.spec.multi_label:
        counts = Counter(label for row in data.labels for label in row)
        counts_none = sum(1 for row in data.labels if not row)
        return {**{k: counts[k] for k in sorted(counts)}, "(none)": counts_none}
    counts = Counter(data.labels)
    return {k: counts[k] for k in sorted(counts)}


def task_name(data: LabelledData) -> str:
    return "multi_label" if data.spec.multi_label else "single_label"
