"""Labels: finding the label column, parsing single- and multi-label cells, and
turning probabilities back into labels."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from classifier import defaults
from classifier.errors import ColumnError, InputError, LabelError

if TYPE_CHECKING:  # pandas only in annotations: the decision rule is imported by predictions that never read a table
    import pandas as pd


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
                "Pass `label_col` with one of those names.",
            )
        return label_col
    for name in (prefer, *defaults.LABEL_COLS) if prefer else defaults.LABEL_COLS:
        if name in df.columns:
            return name
    tried = " or ".join(map(repr, defaults.LABEL_COLS))
    raise ColumnError(f"{source} has no {tried} column (its columns: {_columns(df)}).",
                      "Pass `label_col` with the name of the column that holds the labels.")


def label_layout(df: pd.DataFrame, source, *, text_col: str, label_col: str | None, prefer: str | None,
                 label_sep: str, multi_label: bool | None) -> tuple[str, bool]:
    """Check a labelled table's layout; return its label column and whether it is multi-label.

    Raises when the table has no rows, lacks the text or label column, uses
    one column for both, or the separator is empty. ``multi_label=None``
    decides from the column (see :func:`detect_multi_label`).
    """
    from classifier.io.tables import require_column

    name = "standard input" if str(source) == "-" else str(source)
    if len(df) == 0:
        raise LabelError(f"{name} has a header but no rows.", "Add labelled rows to the table.")
    require_column(df, text_col, "`text_col`", source)
    column = find_label_column(df, label_col, name, prefer=prefer)
    if column == text_col:
        raise ColumnError(f"The text and label columns are both {column!r}.", "Pass `text_col` or `label_col`.")
    if not label_sep:
        raise InputError("The label separator is empty.", "Pass `label_sep` with a character such as '|'.")
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


def label_name(text: str) -> str:
    """A label as the model knows it: Unicode NFKC, the normal form the features read texts in, so that
    "Café" typed with a composed é and with e plus a combining accent is one label."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def parse_single(values: pd.Series) -> pd.Series:
    """Single-label cells as strings (see :func:`label_name`); ``''`` marks a missing label."""
    return cell_text(values).map(label_name)


def parse_multi(values: pd.Series, sep: str) -> list[tuple[str, ...]]:
    """Multi-label cells as sorted tuples of labels; an empty cell is the empty tuple."""
    out = []
    for cell in cell_text(values):
        parts = {label_name(p.strip()) for p in cell.split(sep)} if cell else set()
        parts.discard("")
        out.append(tuple(sorted(parts)))
    return out


def chosen(probs: np.ndarray, multi_label: bool, *, top_k: int | None = None,
           threshold=None) -> np.ndarray:
    """Which labels each row gets, as a rows x labels boolean matrix.

    Single-label: the ``top_k`` most probable labels (default 1), dropping those
    below ``threshold`` (default 0, so the best label is always given).
    Multi-label: every label whose probability reaches ``threshold`` (default
    0.5), at most the ``top_k`` most probable of them when given. Ties go to the
    label listed first. ``threshold`` is one probability, or one per label (a
    multi-label model's own thresholds).
    """
    n, m = probs.shape
    if threshold is None:
        threshold = defaults.THRESHOLD_MULTI if multi_label else defaults.THRESHOLD_SINGLE
    if top_k is None:
        top_k = m if multi_label else defaults.TOP_K
    k = max(1, min(top_k, m))
    rows = np.arange(n)
    if k == 1:
        mask = np.zeros((n, m), dtype=bool)
        best = probs.argmax(axis=1)
        bar = threshold[best] if np.ndim(threshold) else threshold
        mask[rows, best] = probs[rows, best] >= bar
        return mask
    mask = probs >= threshold
    if k < m:
        top = np.zeros_like(mask)
        top[rows[:, None], np.argsort(-probs, axis=1, kind="stable")[:, :k]] = True
        mask &= top
    return mask


def decide(
    probs: np.ndarray,
    classes: list[str],
    multi_label: bool,
    *,
    top_k: int | None = None,
    threshold=None,
) -> tuple[list[list[str]], list[list[float]]]:
    """Each row's labels (see :func:`chosen`) and their probabilities, most probable first."""
    mask = chosen(probs, multi_label, top_k=top_k, threshold=threshold)
    k = (len(classes) if multi_label else defaults.TOP_K) if top_k is None else top_k
    if max(1, min(k, len(classes))) == 1:
        best = probs.argmax(axis=1)
        value = probs[np.arange(len(probs)), best].tolist()
        names = np.asarray(classes, dtype=object)[best].tolist()
        ok = mask.any(axis=1).tolist()
        return ([[n] if y else [] for n, y in zip(names, ok)], [[v] if y else [] for v, y in zip(value, ok)])
    order = np.argsort(-probs, axis=1, kind="stable")
    labels, scores = [], []
    for row, idx, keep in zip(probs.tolist(), order.tolist(), mask.tolist()):
        picked = [i for i in idx if keep[i]]
        labels.append([classes[i] for i in picked])
        scores.append([row[i] for i in picked])
    return labels, scores


def _shown(labels, most: int = 6) -> str:
    labels = sorted(labels)
    shown = ", ".join(map(repr, labels[:most]))
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def check_table_labels(model, gold: list, column: str, source: str) -> None:
    """Raise :class:`LabelError` if the labels ``gold`` (read from ``column``) cannot be scored by ``model``.

    ``gold`` holds one label per row for a single-label model, one tuple of
    labels per row for a multi-label one. Some unknown labels are fine (they
    are reported with the metrics); none known at all, or multi-label cells for
    a single-label model, is an error.
    """
    known = set(model.labels)
    sep = model.card.get("label_sep", defaults.LABEL_SEP)
    if model.multi_label:
        found = {label for row in gold for label in row}
    else:
        found = set(gold)
        joined = sorted(cell for cell in found if cell not in known and sep in cell
                        and any(part.strip() in known for part in cell.split(sep)))
        if joined:
            raise LabelError(f"The model is single-label, but column {column!r} of {source} has cells that join "
                             f"several labels with {sep!r} (such as {joined[0]!r}): it was labelled for a "
                             "multi-label model.",
                             "Evaluate a multi-label model on it, or pass `label_col` with a column of single labels.")
    if found and not found & known:
        raise LabelError(f"None of the labels in column {column!r} of {source} ({_shown(found)}) is a label of the "
                         f"model ({_shown(known)}): the model was trained with a different label layout.",
                         "Evaluate the model trained for these labels, or pass `label_col` with the column that "
                         "holds this model's labels.")


def unsafe_label(label: str) -> str | None:
    """Why ``label`` cannot be a label name, or ``None``: a control character (it would act on the
    terminal it is printed to), or a start that a spreadsheet reads as a formula (``=``, ``@``, or
    ``+``/``-`` not followed by a number) when the label is written into a ``predicted_label`` cell."""
    if any(unicodedata.category(ch) == "Cc" for ch in label):
        return "holds a control character"
    if label[:1] in ("=", "@"):
        return f"starts with {label[0]!r}, which spreadsheets read as a formula"
    if label[:1] in ("+", "-"):
        try:
            float(label)
        except ValueError:
            return f"starts with {label[0]!r}, which spreadsheets read as a formula"
    return None


def check_label_names(labels, source: str) -> None:
    """Refuse label names that :func:`unsafe_label` rejects, naming the first and why."""
    for label in labels:
        reason = unsafe_label(str(label))
        if reason:
            raise LabelError(f"The label {label!r} in {source} {reason}.",
                             "Rename the label in the table (for example without the leading sign), then train again.")
