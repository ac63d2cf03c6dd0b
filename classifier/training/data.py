"""Labelled data prepared for training: checks that it can train a model, held-out splits, targets."""

from __future__ import annotations

from collections import Counter

import numpy as np

from classifier.errors import LabelError
from classifier.io.labelled import LabelledData


def check_trainable(data: LabelledData) -> None:
    if not data.texts:
        raise LabelError(f"{data.source} has no rows with both a text and a label.",
                         "Check the `text_col` and `label_col` columns.")
    if data.spec.multi_label:
        if not data.label_set:
            raise LabelError(f"No row of {data.source} has a label in column {data.spec.column!r}.",
                             f"Label some rows, joining several labels with {data.spec.sep!r}.")
    elif len(data.label_set) < 2:
        raise LabelError(f"{data.source} has only one class ({data.label_set[0]!r}); a classifier needs two or more.",
                         "Add rows of other classes, or check `label_col`.")


def strata(data: LabelledData) -> list[str]:
    """One stratum per row: its label, or (multi-label) its rarest label, rare strata pooled."""
    if data.spec.multi_label:
        freq = Counter(label for row in data.labels for label in row)
        strata = [min(row, key=lambda l: (freq[l], l)) if row else "" for row in data.labels]
    else:
        strata = list(data.labels)
    counts = Counter(strata)
    return [s if counts[s] >= 2 else "\0rare" for s in strata]


def split(data: LabelledData, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Indices of a held-out split, stratified by label where the counts allow it."""
    index = np.arange(len(data.texts))
    if len(index) < 2:
        raise LabelError(f"{data.source} has too few rows to hold some out for testing.",
                         "Add rows, or pass `test_size` 0 to train without a held-out score.")
    from sklearn.model_selection import train_test_split

    try:
        train, test = train_test_split(index, test_size=test_size, random_state=seed, stratify=strata(data))
        return train, test, True
    except ValueError:
        train, test = train_test_split(index, test_size=test_size, random_state=seed)
        return train, test, False


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
