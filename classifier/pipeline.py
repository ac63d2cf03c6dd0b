"""The model pipeline: TF-IDF features and a linear SVM with calibrated probabilities."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from . import defaults
from .features import TextFeatures


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs on NB-weighted features, with calibrated probabilities.

    For each class, every feature is first scaled by its naive Bayes
    log-count ratio between the class's rows and the others (the "NBSVM" of
    Wang and Manning, 2012), which lets the SVM lean on the terms that tell
    that class apart; ``nb_weighting=False`` turns this off. The SVM margins
    are calibrated with Platt scaling fitted on out-of-fold margins
    (``calibration_folds``-fold cross-validation on the training data only),
    then the SVMs are refitted on all rows. With ``calibration_folds=0`` the
    fit skips that step and :meth:`calibrate` must be given held-out margins
    (``classifier.train`` does so with its held-out slice, which saves the
    cross-validation fits). The per-class fits run on ``n_jobs`` threads
    (liblinear releases the GIL), but liblinear draws its coordinate order
    from one process-wide random generator, so fits on several threads
    interleave its draws and differ run to run (by about 1e-5 in the
    weights); the default, one thread, gives the same model for the same
    data and seed.

    Single-label (``y`` a 1-D array of labels): the per-class probabilities
    are normalised to sum to one. Multi-label (``y`` a 2-D 0/1 indicator
    matrix): each label's probability stands alone.

    ``coef_`` holds one row of term weights per class (the NB scaling folded
    in), so a class's margin is ``X @ coef_[k] + intercept_[k]`` and each
    term's contribution is its feature value times its weight.
    """

    def __init__(self, C: float = 0.5, nb_weighting: bool = True, calibration_folds: int = 2, class_weight=None,
                 n_jobs: int | None = 1, random_state: int = 0):
        self.C = C
        self.nb_weighting = nb_weighting
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y):
        X = sparse.csr_matrix(X)
        y = np.asarray(y)
        self.multi_label_ = y.ndim == 2
        if self.multi_label_:
            self.classes_ = np.arange(y.shape[1])
            target = y.astype(bool)
        else:
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError("CalibratedLinearSVC needs at least two classes")
            target = y[:, None] == self.classes_[None, :]
        with ThreadPoolExecutor(max_workers=self._threads()) as pool:
            if self.calibration_folds:
                self.calibrate(self._out_of_fold_margins(X, y, target, pool), target)
            else:
                self.calibration_ = default_calibration(target.shape[1], self.multi_label_)
            self.coef_, self.intercept_ = self._fit_svms(X, target, pool)
        return self

    def targets(self, y) -> np.ndarray:
        """``y`` as a rows x classes boolean matrix in this model's class order."""
        y = np.asarray(y)
        if self.multi_label_:
            return y.astype(bool)
        return y[:, None] == self.classes_[None, :]

    def calibrate(self, margins: np.ndarray, target: np.ndarray) -> "CalibratedLinearSVC":
        """Fit the calibration to held-out ``margins`` and their true ``target`` (rows x classes, 0/1)."""
        self.calibration_ = fit_calibration(margins, target, self.multi_label_)
        return self

    def _threads(self) -> int:
        if self.n_jobs is None or self.n_jobs < 1:
            return os.cpu_count() or 1
        return self.n_jobs

    def _fit_svms(self, X, target, pool):
        """Fit one binary SVM per class on ``X``; return (coef, intercept), one row per class."""
        ratios = _nb_ratios(X, target) if self.nb_weighting else [None] * target.shape[1]
        jobs = [pool.submit(self._fit_one, X, ratios[k], target[:, k]) for k in range(target.shape[1])]
        rows = [job.result() for job in jobs]
        coef = np.vstack([r[0] for r in rows]).astype(np.float32)
        return coef, np.array([r[1] for r in rows])

    def _fit_one(self, X, scale, positive):
        if positive.all() or not positive.any():
            return np.zeros(X.shape[1]), (1.0 if positive.all() else -1.0)
        data = X.data.astype(np.float64) if scale is None else X.data * scale[X.indices].astype(np.float64)
        Xs = sparse.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state).fit(Xs, positive)
        weights = svm.coef_[0] if scale is None else svm.coef_[0] * scale
        return weights, float(svm.intercept_[0])

    def _out_of_fold_margins(self, X, y, target, pool):
        n = X.shape[0]
        folds = max(2, min(self.calibration_folds, n))
        if self.multi_label_:
            splits = KFold(folds, shuffle=True, random_state=self.random_state).split(X)
        else:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                splits = list(splitter.split(X, y))
        margins = np.zeros(target.shape, dtype=float)
        for train, held in splits:
            coef, intercept = self._fit_svms(X[train], target[train], pool)
            margins[held] = X[held] @ coef.T + intercept
        return margins

    def decision_function(self, X) -> np.ndarray:
        """Raw SVM margins, one column per class."""
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per class."""
        return probabilities(self.decision_function(X), self.calibration_, self.multi_label_)

    def predict(self, X):
        probs = self.predict_proba(X)
        if self.multi_label_:
            return (probs >= defaults.THRESHOLD_MULTI).astype(int)
        return self.classes_[probs.argmax(axis=1)]


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


def _nb_ratios(X: sparse.csr_matrix, target: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Per class, each feature's log ratio of its (smoothed) share of document occurrences among
    the class's rows to its share among the other rows (Wang and Manning's NB weights)."""
    present = sparse.csr_matrix((np.ones_like(X.data), X.indices, X.indptr), shape=X.shape)
    inside = np.asarray((sparse.csr_matrix(target.T.astype(np.float32)) @ present).todense())
    outside = np.asarray(present.sum(axis=0)).ravel()[None, :] - inside
    p = inside + alpha
    q = outside + alpha
    return np.log((p / p.sum(axis=1, keepdims=True)) / (q / q.sum(axis=1, keepdims=True))).astype(np.float32)


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


def build_pipeline(n_rows: int, *, features: dict | None = None, model: dict | None = None,
                   seed: int = defaults.SEED) -> Pipeline:
    """A fresh, unfitted pipeline with the default settings, overridden by ``features`` and ``model``."""
    feature_params = {**defaults.FEATURES, **(features or {})}
    if n_rows < defaults.SMALL_TABLE and not (features and "min_df" in features):
        feature_params["min_df"] = 1
    for key in ("word_ngrams", "char_ngrams"):
        if feature_params.get(key) not in (None, "auto"):
            feature_params[key] = tuple(feature_params[key])
    model_params = {**defaults.MODEL, **(model or {})}
    return Pipeline([
        ("features", TextFeatures(**feature_params)),
        ("model", CalibratedLinearSVC(random_state=seed, **model_params)),
    ])


def fit_pipeline(pipeline: Pipeline, texts, y) -> Pipeline:
    """Fit ``pipeline`` on ``texts`` and labels ``y`` (1-D labels, or a 0/1 matrix for multi-label)."""
    return pipeline.fit(texts, y)


def pipeline_params(pipeline: Pipeline) -> dict:
    """The settings of a pipeline's two steps, as plain JSON-friendly values."""
    vectoriser = pipeline.named_steps["features"]
    features = vectoriser.get_params()
    if hasattr(vectoriser, "char_ngrams_"):
        features["char_ngrams"] = vectoriser.char_ngrams_
    model = pipeline.named_steps["model"].get_params()
    return {
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in features.items()
                     if k in defaults.FEATURES},
        "model": dict(model),
    }
