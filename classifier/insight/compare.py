"""Model comparison: several models' metrics on one labelled table, and whether their differences are real.

:func:`compare` scores every model on the same rows (each with :func:`classifier.metrics.score`, as
``evaluate`` does) and compares each model with the first (the baseline) two ways:

- a **paired bootstrap**: the test rows are resampled with replacement ``resamples`` times
  (seeded); in every resample both models are scored on the same rows, and the middle
  ``confidence`` share of the differences is the confidence interval of the difference in
  micro-F1, macro-F1 and accuracy (subset accuracy, multi-label). An interval that excludes 0
  is a difference the test rows support; one that straddles 0 could be noise.
- **McNemar's test** (single-label): of the rows exactly one of the two models gets right, how
  unlikely a split as uneven as the one seen is if both were equally accurate (exact binomial,
  two-sided).

The bootstrap counts true and false positives per label from 0/1 matrices, so a thousand
resamples of thousands of rows take a fraction of a second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier import defaults
from classifier.errors import InputError
from classifier.io.labelled import read_labelled
from classifier.labels import check_table_labels, chosen
from classifier.metrics import score
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.validation import check_at_least, check_seed

TESTED = ("micro_f1", "macro_f1", "accuracy")
"""The metrics whose differences get bootstrap confidence intervals."""
_CHUNK = 100
"""Resamples scored at a time (bounds the memory of the resample-count matrix)."""


def compare(
    models: list[Model],
    names: list[str],
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    resamples: int = defaults.COMPARE_RESAMPLES,
    confidence: float = defaults.COMPARE_CONFIDENCE,
    seed: int = defaults.SEED,
    progress: Progress = quiet_progress,
) -> dict:
    """Score ``models`` (named ``names``; the first is the baseline) on the labelled table ``data``.

    Columns default to the first model's. Returns ``{"data", "rows", "task", "baseline", "resamples",
    "confidence", "seed", "models", "differences"}``: ``models`` holds ``{"name", "metrics"}`` per
    model (``metrics`` as :func:`classifier.insight.evaluation.evaluate` gives them), ``differences``
    one entry per model after the first: ``{"model", "metrics": {metric: {"difference", "low",
    "high", "significant"}}, "mcnemar"}`` where ``difference`` is the model's score minus the
    baseline's, ``low``/``high`` the bootstrap interval, ``significant`` whether it excludes 0, and
    ``mcnemar`` (single-label; else ``None``) ``{"baseline_only", "model_only", "statistic",
    "p_value"}``: the rows only the baseline / only the model gets right, the continuity-corrected
    chi-squared statistic and the exact two-sided binomial p-value.
    """
    _check(models, names, resamples, confidence)
    check_seed(seed)
    first = models[0]
    progress("Reading the data")
    labelled = read_labelled(data, text_col=text_col or first.card.get("text_col", defaults.TEXT_COL),
                             label_col=label_col, prefer_label_col=first.card.get("label_col"),
                             label_sep=first.card.get("label_sep", defaults.LABEL_SEP),
                             multi_label=first.multi_label, encoding=encoding, fingerprint=False)
    multi = first.multi_label
    columns = _columns(models, labelled.labels, multi)
    truth = _matrix([row if multi else [row] for row in labelled.labels], columns)
    scored = [{"name": name, "metrics": None} for name in names]
    predicted = []
    for number, (model, entry) in enumerate(zip(models, scored)):
        progress(f"Scoring with {entry['name']}", number, len(models))
        check_table_labels(model, labelled.labels, labelled.spec.column, labelled.source)
        probs = model.predict_proba(labelled.texts)
        entry["metrics"] = score(model, labelled.texts, labelled.labels, multi, probs=probs)
        mask = chosen(probs, multi, threshold=model.threshold_for(None))
        predicted.append(_matrix([[model.labels[k] for k in np.flatnonzero(row)] for row in mask], columns))
    progress("Bootstrapping the differences")
    macro_columns = _macro_columns(models, labelled.labels, columns, multi)
    differences = _bootstrap(truth, predicted, macro_columns, resamples, confidence, seed)
    for entry, tests in zip(differences, predicted[1:]):
        entry["mcnemar"] = None if multi else mcnemar(_right(truth, predicted[0]), _right(truth, tests))
    for entry, name in zip(differences, names[1:]):
        entry["model"] = name
    return {
        "data": labelled.source,
        "rows": len(labelled.texts),
        "rows_skipped": labelled.skipped,
        "task": "multi_label" if multi else "single_label",
        "baseline": names[0],
        "resamples": resamples,
        "confidence": confidence,
        "seed": seed,
        "models": scored,
        "differences": [{"model": d["model"], "metrics": d["metrics"], "mcnemar": d["mcnemar"]} for d in differences],
    }


def _check(models, names, resamples, confidence) -> None:
    if len(models) < 2:
        raise InputError(f"Comparing needs at least two models, not {len(models)}.",
                         "Give `model` once for each model to compare, the baseline first.")
    if len(names) != len(models):
        raise ValueError("one name per model")
    tasks = {m.card.get("task") for m in models}
    if len(tasks) > 1:
        raise InputError("The models do not share a task: some are single-label and some multi-label.",
                         "Compare models trained for the same task.")
    check_at_least("resamples", resamples, 100, f"Use `resamples` {defaults.COMPARE_RESAMPLES}.")
    if not 0 < confidence < 1:
        raise InputError(f"`confidence` must be between 0 and 1, not {confidence}.", "Use 0.95.")


def _columns(models, gold, multi: bool) -> list[str]:
    """Every label any model or the table names, sorted: the columns of the 0/1 matrices."""
    found = {label for row in gold for label in row} if multi else set(gold)
    return sorted(found.union(*(m.labels for m in models)) - {""})


def _macro_columns(models, gold, columns, multi: bool) -> np.ndarray:
    """The columns macro-F1 averages over, as :func:`classifier.metrics.score` does for a model: the models'
    labels, and single-label also the table's (multi-label drops labels no model knows)."""
    keep = set().union(*(m.labels for m in models))
    if not multi:
        keep |= set(gold)
    return np.array([c in keep for c in columns])


def _matrix(rows, columns) -> np.ndarray:
    """Label lists as a rows x ``columns`` 0/1 matrix (labels outside ``columns`` are ignored)."""
    index = {label: k for k, label in enumerate(columns)}
    out = np.zeros((len(rows), len(columns)), dtype=np.float32)
    for i, row in enumerate(rows):
        for label in row:
            if label in index:
                out[i, index[label]] = 1
    return out


def _right(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Whether each row's predicted labels are exactly its true labels."""
    return (truth == predicted).all(axis=1)


def scores(weights: np.ndarray, truth: np.ndarray, predicted: np.ndarray, macro_columns: np.ndarray) -> dict:
    """Micro-F1, macro-F1 and accuracy for each row of ``weights`` (how often each test row is drawn)."""
    tp = weights @ (truth * predicted)
    fp = weights @ ((1 - truth) * predicted)
    fn = weights @ (truth * (1 - predicted))
    total = weights.sum(axis=1)
    micro_den = 2 * tp.sum(axis=1) + fp.sum(axis=1) + fn.sum(axis=1)
    per_label_den = 2 * tp + fp + fn
    per_label = np.divide(2 * tp, per_label_den, out=np.zeros_like(tp), where=per_label_den > 0)
    return {
        "micro_f1": np.divide(2 * tp.sum(axis=1), micro_den, out=np.zeros_like(total), where=micro_den > 0),
        "macro_f1": per_label[:, macro_columns].mean(axis=1),
        "accuracy": (weights @ _right(truth, predicted).astype(np.float64)) / total,
    }


def _bootstrap(truth, predicted, macro_columns, resamples: int, confidence: float, seed: int) -> list[dict]:
    """For each model after the first, the observed difference from the first and its bootstrap interval."""
    rng = np.random.default_rng(seed)
    n = len(truth)
    observed = [scores(np.ones((1, n)), truth, p, macro_columns) for p in predicted]
    drawn: list[list[dict]] = []
    for start in range(0, resamples, _CHUNK):
        weights = rng.multinomial(n, np.full(n, 1 / n), size=min(_CHUNK, resamples - start)).astype(np.float64)
        drawn.append([scores(weights, truth, p, macro_columns) for p in predicted])
    tail = (1 - confidence) / 2
    results = []
    for k in range(1, len(predicted)):
        metrics = {}
        for name in TESTED:
            spread = np.concatenate([chunk[k][name] - chunk[0][name] for chunk in drawn])
            low, high = np.quantile(spread, [tail, 1 - tail])
            metrics[name] = {"difference": float(observed[k][name][0] - observed[0][name][0]),
                             "low": float(low), "high": float(high), "significant": bool(low > 0 or high < 0)}
        results.append({"metrics": metrics})
    return results


def mcnemar(baseline_right: np.ndarray, model_right: np.ndarray) -> dict:
    """McNemar's test of two models' accuracy on the same rows (whether each row is right, per model)."""
    from scipy.stats import binomtest

    baseline_only = int((baseline_right & ~model_right).sum())
    model_only = int((~baseline_right & model_right).sum())
    discordant = baseline_only + model_only
    statistic = max(0, abs(baseline_only - model_only) - 1) ** 2 / discordant if discordant else 0.0
    p_value = binomtest(baseline_only, discordant, 0.5).pvalue if discordant else 1.0
    return {"baseline_only": baseline_only, "model_only": model_only, "statistic": float(statistic),
            "p_value": float(min(1.0, p_value))}
