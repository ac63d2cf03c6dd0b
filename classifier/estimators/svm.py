"""The classifier step: :class:`CalibratedLinearSVC`, one-vs-rest linear SVMs on NB-weighted features,
with calibrated probabilities, for single-label and multi-label targets."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from classifier import defaults
from classifier.estimators.calibration import (
    default_calibration,
    fit_calibration,
    probabilities,
)
from classifier.estimators.targets import is_multi_label, label_matrix
from classifier.estimators.thresholds import label_thresholds, parse_target


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs on NB-weighted features, with calibrated probabilities.

    For each class, every feature is first scaled by its naive Bayes
    log-count ratio between the class's rows and the others (the "NBSVM" of
    Wang and Manning, 2012), which lets the SVM lean on the terms that tell
    that class apart; ``nb_weighting=False`` turns this off. The SVM margins
    are calibrated with Platt scaling fitted on out-of-fold margins
    (``calibration_folds``-fold cross-validation on the training data only),
    then the SVMs are refitted on all rows. ``fit(X, y, calibrate=False)`` (or
    ``calibration_folds=0``) skips that step, and :meth:`calibrate` must then be
    given held-out margins (:class:`~classifier.estimators.pipeline.TextPipeline`
    does so with its held-out slice, which saves the cross-validation fits).
    The per-class fits run on ``n_jobs`` threads (liblinear releases the GIL),
    but liblinear draws its coordinate order from one process-wide random
    generator, so fits on several threads interleave its draws and differ run
    to run (by about 1e-5 in the weights); the default, one thread, gives the
    same model for the same data and seed. ``tol`` is liblinear's stopping tolerance (see
    :data:`classifier.defaults.SVM_TOL`).

    Single-label (``y`` a 1-D array of labels): the per-class probabilities
    are normalised to sum to one. Multi-label (``y`` a 2-D 0/1 indicator
    matrix, or a sequence of label collections such as ``[("arrest", "protest"), ()]``):
    each label's probability stands alone, and :meth:`predict` returns a 0/1
    matrix. ``classes`` names the labels in column order, as ``MultiLabelBinarizer(classes=...)``
    does: the columns of an indicator matrix (without it they are named ``0..k-1``), or the
    columns label collections are scored in (default: every label seen, sorted; labels
    absent from ``y`` get a column that never fires). Single-label, ``classes`` lists the
    classes to score, in order (default: the sorted labels of ``y``).

    ``coef_`` holds one row of term weights per class (the NB scaling folded
    in), so a class's margin is ``X @ coef_[k] + intercept_[k]`` and each
    term's contribution is its feature value times its weight. ``calibration_folds_``
    is the number of folds whose out-of-fold margins calibrated the model (0: calibrated
    on held-out margins given to :meth:`calibrate`, or not calibrated).
    """

    classes = None  # models saved before these parameters existed
    thresholds = None
    tol = 1e-4  # liblinear's default, which models saved before ``tol`` existed were fitted with

    def __init__(self, C: float = defaults.MODEL["C"], nb_weighting: bool = defaults.MODEL["nb_weighting"],
                 calibration_folds: int = defaults.MODEL["calibration_folds"],
                 class_weight=defaults.MODEL["class_weight"], n_jobs: int | None = defaults.MODEL["n_jobs"],
                 random_state: int = defaults.SEED, classes=None, thresholds=defaults.MODEL["thresholds"],
                 tol: float = defaults.SVM_TOL):
        self.C = C
        self.nb_weighting = nb_weighting
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.classes = classes
        self.thresholds = thresholds
        self.tol = tol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, *, calibrate: bool = True):
        """Fit the SVMs on ``X`` and ``y``; with ``calibrate=False``, skip the out-of-fold calibration."""
        if y is None:
            raise ValueError("CalibratedLinearSVC requires y to be passed, but the target y is None")
        X = sparse.csr_matrix(validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32)))
        self.multi_label_ = is_multi_label(y)
        if self.multi_label_:
            target, self.classes_ = label_matrix(y, self.classes)
            if len(target) != X.shape[0]:
                raise ValueError(f"`X` has {X.shape[0]} rows but `y` has {len(target)}")
            y = target
        else:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
            self.classes_ = np.unique(y) if self.classes is None else np.asarray(list(self.classes), dtype=object)
            if len(self.classes_) < 2:
                raise ValueError("CalibratedLinearSVC needs at least two classes, but `y` holds one class")
            if self.classes is not None and not np.isin(y, self.classes_).all():
                raise ValueError("`y` holds labels that are not in `classes`")
            target = y[:, None] == self.classes_[None, :]
        if self.thresholds is not None:
            parse_target(self.thresholds)  # f1, precision@P or recall@R
        folds = self.calibration_folds if calibrate else 0
        self.thresholds_ = None
        with ThreadPoolExecutor(max_workers=self._threads()) as pool:
            if folds:
                margins = self._out_of_fold_margins(X, y, target, pool, folds)
                self.calibrate(margins, target)
                if self.multi_label_ and self.thresholds is not None:
                    self.thresholds_ = label_thresholds(probabilities(margins, self.calibration_, True), target,
                                                        defaults.THRESHOLD_MULTI, self.thresholds)
            else:
                self.calibration_ = default_calibration(target.shape[1], self.multi_label_)
            self.coef_, self.intercept_ = self._fit_svms(X, target, pool)
        self.calibration_folds_ = folds
        return self

    def targets(self, y) -> np.ndarray:
        """``y`` as a rows x classes boolean matrix in this model's class order."""
        if self.multi_label_:
            return label_matrix(y, self.classes_)[0]
        y = np.asarray(y)
        return y[:, None] == self.classes_[None, :]

    def calibrate(self, margins: np.ndarray, target: np.ndarray) -> CalibratedLinearSVC:
        """Fit the calibration to held-out ``margins`` and their true ``target`` (rows x classes, 0/1)."""
        self.calibration_ = fit_calibration(margins, target, self.multi_label_)
        return self

    def adopt_calibration(self, other: CalibratedLinearSVC) -> CalibratedLinearSVC:
        """Take ``other``'s calibration (and decision thresholds): for a model refitted on more rows of the
        same task, whose own out-of-fold calibration would repeat the cross-validation fits. A single-label
        calibration (a temperature and a top-label curve) does not depend on the number of classes."""
        if self.multi_label_ != other.multi_label_ or (self.multi_label_ and len(self.classes_) != len(other.classes_)):
            raise ValueError("a calibration can be adopted only from a model of the same task and labels")
        self.calibration_ = other.calibration_
        self.thresholds_ = getattr(other, "thresholds_", None)
        self.calibration_folds_ = other.calibration_folds_
        return self

    def _threads(self) -> int:
        if self.n_jobs is None or self.n_jobs < 1:
            return os.cpu_count() or 1
        return self.n_jobs

    def _fit_svms(self, X, target, pool):
        """Fit one binary SVM per class on ``X``; return (coef, intercept), one row per class.

        Each class's NB ratios are computed in its own job from the shared per-class document counts, and its
        weights are kept as float32, so memory grows with one row of features per class, not several."""
        counts = _NBCounts(X, target) if self.nb_weighting else None
        data = X.data.astype(np.float64)  # once for every class
        jobs = [pool.submit(self._fit_one, X, data, counts, k, target[:, k]) for k in range(target.shape[1])]
        try:
            rows = [job.result() for job in jobs]
        except BaseException:
            for job in jobs:  # Ctrl-C or an error: the fits not yet started never start
                job.cancel()
            raise
        return np.vstack([r[0] for r in rows]), np.array([r[1] for r in rows])

    def _fit_one(self, X, data, counts, k, positive):
        if positive.all() or not positive.any():
            return np.zeros(X.shape[1], dtype=np.float32), (1.0 if positive.all() else -1.0)
        scale = None if counts is None else counts.ratios(k)
        if scale is not None:
            data = data * scale[X.indices]
        Xs = sparse.csr_matrix((data, X.indices, X.indptr), shape=X.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = LinearSVC(C=self.C, class_weight=self.class_weight, tol=self.tol,
                            random_state=self.random_state).fit(Xs, positive)
        weights = svm.coef_[0] if scale is None else svm.coef_[0] * scale
        return weights.astype(np.float32), float(svm.intercept_[0])

    def _out_of_fold_margins(self, X, y, target, pool, folds):
        n = X.shape[0]
        folds = max(2, min(folds, n))
        if self.multi_label_ or np.unique(y, return_counts=True)[1].max() < folds:
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
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities, one column per class."""
        return probabilities(self.decision_function(X), self.calibration_, self.multi_label_)

    def predict(self, X):
        probs = self.predict_proba(X)
        if self.multi_label_:
            thresholds = getattr(self, "thresholds_", None)
            return (probs >= (defaults.THRESHOLD_MULTI if thresholds is None else thresholds)).astype(int)
        return self.classes_[probs.argmax(axis=1)]


class _NBCounts:
    """Per class, the number of its rows each feature occurs in (a sparse classes x features matrix), and the
    number of all rows, from which :meth:`ratios` gives one class's NB log-count ratios."""

    def __init__(self, X: sparse.csr_matrix, target: np.ndarray):
        present = sparse.csr_matrix((np.ones_like(X.data), X.indices, X.indptr), shape=X.shape)
        self.inside = sparse.csr_matrix(target.T.astype(np.float32)) @ present
        self.total = np.asarray(present.sum(axis=0)).ravel()

    def ratios(self, k: int, alpha: float = 1.0) -> np.ndarray:
        """Class ``k``'s log ratio, per feature, of its (smoothed) share of document occurrences among the class's
        rows to its share among the other rows (Wang and Manning's NB weights)."""
        inside = self.inside[k].toarray().ravel()
        p = inside + alpha
        q = (self.total - inside) + alpha
        return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)

