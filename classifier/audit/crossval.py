"""Out-of-fold probabilities: every row scored by a model that did not see it.

:func:`out_of_fold` cross-validates a pipeline on the labelled rows: each fold fits a fresh
clone of it (:func:`sklearn.base.clone`) on the other folds and scores its own rows.
:func:`recalibrated` is the second, cheap step of the multi-label audit: each label's
probability re-estimated from the out-of-fold scores of every label, itself cross-validated.
These are the only places the audit fits models; judging the labels from the probabilities is
:mod:`classifier.audit.label_issues`.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from classifier.errors import LabelError
from classifier.estimators.folds import stratified_folds
from classifier.progress import Progress, quiet_progress

STAGE = "Cross-validating to find label errors"
"""The progress stage the cross-validation reports (``done``/``total`` count folds)."""

_STACK_FOLDS = 5
"""Most folds of the recalibration step (fewer for a label with fewer positive or negative rows)."""
_STACKER = LogisticRegression(C=1.0, max_iter=1000)
"""The recalibration model, cloned for each label and fold."""


def out_of_fold(pipeline: BaseEstimator, texts: list[str], y: np.ndarray, *, folds: int, seed: int, source: str,
                progress: Progress = quiet_progress) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities (one column per label, sorted labels) and where they mean something.

    ``pipeline`` is an unfitted estimator with ``predict_proba`` (left
    unfitted: each fold fits its own clone, so choices that depend on the
    data, such as ``min_df="auto"``, are made on that fold's rows). ``y``
    holds one label per text (single-label) or a 0/1 matrix with one column
    per label (multi-label); the folds are those of ``classifier cv``
    (:func:`~classifier.estimators.folds.stratified_folds`: stratified by
    class, or iteratively by label), shuffled with ``seed``.

    ``known[i, k]`` is false when label ``k`` had no rows (single-label) or no
    positive rows (multi-label) in the folds that trained row ``i``'s model.
    """
    multi = y.ndim == 2
    classes = None if multi else np.array(sorted(set(y)), dtype=object)
    width = y.shape[1] if multi else len(classes)
    probs = np.zeros((len(texts), width))
    known = np.zeros((len(texts), width), dtype=bool)
    splits = stratified_folds(y, folds, seed)
    for number, (train, held) in enumerate(splits, start=1):
        progress(STAGE, number - 1, folds)
        target = y[train]
        if not multi and len(set(target)) < 2:
            raise LabelError(f"A cross-validation fold of {source} holds only one class.",
                             "Add rows of the other classes, or pass a smaller `folds`.")
        fitted = clone(pipeline)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fitted.fit([texts[i] for i in train], target)
        except ValueError as exc:
            raise LabelError(f"Cannot fit a model on a cross-validation fold of {source}: {exc}.",
                             "Check that the text column holds words, or add rows.") from exc
        p = fitted.predict_proba([texts[i] for i in held])
        if multi:
            probs[held] = p
            known[held] = target.any(axis=0)
        else:
            columns = np.searchsorted(classes, np.asarray(fitted.classes_, dtype=object))
            probs[np.ix_(held, columns)] = p
            known[np.ix_(held, columns)] = True
    progress(STAGE, folds, folds)
    return probs, known


def recalibrated(probs: np.ndarray, y: np.ndarray, known: np.ndarray, seed: int) -> np.ndarray:
    """Re-estimate each label's probability from the text model's out-of-fold scores for every label.

    For each label, a logistic regression on the out-of-fold log-odds of all
    labels, itself cross-validated so no row judges itself. It corrects each
    label's calibration on this table and lets the scores of related labels
    count (one implying another, two excluding each other). Labels too rare
    to cross-validate keep the text model's probability.
    """
    clipped = np.clip(probs, 1e-4, 1 - 1e-4)
    logits = np.log(clipped / (1 - clipped))
    out = probs.copy()
    for k in range(y.shape[1]):
        rows = known[:, k]
        target = y[rows, k]
        folds = min(_STACK_FOLDS, int(target.sum()), int((1 - target).sum()))
        if folds < 2:
            continue
        x = logits[rows]
        estimate = np.zeros(int(rows.sum()))
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, target):
            fit = clone(_STACKER).fit(x[train], target[train])
            estimate[held] = fit.predict_proba(x[held])[:, 1]
        out[rows, k] = estimate
    return out
