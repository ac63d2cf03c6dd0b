"""How probabilities become output cells: the decision rule, and scoring one chunk of a table.

Used alike by local batch prediction and the Dask engine, so a row gets the same cells whichever
runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from classifier import defaults
from classifier.errors import ColumnError, InputError
from classifier.labels import cell_text, chosen, decide
from classifier.model import Model
from classifier.text_limits import cut_texts, text_limit


@dataclass(frozen=True)
class Decision:
    """How probabilities become output cells: which labels, how many, from what threshold."""

    text_col: str
    labels: tuple[str, ...]
    multi_label: bool
    sep: str
    top_k: int | None = None
    threshold: float | tuple[float, ...] | None = None
    probs: bool = False
    explain: bool = False
    safe_csv: bool = False
    max_chars: int = defaults.MAX_TEXT_CHARS

    @classmethod
    def for_model(cls, model: Model, *, text_col: str = defaults.TEXT_COL, top_k: int | None = None,
                  threshold: float | None = None, probs: bool = False, explain: bool = False,
                  safe_csv: bool = False, max_chars: int | None = None) -> "Decision":
        sep = model.card.get("label_sep", defaults.LABEL_SEP)
        if not model.multi_label and (top_k or 1) > 1:
            joined = [label for label in model.labels if sep in label]
            if joined:
                raise InputError(f"The model's label {joined[0]!r} holds the separator {sep!r}, so with `top_k` "
                                 f"{top_k} a cell of several labels joined by {sep!r} could not be split back.",
                                 "Predict with `top_k` 1 (the default), or retrain with labels that do not hold "
                                 f"{sep!r}.")
        return cls(text_col=text_col, labels=tuple(model.labels), multi_label=model.multi_label,
                   sep=model.card.get("label_sep", defaults.LABEL_SEP), top_k=top_k,
                   threshold=_hashable(model.threshold_for(threshold)), probs=probs, explain=explain,
                   safe_csv=safe_csv, max_chars=text_limit(max_chars))

    @property
    def several(self) -> bool:
        """Whether a row can get several labels (so scores are joined text, not one number)."""
        return self.multi_label or (self.top_k or 1) > 1

    def check_columns(self, columns, source) -> None:
        """Refuse input ``columns`` that already hold a column this decision adds (it would be overwritten)."""
        taken = [name for name in self.added_columns() if name in columns]
        if taken:
            raise ColumnError(f"The input already has column(s) {', '.join(map(repr, taken))}, which predict adds.",
                              "Rename them in the input; predict never overwrites an input column.")

    def added_columns(self) -> list[str]:
        names = [defaults.PREDICTED_LABEL, defaults.PREDICTED_SCORE]
        if self.probs:
            names += [defaults.PROB_PREFIX + label for label in self.labels]
        if self.explain:
            names.append(defaults.PREDICTED_TERMS)
        return names


def score_chunk(model: Model, chunk: pd.DataFrame, decision: Decision) -> tuple[pd.DataFrame, int, int]:
    """``chunk`` with the prediction columns added, how many of its rows were scored, and how many of
    their texts were scored on their first ``decision.max_chars`` characters only.

    Rows whose text is empty (after stripping) are kept with an empty label and score. Every input
    cell is written back whole, a cut text too.
    """
    texts = cell_text(chunk[decision.text_col])
    keep = np.flatnonzero((texts != "").to_numpy())
    n = len(chunk)
    labels_col = np.full(n, "", dtype=object)
    scores_col = np.full(n, "" if decision.several else np.nan, dtype=object if decision.several else float)
    prob_cols = np.full((n, len(decision.labels)), np.nan)
    terms_col = np.full(n, "", dtype=object)
    cut = 0
    if len(keep):
        kept_texts, cut = cut_texts(chunk[decision.text_col].iloc[keep].map(str).tolist(), decision.max_chars)
        p = np.asarray(model.predict_proba(kept_texts))
        labels_col[keep], scores_col[keep] = cells(p, decision)
        prob_cols[keep] = p.round(4)
        if decision.explain:
            terms_col[keep] = model.explainer.rows(kept_texts, probs=p, top_k=decision.top_k,
                                                      threshold=decision.threshold)
    out = chunk.copy()
    out[defaults.PREDICTED_LABEL] = labels_col
    out[defaults.PREDICTED_SCORE] = scores_col
    if decision.probs:
        for j, label in enumerate(decision.labels):
            out[defaults.PROB_PREFIX + label] = prob_cols[:, j]
    if decision.explain:
        out[defaults.PREDICTED_TERMS] = terms_col
    if decision.safe_csv:
        out = neutralised(out)
    return out, len(keep), cut


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Starts of a cell that spreadsheets read as a formula (OWASP's list for CSV injection)."""


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run as a formula prefixed with ``'``
    (which spreadsheets show as text); numbers (``-2``, ``+1.5``) and other cells are unchanged."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS) and not _number(v))
        if risky.any():
            out[column] = values.where(~risky, "'" + values.astype(str))
    return out


def cells(p: np.ndarray, d: Decision) -> tuple[np.ndarray, np.ndarray]:
    """The label and score cells of the rows of ``p`` (the labels of :func:`classifier.labels.chosen`;
    multi-label cells list them in label order, others most probable first)."""
    labels = np.asarray(d.labels, dtype=object)
    n = len(p)
    if d.multi_label:
        return _joined_by_pattern(p, chosen(p, True, top_k=d.top_k, threshold=d.threshold), labels, d.sep)
    threshold = defaults.THRESHOLD_SINGLE if d.threshold is None else d.threshold
    if (d.top_k or 1) == 1:
        best = p.argmax(axis=1)
        top = p[np.arange(n), best]
        ok = top >= threshold
        label_cells = np.where(ok, labels[best], "").astype(object)
        score_cells = np.array([round(float(s), 4) if y else np.nan for s, y in zip(top, ok)], dtype=float)
        return label_cells, score_cells
    chosen_labels, scores = decide(p, list(d.labels), False, top_k=d.top_k, threshold=threshold)
    return (np.array([d.sep.join(row) for row in chosen_labels], dtype=object),
            np.array([d.sep.join(f"{s:.4f}" for s in row) for row in scores], dtype=object))


def _joined_by_pattern(p, chosen, labels, sep):
    """Multi-label cells in label order, built once per distinct set of chosen labels (there are few)."""
    n = len(p)
    label_cells = np.full(n, "", dtype=object)
    score_cells = np.full(n, "", dtype=object)
    patterns, inverse = np.unique(chosen, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    for i, pattern in enumerate(patterns):
        cols = np.flatnonzero(pattern)
        if not len(cols):
            continue
        rows = np.flatnonzero(inverse == i)
        label_cells[rows] = sep.join(labels[cols])
        text = np.char.mod("%.4f", p[np.ix_(rows, cols)])
        joined = text[:, 0]
        for j in range(1, len(cols)):
            joined = np.char.add(np.char.add(joined, sep), text[:, j])
        score_cells[rows] = joined.astype(object)
    return label_cells, score_cells


def _hashable(threshold):
    """A threshold as a frozen decision holds it: one number, a tuple of per-label numbers, or ``None``."""
    return tuple(float(t) for t in threshold) if threshold is not None and np.ndim(threshold) else threshold
