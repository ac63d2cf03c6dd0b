"""Cross-validation: how well the settings do on a labelled table, as the mean and spread over K folds.

:func:`cross_validate` splits the rows into stratified folds (:mod:`classifier.estimators.folds`:
single-label by class, multi-label by iterative stratification), trains a fresh model with the
given settings on all folds but one, scores the held-out fold with every metric of ``evaluate``
(:func:`classifier.metrics.score`) and reports each metric's mean and standard deviation over the
folds, per label too. :func:`fold_scores` is the loop itself, for callers that hold the rows
already (``tune`` scores its candidates with it).
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from classifier import defaults
from classifier.errors import LabelError
from classifier.estimators.folds import stratified_folds
from classifier.estimators.pipeline import build_pipeline, fit_pipeline
from classifier.io.labelled import LabelledData, default_dataset, read_labelled
from classifier.io.tables import STDIO
from classifier.metrics import score
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.settings import Settings, fit_failure
from classifier.steps import MODEL
from classifier.training.data import check_trainable, targets, task_name
from classifier.validation import check_at_least, check_seed

STAGE = "Cross-validating"
"""The progress stage (``done``/``total`` count folds)."""

PER_LABEL = ("precision", "recall", "f1", "support")


def read_data(data, *, text_col: str, label_col: str | None, label_sep: str, multi_label: bool | None,
              encoding: str | None) -> LabelledData:
    """The labelled rows of ``data`` (default: the embedded dataset), checked to be able to train a model."""
    source = data if data is not None and str(data) == STDIO else (Path(data) if data is not None else default_dataset())
    labelled = read_labelled(source, text_col=text_col, label_col=label_col, label_sep=label_sep,
                             multi_label=multi_label, encoding=encoding)
    check_trainable(labelled)
    return labelled


def check_folds(data: LabelledData, folds: int, rows=None) -> None:
    """Refuse ``folds`` when a label (or the table) has fewer rows than folds, naming the labels."""
    check_at_least("folds", folds, 2, f"Use `folds` {defaults.CV_FOLDS}.")
    index = range(len(data.texts)) if rows is None else rows
    if len(index) < folds:
        raise LabelError(f"{data.source} has {len(index)} labelled rows, too few for {folds}-fold cross-validation.",
                         "Add rows, or pass a smaller `folds` (at least 2).")
    if data.spec.multi_label:
        counts = Counter(label for i in index for label in data.labels[i])
    else:
        counts = Counter(data.labels[i] for i in index)
    rare = sorted((n, label) for label, n in counts.items() if n < folds)
    if rare:
        shown = ", ".join(f"{label!r} ({n})" for n, label in rare[:5]) + (", ..." if len(rare) > 5 else "")
        raise LabelError(f"{len(rare)} label{'s' if len(rare) > 1 else ''} of {data.source} "
                         f"{'have' if len(rare) > 1 else 'has'} fewer rows than the {folds} folds: {shown}.",
                         "Pass a smaller `folds`, add rows of those labels, or drop them from the table.")


def fold_scores(data: LabelledData, settings: Settings, splits, *, seed: int, progress: Progress = quiet_progress,
                stage: str = STAGE) -> list[dict]:
    """The metrics of each fold: a model with ``settings`` fitted on the fold's training rows, scored on its
    held-out rows. ``splits`` are (training rows, held-out rows) pairs of positions in ``data``."""
    multi = data.spec.multi_label
    model_params = {**settings.model(), **({"classes": list(data.label_set)} if multi else {})}
    task = task_name(data)
    results = []
    for number, (train, held) in enumerate(splits):
        progress(stage, number, len(splits))
        pipeline = build_pipeline(features=settings.features(), model=model_params, seed=seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit_pipeline(pipeline, [data.texts[i] for i in train], targets(data, train))
        except ValueError as exc:
            raise fit_failure(exc, data.source) or LabelError(
                f"Cannot fit a model on a cross-validation fold of {data.source}: {exc}.",
                "Check that the text column holds words, or pass a smaller `folds`.") from exc
        labels = [str(c) for c in pipeline.named_steps[MODEL].classes_]
        model = Model(pipeline, {"labels": labels, "task": task})
        texts = [data.texts[i] for i in held]
        results.append(score(model, texts, [data.labels[i] for i in held], multi))
    progress(stage, len(splits), len(splits))
    return results


def summarise(results: list[dict]) -> dict:
    """Mean and standard deviation over folds of each number the folds' metrics share, and per label."""
    def spread(values) -> dict:
        values = np.asarray(values, dtype=float)
        return {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}

    first = results[0]
    keys = [k for k, v in first.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
            and k not in ("n", "ece_bins")]
    labels = [label for label in first["per_label"] if all(label in r["per_label"] for r in results)]
    return {
        "metrics": {key: spread([r[key] for r in results]) for key in keys},
        "per_label": {label: {name: spread([r["per_label"][label][name] for r in results]) for name in PER_LABEL}
                      for label in labels},
    }


def cross_validate(
    data: str | Path | None = None,
    *,
    folds: int = defaults.CV_FOLDS,
    seed: int = defaults.SEED,
    settings: Settings | None = None,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Stratified ``folds``-fold cross-validation of a model with ``settings`` (default: the defaults) on ``data``.

    Returns ``{"data", "task", "labels", "rows", "folds", "seed", "settings", "fold_rows", "metrics",
    "per_label", "fold_metrics"}``: ``metrics`` maps each metric of ``evaluate`` (``accuracy``,
    ``micro_f1``, ``macro_f1``, ``weighted_f1``, ``ece``; multi-label also ``subset_accuracy``,
    ``hamming_loss``, ``samples_f1``) to its ``{"mean", "std"}`` over the folds (sample standard
    deviation), ``per_label`` each label's ``precision``, ``recall``, ``f1`` and ``support`` alike, and
    ``fold_metrics`` each fold's own numbers. A label with fewer rows than ``folds`` is an error: it
    could not be held out in every fold.
    """
    check_at_least("folds", folds, 2, f"Use `folds` {defaults.CV_FOLDS}.")
    check_seed(seed)
    settings = settings or Settings()
    progress("Reading the data")
    labelled = read_data(data, text_col=text_col, label_col=label_col, label_sep=label_sep, multi_label=multi_label,
                         encoding=encoding)
    check_folds(labelled, folds)
    y = targets(labelled, range(len(labelled.texts)))
    splits = stratified_folds(y, folds, seed)
    results = fold_scores(labelled, settings, splits, seed=seed, progress=progress)
    return {
        "data": labelled.source,
        "task": task_name(labelled),
        "labels": list(labelled.label_set),
        "rows": len(labelled.texts),
        "rows_skipped": labelled.skipped,
        "folds": folds,
        "seed": seed,
        "settings": settings.to_dict(),
        "fold_rows": [len(held) for _, held in splits],
        **summarise(results),
        "fold_metrics": [{k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
                         for r in results],
    }
