"""Labelled tables: texts and their labels read from any table format, with counts of skipped rows.

:func:`read_labelled` is the one reader of labelled tables, for training, evaluation and audit; it also reads
Label Studio and Prodigy annotation exports (:mod:`classifier.io.annotations`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.errors import InputError
from classifier.fingerprints import table_sha256
from classifier.io.annotations import annotation_export, read_annotations
from classifier.io.tables import STDIO, read_table
from classifier.labels import LabelSpec, cell_text, label_layout, parse_multi, parse_single
from classifier.text_limits import cut_texts


def default_dataset() -> Path:
    """Path of the embedded labelled dataset (``data/`` in a checkout, or inside the installed package)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "data" / defaults.DATASET_NAME, here.parent / "data" / defaults.DATASET_NAME):
        if candidate.is_file():
            return candidate
    raise InputError("The embedded dataset is missing from this installation.",
                     "Reinstall classifier, or give a DATA file to train on.")


@dataclass
class LabelledData:
    """Texts and labels read from a table, with counts of what was skipped."""

    texts: list[str]
    labels: list  # single-label: list[str]; multi-label: list[tuple[str, ...]]
    spec: LabelSpec
    source: str
    rows_read: int
    skipped: dict = field(default_factory=dict)
    sha256: str = ""
    texts_cut: int = 0

    @property
    def label_set(self) -> list[str]:
        if self.spec.multi_label:
            return sorted({label for row in self.labels for label in row})
        return sorted(set(self.labels) - {""})


def read_labelled(
    source: str | Path,
    *,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    prefer_label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
    fingerprint: bool = True,
    every_row: bool = False,
    max_chars: int | None = None,
) -> LabelledData:
    """Read a labelled table, dropping rows with no text (and, single-label, no label).

    Without ``label_col``, the label column is ``prefer_label_col`` if the
    table has it, else ``label``, else ``labels``. ``multi_label=None`` decides from the column: multi-label if any cell
    holds ``label_sep`` or the column is named ``labels``. ``fingerprint``
    reads the file once more for its SHA-256 (``sha256``; empty without it).
    ``every_row`` drops nothing (the audit reports those rows): ``texts`` and
    ``labels`` then hold every row in file order, ``''`` for a missing cell of text or
    single label; ``skipped`` still counts the rows that would be dropped. A text longer than
    ``max_chars`` characters (default :data:`classifier.defaults.MAX_TEXT_CHARS`) is cut to its first
    ``max_chars``, and counted in ``texts_cut``.
    """
    export = annotation_export(source)
    df, unlabelled = (read_annotations(source, export, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                       encoding=encoding) if export else (read_table(source, encoding=encoding), {}))
    name = "standard input" if str(source) == STDIO else str(source)
    column, multi_label = label_layout(df, source, text_col=text_col, label_col=label_col, prefer=prefer_label_col,
                                       label_sep=label_sep, multi_label=multi_label)
    spec = LabelSpec(column=column, multi_label=multi_label, sep=label_sep)
    texts = cell_text(df[text_col])
    has_text = texts != ""
    skipped = {"empty_text": int((~has_text).sum())}
    if multi_label:
        keep = has_text
    else:
        raw = parse_single(df[column])
        has_label = raw != ""
        skipped["missing_label"] = int((has_text & ~has_label).sum())
        keep = has_text & has_label
    skipped.update(unlabelled)
    if every_row:
        keep = pd.Series(True, index=df.index)
    labels = parse_multi(df.loc[keep, column], label_sep) if multi_label else raw[keep].tolist()
    kept = df.loc[keep, text_col].astype(object)
    texts, cut = cut_texts(kept.where(kept.notna(), "").map(str).tolist(), max_chars)
    return LabelledData(
        texts=texts,
        labels=labels,
        spec=spec,
        source=name,
        rows_read=len(df) + sum(unlabelled.values()),
        skipped=skipped,
        sha256=table_sha256(source, df) if fingerprint else "",
        texts_cut=cut,
    )
