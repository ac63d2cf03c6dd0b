"""In-memory training: fit the default pipeline on a labelled table and measure it on held-out rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from classifier import defaults
from classifier.errors import LabelError
from classifier.estimators.calibration import cross_fitted_probabilities
from classifier.estimators.pipeline import MODEL, build_pipeline, fit_pipeline, pipeline_params
from classifier.metrics import score
from classifier.io.tables import STDIO
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.training.card import model_card
from classifier.io.labelled import LabelledData, default_dataset, read_labelled
from classifier.training.data import check_trainable, label_counts, split, targets, task_name
from classifier.validation import holdout_size


def _fit(data: LabelledData, idx, *, features, model_params, seed, calibrate_later: bool = False):
    """Fit a fresh pipeline on the rows ``idx``; return it and its label list.

    With ``calibrate_later`` the model skips its own cross-validated
    calibration: the caller calibrates it on held-out margins.
    """
    if calibrate_later:
        model_params = {**(model_params or {}), "calibration_folds": 0}
    texts = [data.texts[i] for i in idx]
    y = targets(data, idx)
    if data.spec.multi_label:
        labels = list(data.label_set)
    else:
        labels = sorted(set(y))
        if len(labels) < 2:
            raise LabelError(f"The training slice of {data.source} holds only one class ({labels[0]!r}).",
                             "Add rows of other classes, or pass `test_size` 0 or `test` FILE.")
    pipeline = build_pipeline(len(texts), features=features, model=model_params, seed=seed)
    fit_pipeline(pipeline, texts, y)
    if not data.spec.multi_label:
        labels = [str(c) for c in pipeline.named_steps[MODEL].classes_]
    return pipeline, labels


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
    return margins, pipeline.named_steps[MODEL].targets(targets(data, idx))


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
    test_size = holdout_size(test, test_size)
    source = Path(data) if data is not None and str(data) != STDIO else (data if data is not None else default_dataset())
    progress("Reading the training data")
    labelled = read_labelled(source, text_col=text_col, label_col=label_col, label_sep=label_sep,
                             multi_label=multi_label, encoding=encoding)
    check_trainable(labelled)
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
        model = Model(pipeline, {"labels": labels, "task": task_name(labelled)})
        metrics = score(model, held.texts, held.labels, labelled.spec.multi_label)
        holdout = {"source": "file", "path": str(test), "rows": len(held.texts), "sha256": held.sha256}
    elif test_size > 0:
        train_idx, test_idx, stratified = split(labelled, test_size, seed)
        if not stratified:
            notes.append("The held-out slice is not stratified: some labels have too few rows.")
        on_slice = _slice_can_calibrate(labelled, test_idx)
        progress("Fitting the model on the training slice")
        pipeline, labels = _fit(labelled, train_idx, calibrate_later=on_slice, **fit_kwargs)
        progress("Scoring the held-out slice")
        model = Model(pipeline, {"labels": labels, "task": task_name(labelled)})
        held_texts = [labelled.texts[i] for i in test_idx]
        held_gold = [labelled.labels[i] for i in test_idx]
        probs = None
        if on_slice:
            margins, target = _held_out_margins(pipeline, labelled, test_idx)
            probs = cross_fitted_probabilities(margins, target, labelled.spec.multi_label, seed)
            pipeline.named_steps[MODEL].calibrate(margins, target)
        metrics = score(model, held_texts, held_gold, labelled.spec.multi_label, probs=probs)
        holdout = {"source": "split", "test_size": test_size, "seed": seed, "stratified": stratified,
                   "rows_train": len(train_idx), "rows_test": len(test_idx)}
        if refit:
            progress("Refitting on all rows")
            pipeline, refit_labels = _fit(labelled, all_rows, calibrate_later=on_slice, **fit_kwargs)
            if on_slice:
                if refit_labels != labels:
                    raise LabelError("The labels of the training slice and of all rows differ.",
                                     "Pass `test_size` 0 or `test` FILE.")
                pipeline.named_steps[MODEL].calibrate(margins, target)
            labels = refit_labels
        holdout["refit_on_all_rows"] = refit
        holdout["calibration"] = ("fitted on the held-out slice's margins (its scores use cross-fitted halves)"
                                  if on_slice else "fitted on out-of-fold margins of the training rows")
    else:
        progress("Fitting the model")
        pipeline, labels = _fit(labelled, all_rows, **fit_kwargs)
        notes.append("No held-out score: trained with --test-size 0.")

    rows_used = holdout["rows_train"] if holdout.get("source") == "split" and not refit else len(labelled.texts)
    card = model_card(task=task_name(labelled), labels=labels, label_counts=label_counts(labelled), text_col=text_col,
                      label_col=labelled.spec.column, label_sep=labelled.spec.sep, source=source,
                      rows_read=labelled.rows_read, rows_used=rows_used, rows_skipped=labelled.skipped,
                      sha256=labelled.sha256, params={**pipeline_params(pipeline), "seed": seed}, holdout=holdout,
                      metrics=metrics, notes=notes)
    return Model(pipeline=pipeline, card=card)
