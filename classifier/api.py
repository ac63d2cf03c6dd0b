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
from .bundle import Model, VersionWarning, library_versions, load_described
from .bundle import convert as _convert
from .bundle import load as _load
from .bundle import save as _save
from .errors import ClassifierError, InputError, LabelError, OutputError
from .explain import explain_rows, top_terms
from .labels import LabelSpec, cell_text, decide, label_layout, parse_multi, parse_single
from .layout import check_table_labels
from .metrics import calibration_events, expected_calibration_error, multi_label_metrics, single_label_metrics
from .pipeline import build_pipeline, cross_fitted_probabilities, fit_pipeline, pipeline_params
from .tables import STDIO, read_table

Progress = Callable[..., None]


def quiet_progress(stage: str, done: int | None = None, total: int | None = None, **details) -> None:
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
    fingerprint: bool = True,
) -> LabelledData:
    """Read a labelled table, dropping rows with no text (and, single-label, no label).

    Without ``label_col``, the label column is ``prefer_label_col`` if the
    table has it, else ``label``, else ``labels``. ``multi_label=None`` decides from the column: multi-label if any cell
    holds ``label_sep`` or the column is named ``labels``. ``fingerprint``
    reads the file once more for its SHA-256 (``sha256``; empty without it).
    """
    df = read_table(source, encoding=encoding)
    name = "standard input" if str(source) == STDIO else str(source)
    column, multi_label = label_layout(df, source, text_col=text_col, label_col=label_col, prefer=prefer_label_col,
                                       label_sep=label_sep, multi_label=multi_label)
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
        sha256=_fingerprint(source, df) if fingerprint else "",
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


def _targets(data: LabelledData, idx) -> np.ndarray:
    """The labels of the rows ``idx`` as the classifier takes them: a 0/1 matrix over
    ``data.label_set`` (multi-label) or an array of label strings (single-label)."""
    if data.spec.multi_label:
        return MultiLabelBinarizer(classes=data.label_set).fit_transform([data.labels[i] for i in idx])
    return np.array([data.labels[i] for i in idx], dtype=object)


def _fit(data: LabelledData, idx, *, features, model_params, seed, calibrate_later: bool = False):
    """Fit a fresh pipeline on the rows ``idx``; return it and its label list.

    With ``calibrate_later`` the model skips its own cross-validated
    calibration: the caller calibrates it on held-out margins.
    """
    if calibrate_later:
        model_params = {**(model_params or {}), "calibration_folds": 0}
    texts = [data.texts[i] for i in idx]
    y = _targets(data, idx)
    if data.spec.multi_label:
        labels = list(data.label_set)
    else:
        labels = sorted(set(y))
        if len(labels) < 2:
            raise LabelError(f"The training slice of {data.source} holds only one class ({labels[0]!r}).",
                             "Add rows of other classes, or pass --test-size 0 or --test FILE.")
    pipeline = build_pipeline(len(texts), features=features, model=model_params, seed=seed)
    fit_pipeline(pipeline, texts, y)
    if not data.spec.multi_label:
        labels = [str(c) for c in pipeline.named_steps["model"].classes_]
    return pipeline, labels


def holdout_size(test, test_size: float | None) -> float:
    """The fraction of the training table to hold out, given ``--test`` and ``--test-size``.

    Raises when both are given or the fraction is not in [0, 1); ``None``
    means the default (``defaults.TEST_SIZE``).
    """
    if test is not None and test_size is not None:
        raise InputError("--test and --test-size cannot be used together.",
                         "Use --test FILE to score on a file, or --test-size F to hold out a slice.")
    test_size = defaults.TEST_SIZE if test_size is None else test_size
    if not 0 <= test_size < 1:
        raise InputError(f"--test-size must be at least 0 and below 1, not {test_size}.",
                         "Use a fraction such as 0.2.")
    return test_size


def _slice_can_calibrate(data: LabelledData, test_idx) -> bool:
    """Whether to calibrate on the held-out slice: single-label models whose every class has at least
    ``defaults.MIN_SLICE_POSITIVES`` rows in it.

    Multi-label models always calibrate each label on out-of-fold margins of
    all training rows: per-label sigmoids fitted on a slice's few positives
    were noisy (on the embedded dataset, held-out micro-F1 0.852 against
    0.875; on India Police Events' test set, macro-F1 0.613 against 0.664).
    Single-label models calibrate better on the slice, whose margins come
    from a model trained on more rows (US Congress test ECE 0.036 against
    0.070).
    """
    if data.spec.multi_label:
        return False
    counts = Counter(data.labels[i] for i in test_idx)
    return all(counts[label] >= defaults.MIN_SLICE_POSITIVES for label in data.label_set)


def _held_out_margins(pipeline, data: LabelledData, idx) -> tuple[np.ndarray, np.ndarray]:
    """The fitted pipeline's raw margins on the rows ``idx``, and their true labels as a 0/1 matrix."""
    margins = pipeline.decision_function([data.texts[i] for i in idx])
    return margins, pipeline.named_steps["model"].targets(_targets(data, idx))


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
    out_of_core: bool | None = None,
    progress: Progress = quiet_progress,
) -> Model:
    """Train a model on ``data`` (default: the embedded dataset) and measure it on held-out rows.

    Held-out rows are ``test`` (a labelled table) if given, else a stratified
    ``test_size`` slice of ``data`` (default 0.2; ``0``: no held-out score). With
    a slice and ``refit``, the returned model is refitted on every row after
    the held-out score is taken. The result's ``card`` holds the metrics.

    ``out_of_core`` (default: for files above ``defaults.OUT_OF_CORE_BYTES``)
    trains in bounded memory instead: see :func:`classifier.outofcore.train`.
    """
    from .outofcore import use_out_of_core

    if use_out_of_core(data, out_of_core):
        from . import outofcore

        if features or model_params:
            raise InputError("Out-of-core training has its own features and model settings.",
                             "Drop the feature and model options, or train in memory.")
        return outofcore.train(data if data is not None else default_dataset(), text_col=text_col,
                               label_col=label_col, label_sep=label_sep, multi_label=multi_label, test=test,
                               test_size=test_size, seed=seed, encoding=encoding, progress=progress)
    test_size = holdout_size(test, test_size)
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
        on_slice = _slice_can_calibrate(labelled, test_idx)
        progress("Fitting the model on the training slice")
        pipeline, labels = _fit(labelled, train_idx, calibrate_later=on_slice, **fit_kwargs)
        progress("Scoring the held-out slice")
        model = Model(pipeline, {"labels": labels, "task": _task(labelled)})
        held_texts = [labelled.texts[i] for i in test_idx]
        held_gold = [labelled.labels[i] for i in test_idx]
        probs = None
        if on_slice:
            margins, target = _held_out_margins(pipeline, labelled, test_idx)
            probs = cross_fitted_probabilities(margins, target, labelled.spec.multi_label, seed)
            pipeline.named_steps["model"].calibrate(margins, target)
        metrics = _score(model, held_texts, held_gold, labelled.spec.multi_label, probs=probs)
        holdout = {"source": "split", "test_size": test_size, "seed": seed, "stratified": stratified,
                   "rows_train": len(train_idx), "rows_test": len(test_idx)}
        if refit:
            progress("Refitting on all rows")
            pipeline, refit_labels = _fit(labelled, all_rows, calibrate_later=on_slice, **fit_kwargs)
            if on_slice:
                if refit_labels != labels:
                    raise LabelError("The labels of the training slice and of all rows differ.",
                                     "Pass --test-size 0 or --test FILE.")
                pipeline.named_steps["model"].calibrate(margins, target)
            labels = refit_labels
        holdout["refit_on_all_rows"] = refit
        holdout["calibration"] = ("fitted on the held-out slice's margins (its scores use cross-fitted halves)"
                                  if on_slice else "fitted on out-of-fold margins of the training rows")
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


def _score(model: Model, texts: list[str], gold: list, multi_label: bool, threshold: float | None = None,
           probs: np.ndarray | None = None) -> dict:
    """Metrics of ``model`` on ``texts`` against ``gold`` labels (``probs``: the model's, if already computed).

    Adds ``ece``, the expected calibration error over ``ece_bins`` equal-width
    bins: single-label, of the top label's probability against whether it is
    right; multi-label, of every label's probability against whether the row
    has that label.
    """
    if not texts:
        raise LabelError("There are no labelled rows to score.", "Check the test table's columns.")
    if probs is None:
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
        truth = y_true
    else:
        result = single_label_metrics(list(gold), [p[0] if p else "" for p in predicted], model.labels)
        index = {label: i for i, label in enumerate(model.labels)}
        truth = np.array([index.get(str(g), -1) for g in gold])
    scores, outcomes = calibration_events(probs, truth, multi_label)
    result["ece"] = expected_calibration_error(scores, outcomes, defaults.ECE_BINS)
    result["ece_bins"] = defaults.ECE_BINS
    return result


def save(model: Model, path: str | Path = defaults.MODEL_PATH) -> Path:
    """Save ``model`` to ``path`` (atomically: an existing file is replaced only when the new one is complete).

    A ``.skops`` path is written in the skops format, which loads without running code from the file;
    any other suffix in the joblib format, a pickle.
    """
    return _save(model, path)


def load(path: str | Path = defaults.MODEL_PATH) -> Model:
    """Load a model saved with :func:`save`.

    A skops file is loaded trusting only the types this project writes (any other type: a
    :class:`~classifier.errors.ModelError` listing them). A joblib file is a pickle: loading one can
    run arbitrary code, so only load joblib files you trust.
    """
    return _load(path)


def predict(
    model: Model, texts: Iterable[str], *, top_k: int | None = None, threshold: float | None = None,
    explain: bool = False,
) -> list[dict]:
    """Labels for each text: ``[{"text", "labels": [...], "scores": [...]}]``, labels most probable first.

    An empty or whitespace-only text gets no labels. With ``explain``, each
    result also has ``"terms"``: the terms behind its labels with their
    contributions (see :func:`classifier.explain.explain_rows`).
    """
    texts = [("" if t is None else str(t)) for t in texts]
    _check_decision(top_k, threshold)
    keep = [i for i, t in enumerate(texts) if t.strip()]
    labels: list = [[] for _ in texts]
    scores: list = [[] for _ in texts]
    terms = [""] * len(texts)
    if keep:
        kept = texts if len(keep) == len(texts) else [texts[i] for i in keep]
        probs = model.predict_proba(kept)
        found, values = decide(probs, model.labels, model.multi_label, top_k=top_k, threshold=threshold)
        for i, lab, sc in zip(keep, found, values):
            labels[i], scores[i] = lab, sc
        if explain:
            for i, why in zip(keep, explain_rows(model, kept, probs=probs, top_k=top_k, threshold=threshold)):
                terms[i] = why
    results = [{"text": t, "labels": lab, "scores": sc} for t, lab, sc in zip(texts, labels, scores)]
    if explain:
        for result, why in zip(results, terms):
            result["terms"] = why
    return results


def _check_decision(top_k, threshold) -> None:
    if top_k is not None and top_k < 1:
        raise InputError(f"--top-k must be 1 or more, not {top_k}.", "Use --top-k 1 for the best label only.")
    if threshold is not None and not 0 <= threshold <= 1:
        raise InputError(f"--threshold must be between 0 and 1, not {threshold}.", "Use a probability such as 0.5.")


def predict_table(
    model: Model,
    source: str | Path,
    output: str | Path | None = STDIO,
    **options,
) -> dict:
    """Score every row of the table(s) ``source`` and write them, with prediction columns added, to ``output``.

    The output keeps every input row in order with its columns unchanged and
    adds ``predicted_label``, ``predicted_score`` (and ``prob_<label>`` columns
    with ``probs=True``); returns the counts ``{"rows_read", "rows_scored",
    "rows_skipped", "output"}``. Streams in chunks on every core:
    see :func:`classifier.batch.predict_table` for the options (``text_col``,
    ``top_k``, ``threshold``, ``probs``, ``fmt``, ``chunk_size``, ``encoding``,
    ``jobs``, ``output_dir``, ``progress``).
    """
    from .batch import predict_table as _predict_table

    return _predict_table(model, source, output, **options)


def evaluate(
    model: Model,
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    threshold: float | None = None,
    report: str | Path | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Score ``model`` on the labelled table ``data``.

    Columns default to those the model was trained with. Returns the metrics
    dictionary (``n``, ``accuracy``, ``macro_f1``, ``micro_f1``,
    ``weighted_f1``, ``per_label``, ``ece`` and ``ece_bins``; single-label adds ``confusion_matrix``,
    multi-label ``subset_accuracy`` and ``hamming_loss``) plus the counts of
    rows read and skipped. With ``report``, also writes the HTML evaluation
    report (:mod:`classifier.report`) there and adds its path as ``report``.
    """
    _check_decision(None, threshold)
    if report is not None and Path(report).is_dir():
        raise OutputError(f"The report path {report} is a folder.", "Give a file name such as report.html.")
    progress("Reading the data")
    text_col = text_col or model.card.get("text_col", defaults.TEXT_COL)
    labelled = read_labelled(data, text_col=text_col, label_col=label_col,
                             prefer_label_col=model.card.get("label_col"),
                             label_sep=model.card.get("label_sep", defaults.LABEL_SEP),
                             multi_label=model.multi_label, encoding=encoding, fingerprint=False)
    check_table_labels(model, labelled.labels, labelled.spec.column, labelled.source)
    progress("Scoring")
    probs = model.predict_proba(labelled.texts) if labelled.texts else None
    result = _score(model, labelled.texts, labelled.labels, model.multi_label, threshold, probs=probs)
    result["rows_read"] = labelled.rows_read
    result["rows_skipped"] = labelled.skipped
    result["data"] = labelled.source
    if report is not None:
        from .report import write_report

        progress("Writing the report")
        result["report"] = str(write_report(report, model, labelled.texts, labelled.labels, probs, result,
                                            threshold=threshold))
    return result


def describe(model: Model | str | Path = defaults.MODEL_PATH, *, top: int = defaults.TOP_TERMS) -> dict:
    """The model card plus the ``top`` strongest terms of each label."""
    if isinstance(model, Model):
        info = dict(model.card)
    else:
        model, info = load_described(model)
    info["top_terms"] = top_terms(model.pipeline, model.labels, top)
    return info


def convert(source: str | Path, target: str | Path) -> dict:
    """Convert the model file ``source`` to ``target``'s format: ``.skops``, or joblib for any other suffix.

    The model (pipeline and card) is unchanged. Loading a joblib ``source``
    runs pickle, so convert only joblib files you trust; converting to
    ``.skops`` gives a file that is safe to load anywhere. Returns
    ``{"source", "target", "from", "to", "bytes"}``.
    """
    return _convert(source, target)


def json_safe(value):
    """``value`` with NaN and infinities replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


__all__ = ["Model", "VersionWarning", "ClassifierError", "InputError", "json_safe", "quiet_progress", "train", "save", "load", "predict", "predict_table", "evaluate", "describe", "convert",
           "read_labelled", "default_dataset"]

