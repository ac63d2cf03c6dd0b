"""Stratified K-fold splits for single- and multi-label targets.

Single-label rows are split by scikit-learn's :class:`~sklearn.model_selection.StratifiedKFold`.
Multi-label rows are split by iterative stratification (Sechidis, Tsoumakas and Vlahavas, 2011,
"On the stratification of multi-label data"): the label with the fewest rows still to place
goes first, each of its rows into the fold that most lacks that label, so a rare label is spread
over the folds as evenly as its rows allow (a label with at least as many rows as folds lands in
every fold) instead of by chance. Rows without a label fill the folds up to an equal size last.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold


def stratified_folds(y, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` pairs of (training rows, held-out rows), positions into ``y``, shuffled with ``seed``.

    ``y`` holds one label per row (single-label) or a rows x labels 0/1 matrix (multi-label).
    Every row is held out exactly once. Single-label, every class must have at least ``folds``
    rows (:class:`StratifiedKFold` warns otherwise and puts a small class in fewer folds).
    """
    y = np.asarray(y)
    if y.ndim == 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
            return [(train, held) for train, held in splitter.split(np.zeros(len(y)), y)]
    fold_of = iterative_fold_numbers(y, folds, seed)
    rows = np.arange(len(y))
    return [(rows[fold_of != k], rows[fold_of == k]) for k in range(folds)]


def iterative_fold_numbers(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Each row's fold (0 to ``folds - 1``) by iterative stratification of the 0/1 matrix ``y``."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(y, dtype=bool)
    n = len(labels)
    wanted_rows = np.full(folds, n / folds)
    wanted = np.outer(labels.sum(axis=0), np.full(folds, 1 / folds))  # labels x folds
    fold_of = np.full(n, -1)
    left = labels.copy()
    while left.any():
        counts = left.sum(axis=0)
        counts = np.where(counts > 0, counts, np.iinfo(np.int64).max)
        rarest = np.flatnonzero(counts == counts.min())
        label = int(rng.choice(rarest))
        rows = np.flatnonzero(left[:, label])
        rng.shuffle(rows)
        for row in rows:
            fold = _most_lacking(wanted[label], wanted_rows, rng)
            fold_of[row] = fold
            wanted[labels[row], fold] -= 1
            wanted_rows[fold] -= 1
            left[row] = False
    unplaced = np.flatnonzero(fold_of < 0)
    rng.shuffle(unplaced)
    for row in unplaced:
        fold = _most_lacking(wanted_rows, wanted_rows, rng)
        fold_of[row] = fold
        wanted_rows[fold] -= 1
    return fold_of


def _most_lacking(wanted: np.ndarray, wanted_rows: np.ndarray, rng: np.random.Generator) -> int:
    """The fold that most lacks rows of a label (``wanted``), ties broken by the most lacking rows overall,
    then at random."""
    best = np.flatnonzero(wanted == wanted.max())
    if len(best) > 1:
        best = best[wanted_rows[best] == wanted_rows[best].max()]
    return int(best[0] if len(best) == 1 else rng.choice(best))
