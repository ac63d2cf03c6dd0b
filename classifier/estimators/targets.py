"""Classifier targets: telling single- from multi-label ``y`` and turning multi-label ``y`` into a 0/1 matrix.

A single-label target is a 1-D sequence of labels. A multi-label target is either a 2-D 0/1
indicator matrix (scikit-learn's convention; its columns are named by ``classes``, else by
their numbers) or a sequence of label collections (tuples, lists or sets of label names, as
``MultiLabelBinarizer`` takes them).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

_COLLECTIONS = (tuple, list, set, frozenset)


def indicator(y) -> np.ndarray | None:
    """``y`` as a 2-D array if it is an indicator matrix (a 2-D array, sparse matrix, frame or list of
    equal-length rows, of 0/1 numbers), else ``None``. A 2-D column of other numbers is a single-label
    target given as a column vector."""
    if sparse.issparse(y):
        y = y.toarray()
    elif isinstance(y, (list, tuple)):
        if not (len(y) and all(isinstance(row, (list, tuple, np.ndarray)) for row in y)):
            return None
        try:
            y = np.asarray(y)
        except ValueError:
            return None
    elif not isinstance(y, np.ndarray) and hasattr(y, "__array__"):
        y = np.asarray(y)
    if not isinstance(y, np.ndarray) or y.ndim != 2 or y.dtype.kind not in "biuf":
        return None
    return y if np.isin(y, (0, 1)).all() else None


def is_multi_label(y) -> bool:
    """Whether ``y`` is a multi-label target: an indicator matrix or a sequence of label collections."""
    if indicator(y) is not None:
        return True
    rows = y if isinstance(y, (list, tuple)) else np.asarray(y, dtype=object)
    if getattr(rows, "ndim", 1) != 1:
        return False
    return len(rows) > 0 and all(isinstance(row, _COLLECTIONS) for row in rows)


def label_matrix(y, classes=None) -> tuple[np.ndarray, np.ndarray]:
    """A multi-label ``y`` as a rows x classes boolean matrix, and the class names of its columns.

    An indicator matrix keeps its columns (named by ``classes`` when given, else ``0..k-1``);
    label collections get one column per name of ``classes`` (default: every label seen,
    sorted), and a label outside ``classes`` is an error.
    """
    matrix = indicator(y)
    if matrix is not None:
        if classes is not None and len(classes) != matrix.shape[1]:
            raise ValueError(f"`classes` names {len(classes)} labels but the indicator matrix `y` has "
                             f"{matrix.shape[1]} columns")
        names = np.arange(matrix.shape[1]) if classes is None else np.asarray(list(classes), dtype=object)
        return matrix.astype(bool), names
    rows = [tuple(row) for row in y]
    seen = sorted({label for row in rows for label in row})
    names = np.asarray(seen if classes is None else list(classes), dtype=object)
    column = {label: k for k, label in enumerate(names.tolist())}
    unknown = sorted(set(seen) - set(column), key=str)
    if unknown:
        raise ValueError(f"`y` holds labels that are not in `classes`: {', '.join(map(str, unknown))}")
    matrix = np.zeros((len(rows), len(names)), dtype=bool)
    for i, row in enumerate(rows):
        matrix[i, [column[label] for label in row]] = True
    return matrix, names


def label_rows(matrix: np.ndarray, names: np.ndarray) -> list[tuple]:
    """The label names of each row of a boolean ``matrix`` whose columns are ``names``."""
    names = list(names)
    return [tuple(names[k] for k in np.flatnonzero(row)) for row in matrix]
