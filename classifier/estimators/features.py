"""Fast TF-IDF features: :class:`TextFeatures`, word n-grams and character n-grams within words.

The n-grams are found and hashed with NumPy by :mod:`classifier.estimators.ngrams`; the
vocabulary is a sorted array of 64-bit hashes. The result is the same kind of TF-IDF matrix
as scikit-learn's ``TfidfVectorizer`` (lower-cased, sublinear TF, smoothed IDF, L2-normalised
rows) at a fraction of the cost. This module owns the estimator: its parameters and the
choices it makes from the training texts (``char_ngrams="auto"``, ``min_df="auto"``), the
vocabulary and IDF weights, and the feature names and kinds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from classifier import defaults
from classifier.estimators.ngrams import (
    KINDS,
    PARALLEL_MIN_TEXTS,
    batches,
    count_matrix,
    gather_spans,
    mix64,
    ngrams,
    spell,
    thread_count,
    thread_pool,
)

__all__ = ["TextFeatures", "mix64"]  # mix64: re-exported for the modules that hash words the same way


class TextFeatures(TransformerMixin, BaseEstimator):
    """TF-IDF features of word n-grams and (optionally) character n-grams within words.

    Parameters follow ``TfidfVectorizer``; the defaults are :data:`classifier.defaults.FEATURES`.
    ``word_ngrams`` and ``char_ngrams`` are ``(min_n, max_n)`` ranges (``None`` turns a kind
    off; ``char_ngrams="auto"`` adds ``defaults.SHORT_TEXT_CHAR_NGRAMS`` when the median
    training text has at most ``defaults.SHORT_TEXT_WORDS`` words). Char n-grams are taken from
    each token wrapped in edge markers, like fastText's subwords. ``prefix=n`` adds each longer
    word's first ``n`` letters. ``min_df`` and ``max_df`` prune the vocabulary by document
    frequency (a count, or a fraction of documents when a float below 1); ``min_df="auto"`` is
    1 on fewer than ``defaults.SMALL_TABLE`` training texts, else ``defaults.MIN_DF``.
    ``n_jobs`` threads transform large inputs (``None``: one per core). Texts are tokenised in every
    script by :mod:`classifier.estimators.scripts` (NFKC, letters with their combining marks, character
    bigrams for scripts written without spaces); ``strip_arabic_marks`` removes Arabic harakat and tatweel
    and ``fold_arabic_letters`` folds Arabic/Persian/Urdu letter variants first (both off by default).

    Fitted attributes: ``char_ngrams_`` and ``min_df_`` (the values used, ``"auto"`` resolved),
    ``vocabulary_hashes_`` (one 64-bit hash per feature) and ``idf_``.
    """

    n_jobs = None  # models saved before these parameters existed
    strip_arabic_marks = False
    fold_arabic_letters = False

    def __init__(self, word_ngrams=defaults.FEATURES["word_ngrams"], char_ngrams=defaults.FEATURES["char_ngrams"],
                 prefix=defaults.FEATURES["prefix"], min_df=defaults.FEATURES["min_df"],
                 max_df=defaults.FEATURES["max_df"], sublinear_tf=defaults.FEATURES["sublinear_tf"],
                 lowercase=defaults.FEATURES["lowercase"],
                 strip_arabic_marks=defaults.FEATURES["strip_arabic_marks"],
                 fold_arabic_letters=defaults.FEATURES["fold_arabic_letters"], dtype=np.float32, n_jobs=None):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.prefix = prefix
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.strip_arabic_marks = strip_arabic_marks
        self.fold_arabic_letters = fold_arabic_letters
        self.dtype = dtype
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        texts = _as_texts(texts)
        n_docs = len(texts)
        self.char_ngrams_ = self._resolve_char_ngrams(texts)
        self.min_df_ = self._resolve_min_df(n_docs)
        docs, hashes, spans, parts = [], [], [], []
        for offset, batch in batches(texts):
            grams = ngrams(batch, self.word_ngrams, self.char_ngrams_, self.lowercase, offset, self.prefix,
                           normalise=self._normalise())
            docs.append(grams.docs)
            hashes.append(grams.hashes)
            spans.append(grams.spans)
            parts.append(batch)
        codes, candidates = pd.factorize(np.concatenate(hashes))
        counts = count_matrix(np.concatenate(docs), codes, n_docs, len(candidates), self.dtype)
        df = np.bincount(counts.indices, minlength=len(candidates))
        low = self.min_df_ if isinstance(self.min_df_, (int, np.integer)) else int(np.ceil(self.min_df_ * n_docs))
        high = self.max_df * n_docs if isinstance(self.max_df, float) and self.max_df <= 1.0 else self.max_df
        kept = (df >= low) & (df <= high)
        if not kept.any():
            raise ValueError("no terms remain after pruning by document frequency; lower `min_df`")
        column = np.cumsum(kept) - 1
        keep_entry = kept[counts.indices]
        rows = np.repeat(np.arange(n_docs), np.diff(counts.indptr))[keep_entry]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_docs))])
        counts = sparse.csr_matrix((counts.data[keep_entry], column[counts.indices[keep_entry]], indptr),
                                   shape=(n_docs, int(kept.sum())))
        self.vocabulary_hashes_ = candidates[kept]
        self.idf_ = (np.log((1 + n_docs) / (1 + df[kept])) + 1).astype(self.dtype)
        first = np.empty(len(candidates), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
        self._unspelled = (parts, *gather_spans(spans, first[kept]))
        self.__dict__.pop("_index", None)
        return self._weigh(counts)

    def _normalise(self) -> tuple[bool, bool]:
        return bool(self.strip_arabic_marks), bool(self.fold_arabic_letters)

    def _resolve_min_df(self, n_docs: int):
        """``min_df``, with ``"auto"`` resolved from the number of training texts."""
        if self.min_df != "auto":
            return self.min_df
        return 1 if n_docs < defaults.SMALL_TABLE else defaults.MIN_DF

    def _resolve_char_ngrams(self, texts: list[str]):
        """``char_ngrams``, with ``"auto"`` resolved from the median length of the training texts."""
        if self.char_ngrams != "auto":
            return tuple(self.char_ngrams) if self.char_ngrams is not None else None
        step = max(1, len(texts) // 5000)
        lengths = [len(t.split()) for t in texts[::step]]
        median = float(np.median(lengths)) if lengths else 0.0
        return defaults.SHORT_TEXT_CHAR_NGRAMS if median <= defaults.SHORT_TEXT_WORDS else None

    def transform(self, texts):
        """TF-IDF rows for ``texts``; large inputs are split over ``n_jobs`` threads (NumPy releases the GIL)."""
        check_is_fitted(self, "idf_")
        texts = _as_texts(texts)
        threads = thread_count(self.n_jobs)
        if threads < 2 or len(texts) < PARALLEL_MIN_TEXTS:
            return self._transform(texts)
        step = -(-len(texts) // threads)
        parts = [texts[i:i + step] for i in range(0, len(texts), step)]
        return sparse.vstack(list(thread_pool(threads).map(self._transform, parts)), format="csr")

    def _transform(self, texts: list[str]) -> sparse.csr_matrix:
        docs, hashes = [], []
        for offset, batch in batches(texts):
            grams = ngrams(batch, self.word_ngrams, self.char_ngrams_, self.lowercase, offset, self.prefix,
                           need_spans=False, normalise=self._normalise())
            docs.append(grams.docs)
            hashes.append(grams.hashes)
        all_docs = np.concatenate(docs)
        column = self._lookup().get_indexer(np.concatenate(hashes))
        known = column >= 0
        counts = count_matrix(all_docs[known], column[known], len(texts), len(self.vocabulary_hashes_), self.dtype)
        return self._weigh(counts)

    def _lookup(self) -> pd.Index:
        """A hash index from n-gram hash to column, built once per process (not saved)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = pd.Index(self.vocabulary_hashes_)
        return index

    def __getstate__(self):
        self._spell_names()
        state = dict(self.__dict__)
        state.pop("_index", None)
        state.pop("_names", None)
        return state

    def _spell_names(self) -> None:
        """Spell the feature names from the training texts, once, then let the texts go.

        Names are only needed to explain a model or to save it, so a model that
        is fitted and discarded (such as the held-out-slice model) never pays
        for them.
        """
        pending = self.__dict__.pop("_unspelled", None)
        if pending is not None:
            names, kinds = spell(self.lowercase, *pending, normalise=self._normalise())
            self.__dict__["_names"] = names
            self.feature_names_joined_ = "\x00".join(names.tolist())
            self.feature_kind_codes_ = np.searchsorted(KINDS, kinds.astype(str)).astype(np.int8)

    def _name_array(self) -> np.ndarray:
        """The feature names as an object array (kept as one joined string in the saved model, which
        pickles and serialises with skops far faster than an array of strings)."""
        self._spell_names()
        names = self.__dict__.get("_names")
        if names is None:
            names = self.__dict__["_names"] = np.array(self.feature_names_joined_.split("\x00"), dtype=object)
        return names

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        counts.data *= self.idf_[counts.indices]
        return normalize(counts, copy=False)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "idf_")
        return self._name_array().copy()

    def get_feature_kinds_out(self) -> np.ndarray:
        """Each feature's kind, aligned with ``get_feature_names_out()``: ``char`` (a character
        n-gram within a word), ``prefix`` (a word's first letters) or ``word`` (a word n-gram)."""
        check_is_fitted(self, "idf_")
        self._spell_names()
        return np.asarray(KINDS, dtype=object)[self.feature_kind_codes_]


def _as_texts(texts) -> list[str]:
    """``texts`` as a list of strings (other values as their ``str``); one string alone is refused."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("Iterable over raw text documents expected, string object received.")
    return [t if isinstance(t, str) else str(t) for t in texts]
