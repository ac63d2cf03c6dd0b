"""The labelled table as the audit sees it: every row kept, in file order, with where text and label are.

Training drops rows without text (or, single-label, without a label); the audit reports them, so
it reads the table with :func:`~classifier.io.labelled.read_labelled` keeping every row and adds
what its checks need: which rows have a text and a label, and each text's duplicate key.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.io.labelled import read_labelled

WORD = re.compile(r"\w+")
"""A word, as the audit counts words (short texts) and shingles texts (near duplicates)."""


@dataclass
class AuditTable:
    """A labelled table with every row kept: ``texts[i]`` and ``labels[i]`` are row ``i + 1`` of the file."""

    source: str
    n: int
    texts: list[str]
    keys: pd.Series        # per row: the text as compared for exact duplicates ('' without text)
    has_text: np.ndarray
    labels: list           # single-label: str ('' if missing); multi-label: tuple of str
    has_label: np.ndarray
    multi_label: bool
    sep: str

    @property
    def label_set(self) -> list[str]:
        """Every label of the table, sorted (rows without text included)."""
        if self.multi_label:
            return sorted({label for row in self.labels for label in row})
        return sorted({label for label in self.labels if label})

    @property
    def label_counts(self) -> dict[str, int]:
        """Rows with a text per label, by label."""
        if self.multi_label:
            counts = Counter(label for row, ok in zip(self.labels, self.has_text) if ok for label in row)
        else:
            counts = Counter(label for label, ok in zip(self.labels, self.has_text & self.has_label) if ok)
        return {label: counts[label] for label in sorted(counts)}

    def label_cell(self, i: int) -> str:
        """Row ``i``'s label(s) as written in a table cell."""
        return self.sep.join(self.labels[i]) if self.multi_label else self.labels[i]


def read_audit_table(source: str | Path, *, text_col: str, label_col: str | None, prefer: str | None,
                     label_sep: str, multi_label: bool | None, encoding: str | None) -> AuditTable:
    """Read ``source`` keeping every row (see :func:`~classifier.io.labelled.read_labelled`)."""
    data = read_labelled(source, text_col=text_col, label_col=label_col, prefer_label_col=prefer,
                         label_sep=label_sep, multi_label=multi_label, encoding=encoding, fingerprint=False,
                         every_row=True)
    multi = data.spec.multi_label
    stripped = pd.Series(data.texts, dtype=object).str.strip()
    if multi:
        has_label = np.ones(data.rows_read, dtype=bool)
    else:
        has_label = np.array([label != "" for label in data.labels], dtype=bool)
    return AuditTable(source=data.source, n=data.rows_read, texts=data.texts, keys=normalise(stripped),
                      has_text=(stripped != "").to_numpy(), labels=data.labels, has_label=has_label,
                      multi_label=multi, sep=label_sep)


def normalise(texts: pd.Series) -> pd.Series:
    """Texts as compared for exact duplicates: case-folded, white space collapsed to single spaces."""
    return texts.astype(str).str.casefold().str.split().str.join(" ").fillna("")
