""":func:`audit`: read the table, run each check, rank the rows to review and write them.

The checks themselves live beside this module (:mod:`.duplicates`, :mod:`.crossval`,
:mod:`.label_issues`, :mod:`.ranking`); here are the order they run in, the settings they share
and what a given model contributes: its cross-validation settings, its columns and task as the
defaults for reading, and its label set to compare with the table's.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from classifier import defaults
from classifier.audit.crossval import STAGE, out_of_fold, recalibrated
from classifier.audit.duplicates import find_duplicates
from classifier.audit.label_issues import LabelIssues, judge_multi, judge_single, label_matrix
from classifier.audit.ranking import COLUMNS, rank
from classifier.audit.table import AuditTable, normalise, read_audit_table
from classifier.errors import InputError, LabelError, ModelError
from classifier.estimators.pipeline import build_pipeline
from classifier.files import check_writable
from classifier.io.model_file import load
from classifier.io.tables import STDIO, TableWriter, read_table, require_column, table_format
from classifier.labels import cell_text
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.validation import check_at_least, check_seed


def audit(
    data: str | Path,
    *,
    test: str | Path | None = None,
    model: Model | str | Path | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
    label_sep: str | None = None,
    multi_label: bool | None = None,
    folds: int = defaults.AUDIT_FOLDS,
    seed: int | None = None,
    near_duplicate: float = defaults.AUDIT_NEAR_DUPLICATE,
    shingle_words: int = defaults.AUDIT_SHINGLE_WORDS,
    min_label_rows: int = defaults.AUDIT_MIN_LABEL_ROWS,
    short_words: int = defaults.AUDIT_SHORT_WORDS,
    output: str | Path | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Audit the labelled table ``data``; return counts of each problem and the ranked rows to review.

    ``test``: a table (labelled or not, same text column) to check for
    overlap with ``data``. ``model`` (a :class:`Model` or the path of a saved
    one): the cross-validation uses its feature and model settings (and
    seed, unless ``seed`` is given) instead of the defaults; its text column,
    label column, separator and task are the defaults for reading ``data``;
    and the result lists the labels of ``data`` the model does not know and
    the model's labels ``data`` lacks. The model's own predictions are never
    used: it was trained on rows of this table, so it would vouch for their
    labels.

    With ``output``, every row to review is written there (CSV, TSV, JSON
    Lines or Parquet, from ``fmt`` or the file name; ``-`` for standard
    output), ranked, in the columns :data:`COLUMNS`; the file appears only
    when complete. ``row`` is the row's number in ``data``, counting the first
    row after the header as 1.

    Returns ``{"data", "rows_read", "task", "labels", "label_counts",
    "settings", "counts", "rows_flagged", "rows", "model", "output"}``:
    ``counts`` holds ``label_errors``, ``label_doubts``, ``exact_duplicates`` and
    ``near_duplicates`` (``{"groups", "rows"}``), ``conflicting_labels``
    (``{"groups", "rows"}``), ``test_overlap`` (``{"rows", "exact", "near",
    "test_rows"}``, or ``None`` without ``test``), ``rare_labels``
    (``{label: rows}``), ``empty_text``, ``missing_label`` and
    ``short_text``; ``rows`` is the ranked list of rows to review, one
    dictionary per row with the keys of :data:`COLUMNS`.
    """
    progress = progress or quiet_progress
    _check_settings(folds, near_duplicate, shingle_words, min_label_rows, short_words)
    check_seed(seed)
    if output is not None and str(output) != STDIO:
        table_format(output, fmt)
        if str(data) != STDIO and Path(output).resolve() == Path(data).resolve():
            raise InputError("The output file is the data file.", "Write the rows to review to a new file.")
        check_writable(output)
    loaded = load(model) if model is not None and not isinstance(model, Model) else model
    card = loaded.card if loaded is not None else {}
    text_col = text_col or card.get("text_col", defaults.TEXT_COL)
    label_sep = card.get("label_sep", defaults.LABEL_SEP) if label_sep is None else label_sep
    if multi_label is None and loaded is not None:
        multi_label = loaded.multi_label

    progress("Reading the data")
    table = read_audit_table(data, text_col=text_col, label_col=label_col, prefer=card.get("label_col"),
                             label_sep=label_sep, multi_label=multi_label, encoding=encoding)
    test_keys = None
    if test is not None:
        progress("Reading the test data")
        test_df = read_table(test, encoding=encoding)
        require_column(test_df, text_col, "`text_col`", test)
        test_keys = normalise(cell_text(test_df[text_col]))

    progress("Finding duplicates")
    dup = find_duplicates(table.keys, test_keys, near_duplicate, shingle_words)

    features, model_params, fit_seed = _settings(loaded, seed)
    progress(STAGE)
    pipeline = build_pipeline(features=features, model=model_params, seed=fit_seed)
    issues = _label_issues(table, pipeline, folds=folds, seed=fit_seed, progress=progress)

    progress("Ranking the rows to review")
    counts, rows = rank(table, dup, issues, test_keys is not None, min_label_rows, short_words)
    result = {
        "data": table.source,
        "rows_read": table.n,
        "task": "multi_label" if table.multi_label else "single_label",
        "labels": table.label_set,
        "label_counts": table.label_counts,
        "settings": {"folds": folds, "seed": fit_seed, "near_duplicate": near_duplicate,
                     "shingle_words": shingle_words, "min_label_rows": min_label_rows, "short_words": short_words,
                     "features": features, "model": model_params},
        "counts": counts,
        "rows_flagged": len(rows),
        "rows": rows,
        "model": _model_facts(loaded, model, table) if loaded is not None else None,
        "output": None,
    }
    if output is not None:
        progress("Writing the rows to review")
        frame = pd.DataFrame(rows, columns=COLUMNS)
        with TableWriter(output, fmt) as writer:
            writer.write(frame)
        result["output"] = str(output)
    return result


def _check_settings(folds, near_duplicate, shingle_words, min_label_rows, short_words) -> None:
    check_at_least("folds", folds, 2, f"Use `folds` {defaults.AUDIT_FOLDS}.")
    if not 0.5 <= near_duplicate <= 1:
        raise InputError(f"`near_duplicate` must be between 0.5 and 1, not {near_duplicate}.",
                         f"Use a Jaccard similarity such as {defaults.AUDIT_NEAR_DUPLICATE}.")
    check_at_least("shingle_words", shingle_words, 1, f"Use `shingle_words` {defaults.AUDIT_SHINGLE_WORDS}.")
    if min_label_rows < 0 or short_words < 0:
        raise InputError("`min_label_rows` and `short_words` cannot be negative.", "Use 0 to turn a check off.")


def _settings(model: Model | None, seed: int | None) -> tuple[dict | None, dict | None, int]:
    """The feature and model settings (and seed) to cross-validate with: the model's, else the defaults."""
    if model is None:
        return None, None, defaults.SEED if seed is None else seed
    params = model.card.get("params") or {}
    features = params.get("features")
    settings = {k: v for k, v in (params.get("model") or {}).items() if k != "random_state"}
    try:
        build_pipeline(features=features, model=settings, seed=defaults.SEED)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"The model's settings cannot be used by this version of classifier ({exc}).",
                         "Retrain the model, or audit without `model` to use the default settings.") from exc
    return features, settings or None, int(params.get("seed", defaults.SEED)) if seed is None else seed


def _model_facts(model: Model, given, table: AuditTable) -> dict:
    known = set(model.labels)
    found = set(table.label_set)
    return {
        "path": None if isinstance(given, Model) else str(given),
        "labels": model.labels,
        "task": model.card.get("task"),
        "used_for": ["cross-validation settings (features and model parameters)",
                     "default text column, label column, separator and task",
                     "comparing label sets"],
        "unknown_labels": sorted(found - known),
        "missing_labels": sorted(known - found),
    }


def _label_issues(table: AuditTable, pipeline, *, folds: int, seed: int, progress: Progress) -> LabelIssues:
    """Cross-validate ``pipeline`` on the rows with a text and a label, then judge every row's label."""
    usable = np.flatnonzero(table.has_text & table.has_label)
    labels = table.label_set
    if table.multi_label and not labels:
        raise LabelError(f"No row of {table.source} has a label.",
                         f"Label some rows, joining several labels with {table.sep!r}.")
    if not table.multi_label and len(labels) < 2:
        shown = f" ({labels[0]!r})" if labels else ""
        raise LabelError(f"{table.source} has fewer than two classes{shown}; there is nothing to compare labels "
                         "with.", "Check `label_col`, or add rows of other classes.")
    if len(usable) < folds:
        raise LabelError(f"{table.source} has {len(usable)} labelled rows, too few for {folds}-fold "
                         "cross-validation.", "Add rows, or pass a smaller `folds` (at least 2).")
    texts = [table.texts[i] for i in usable]
    given = [table.labels[i] for i in usable]
    fit = partial(out_of_fold, pipeline, texts, folds=folds, seed=seed, source=table.source, progress=progress)
    if table.multi_label:
        y = label_matrix(given, labels)
        probs, known = fit(y)
        return judge_multi(recalibrated(probs, y, known, seed), y, known, labels, usable, table.n)
    y = np.array(given, dtype=object)
    probs, known = fit(y)
    return judge_single(probs, y, known, sorted(set(given)), usable, table.n)
