"""The compact scorer: a fitted default pipeline reduced to plain arrays, applied with NumPy alone.

A saved model carries, beside its full scikit-learn pipeline, the few arrays that scoring a text
needs: the TF-IDF settings, the vocabulary as a hash table (sorted 64-bit n-gram hashes and their
columns), the IDF weights, the SVM weights (NB scaling folded in) and intercepts, the calibration
(Platt rows, or temperature and top-label curve) and a multi-label model's own thresholds.
:class:`CompactScorer` applies them with the tokeniser of :mod:`classifier.estimators.ngrams` and
the calibration of :mod:`classifier.estimators.calibration`, without importing scikit-learn, SciPy
or pandas, so that ``classifier predict "one sentence"`` starts in a fraction of the time loading
the pipeline takes (issue 14). It computes what the pipeline computes, in the same float32
arithmetic and the same order (the counts, ``log(tf) + 1``, IDF, the L2 norm summed in double precision as
scikit-learn's ``normalize`` does, the margins summed in float32 in column order as SciPy's sparse
product does), so its probabilities equal the pipeline's (tests: to 1e-6).

The arrays are stored as an ``.npz`` (:meth:`CompactScorer.to_bytes`) read back with
``allow_pickle=False``: loading one constructs arrays of numbers and fixed-width strings, never
objects. Models this reduction does not cover (the out-of-core pair, any other estimator) have
none, and are scored by their pipeline.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import numpy as np

from classifier.estimators.calibration import probabilities
from classifier.estimators.ngrams import PARALLEL_MIN_TEXTS, batches, ngrams, thread_count, thread_pool
from classifier.steps import FEATURES, MODEL

FORMAT_VERSION = 1
"""Version of the arrays' layout; a model file holding another version is scored by its pipeline."""

_FEATURE_CLASS = "TextFeatures"
_MODEL_CLASS = "CalibratedLinearSVC"
_ARRAYS = {
    "format_version": np.int64, "word_ngrams": np.int64, "char_ngrams": np.int64, "prefix": np.int64,
    "flags": np.bool_, "dtype": np.str_, "table_hashes": np.uint64, "table_columns": np.signedinteger,
    "idf": np.floating, "coef_t": np.floating, "intercept": np.float64, "multi_label": np.bool_,
    "platt": np.float64, "temperature": np.float64, "top_x": np.float64, "top_y": np.float64,
    "thresholds": np.float64, "classes": np.str_, "payload_sha256": np.str_,
}
"""Every array the scorer keeps, and the kind of number (or string) each must hold."""


class CompactError(ValueError):
    """Arrays that do not make a compact scorer (missing, of the wrong kind or shape)."""


def compact_arrays(pipeline, payload_sha256: str) -> dict[str, np.ndarray] | None:
    """The arrays of a fitted default pipeline (``TextFeatures`` then ``CalibratedLinearSVC``), tagged with the
    SHA-256 of the saved pipeline they were taken from; ``None`` for any other pipeline."""
    steps = getattr(pipeline, "named_steps", None)
    if steps is None or len(steps) != 2:
        return None
    features, model = steps.get(FEATURES), steps.get(MODEL)
    if (type(features).__name__ != _FEATURE_CLASS or type(model).__name__ != _MODEL_CLASS
            or not hasattr(features, "idf_") or not hasattr(model, "coef_")):
        return None
    table_hashes, table_columns = hash_table(np.asarray(features.vocabulary_hashes_, dtype=np.uint64))
    calibration = model.calibration_
    multi_label = bool(model.multi_label_)
    thresholds = getattr(model, "thresholds_", None)
    return {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "word_ngrams": _range(features.word_ngrams),
        "char_ngrams": _range(features.char_ngrams_),
        "prefix": np.array(int(features.prefix or 0), dtype=np.int64),
        "flags": np.array([bool(features.lowercase), bool(features.sublinear_tf),
                           bool(getattr(features, "strip_arabic_marks", False)),
                           bool(getattr(features, "fold_arabic_letters", False))]),
        "dtype": np.array(np.dtype(features.dtype).name),
        "table_hashes": table_hashes,
        "table_columns": table_columns,
        "idf": np.asarray(features.idf_),
        "coef_t": np.ascontiguousarray(np.asarray(model.coef_).T),
        "intercept": np.asarray(model.intercept_, dtype=np.float64).reshape(-1),
        "multi_label": np.array(multi_label),
        "platt": np.asarray(calibration.get("platt", np.zeros((0, 2))), dtype=np.float64),
        "temperature": np.array(float(calibration.get("temperature", 1.0))),
        "top_x": np.asarray(calibration.get("top_x", np.zeros(0)), dtype=np.float64),
        "top_y": np.asarray(calibration.get("top_y", np.zeros(0)), dtype=np.float64),
        "thresholds": np.asarray([] if thresholds is None else thresholds, dtype=np.float64),
        "classes": np.array([str(c) for c in model.classes_]),
        "payload_sha256": np.array(str(payload_sha256)),
    }


def hash_table(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of the vocabulary: ``hashes`` (distinct, well mixed 64-bit n-gram hashes) placed
    from slot ``hash & (size - 1)`` on with linear probing, in a power-of-two size at most 3/4 full; each
    slot's column, or -1 where it is empty. Looked up by :func:`lookup`."""
    size = 1 << max(4, (4 * len(hashes) // 3).bit_length())
    mask = np.uint64(size - 1)
    table_hashes = np.zeros(size, dtype=np.uint64)
    table_columns = np.full(size, -1, dtype=np.int32 if len(hashes) < 2**31 else np.int64)
    pending = np.arange(len(hashes))
    slot = (hashes & mask).astype(np.int64)
    while len(pending):
        free = table_columns[slot[pending]] == -1
        candidates, where = pending[free], slot[pending[free]]
        where, first = np.unique(where, return_index=True)  # one key per free slot per round
        placed = candidates[first]
        table_hashes[where], table_columns[where] = hashes[placed], placed
        pending = np.setdiff1d(pending, placed, assume_unique=True)
        slot[pending] = (slot[pending] + 1) & (size - 1)
    return table_hashes, table_columns


def lookup(table_hashes: np.ndarray, table_columns: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """The column of each of ``hashes`` in a :func:`hash_table`, or -1 for a hash it does not hold."""
    size = len(table_hashes)
    out = np.full(len(hashes), -1, dtype=np.int64)
    pending = np.arange(len(hashes))
    slot = (hashes & np.uint64(size - 1)).astype(np.int64)
    for _ in range(size):
        if not len(pending):
            break
        column = table_columns[slot]
        hit = (column >= 0) & (table_hashes[slot] == hashes[pending])
        out[pending[hit]] = column[hit]
        going = (column >= 0) & ~hit
        pending, slot = pending[going], (slot[going] + 1) & (size - 1)
    return out


def _range(value) -> np.ndarray:
    """An n-gram range as two integers; ``(0, -1)`` for none."""
    return np.array((0, -1) if value is None else tuple(int(v) for v in value), dtype=np.int64)


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as the bytes of an ``.npz`` file (uncompressed: the model file around it is compressed)."""
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


class CompactScorer:
    """Scores texts from the arrays of :func:`compact_arrays`, as the pipeline they came from does.

    ``predict_proba(texts)`` and ``decision_function(texts)`` take texts, like the pipeline. It answers
    where code looks into a pipeline: ``named_steps[MODEL].thresholds_`` is a multi-label model's own
    thresholds (or ``None``), and ``named_steps[FEATURES].n_jobs`` the threads that score a large input
    (``None``: one per core), as for :class:`~classifier.estimators.features.TextFeatures`.
    """

    n_jobs = None
    DIRECT_MAX_TEXTS = 64
    """Up to this many texts, margins are summed with NumPy alone; above, with SciPy's sparse product (the
    pipeline's own, so the sums are the same), whose import is worth it for a table."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = _checked(arrays)
        a = self.arrays
        self.payload_sha256 = str(a["payload_sha256"])
        self.word_ngrams = _as_range(a["word_ngrams"])
        self.char_ngrams = _as_range(a["char_ngrams"])
        self.prefix = int(a["prefix"]) or None
        self.lowercase, self.sublinear_tf, strip, fold = (bool(f) for f in a["flags"])
        self.normalise = (strip, fold)
        self.dtype = np.dtype(str(a["dtype"]))
        self.multi_label_ = bool(a["multi_label"])
        self.classes_ = [str(c) for c in a["classes"]]
        self.thresholds_ = a["thresholds"] if self.multi_label_ and len(a["thresholds"]) else None
        self.calibration_ = ({"platt": a["platt"]} if self.multi_label_ else
                             {"temperature": float(a["temperature"]), "top_x": a["top_x"], "top_y": a["top_y"]})
        self.named_steps = {FEATURES: self, MODEL: self}

    @classmethod
    def from_bytes(cls, data: bytes) -> CompactScorer:
        """The scorer saved by :func:`to_bytes`; arrays only (no pickle). Raises :class:`CompactError`."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
            raise CompactError(f"unreadable compact scorer ({type(exc).__name__}: {exc})") from exc
        return cls(arrays)

    @property
    def n_labels(self) -> int:
        return self.arrays["coef_t"].shape[1]

    def tfidf(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF rows of ``texts`` in CSR form ``(indptr, columns, values)``: columns sorted within each row,
        values as :class:`~classifier.estimators.features.TextFeatures` gives them."""
        a = self.arrays
        n_columns = len(a["idf"])
        keys = []
        for offset, batch in batches(texts):
            grams = ngrams(batch, self.word_ngrams, self.char_ngrams, self.lowercase, offset, self.prefix,
                           need_spans=False, normalise=self.normalise)
            column = lookup(a["table_hashes"], a["table_columns"], grams.hashes)
            known = column >= 0
            keys.append(grams.docs[known].astype(np.int64) * n_columns + column[known])
        found, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True)
        rows, columns = np.divmod(found, n_columns)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(texts)))])
        values = counts.astype(self.dtype)
        if self.sublinear_tf:
            np.log(values, out=values)
            values += 1
        values *= a["idf"][columns]
        squares = (values * values).astype(np.float64)
        norms = np.sqrt(_row_sums(squares, indptr))
        scale = np.repeat(np.where(norms == 0.0, 1.0, norms), np.diff(indptr))
        values = (values.astype(np.float64) / scale).astype(self.dtype)
        return indptr, columns, values

    def decision_function(self, texts) -> np.ndarray:
        """The SVM margins of ``texts``, one column per label; large inputs on ``n_jobs`` threads."""
        texts = _as_texts(texts)
        threads = thread_count(self.n_jobs)
        if threads < 2 or len(texts) < PARALLEL_MIN_TEXTS:
            return self._margins(texts)
        step = -(-len(texts) // threads)
        parts = [texts[i:i + step] for i in range(0, len(texts), step)]
        return np.concatenate(list(thread_pool(threads).map(self._margins, parts)))

    def _margins(self, texts: list[str]) -> np.ndarray:
        indptr, columns, values = self.tfidf(texts)
        coef_t = self.arrays["coef_t"]
        dtype = np.result_type(values.dtype, coef_t.dtype)
        if len(texts) > self.DIRECT_MAX_TEXTS:
            from scipy import sparse

            matrix = sparse.csr_matrix((values, columns, indptr), shape=(len(texts), coef_t.shape[0]))
            return np.asarray(matrix @ coef_t) + self.arrays["intercept"]
        terms = values.astype(dtype)[:, None] * coef_t[columns].astype(dtype)
        return _row_sums(terms, indptr).astype(dtype) + self.arrays["intercept"]

    def predict_proba(self, texts) -> np.ndarray:
        """Calibrated probabilities, one row per text and one column per label."""
        return probabilities(self.decision_function(texts), self.calibration_, self.multi_label_)


def _row_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Per row of a CSR layout, the sum of its ``values`` (1-D, or one column per label) in their own precision,
    added one after the other in column order as SciPy's sparse product and scikit-learn's row norms add them
    (NumPy's own sums add in another order, which changes the last bits); rows without values: 0."""
    out = np.zeros((len(indptr) - 1, *values.shape[1:]), dtype=values.dtype)
    lengths = np.diff(indptr)
    rows = np.argsort(-lengths, kind="stable")
    starts, lengths = indptr[rows], lengths[rows]
    active = len(rows)
    for k in range(int(lengths[0]) if len(lengths) else 0):
        while lengths[active - 1] <= k:
            active -= 1
        out[rows[:active]] += values[starts[:active] + k]
    return out


def _is_table(table_hashes: np.ndarray, table_columns: np.ndarray, n_features: int) -> bool:
    """Whether the two arrays make a :func:`hash_table` of ``n_features`` columns: a power-of-two size, more than
    ``n_features`` slots (so every probe ends), each column in range and held once."""
    size = len(table_hashes)
    if table_hashes.shape != (size,) or table_columns.shape != (size,) or size & (size - 1) or size <= n_features:
        return False
    used = table_columns[table_columns >= 0]
    return len(used) == n_features and bool(np.array_equal(np.sort(used), np.arange(n_features)))


def _as_range(value: np.ndarray):
    lo, hi = (int(v) for v in value)
    return None if hi < lo else (lo, hi)


def _as_texts(texts) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("Iterable over raw text documents expected, string object received.")
    return [t if isinstance(t, str) else str(t) for t in texts]


def _checked(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` if they make a scorer of this version: every array present, of its kind, in agreeing shapes."""
    missing = sorted(set(_ARRAYS) - set(arrays))
    if missing:
        raise CompactError(f"compact scorer lacks {', '.join(missing)}")
    for name, kind in _ARRAYS.items():
        if not np.issubdtype(arrays[name].dtype, kind):
            raise CompactError(f"compact scorer array {name} holds {arrays[name].dtype}, not {kind.__name__}")
    if int(arrays["format_version"]) != FORMAT_VERSION:
        raise CompactError(f"compact scorer version {int(arrays['format_version'])}, not {FORMAT_VERSION}")
    n_features = len(arrays["idf"])
    coef_t = arrays["coef_t"]
    n_labels = coef_t.shape[1] if coef_t.ndim == 2 else -1
    shapes_agree = (
        arrays["word_ngrams"].shape == (2,) and arrays["char_ngrams"].shape == (2,) and arrays["flags"].shape == (4,)
        and _is_table(arrays["table_hashes"], arrays["table_columns"], n_features)
        and coef_t.shape == (n_features, n_labels) and arrays["intercept"].shape == (n_labels,)
        and str(arrays["dtype"]) in ("float32", "float64")
        and (not bool(arrays["multi_label"]) or arrays["platt"].shape == (n_labels, 2))
        and len(arrays["thresholds"]) in (0, n_labels) and arrays["top_x"].shape == arrays["top_y"].shape
        and arrays["classes"].shape == (n_labels,)
    )
    if not shapes_agree:
        raise CompactError("compact scorer arrays do not agree in shape")
    return arrays
