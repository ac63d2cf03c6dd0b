"""Calibration: turning linear margins into probabilities that mean what they say.

Multi-label models use one Platt sigmoid per label; single-label models a softmax with one
temperature, then an isotonic curve on the top label's probability. Parameters are fitted on
margins the model did not train on (out-of-fold, or a held-out slice).
"""

from __future__ import annotations

import numpy as np


def probabilities(margins: np.ndarray, calibration: dict, multi_label: bool) -> np.ndarray:
    """Margins to calibrated probabilities.

    Multi-label: each label's own Platt sigmoid (``calibration["platt"]``,
    one ``(a, b)`` row per label). Single-label: a softmax of the margins
    scaled by one temperature (Guo et al., 2017), then the top label's
    probability mapped through a monotone (isotonic) curve fitted on held-out
    rows, the rest of the mass shared among the other labels in proportion.
    The most probable label is always the one with the largest margin.
    """
    if multi_label:
        platt = calibration["platt"]
        return 1.0 / (1.0 + np.exp(-(margins * platt[:, 0] + platt[:, 1])))
    probs = _softmax(margins * calibration["temperature"])
    if len(calibration["top_x"]) == 0 or probs.shape[1] < 2:
        return probs
    rows = np.arange(len(probs))
    top = probs.argmax(axis=1)
    first = probs[rows, top]
    others = probs.copy()
    others[rows, top] = 0.0
    second = others.max(axis=1)
    share = np.divide(second, 1.0 - first, out=np.zeros_like(second), where=(1.0 - first) > 0)
    confidence = np.interp(first, calibration["top_x"], calibration["top_y"])
    confidence = np.clip(confidence, share / (1.0 + share), 1.0)
    rest = 1.0 - first
    scale = np.divide(1.0 - confidence, rest, out=np.zeros_like(rest), where=rest > 0)
    others *= scale[:, None]
    others[rows, top] = confidence
    return others


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def default_calibration(n_classes: int, multi_label: bool) -> dict:
    """The calibration of a model not calibrated yet: unit slopes, no offsets, no top-label curve."""
    if multi_label:
        return {"platt": np.tile([1.0, 0.0], (n_classes, 1))}
    return {"temperature": 1.0, "top_x": np.zeros(0), "top_y": np.zeros(0)}


def fit_calibration(margins: np.ndarray, target: np.ndarray, multi_label: bool) -> dict:
    """Calibration parameters fitted to held-out ``margins`` and the 0/1 ``target`` (rows x classes)."""
    if multi_label:
        return {"platt": np.array([_fit_platt(margins[:, k], target[:, k]) for k in range(target.shape[1])])}
    from sklearn.isotonic import IsotonicRegression  # fitting only: applying a calibration needs NumPy alone

    temperature = _fit_temperature(margins, target)
    probs = _softmax(margins * temperature)
    top = probs.argmax(axis=1)
    correct = target[np.arange(len(target)), top].astype(float)
    curve = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    curve.fit(probs.max(axis=1), correct)
    return {"temperature": temperature, "top_x": np.asarray(curve.X_thresholds_, dtype=float),
            "top_y": np.asarray(curve.y_thresholds_, dtype=float)}


def _fit_temperature(margins: np.ndarray, target: np.ndarray) -> float:
    """The temperature minimising the log loss of ``softmax(t * margins)`` on rows with a known class."""
    from scipy.optimize import minimize_scalar

    known = target.any(axis=1)
    if not known.any():
        return 1.0
    m = margins[known]
    truth = target[known].argmax(axis=1)

    def loss(log_t: float) -> float:
        z = m * np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(z)), truth]))

    found = minimize_scalar(loss, bounds=(-4.0, 6.0), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(found.x))


def cross_fitted_probabilities(margins: np.ndarray, target: np.ndarray, multi_label: bool,
                               seed: int = 0) -> np.ndarray:
    """Probabilities for held-out rows whose calibration never saw them.

    The rows are split in two halves; each half is calibrated with parameters
    fitted on the other half, so scores and calibration errors measured on
    these rows stay honest.
    """
    order = np.random.default_rng(seed).permutation(len(margins))
    halves = (order[: len(order) // 2], order[len(order) // 2:])
    probs = np.zeros(margins.shape, dtype=float)
    for mine, other in (halves, halves[::-1]):
        probs[mine] = probabilities(margins[mine], fit_calibration(margins[other], target[other], multi_label),
                                    multi_label)
    return probs


def _fit_platt(margin: np.ndarray, positive: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * margin + b)`` to out-of-fold margins (Platt, 1999).

    Uses Platt's smoothed targets, ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)``,
    which keep the fit finite when the margins separate the classes, and
    Newton's method with step halving on the two parameters.
    """
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return (0.0, 20.0 if n_neg == 0 else -20.0)
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    f = margin.astype(float)
    a, b = 1.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))

    def loss(a, b):
        z = a * f + b
        return float(np.sum(np.logaddexp(0, z) - target * z))

    current = loss(a, b)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * f + b)))
        g = p - target
        w = np.maximum(p * (1 - p), 1e-12)
        grad = np.array([np.dot(g, f), g.sum()])
        hess = np.array([[np.dot(w * f, f), np.dot(w, f)], [np.dot(w, f), w.sum()]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-8:
            trial = loss(a - scale * step[0], b - scale * step[1])
            if trial <= current + 1e-12:
                break
            scale /= 2
        a, b = a - scale * step[0], b - scale * step[1]
        if current - trial < 1e-10 * max(1.0, abs(current)):
            current = trial
            break
        current = trial
    return (float(a), float(b))
