"""Per-label decision thresholds for multi-label models, chosen on out-of-fold probabilities.

A calibrated probability of 0.5 is not where a label's F1 is highest: for F1 the best threshold
is about half the F1 the label can reach, so a label found with F1 0.8 is best predicted from
about 0.4. Each label's threshold is chosen on probabilities of rows the model did not train on
(the out-of-fold probabilities its calibration is fitted to), never on a test set.
"""

from __future__ import annotations

import numpy as np

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
