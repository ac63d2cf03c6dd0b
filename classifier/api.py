"""The library: train, load, predict, evaluate and describe text classifiers.

Every function returns plain data (dictionaries, lists, :class:`Model`) and
raises :class:`~classifier.errors.ClassifierError` subclasses for problems a
user can fix. Nothing here prints; long steps report through an optional
``progress`` callback ``progress(stage, done=None, total=None)``.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MultiLabelBinarizer

from . import __version__, defaults
from .bundle import Model, VersionWarning, describe_file, library_versions
from .bundle import load as _load
from .bundle import save as _save
from .errors import ClassifierError, ColumnError, InputError, LabelError
from .labels import LabelSpec, cell_text, decide, detect_multi_label, find_label_column, parse_multi, parse_single
from .metrics import multi_label_metrics, single_label_metrics
from .pipeline import build_pipeline, fit_pipeline, pipeline_params
from .tables import STDIO, TableWriter, iter_table, read_table, require_column
from .terms import top_terms

Progress = Callable[..., None]


def quiet_progress(stage: str, done: int | None = None, total: int | None = None) -> None:
    """The default progress callback: report nothing."""


def default_dataset() -> Path:
    """Path of the embedded labelled dataset (``data/`` in a checkout, or inside the installed package)."""
    here = Path(__file__).resolve().parent
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

    @property
    def label_set(self) -> list[str]:
        if self.spec.multi_label:
            return sorted({label for row in self.labels for label in row})
        return sorted(set(self.labels))


def read_labelled(
    source: str | Path,
    *,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    prefer_label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
) -> LabelledData:
    """Read a labelled table, dropping rows with no text (and, single-label, no label).

    Without ``label_col``, the label column is ``prefer_label_col`` if the
    table has it, else ``label``, else ``labels``. ``multi_label=None`` decides from the column: multi-label if any cell
    holds ``label_sep`` or the column is named ``labels``.
    """
    df = read_table(source, encoding=encoding)
    name = "standard input" if str(source) == STDIO else str(source)
    if len(df) == 0:
        raise LabelError(f"{name} has a header but no rows.", "Add labelled rows to the table.")
    require_column(df, text_col, "--text-col", source)
    column = find_label_column(df, label_col, name, prefer=prefer_label_col)
    if column == text_col:
        raise ColumnError(f"The text and label columns are both {column!r}.", "Pass --text-col or --label-col.")
    if not label_sep:
        raise InputError("The label separator is empty.", "Pass --label-sep with a character such as '|'.")
    if multi_label is None:
        multi_label = detect_multi_label(df[column], column, label_sep)
    spec = LabelSpec(column=column, multi_label=multi_label, sep=label_sep)
    texts = cell_text(df[text_col])
    has_text = texts != ""
    skipped = {"empty_text": int((~has_text).sum())}
    if multi_label:
        keep = has_text
        labels = parse_multi(df.loc[keep, column], label_sep)
    else:
        raw = parse_single(df[column])
        has_label = raw != ""
        skipped["missing_label"] = int((has_text & ~has_label).sum())
        keep = has_text & has_label
        labels = raw[keep].tolist()
    return LabelledData(
        texts=df.loc[keep, text_col].map(str).tolist(),
        labels=labels,
        spec=spec,
        source=name,
        rows_read=len(df),
        skipped=skipped,
        sha256=_fingerprint(source, df),
    )


def _fingerprint(source, df: pd.DataFrame) -> str:
    """SHA-256 of the file's bytes (of the parsed table for standard input)."""
    digest = hashlib.sha256()
    if str(source) == STDIO:
        digest.update(df.to_csv(index=False).encode("utf-8"))
    else:
        with open(source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _check_trainable(data: LabelledData) -> None:
    if not data.texts:
        raise LabelError(f"{data.source} has no rows with both a text and a label.",
                         "Check the --text-col and --label-col columns.")
    if data.spec.multi_label:
        if not data.label_set:
            raise LabelError(f"No row of {data.source} has a label in column {data.spec.column!r}.",
                             f"Label some rows, joining several labels with {data.spec.sep!r}.")
    elif len(data.label_set) < 2:
        raise LabelError(f"{data.source} has only one class ({data.label_set[0]!r}); a classifier needs two or more.",
                         "Add rows of other classes, or check --label-col.")


def _strata(data: LabelledData) -> list[str]:
    """One stratum per row: its label, or (multi-label) its rarest label, rare strata pooled."""
    if data.spec.multi_label:
        freq = Counter(label for row in data.labels for label in row)
        strata = [min(row, key=lambda l: (freq[l], l)) if row else "" for row in data.labels]
    else:
        strata = list(data.labels)
    counts = Counter(strata)
    return [s if counts[s] >= 2 else "\0rare" for s in strata]


def _split(data: LabelledData, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Indices of a held-out split, stratified by label where the counts allow it."""
    index = np.arange(len(data.texts))
    if len(index) < 2:
        raise LabelError(f"{data.source} has too few rows to hold some out for testing.",
                         "Add rows, or pass --test-size 0 to train without a held-out score.")
    try:
        train, test = train_test_split(index, test_size=test_size, random_state=seed, stratify=_strata(data))
        return train, test, True
    except ValueError:
        train, test = train_test_split(index, test_size=test_size, random_state=seed)
        return train, test, False


def _targets(data: LabelledData, idx, binarizer: MultiLabelBinarizer | None):
    if binarizer is not None:
        return binarizer.transform([data.labels[i] for i in idx])
    return np.array([data.labels[i] for i in idx], dtype=object)


def _fit(data: LabelledData, idx, *, features, model_params, seed):
    """Fit a fresh pipeline on the rows ``idx``; return it and its label list."""
    texts = [data.texts[i] for i in idx]
    if data.spec.multi_label:
        binarizer = MultiLabelBinarizer(classes=data.label_set)
        y = binarizer.fit_transform([data.labels[i] for i in idx])
        labels = list(binarizer.classes_)
    else:
        y = np.array([data.labels[i] for i in idx], dtype=object)
        labels = sorted(set(y))
        if len(labels) < 2:
            raise LabelError(f"The training slice of {data.source} holds only one class ({labels[0]!r}).",
                             "Add rows of other classes, or pass --test-size 0 or --test FILE.")
    pipeline = build_pipeline(len(texts), features=features, model=model_params, seed=seed)
    fit_pipeline(pipeline, texts, y)
    if not data.spec.multi_label:
        labels = [str(c) for c in pipeline.named_steps["model"].classes_]
    return pipeline, labels


def train(
    data: str | Path | None = None,
    *,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    test: str | Path | None = None,
    test_size: float | None = None,
    seed: int = defaults.SEED,
    refit: bool = defaults.REFIT,
    features: dict | None = None,
    model_params: dict | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> Model:
    """Train a model on ``data`` (default: the embedded dataset) and measure it on held-out rows.

    Held-out rows are ``test`` (a labelled table) if given, else a stratified
    ``test_size`` slice of ``data`` (default 0.2; ``0``: no held-out score). With
    a slice and ``refit``, the returned model is refitted on every row after
    the held-out score is taken. The result's ``card`` holds the metrics.
    """
    if test is not None and test_size is not None:
        raise InputError("--test and --test-size cannot be used together.",
                         "Use --test FILE to score on a file, or --test-size F to hold out a slice.")
    test_size = defaults.TEST_SIZE if test_size is None else test_size
    if not 0 <= test_size < 1:
        raise InputError(f"--test-size must be at least 0 and below 1, not {test_size}.",
                         "Use a fraction such as 0.2.")
    source = Path(data) if data is not None and str(data) != STDIO else (data if data is not None else default_dataset())
    progress("Reading the training data")
    labelled = read_labelled(source, text_col=text_col, label_col=label_col, label_sep=label_sep,
                             multi_label=multi_label, encoding=encoding)
    _check_trainable(labelled)
    notes = []
    holdout: dict = {"source": "none"}
    metrics = None
    all_rows = np.arange(len(labelled.texts))
    fit_kwargs = {"features": features, "model_params": model_params, "seed": seed}

    if test is not None:
        progress("Reading the test data")
        held = read_labelled(test, text_col=text_col, label_col=labelled.spec.column, label_sep=label_sep,
                             multi_label=labelled.spec.multi_label, encoding=encoding)
        progress("Fitting the model")
        pipeline, labels = _fit(labelled, all_rows, **fit_kwargs)
        progress("Scoring the test data")
        model = Model(pipeline, {"labels": labels, "task": _task(labelled)})
        metrics = _score(model, held.texts, held.labels, labelled.spec.multi_label)
        holdout = {"source": "file", "path": str(test), "rows": len(held.texts), "sha256": held.sha256}
    elif test_size > 0:
        train_idx, test_idx, stratified = _split(labelled, test_size, seed)
        if not stratified:
            notes.append("The held-out slice is not stratified: some labels have too few rows.")
        progress("Fitting the model on the training slice")
        pipeline, labels = _fit(labelled, train_idx, **fit_kwargs)
        progress("Scoring the held-out slice")
        model = Model(pipeline, {"labels": labels, "task": _task(labelled)})
        metrics = _score(model, [labelled.texts[i] for i in test_idx], [labelled.labels[i] for i in test_idx],
                         labelled.spec.multi_label)
        holdout = {"source": "split", "test_size": test_size, "seed": seed, "stratified": stratified,
                   "rows_train": len(train_idx), "rows_test": len(test_idx)}
        if refit:
            progress("Refitting on all rows")
            pipeline, labels = _fit(labelled, all_rows, **fit_kwargs)
        holdout["refit_on_all_rows"] = refit
    else:
        progress("Fitting the model")
        pipeline, labels = _fit(labelled, all_rows, **fit_kwargs)
        notes.append("No held-out score: trained with --test-size 0.")

    counts = _label_counts(labelled)
    card = {
        "classifier_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "task": _task(labelled),
        "labels": labels,
        "label_counts": counts,
        "text_col": text_col,
        "label_col": labelled.spec.column,
        "label_sep": labelled.spec.sep,
        "training_data": {
            "path": _display_path(source),
            "rows_read": labelled.rows_read,
            "rows_used": len(labelled.texts),
            "rows_skipped": labelled.skipped,
            "sha256": labelled.sha256,
        },
        "params": {**pipeline_params(pipeline), "seed": seed},
        "holdout": holdout,
        "metrics": metrics,
        "notes": notes,
        "library_versions": library_versions(),
    }
    if holdout.get("source") == "split" and not refit:
        card["training_data"]["rows_used"] = holdout["rows_train"]
    return Model(pipeline=pipeline, card=card)


def _task(data: LabelledData) -> str:
    return "multi_label" if data.spec.multi_label else "single_label"


def _display_path(source) -> str:
    if str(source) == STDIO:
        return "-"
    path = Path(source).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _label_counts(data: LabelledData) -> dict[str, int]:
    if data.spec.multi_label:
        counts = Counter(label for row in data.labels for label in row)
        counts_none = sum(1 for row in data.labels if not row)
        return {**{k: counts[k] for k in sorted(counts)}, "(none)": counts_none}
    counts = Counter(data.labels)
    return {k: counts[k] for k in sorted(counts)}


def _score(model: Model, texts: list[str], gold: list, multi_label: bool, threshold: float | None = None) -> dict:
    """Metrics of ``model`` on ``texts`` against ``gold`` labels."""
    if not texts:
        raise LabelError("There are no labelled rows to score.", "Check the test table's columns.")
    probs = model.predict_proba(texts)
    predicted, _ = decide(probs, model.labels, multi_label, threshold=threshold)
    if multi_label:
        binarizer = MultiLabelBinarizer(classes=model.labels)
        known = set(model.labels)
        unknown = sorted({l for row in gold for l in row} - known)
        y_true = binarizer.fit_transform([[l for l in row if l in known] for row in gold])
        y_pred = binarizer.transform(predicted)
        result = multi_label_metrics(y_true, y_pred, model.labels)
        if unknown:
            result["unknown_labels"] = unknown
        return result
    return single_label_metrics(list(gold), [p[0] if p else "" for p in predicted], model.labels)


def save(model: Model, path: str | Path = defaults.MODEL_PATH) -> Path:
    """Save ``model`` to ``path`` (atomically: an existing file is replaced only when the new one is complete)."""
    return _save(model, path)


def load(path: str | Path = defaults.MODEL_PATH) -> Model:
    """Load a model saved with :func:`save`."""
    return _load(path)


def predict(
    model: Model, texts: Iterable[str], *, top_k: int | None = None, threshold: float | None = None
) -> list[dict]:
    """Labels for each text: ``[{"text", "labels": [...], "scores": [...]}]``, labels most probable first.

    An empty or whitespace-only text gets no labels.
    """
    texts = [("" if t is None else str(t)) for t in texts]
    _check_decision(top_k, threshold)
    keep = [i for i, t in enumerate(texts) if t.strip()]
    results = [{"text": t, "labels": [], "scores": []} for t in texts]
    if keep:
        probs = model.predict_proba([texts[i] for i in keep])
        labels, scores = decide(probs, model.labels, model.multi_label, top_k=top_k, threshold=threshold)
        for i, lab, sc in zip(keep, labels, scores):
            results[i]["labels"], results[i]["scores"] = lab, sc
    return results


def _check_decision(top_k, threshold) -> None:
    if top_k is not None and top_k < 1:
        raise InputError(f"--top-k must be 1 or more, not {top_k}.", "Use --top-k 1 for the best label only.")
    if threshold is not None and not 0 <= threshold <= 1:
        raise InputError(f"--threshold must be between 0 and 1, not {threshold}.", "Use a probability such as 0.5.")


def added_columns(model: Model, probs: bool) -> list[str]:
    """Names of the columns batch prediction adds to a table."""
    names = [defaults.PREDICTED_LABEL, defaults.PREDICTED_SCORE]
    if probs:
        names += [defaults.PROB_PREFIX + label for label in model.labels]
    return names


def predict_table(
    model: Model,
    source: str | Path,
    output: str | Path,
    *,
    text_col: str = defaults.TEXT_COL,
    top_k: int | None = None,
    threshold: float | None = None,
    probs: bool = False,
    fmt: str | None = None,
    chunk_size: int = defaults.CHUNK_SIZE,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Score every row of the table ``source`` and write it, with prediction columns added, to ``output``.

    Rows are streamed in chunks of ``chunk_size``; the output keeps every
    input row in order with its columns unchanged, and adds
    ``predicted_label`` (labels joined by the model's separator, in the
    model's label order for multi-label, empty when none) and ``predicted_score`` (the probability of each predicted label,
    joined the same way when there are several), plus ``prob_<label>`` columns
    with ``probs``. Rows with an empty text are kept, unscored. Returns counts:
    ``{"rows_read", "rows_scored", "rows_skipped", "output"}``.
    """
    _check_decision(top_k, threshold)
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be 1 or more, not {chunk_size}.", "Use a value such as 10000.")
    if str(output) != STDIO and str(source) != STDIO and Path(output).resolve() == Path(source).resolve():
        raise InputError("The output file is the input file.", "Write the predictions to a new file.")
    added = added_columns(model, probs)
    sep = model.card.get("label_sep", defaults.LABEL_SEP)
    several = model.multi_label or (top_k or 1) > 1
    read = scored = 0
    chunks = iter_table(source, chunk_size=chunk_size, encoding=encoding)
    first = next(chunks)
    require_column(first, text_col, "--text-col", source)
    taken = [name for name in added if name in first.columns]
    if taken:
        raise ColumnError(f"The input already has column(s) {', '.join(map(repr, taken))}, which predict adds.",
                          "Rename them in the input; predict never overwrites an input column.")
    progress("Predicting", 0, None)
    with TableWriter(output, fmt) as writer:
        for chunk in _chain(first, chunks):
            texts = cell_text(chunk[text_col])
            keep = np.flatnonzero((texts != "").to_numpy())
            labels_col = np.full(len(chunk), "", dtype=object)
            scores_col = np.full(len(chunk), "" if several else np.nan, dtype=object if several else float)
            prob_cols = np.full((len(chunk), len(model.labels)), np.nan)
            if len(keep):
                p = model.predict_proba(chunk[text_col].iloc[keep].map(str).tolist())
                labels, scores = decide(p, model.labels, model.multi_label, top_k=top_k, threshold=threshold)
                if model.multi_label:
                    labels, scores = _in_label_order(labels, scores, model.labels)
                labels_col[keep] = [sep.join(l) for l in labels]
                if several:
                    scores_col[keep] = [sep.join(f"{s:.4f}" for s in row) for row in scores]
                else:
                    scores_col[keep] = [round(row[0], 4) if row else np.nan for row in scores]
                prob_cols[keep] = p.round(4)
            out = chunk.copy()
            out[defaults.PREDICTED_LABEL] = labels_col
            out[defaults.PREDICTED_SCORE] = scores_col
            if probs:
                for j, label in enumerate(model.labels):
                    out[defaults.PROB_PREFIX + label] = prob_cols[:, j]
            writer.write(out)
            read += len(chunk)
            scored += len(keep)
            progress("Predicting", read, None)
    return {"rows_read": read, "rows_scored": scored, "rows_skipped": read - scored, "output": str(output)}


def _in_label_order(labels, scores, order):
    """Sort each row's labels (and their scores) into the model's label order, as a labels cell is written."""
    rank = {label: i for i, label in enumerate(order)}
    pairs = [sorted(zip(l, s), key=lambda pair: rank[pair[0]]) for l, s in zip(labels, scores)]
    return [[p[0] for p in row] for row in pairs], [[p[1] for p in row] for row in pairs]


def _chain(first, rest):
    yield first
    yield from rest


def evaluate(
    model: Model,
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    threshold: float | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Score ``model`` on the labelled table ``data``.

    Columns default to those the model was trained with. Returns the metrics
    dictionary (``n``, ``accuracy``, ``macro_f1``, ``micro_f1``,
    ``weighted_f1``, ``per_label``; single-label adds ``confusion_matrix``,
    multi-label ``subset_accuracy`` and ``hamming_loss``) plus the counts of
    rows read and skipped.
    """
    _check_decision(None, threshold)
    progress("Reading the data")
    text_col = text_col or model.card.get("text_col", defaults.TEXT_COL)
    labelled = read_labelled(data, text_col=text_col, label_col=label_col,
                             prefer_label_col=model.card.get("label_col"),
                             label_sep=model.card.get("label_sep", defaults.LABEL_SEP),
                             multi_label=model.multi_label, encoding=encoding)
    progress("Scoring")
    result = _score(model, labelled.texts, labelled.labels, model.multi_label, threshold)
    result["rows_read"] = labelled.rows_read
    result["rows_skipped"] = labelled.skipped
    result["data"] = labelled.source
    return result


def describe(model: Model | str | Path = defaults.MODEL_PATH, *, top: int = defaults.TOP_TERMS) -> dict:
    """The model card plus the ``top`` strongest terms of each label."""
    if isinstance(model, Model):
        info = dict(model.card)
    else:
        info = describe_file(model)
        model = load(model)
    info["top_terms"] = top_terms(model.pipeline, model.labels, top)
    return info


def json_safe(value):
    """``value`` with NaN and infinities replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


__all__ = ["Model", "VersionWarning", "ClassifierError", "InputError", "json_safe", "quiet_progress", "train", "save", "load", "predict", "predict_table", "evaluate", "describe",
           "read_labelled", "default_dataset", "added_columns"]

