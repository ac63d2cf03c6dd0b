"""The out-of-core pair: TF-IDF of hashed word n-grams, and linear SVMs fitted by SGD in mini-batches.

Neither holds a vocabulary or the training rows, so a model can be trained on a table larger
than memory (see :mod:`classifier.training.out_of_core`).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize

from classifier import defaults
from classifier.estimators.calibration import default_calibration, fit_calibration, probabilities


class HashedTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF weights of hashed word n-grams: a vectoriser with no vocabulary, fitted from document counts.

    ``get_feature_names_out`` names each hash bucket after the most frequent
    term seen in it while fitting (``hash:<n>`` if none was seen), so the top
    terms of a label can still be shown.
    """

    def __init__(self, n_features: int = defaults.OUT_OF_CORE["n_features"], ngram_range=(1, 2),
                 sublinear_tf: bool = True, lowercase: bool = True):
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase

    def hasher(self) -> HashingVectorizer:
        return HashingVectorizer(n_features=self.n_features, ngram_range=tuple(self.ngram_range),
                                 lowercase=self.lowercase, alternate_sign=False, norm=None, dtype=np.float32)

    def counts(self, texts) -> sparse.csr_matrix:
        """Raw term counts per hash bucket (what the buckets on disk hold)."""
        return self.hasher().transform(texts)

    def fit_counts(self, document_frequency: np.ndarray, n_documents: int, names: dict[int, str]) -> "HashedTfidf":
        """Set the IDF weights from per-bucket document frequencies, and the bucket names."""
        self.idf_ = (np.log((1 + n_documents) / (1 + document_frequency)) + 1).astype(np.float32)
        self.names_ = dict(names)
        return self

    def fit(self, texts, y=None) -> "HashedTfidf":
        """Fit the IDF weights and bucket names on ``texts`` held in memory."""
        texts = list(texts)
        counts = self.counts(texts)
        names: Counter = Counter()
        analyzer = self.hasher().build_analyzer()
        for text in texts:
            names.update(analyzer(text))
        return self.fit_counts(np.bincount(counts.indices, minlength=self.n_features), len(texts),
                               bucket_names(names, self))

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TF-IDF weights, L2-normalised per row, from raw counts."""
        weights = counts.astype(np.float32, copy=True)
        if self.sublinear_tf:
            np.log1p(weights.data, out=weights.data)
        weights = weights @ sparse.diags(self.idf_)
        return normalize(weights, copy=False)

    def transform(self, texts) -> sparse.csr_matrix:
        return self.weigh(self.counts(list(texts)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = np.array([f"hash:{i}" for i in range(self.n_features)], dtype=object)
        for index, term in self.names_.items():
            names[index] = term
        return names


class IncrementalLinearSVC(ClassifierMixin, BaseEstimator):
    """One linear SVM per label fitted by SGD in mini-batches, with Platt-calibrated probabilities.

    Single-label: the label probabilities are normalised to sum to one;
    multi-label: each stands alone. ``coef_`` holds one row of weights per label.
    """

    def __init__(self, alpha: float = defaults.OUT_OF_CORE["alpha"], multi_label: bool = False,
                 random_state: int = 0):
        self.alpha = alpha
        self.multi_label = multi_label
        self.random_state = random_state

    def fit(self, X, target: np.ndarray, classes=None) -> "IncrementalLinearSVC":
        """Fit from scratch on ``X`` and the 0/1 ``target`` matrix in one pass (uncalibrated)."""
        self.start(classes if classes is not None else range(target.shape[1]))
        return self.partial_fit(X, target)

    def start(self, classes) -> "IncrementalLinearSVC":
        self.classes_ = np.asarray(classes, dtype=object)
        self.estimators_ = [SGDClassifier(loss="hinge", alpha=self.alpha, average=True,
                                          random_state=self.random_state + k) for k in range(len(classes))]
        self.calibration_ = default_calibration(len(classes), self.multi_label)
        return self

    def partial_fit(self, X, target: np.ndarray) -> "IncrementalLinearSVC":
        """One SGD pass over ``X`` for every label; ``target`` is the 0/1 matrix (rows, labels)."""
        for k, estimator in enumerate(self.estimators_):
            estimator.partial_fit(X, target[:, k], classes=np.array([0, 1]))
        self.coef_ = np.vstack([e.coef_[0] for e in self.estimators_]).astype(np.float32)
        self.intercept_ = np.array([e.intercept_[0] for e in self.estimators_])
        return self

    def finish(self) -> "IncrementalLinearSVC":
        """Drop the SGD state (several copies of the weights) once training is over, to keep model files small."""
        self.estimators_ = []
        return self

    def calibrate(self, margins: np.ndarray, target: np.ndarray) -> "IncrementalLinearSVC":
        """Fit the calibration on margins of rows the SVMs were not trained on (the same calibration
        as the in-memory model: see :func:`classifier.pipeline.probabilities`)."""
        self.calibration_ = fit_calibration(margins, target, self.multi_label)
        return self

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        return probabilities(self.decision_function(X), self.calibration_, self.multi_label)

    def predict(self, X):
        probs = self.predict_proba(X)
        if self.multi_label:
            return (probs >= defaults.THRESHOLD_MULTI).astype(int)
        return self.classes_[probs.argmax(axis=1)]


def bucket_names(term_counts: Counter, features: HashedTfidf) -> dict[int, str]:
    """The most frequent sampled term of each hash bucket."""
    if not term_counts:
        return {}
    terms = [t for t, _ in term_counts.most_common()]
    hasher = FeatureHasher(n_features=features.n_features, input_type="string", alternate_sign=False)
    buckets = hasher.transform([[t] for t in terms]).indices
    names: dict[int, str] = {}
    for term, bucket in zip(terms, buckets):
        names.setdefault(int(bucket), term)
    return names
