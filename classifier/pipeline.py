"""The model pipeline: TF-IDF features and a linear SVM with calibrated probabilities."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from . import defaults


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs whose scores are turned into probabilities.

    The SVM margins are calibrated with Platt scaling fitted on out-of-fold
    margins (cross-validation on the training data only), then the SVMs are
    refitted on all rows. Single-label (``y`` a 1-D array of labels): the
    per-class probabilities are normalised to sum to one. Multi-label (``y`` a
    2-D 0/1 indicator matrix): each label's probability stands alone.

    ``coef_`` holds one row of term weights per class, so a class's score is
    monotone in ``X @ coef_[k] + intercept_[k]``.
    """

    def __init__(self, C: float = 0.5, calibration_folds: int = 3, class_weight=None, random_state: int = 0):
        self.C = C
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y):
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
        margins = self._out_of_fold_margins(X, y, target)
        self.platt_ = np.array([_fit_platt(margins[:, k], target[:, k]) for k in range(target.shape[1])])
        self.coef_, self.intercept_ = self._fit_svms(X, y, target)
        return self

    def _fit_svms(self, X, y, target):
        """Fit the SVMs on ``X``; return (coef, intercept) with one row per class."""
        n_features = X.shape[1]
        if not self.multi_label_ and len(np.unique(y)) > 2:
            svm = self._svm().fit(X, y)
            coef = np.zeros((target.shape[1], n_features))
            intercept = np.full(target.shape[1], -1e3)
            rows = np.searchsorted(self.classes_, svm.classes_)
            coef[rows], intercept[rows] = svm.coef_, svm.intercept_
            return coef.astype(np.float32), intercept
        coef = np.zeros((target.shape[1], n_features))
        intercept = np.zeros(target.shape[1])
        for k in range(target.shape[1]):
            positive = target[:, k]
            if positive.all() or not positive.any():
                intercept[k] = 1.0 if positive.all() else -1.0
                continue
            svm = self._svm().fit(X, positive)
            coef[k], intercept[k] = svm.coef_[0], svm.intercept_[0]
        return coef.astype(np.float32), intercept

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)

    def _out_of_fold_margins(self, X, y, target):
        n = X.shape[0]
        folds = max(2, min(self.calibration_folds, n))
        if self.multi_label_:
            splitter = KFold(folds, shuffle=True, random_state=self.random_state)
            splits = splitter.split(X)
        else:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                splits = list(splitter.split(X, y))
        margins = np.zeros(target.shape, dtype=float)
        for train, held in splits:
            coef, intercept = self._fit_svms(X[train], y[train], target[train])
            margins[held] = X[held] @ coef.T + intercept
        return margins

    def decision_function(self, X) -> np.ndarray:
        """Raw SVM margins, one column per class."""
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per class."""
        margins = self.decision_function(X)
        probs = 1.0 / (1.0 + np.exp(-(margins * self.platt_[:, 0] + self.platt_[:, 1])))
        if not self.multi_label_:
            total = probs.sum(axis=1, keepdims=True)
            probs = np.divide(probs, total, out=np.full_like(probs, 1.0 / probs.shape[1]), where=total > 0)
        return probs

    def predict(self, X):
        probs = self.predict_proba(X)
        if self.multi_label_:
            return (probs >= defaults.THRESHOLD_MULTI).astype(int)
        return self.classes_[probs.argmax(axis=1)]


def _fit_platt(margin: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * margin + b)`` by logistic regression on out-of-fold margins."""
    if positive.all() or not positive.any():
        return (0.0, 20.0 if positive.all() else -20.0)
    lr = LogisticRegression(C=1e4)
    lr.fit(margin.reshape(-1, 1), positive)
    return (float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def build_pipeline(n_rows: int, *, features: dict | None = None, model: dict | None = None,
                   seed: int = defaults.SEED) -> Pipeline:
    """A fresh, unfitted pipeline with the default settings, overridden by ``features`` and ``model``."""
    feature_params = {**defaults.FEATURES, **(features or {})}
    if n_rows < defaults.SMALL_TABLE and not (features and "min_df" in features):
        feature_params["min_df"] = 1
    feature_params["ngram_range"] = tuple(feature_params["ngram_range"])
    model_params = {**defaults.MODEL, **(model or {})}
    return Pipeline([
        ("features", TfidfVectorizer(dtype=np.float32, **feature_params)),
        ("model", CalibratedLinearSVC(random_state=seed, **model_params)),
    ])


def fit_pipeline(pipeline: Pipeline, texts, y) -> Pipeline:
    """Fit ``pipeline`` and drop what only bloats the saved file (the vectoriser's pruned terms)."""
    pipeline.fit(texts, y)
    vectoriser = pipeline.named_steps["features"]
    if hasattr(vectoriser, "stop_words_"):
        del vectoriser.stop_words_
    return pipeline


def pipeline_params(pipeline: Pipeline) -> dict:
    """The settings of a pipeline's two steps, as plain JSON-friendly values."""
    features = pipeline.named_steps["features"].get_params()
    model = pipeline.named_steps["model"].get_params()
    keep = set(defaults.FEATURES)
    return {
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in features.items() if k in keep},
        "model": {k: v for k, v in model.items()},
    }
