"""Per-label decision thresholds for multi-label models, chosen on out-of-fold probabilities.

A calibrated probability of 0.5 is not where a label's F1 is highest: for F1 the best threshold
is about half the F1 the label can reach, so a label found with F1 0.8 is best predicted from
about 0.4. Each label's threshold is chosen on probabilities of rows the model did not train on
(the out-of-fold probabilities its calibration is fitted to), never on a test set.

The target is the best F1 by default; :func:`label_thresholds` also takes a user's target,
``precision@0.9`` (the lowest threshold whose precision reaches 0.9, so recall is as high as that
precision allows) or ``recall@0.8`` (the highest threshold whose recall reaches 0.8).
"""

from __future__ import annotations

import numpy as np

from classifier.decision_targets import parse_target

GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
"""The thresholds tried."""
MIN_POSITIVES = 10
"""A label with fewer positive rows than this keeps the default threshold: its F1 curve is too noisy."""


def f1_thresholds(probs: np.ndarray, target: np.ndarray, default: float) -> np.ndarray:
    """For each label (column), the threshold in :data:`GRID` with the highest F1 on ``probs``.

    ``target`` is the rows x labels 0/1 truth. Ties go to the threshold nearest ``default``;
    labels with fewer than :data:`MIN_POSITIVES` positives keep ``default``.
    """
    target = np.asarray(target, dtype=bool)
    chosen = np.full(target.shape[1], float(default))
    predicted = probs[:, :, None] >= GRID[None, None, :]
    true_pos = (predicted & target[:, :, None]).sum(axis=0)
    positives = target.sum(axis=0)
    f1 = 2 * true_pos / np.maximum(predicted.sum(axis=0) + positives[:, None], 1)
    for k in range(target.shape[1]):
        if positives[k] < MIN_POSITIVES:
            continue
        best = np.flatnonzero(np.isclose(f1[k], f1[k].max()))
        chosen[k] = float(GRID[best[np.argmin(np.abs(GRID[best] - default))]])
    return chosen


def label_thresholds(probs: np.ndarray, target: np.ndarray, default: float, goal: str = "f1") -> np.ndarray:
    """For each label (column), the threshold in :data:`GRID` that meets ``goal`` on ``probs``.

    ``goal`` is read by :func:`~classifier.decision_targets.parse_target`.

    ``f1``: :func:`f1_thresholds`. ``precision@P``: the lowest threshold whose
    precision is at least P (the most recall at that precision); a label that
    reaches P nowhere gets the threshold of its highest precision. ``recall@R``:
    the highest threshold whose recall is at least R (the most precision at
    that recall); a label that reaches R nowhere gets the lowest threshold.
    Labels with fewer than :data:`MIN_POSITIVES` positives keep ``default``.
    """
    kind, level = parse_target(goal)
    if kind == "f1":
        return f1_thresholds(probs, target, default)
    target = np.asarray(target, dtype=bool)
    chosen = np.full(target.shape[1], float(default))
    predicted = probs[:, :, None] >= GRID[None, None, :]
    true_pos = (predicted & target[:, :, None]).sum(axis=0)
    flagged = predicted.sum(axis=0)
    positives = target.sum(axis=0)
    precision = np.where(flagged > 0, true_pos / np.maximum(flagged, 1), 0.0)
    recall = true_pos / np.maximum(positives[:, None], 1)
    for k in range(target.shape[1]):
        if positives[k] < MIN_POSITIVES:
            continue
        if kind == "precision":
            met = np.flatnonzero(precision[k] >= level - 1e-12)
            chosen[k] = float(GRID[met[0]] if len(met) else GRID[np.argmax(precision[k])])
        else:
            met = np.flatnonzero(recall[k] >= level - 1e-12)
            chosen[k] = float(GRID[met[-1]] if len(met) else GRID[0])
    return chosen

