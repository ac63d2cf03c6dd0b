"""Likely label errors and doubts, judged from the given labels and out-of-fold probabilities.

Confident learning (Northcutt et al., 2021): a row is flagged when another label is predicted
with at least the confidence the model typically has for rows really given that label (the
per-label threshold is the mean out-of-fold probability of the label over the rows given it).
A row whose prediction differs from its label without that confidence is a *label doubt*.
Multi-label, each label is judged on its own, present or absent. Everything here is a pure
function of the labels and the probabilities; the probabilities come from
:mod:`classifier.audit.crossval`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LabelIssues:
    """Judgements of each row's given label (NaN scores where a row could not be judged)."""

    score: np.ndarray            # 1 - probability of the given label(s)
    flagged: np.ndarray          # confident-learning verdict: the given label is likely wrong
    doubted: np.ndarray          # not flagged, but the out-of-fold prediction differs from the given label
    suggested: list              # per row: the likely right label (str) or labels (tuple), or None
    suggested_score: np.ndarray  # probability of the suggestion

    @classmethod
    def unjudged(cls, n: int) -> LabelIssues:
        """``n`` rows, none judged yet."""
        return cls(np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), [None] * n,
                   np.full(n, np.nan))


def label_matrix(labels: list[tuple[str, ...]], label_set: list[str]) -> np.ndarray:
    """Multi-label rows as a 0/1 matrix with one column per label of ``label_set``."""
    index = {label: k for k, label in enumerate(label_set)}
    y = np.zeros((len(labels), len(label_set)), dtype=int)
    for r, row in enumerate(labels):
        for label in row:
            y[r, index[label]] = 1
    return y


def judge_single(probs: np.ndarray, y: np.ndarray, known: np.ndarray, labels: list[str], usable: np.ndarray,
                 n: int) -> LabelIssues:
    """Confident learning on single-label out-of-fold probabilities.

    Row ``r`` of ``probs``, ``y`` and ``known`` is row ``usable[r]`` of a table
    of ``n`` rows; ``probs`` has one column per label of ``labels`` (sorted);
    the other rows are left unjudged.
    """
    result = LabelIssues.unjudged(n)
    given = np.searchsorted(np.array(labels, dtype=object), y)
    rows = np.arange(len(y))
    judged = known[rows, given]
    p_given = probs[rows, given]
    thresholds = np.full(len(labels), np.inf)
    for k in range(len(labels)):
        mine = judged & (given == k)
        if mine.any():
            thresholds[k] = probs[mine, k].mean()
    confident = (probs >= thresholds) & known
    best = np.where(confident, probs, -1.0).argmax(axis=1)
    flagged = judged & confident.any(axis=1) & (best != given)
    top = np.where(known, probs, -1.0).argmax(axis=1)
    suggestion = np.where(flagged, best, top)
    result.score[usable] = np.where(judged, 1 - p_given, np.nan)
    result.flagged[usable] = flagged
    result.doubted[usable] = judged & ~flagged & (top != given)
    for r, i in enumerate(usable):
        if judged[r] and suggestion[r] != given[r]:
            result.suggested[i] = labels[suggestion[r]]
            result.suggested_score[i] = probs[r, suggestion[r]]
    return result


def judge_multi(probs: np.ndarray, y: np.ndarray, known: np.ndarray, labels: list[str], usable: np.ndarray,
                n: int) -> LabelIssues:
    """Confident learning on each label of multi-label probabilities, as a present/absent choice.

    ``y`` is the 0/1 matrix of given labels (see :func:`label_matrix`); rows
    and columns as in :func:`judge_single`. A row's ``score`` is that of its
    least likely label value.
    """
    result = LabelIssues.unjudged(n)
    agree = np.where(y == 1, probs, 1 - probs)
    present_conf = np.full(len(labels), np.inf)
    absent_conf = np.full(len(labels), np.inf)
    for k in range(len(labels)):
        on = known[:, k] & (y[:, k] == 1)
        off = known[:, k] & (y[:, k] == 0)
        if on.any():
            present_conf[k] = probs[on, k].mean()
        if off.any():
            absent_conf[k] = (1 - probs[off, k]).mean()
    says_present = probs >= present_conf
    says_absent = (1 - probs) >= absent_conf
    verdict = np.where(says_present & says_absent, probs >= 0.5,
                       np.where(says_present, True, np.where(says_absent, False, y == 1)))
    wrong = (verdict != (y == 1)) & known
    agree = np.where(known, agree, 1.0)
    judged = known.any(axis=1)
    result.score[usable] = np.where(judged, 1 - agree.min(axis=1), np.nan)
    result.flagged[usable] = wrong.any(axis=1)
    result.doubted[usable] = judged & ~wrong.any(axis=1) & (((probs >= 0.5) != (y == 1)) & known).any(axis=1)
    suggested = np.where(wrong, verdict, y == 1)
    for r, i in enumerate(usable):
        if wrong[r].any():
            result.suggested[i] = tuple(label for k, label in enumerate(labels) if suggested[r, k])
            result.suggested_score[i] = float((1 - agree[r][wrong[r]]).min())
    return result
