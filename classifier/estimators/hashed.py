"""The out-of-core pair: TF-IDF of hashed word n-grams, and linear SVMs fitted by SGD in mini-batches.

Both are scikit-learn estimators that also learn incrementally with ``partial_fit``, one chunk
of rows at a time. Neither holds a vocabulary or the training rows, so a model can be trained
on a table larger than memory (see :mod:`classifier.training.out_of_core`). What they keep
only while learning (term counts behind the bucket names, the SGD state of each label) is left
out when they are pickled or saved, so model files hold weights and nothing else.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from classifier import defaults
from classifier.estimators.calibration import (
    default_calibration,
    fit_calibration,
    probabilities,
)
from classifier.estimators.scripts import prepare, split_prepared

_SEP = "\x00"
"""Joins the bucket names in the saved model (a term never holds it: terms are runs of word characters)."""



_ASCII_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def word_tokens(text: str) -> list[str]:
    """Word tokens as :class:`~classifier.estimators.features.TextFeatures` finds them (whole words with
    their combining marks in every script, :mod:`classifier.estimators.scripts`); ASCII text takes
    scikit-learn's pattern, which gives the same tokens faster."""
    return _ASCII_TOKEN.findall(text) if text.isascii() else split_prepared(prepare(text, False))

class HashedTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF weights of hashed word n-grams: a vectoriser with no vocabulary, fitted from document counts.

    ``fit`` learns the IDF weights of ``texts`` held in memory; ``partial_fit``
    adds one chunk at a time to the document frequencies (``document_frequency_``
    of ``n_documents_`` documents) and refreshes ``idf_``, so the weights after
    several chunks are those ``fit`` gives on all of them.

    ``get_feature_names_out`` names each hash bucket after the most frequent
    term seen in it among the first ``name_sample_rows`` documents (``None``:
    all), or ``hash:<n>`` if none was seen, so the top terms of a label can
    still be shown. The term counts behind the names are kept only while
    fitting: a pickled or saved copy keeps the names, and ``partial_fit`` on it
    updates the weights but no longer the names.
    """

    name_sample_rows = defaults.OUT_OF_CORE["name_sample_rows"]  # models saved before this parameter existed

    def __init__(self, n_features: int = defaults.OUT_OF_CORE["n_features"], ngram_range=(1, 2),
                 sublinear_tf: bool = True, lowercase: bool = True,
                 name_sample_rows: int | None = defaults.OUT_OF_CORE["name_sample_rows"]):
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.name_sample_rows = name_sample_rows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _hasher(self) -> HashingVectorizer:
        return HashingVectorizer(n_features=self.n_features, ngram_range=tuple(self.ngram_range),
                                 lowercase=self.lowercase, alternate_sign=False, norm=None, dtype=np.float32,
                                 tokenizer=word_tokens, token_pattern=None)

    def counts(self, texts) -> sparse.csr_matrix:
        """Raw term counts per hash bucket, one row per text (what out-of-core training keeps on disk)."""
        return self._hasher().transform(_texts(texts))

    def fit(self, X, y=None) -> "HashedTfidf":
        """Fit the IDF weights and bucket names on the texts ``X`` held in memory."""
        self._reset()
        return self.partial_fit(X)

    def fit_transform(self, X, y=None) -> sparse.csr_matrix:
        texts = _texts(X)
        counts = self.counts(texts)
        self._reset()
        self.partial_fit(texts, counts=counts)
        return self.weigh(counts)

    def partial_fit(self, X, y=None, counts=None) -> "HashedTfidf":
        """Add the texts ``X`` to the document frequencies (and, within the name sample, to the bucket names).

        ``counts``: ``X``'s raw counts if already computed with :meth:`counts`,
        which saves hashing the texts twice.
        """
        texts = _texts(X)
        if counts is None:
            counts = self.counts(texts)
        elif counts.shape != (len(texts), self.n_features):
            raise ValueError(f"`counts` has shape {counts.shape}; it needs one row per text and `n_features` "
                             f"({self.n_features}) columns.")
        if not hasattr(self, "idf_"):
            self.document_frequency_ = np.zeros(self.n_features, dtype=np.int64)
            self.n_documents_ = self.n_named_documents_ = 0
            self.bucket_ids_, self.bucket_names_joined_ = np.zeros(0, dtype=np.int64), ""
            self._term_counts: Counter | None = Counter()
        elif getattr(self, "document_frequency_", np.zeros(0)).shape != (self.n_features,):
            raise ValueError("This HashedTfidf was saved without document frequencies for `n_features` "
                             f"({self.n_features}) buckets, so it cannot learn more; fit a new one.")
        self.document_frequency_ += np.bincount(counts.indices, minlength=self.n_features)
        self.n_documents_ += counts.shape[0]
        self.idf_ = (np.log((1 + self.n_documents_) / (1 + self.document_frequency_)) + 1).astype(np.float32)
        self._count_terms(texts)
        return self

    def _reset(self) -> None:
        for name in ("idf_", "document_frequency_", "n_documents_", "n_named_documents_", "bucket_ids_",
                     "bucket_names_joined_", "_term_counts", "_names_pending"):
            self.__dict__.pop(name, None)

    def _count_terms(self, texts: list[str]) -> None:
        """Count the terms of the texts still within the name sample; once it is full, name the buckets
        and let the counts go."""
        term_counts = self.__dict__.get("_term_counts")
        if term_counts is None:
            return
        room = len(texts) if self.name_sample_rows is None else self.name_sample_rows - self.n_named_documents_
        if room <= 0:
            return
        analyzer = self._hasher().build_analyzer()
        for text in texts[:room]:
            term_counts.update(analyzer(text))
        self.n_named_documents_ += min(room, len(texts))
        self._names_pending = True
        if self.name_sample_rows is not None and self.n_named_documents_ >= self.name_sample_rows:
            self._spell_names()
            self._term_counts = None

    def _spell_names(self) -> None:
        """Name the buckets from the term counts, if terms were counted since they were last named."""
        if self.__dict__.pop("_names_pending", False):
            ids, terms = bucket_names(self.__dict__["_term_counts"], self.n_features)
            self.bucket_ids_, self.bucket_names_joined_ = ids, _SEP.join(terms)

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TF-IDF weights, L2-normalised per row, from raw counts."""
        check_is_fitted(self, "idf_")
        weights = counts.astype(np.float32, copy=True)
        if self.sublinear_tf:
            np.log1p(weights.data, out=weights.data)
        weights = weights @ sparse.diags(self.idf_)
        return normalize(weights, copy=False)

    def transform(self, X) -> sparse.csr_matrix:
        check_is_fitted(self, "idf_")
        return self.weigh(self.counts(X))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "idf_")
        self._spell_names()
        names = np.array([f"hash:{i}" for i in range(self.n_features)], dtype=object)
        if len(self.bucket_ids_):
            names[self.bucket_ids_] = self.bucket_names_joined_.split(_SEP)
        return names

    def __getstate__(self):
        self._spell_names()
        state = dict(super().__getstate__())
        state.pop("_term_counts", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "names_" in state:  # models saved before the names were kept as arrays
            names = state.pop("names_")
            ids = np.array(sorted(names), dtype=np.int64)
            state["bucket_ids_"], state["bucket_names_joined_"] = ids, _SEP.join(names[int(i)] for i in ids)
        super().__setstate__(state)


class IncrementalLinearSVC(ClassifierMixin, BaseEstimator):
    """One linear SVM per label fitted by SGD (hinge loss, averaged), with calibrated probabilities.

    ``partial_fit(X, y, classes)`` makes one SGD pass over a chunk of rows;
    ``classes`` (every label ``y`` may hold) is required on the first call, as
    for ``SGDClassifier``. ``fit`` starts afresh and makes ``passes`` passes
    over ``X``, shuffled, through ``partial_fit``. Single-label (``multi_label``
    false): ``y`` holds one label per row and the label probabilities sum to
    one; multi-label: ``y`` is a 0/1 matrix with one column per class, and each
    probability stands alone.

    ``coef_`` holds one row of weights per label, even for two labels, so
    :meth:`margins` gives one margin per label; ``decision_function`` follows
    scikit-learn (with two labels, one column: positive for ``classes_[1]``).
    Probabilities are a softmax (single-label) or sigmoid (multi-label) of the
    margins until :meth:`calibrate` fits them to held-out rows, as
    out-of-core training does. The per-label SGD state (several copies of the
    weights) is kept only while learning: a pickled or saved copy predicts the
    same but cannot learn more.
    """

    passes = defaults.OUT_OF_CORE["passes"]  # models saved before this parameter existed

    def __init__(self, alpha: float = defaults.OUT_OF_CORE["alpha"], multi_label: bool = False,
                 passes: int = defaults.OUT_OF_CORE["passes"], random_state: int | None = 0):
        self.alpha = alpha
        self.multi_label = multi_label
        self.passes = passes
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(self, X, y, classes=None) -> "IncrementalLinearSVC":
        """Fit afresh: ``passes`` shuffled passes over ``X``; ``classes`` defaults to the sorted labels of
        ``y`` (single-label) or the column numbers (multi-label)."""
        for name in ("classes_", "coef_", "intercept_", "calibration_", "_sgd"):
            self.__dict__.pop(name, None)
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                             multi_output=self.multi_label)
        if classes is None:
            classes = np.arange(y.shape[1]) if self.multi_label else _labels_of(y)
        if self.passes < 1:
            raise ValueError(f"`passes` must be 1 or more, not {self.passes}.")
        rng = np.random.default_rng(self.random_state)
        for _ in range(self.passes):
            order = rng.permutation(X.shape[0])
            self.partial_fit(X[order], y[order], classes=classes)
        return self

    def partial_fit(self, X, y, classes=None) -> "IncrementalLinearSVC":
        """One SGD pass over the rows ``X`` for every label (``classes`` required on the first call)."""
        first = not hasattr(self, "classes_")
        if first:
            if classes is None:
                raise ValueError("`classes` must be given on the first call to partial_fit: every label y may "
                                 "hold.")
        elif "_sgd" not in self.__dict__:
            raise ValueError("This IncrementalLinearSVC was copied or loaded without its SGD state, so it cannot "
                             "learn more; fit a new one.")
        elif classes is not None and not np.array_equal(np.asarray(classes), self.classes_):
            raise ValueError("`classes` differs from the classes of the first call to partial_fit.")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                             multi_output=self.multi_label, reset=first)
        if first:
            self._start(classes)
        target = self._target(y)
        for k, estimator in enumerate(self._sgd):
            estimator.partial_fit(X, target[:, k], classes=np.array([0, 1]))
        self.coef_ = np.vstack([e.coef_[0] for e in self._sgd]).astype(np.float32)
        self.intercept_ = np.array([e.intercept_[0] for e in self._sgd])
        return self

    def _start(self, classes) -> None:
        classes = np.asarray(classes)
        if classes.ndim != 1 or len(set(classes.tolist())) != len(classes):
            raise ValueError("`classes` must list each class once.")
        if not self.multi_label and len(classes) < 2:
            raise ValueError(f"`classes` holds only one class ({classes.tolist()!r}); IncrementalLinearSVC needs "
                             "two or more.")
        self.classes_ = classes
        seed = self.random_state
        self._sgd = [SGDClassifier(loss="hinge", alpha=self.alpha, average=True,
                                   random_state=None if seed is None else seed + k) for k in range(len(classes))]
        self.calibration_ = default_calibration(len(classes), self.multi_label)

    def _target(self, y) -> np.ndarray:
        """``y`` as the 0/1 matrix (rows, classes) the per-label SVMs learn from."""
        if self.multi_label:
            y = np.asarray(y)
            if y.ndim != 2 or y.shape[1] != len(self.classes_) or not np.isin(y, (0, 1)).all():
                raise ValueError(f"Multi-label `y` must be a 0/1 matrix with one column per class "
                                 f"({len(self.classes_)}).")
            return y.astype(np.int8, copy=False)
        y = np.asarray(y)
        column = pd.Index(self.classes_).get_indexer(y)
        if (column < 0).any():
            extra = sorted(map(str, set(y[column < 0].tolist())))
            raise ValueError(f"`y` holds labels that `classes` does not list: {', '.join(extra[:5])}.")
        target = np.zeros((len(y), len(self.classes_)), dtype=np.int8)
        target[np.arange(len(y)), column] = 1
        return target

    def calibrate(self, margins: np.ndarray, target: np.ndarray) -> "IncrementalLinearSVC":
        """Fit the calibration on :meth:`margins` of rows the SVMs were not trained on (the same calibration
        as the in-memory model: see :func:`classifier.estimators.calibration.probabilities`)."""
        check_is_fitted(self)
        self.calibration_ = fit_calibration(margins, target, self.multi_label)
        return self

    def margins(self, X) -> np.ndarray:
        """Each label's SVM margin, one column per label (also for two labels)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def decision_function(self, X) -> np.ndarray:
        """The margins; with two labels (single-label), one column: ``classes_[1]``'s margin minus ``classes_[0]``'s."""
        margins = self.margins(X)
        if not self.multi_label and margins.shape[1] == 2:
            return margins[:, 1] - margins[:, 0]
        return margins

    def predict_proba(self, X) -> np.ndarray:
        return probabilities(self.margins(X), self.calibration_, self.multi_label)

    def predict(self, X):
        probs = self.predict_proba(X)
        if self.multi_label:
            return (probs >= defaults.THRESHOLD_MULTI).astype(int)
        return self.classes_[probs.argmax(axis=1)]

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_sgd", None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        state.pop("estimators_", None)  # models saved before the SGD state was left out of the file
        super().__setstate__(state)


def _texts(X) -> list[str]:
    if isinstance(X, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    return X if isinstance(X, list) else list(X)


def _labels_of(y) -> np.ndarray:
    check_classification_targets(y)
    return np.unique(y)


def bucket_names(term_counts: Counter, n_features: int) -> tuple[np.ndarray, list[str]]:
    """The most frequent counted term of each hash bucket (ties: the first counted), as bucket numbers in
    order and their terms."""
    if not term_counts:
        return np.zeros(0, dtype=np.int64), []
    terms = [t for t, _ in term_counts.most_common()]
    hasher = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False)
    buckets = hasher.transform([[t] for t in terms]).indices
    names: dict[int, str] = {}
    for term, bucket in zip(terms, buckets):
        names.setdefault(int(bucket), term)
    ids = np.array(sorted(names), dtype=np.int64)
    return ids, [names[int(i)] for i in ids]
