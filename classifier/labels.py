"""Labels: finding the label column, parsing single- and multi-label cells, and
turning probabilities back into labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import defaults
from .errors import ColumnError, InputError, LabelError
from .tables import require_column


@dataclass(frozen=True)
class LabelSpec:
    """Where labels live in a table and how they are written."""

    column: str
    multi_label: bool
    sep: str = defaults.LABEL_SEP


def find_label_column(df: pd.DataFrame, label_col: str | None, source, prefer: str | None = None) -> str:
    """Return the label column: ``label_col`` if given, else the first of ``prefer``, ``label``, ``labels`` present."""
    if label_col is not None:
        if label_col not in df.columns:
            raise ColumnError(
                f"{source} has no label column {label_col!r} (its columns: {_columns(df)}).",
                "Pass --label-col with one of those names.",
            )
        return label_col
    for name in (prefer, *defaults.LABEL_COLS) if prefer else defaults.LABEL_COLS:
        if name in df.columns:
            return name
    tried = " or ".join(map(repr, defaults.LABEL_COLS))
    raise ColumnError(f"{source} has no {tried} column (its columns: {_columns(df)}).",
                      "Pass --label-col with the name of the column that holds the labels.")


def label_layout(df: pd.DataFrame, source, *, text_col: str, label_col: str | None, prefer: str | None,
                 label_sep: str, multi_label: bool | None) -> tuple[str, bool]:
    """Check a labelled table's layout; return its label column and whether it is multi-label.

    Raises when the table has no rows, lacks the text or label column, uses
    one column for both, or the separator is empty. ``multi_label=None``
    decides from the column (see :func:`detect_multi_label`).
    """
    name = "standard input" if str(source) == "-" else str(source)
    if len(df) == 0:
        raise LabelError(f"{name} has a header but no rows.", "Add labelled rows to the table.")
    require_column(df, text_col, "--text-col", source)
    column = find_label_column(df, label_col, name, prefer=prefer)
    if column == text_col:
        raise ColumnError(f"The text and label columns are both {column!r}.", "Pass --text-col or --label-col.")
    if not label_sep:
        raise InputError("The label separator is empty.", "Pass --label-sep with a character such as '|'.")
    if multi_label is None:
        multi_label = detect_multi_label(df[column], column, label_sep)
    return column, multi_label


def _columns(df: pd.DataFrame) -> str:
    return ", ".join(repr(str(c)) for c in df.columns) or "none"


def cell_text(values: pd.Series) -> pd.Series:
    """Cells as stripped strings; missing values (NaN, None) become ``''``."""
    values = values.astype(object)
    return values.where(values.notna(), "").map(str).str.strip()


def detect_multi_label(values: pd.Series, column: str, sep: str) -> bool:
    """A column is multi-label if any cell joins several labels with ``sep``, or if it is named ``labels``."""
    if column == "labels":
        return True
    return bool(cell_text(values).str.contains(sep, regex=False).any())


def parse_single(values: pd.Series) -> pd.Series:
    """Single-label cells as strings; ``''`` marks a missing label."""
    return cell_text(values)


def parse_multi(values: pd.Series, sep: str) -> list[tuple[str, ...]]:
    """Multi-label cells as sorted tuples of labels; an empty cell is the empty tuple."""
    out = []
    for cell in cell_text(values):
        parts = {p.strip() for p in cell.split(sep)} if cell else set()
        parts.discard("")
        out.append(tuple(sorted(parts)))
    return out


def decide(
    probs: np.ndarray,
    classes: list[str],
    multi_label: bool,
    *,
    top_k: int | None = None,
    threshold: float | None = None,
) -> tuple[list[list[str]], list[list[float]]]:
    """Turn a probability matrix into each row's labels and their probabilities.

    Single-label: the ``top_k`` most probable labels (default 1), dropping those
    below ``threshold`` (default 0, so the best label is always given).
    Multi-label: every label whose probability reaches ``threshold`` (default
    0.5), most probable first, at most ``top_k`` of them when given.
    """
    if threshold is None:
        threshold = defaults.THRESHOLD_MULTI if multi_label else defaults.THRESHOLD_SINGLE
    if top_k is None:
        top_k = len(classes) if multi_label else defaults.TOP_K
    top_k = max(1, min(top_k, len(classes)))
    if top_k == 1:
        best = probs.argmax(axis=1)
        value = probs[np.arange(len(probs)), best]
        names = np.asarray(classes, dtype=object)[best].tolist()
        return ([[n] if v >= threshold else [] for n, v in zip(names, value.tolist())],
                [[v] if v >= threshold else [] for v in value.tolist()])
    order = np.argsort(-probs, axis=1, kind="stable")[:, :top_k]
    labels, scores = [], []
    for row, idx in zip(probs.tolist(), order.tolist()):
        keep = [i for i in idx if row[i] >= threshold]
        labels.append([classes[i] for i in keep])
        scores.append([row[i] for i in keep])
    return labels, scores
