"""In-memory training: fit the default pipeline on a labelled table and measure it on held-out rows.

The held-out slice, its calibration and the refit on all rows are the pipeline's own fitting
recipe (:class:`~classifier.estimators.pipeline.TextPipeline`), so the returned pipeline, cloned
and fitted on the same rows, is the same model; this module reads the table, maps the
pipeline's errors to the library's, scores the slice and writes the model card.
"""

from __future__ import annotations

from pathlib import Path

from classifier import defaults
from classifier.decision_targets import target_note
from classifier.errors import LabelError
from classifier.estimators.holdout import HoldoutError
from classifier.estimators.pipeline import (
    MODEL,
    build_pipeline,
    fit_pipeline,
    pipeline_params,
)
from classifier.io.labelled import LabelledData, default_dataset, read_labelled
from classifier.io.tables import STDIO
from classifier.metrics import score
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.settings import Settings, fit_failure
from classifier.training.card import model_card
from classifier.training.data import check_trainable, label_counts, targets, task_name
from classifier.validation import holdout_size
from classifier.text_limits import cut_note


def _fit(data: LabelledData, *, features, model_params, seed, holdout: float = 0.0, refit: bool = defaults.REFIT):
    """Build the pipeline and fit it on every row of ``data`` (holding out a ``holdout`` slice, if any)."""
    if data.spec.multi_label:
        model_params = {**(model_params or {}), "classes": list(data.label_set)}
    pipeline = build_pipeline(features=features, model=model_params, seed=seed, holdout=holdout, refit=refit)
    try:
        fit_pipeline(pipeline, data.texts, targets(data, range(len(data.texts))))
    except HoldoutError as exc:
        raise _label_error(exc, data) from exc
    except ValueError as exc:
        raise fit_failure(exc, data.source) or exc
    return pipeline


def _label_error(exc: HoldoutError, data: LabelledData) -> LabelError:
    if exc.reason == "rows":
        return LabelError(f"{data.source} has too few rows to hold some out for testing.",
                          "Add rows, or pass `test_size` 0 to train without a held-out score.")
    if exc.reason == "one_class":
        return LabelError(f"The training slice of {data.source} holds only one class ({exc.label!r}).",
                          "Add rows of other classes, or pass `test_size` 0 or `test` FILE.")
    return LabelError("The labels of the training slice and of all rows differ.", "Pass `test_size` 0 or `test` FILE.")


def _labels(pipeline) -> list[str]:
    return [str(c) for c in pipeline.named_steps[MODEL].classes_]


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
    notes = [cut_note(labelled.texts_cut, "trained on", option=False)] if labelled.texts_cut else []
    holdout: dict = {"source": "none"}
    metrics = None
    fit_kwargs = {"features": features, "model_params": model_params, "seed": seed}

    if test is not None:
        progress("Reading the test data")
        held = read_labelled(test, text_col=text_col, label_col=labelled.spec.column, label_sep=label_sep,
                             multi_label=labelled.spec.multi_label, encoding=encoding)
        progress("Fitting the model")
        pipeline = _fit(labelled, **fit_kwargs)
        labels = _labels(pipeline)
        progress("Scoring the test data")
        model = Model(pipeline, {"labels": labels, "task": task_name(labelled)})
        metrics = score(model, held.texts, held.labels, labelled.spec.multi_label)
        holdout = {"source": "file", "path": str(test), "rows": len(held.texts), "sha256": held.sha256}
    elif test_size > 0:
        progress("Fitting the model on the training slice, scoring the held-out slice"
                 + (", refitting on all rows" if refit else ""))
        pipeline = _fit(labelled, holdout=test_size, refit=refit, **fit_kwargs)
        labels = _labels(pipeline)
        result = pipeline.holdout_
        if not result.stratified:
            notes.append("The held-out slice is not stratified: some labels have too few rows.")
        held_texts = [labelled.texts[i] for i in result.index]
        held_gold = [labelled.labels[i] for i in result.index]
        slice_model = Model(pipeline, {"labels": [str(c) for c in result.classes], "task": task_name(labelled)})
        metrics = score(slice_model, held_texts, held_gold, labelled.spec.multi_label, probs=result.probabilities,
                        threshold=result.thresholds)
        holdout = {"source": "split", "test_size": test_size, "seed": seed, "stratified": result.stratified,
                   "rows_train": result.rows_train, "rows_test": len(result.index)}
        holdout["refit_on_all_rows"] = refit
        holdout["calibration"] = ("fitted on the held-out slice's margins (its scores use cross-fitted halves)"
                                  if result.calibrated_on_slice else "fitted on out-of-fold margins of the training rows")
    else:
        progress("Fitting the model")
        pipeline = _fit(labelled, **fit_kwargs)
        labels = _labels(pipeline)
        notes.append("No held-out score: trained with --test-size 0.")

    thresholds = getattr(pipeline.named_steps[MODEL], "thresholds_", None)
    if thresholds is not None:
        goal = target_note(pipeline.named_steps[MODEL].thresholds)
        notes.append(f"Each label is predicted from its own threshold (the card's thresholds), chosen for {goal} "
                     "on out-of-fold probabilities of the training rows.")
    rows_used = holdout["rows_train"] if holdout.get("source") == "split" and not refit else len(labelled.texts)
    card = model_card(task=task_name(labelled), labels=labels, label_counts=label_counts(labelled), text_col=text_col,
                      label_col=labelled.spec.column, label_sep=labelled.spec.sep, source=source,
                      rows_read=labelled.rows_read, rows_used=rows_used, rows_skipped=labelled.skipped,
                      sha256=labelled.sha256, params={**pipeline_params(pipeline), "seed": seed}, holdout=holdout,
                      settings=Settings.from_params(features, model_params).to_dict(),
                      metrics=metrics, notes=notes,
                      thresholds=None if thresholds is None else dict(zip(labels, map(float, thresholds))))
    return Model(pipeline=pipeline, card=card)
