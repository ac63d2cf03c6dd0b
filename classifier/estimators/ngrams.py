"""Tokens and n-grams of a batch of texts, found and hashed with NumPy array operations.

scikit-learn's ``TfidfVectorizer`` splits each document and builds each n-gram
as a Python string, which dominates the time of training and prediction. Here
a whole batch of documents becomes one array of code points; tokens (runs of
letters, combining marks and digits, or character bigrams in scripts written
without spaces: :mod:`classifier.estimators.scripts`; on ASCII text exactly
scikit-learn's default ``\\b\\w\\w+\\b`` pattern) and n-grams are found and hashed
to 64-bit integers with array operations. Distinct n-grams colliding on a 64-bit
hash is possible in principle and negligible in practice (about 1 in 10^8 for a million distinct n-grams).

This module owns the hashing and tokenising primitives (:func:`ngrams`, :func:`mix64`),
counting n-grams into a sparse matrix (:func:`count_matrix`), spelling the features
back from the training texts (:func:`gather_spans`, :func:`spell`) and the batches and
threads :class:`~classifier.estimators.features.TextFeatures` works in.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np

from classifier.estimators.scripts import encode, prepare, split_prepared, token_spans

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_P = np.uint64(0x100000001B3)  # an odd multiplier, so it has an inverse modulo 2**64
_P_INV = np.uint64(pow(int(_P), -1, 2**64))
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_PAIR = np.uint64(0x9E3779B97F4A7C15)
_CHAR_TAG = np.uint64(0xD6E8FEB86659FD93)
_PREFIX_TAG = np.uint64(0xA0761D6478BD642F)
KINDS = np.array(["char", "prefix", "word"])
_LEFT, _RIGHT = 1, 2  # code points marking a word's edges in character n-grams
BATCH_CHARS = 2_000_000


def mix64(h: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64): spreads every input bit over every output bit."""
    h = h ^ (h >> np.uint64(30))
    h = h * _M1
    h = h ^ (h >> np.uint64(27))
    h = h * _M2
    return h ^ (h >> np.uint64(31))


class _Powers:
    """Cached powers of ``_P`` and of its inverse, grown on demand; safe to share between threads."""

    def __init__(self):
        self.pair = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))
        self.lock = threading.Lock()

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self.pair
        if len(up) < n:
            with self.lock:
                up, down = self.pair
                if len(up) < n:
                    size = max(n, 2 * len(up))
                    with np.errstate(over="ignore"):
                        up = np.cumprod(np.concatenate([[np.uint64(1)], np.full(size - 1, _P, dtype=np.uint64)]))
                        down = np.cumprod(np.concatenate([[np.uint64(1)],
                                                          np.full(size - 1, _P_INV, dtype=np.uint64)]))
                    self.pair = (up, down)
        return up[:n], down[:n]


_POWERS = _Powers()


def _prefix_hashes(codes: np.ndarray) -> np.ndarray:
    """Prefix sums of ``codes[j] * P**j`` (mod 2**64), from which any span's hash follows in O(1)."""
    up, _ = _POWERS.get(len(codes) + 1)
    prefix = np.empty(len(codes) + 1, dtype=np.uint64)
    prefix[0] = 0
    with np.errstate(over="ignore"):
        np.cumsum(codes.astype(np.uint64) * up[: len(codes)], out=prefix[1:])
    return prefix


def _spans(prefix: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Hashes of the spans ``[starts[i], ends[i])`` of the sequence behind ``prefix``, independent of position."""
    _, down = _POWERS.get(len(prefix))
    with np.errstate(over="ignore"):
        h = (prefix[ends] - prefix[starts]) * down[starts]
        return mix64(h + (ends - starts).astype(np.uint64) * _PAIR)


def _ranges(first: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ``range(first[i], first[i] + counts[i])``, and the ``i`` each value came from."""
    counts = np.maximum(counts, 0)
    owner = np.repeat(np.arange(len(first)), counts)
    offsets = np.cumsum(counts) - counts
    return first[owner] + (np.arange(int(counts.sum())) - offsets[owner]), owner


def _joined(texts: list[str], lowercase: bool, normalise: tuple[bool, bool]) -> str:
    """All texts prepared (:func:`~classifier.estimators.scripts.prepare`) and joined by 0."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        texts = [t.replace("\x00", " ") for t in texts]
        joined = "\x00".join(texts)
    if not joined.isascii():  # normalise only the texts that need it (0 is a starter: the result is the same)
        joined = "\x00".join([t if t.isascii() else prepare(t, False, *normalise) for t in texts])
    return joined.lower() if lowercase else joined


def _encode(texts: list[str], lowercase: bool, normalise: tuple[bool, bool]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one array of code points separated by 0, and each text's start offset."""
    codes = encode(_joined(texts, lowercase, normalise))
    breaks = np.flatnonzero(codes == 0)
    starts = np.concatenate([[0], breaks + 1]).astype(np.int64)
    return codes, starts


class Batch:
    """The hashed n-grams of one batch of texts: parallel arrays of document index and hash."""

    def __init__(self, docs: np.ndarray, hashes: np.ndarray, spans: np.ndarray):
        self.docs = docs
        self.hashes = hashes
        self.spans = spans  # (n, 4): start/end of the first and last token, for naming features


def ngrams(texts: list[str], word_ngrams, char_ngrams, lowercase: bool, offset: int, prefix: int | None = None,
            need_spans: bool = True, normalise: tuple[bool, bool] = (False, False)) -> Batch:
    """Every n-gram occurrence of a batch of texts: document index, hash and (to name features) position.

    ``normalise`` is ``(strip_arabic_marks, fold_arabic_letters)``.
    """
    codes, doc_starts = _encode(texts, lowercase, normalise)
    t_start, t_end, word, plain = token_spans(codes)
    t_doc = np.searchsorted(doc_starts, t_start, side="right") - 1
    code_prefix = _prefix_hashes(codes)
    t_hash = _spans(code_prefix, t_start, t_end)

    docs, hashes, spans = [], [], []
    lo, hi = word_ngrams if word_ngrams else (0, -1)
    for n in range(max(lo, 1), hi + 1):
        if n == 1:
            docs.append(t_doc)
            hashes.append(t_hash)
            if need_spans:
                spans.append(np.stack([t_start, t_end, t_start, t_end], axis=1))
            continue
        if len(t_hash) < n:
            continue
        same = t_doc[: len(t_doc) - n + 1] == t_doc[n - 1:]
        h = t_hash[: len(t_hash) - n + 1].copy()
        with np.errstate(over="ignore"):
            for k in range(1, n):
                h = mix64(h * _PAIR + t_hash[k: len(t_hash) - n + 1 + k])
        docs.append(t_doc[: len(t_doc) - n + 1][same])
        hashes.append(h[same])
        if need_spans:
            first = np.flatnonzero(same)
            spans.append(np.stack([t_start[first], t_end[first], t_start[first + n - 1], t_end[first + n - 1]],
                                  axis=1))
    if plain is not None:  # prefixes and character n-grams are taken from words of spaced scripts only
        t_start, t_end, t_doc = t_start[plain], t_end[plain], t_doc[plain]
    if prefix:
        long = np.flatnonzero(t_end - t_start > prefix)
        cut = t_start[long] + prefix
        with np.errstate(over="ignore"):
            docs.append(t_doc[long])
            hashes.append(mix64(_spans(code_prefix, t_start[long], cut) ^ _PREFIX_TAG))
        if need_spans:
            spans.append(np.stack([t_start[long], cut, t_start[long], np.full(len(long), -1)], axis=1))
    if char_ngrams:
        d, h, sp = _char_ngrams(codes, word, t_start, t_end, t_doc, char_ngrams, need_spans)
        docs.append(d)
        hashes.append(h)
        spans.append(sp)
    if not hashes:
        empty = np.zeros(0, dtype=np.int64)
        return Batch(empty, empty.astype(np.uint64), np.zeros((0, 4), dtype=np.int64))
    return Batch(np.concatenate(docs) + offset, np.concatenate(hashes),
                  np.concatenate(spans) if need_spans else np.zeros((0, 4), dtype=np.int64))


def _char_ngrams(codes, word, t_start, t_end, t_doc, sizes, need_spans: bool):
    """Character n-grams of each token with its edges marked (fastText-style subwords).

    Every non-word character becomes an edge marker, and a token's n-grams are
    those of the window from the marker before it to the marker after it,
    so ``police`` gives ``<pol``, ``poli``, ..., ``ice>`` for 4-grams.
    """
    seq = np.concatenate([[_LEFT], np.where(word, codes, _LEFT), [_LEFT]]).astype(np.uint32)
    prefix = _prefix_hashes(seq)
    length = t_end - t_start
    docs, hashes, spans = [], [], []
    lo, hi = sizes
    for n in range(lo, hi + 1):
        start, tok = _ranges(t_start, length + 3 - n)
        if not len(start):
            continue
        with np.errstate(over="ignore"):
            hashes.append(mix64(_spans(prefix, start, start + n) ^ _CHAR_TAG))
        docs.append(t_doc[tok])
        if need_spans:
            offset = start - t_start[tok]
            spans.append(np.stack([t_start[tok], t_end[tok], -offset - 1, np.full(len(start), n)], axis=1))
    if not hashes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.astype(np.uint64), np.zeros((0, 4), dtype=np.int64)
    return (np.concatenate(docs), np.concatenate(hashes),
            np.concatenate(spans) if need_spans else np.zeros((0, 4), dtype=np.int64))


def count_matrix(docs: np.ndarray, columns: np.ndarray, n_docs: int, n_columns: int, dtype):
    """Documents x columns matrix of occurrence counts (a SciPy CSR matrix), with sorted, summed entries."""
    from scipy import sparse  # here, not at the top: the compact scorer tokenises without SciPy

    counts = sparse.csr_matrix((np.ones(len(docs), dtype=dtype), (docs, columns)), shape=(n_docs, n_columns))
    counts.sum_duplicates()
    return counts


def gather_spans(spans: list[np.ndarray], positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For positions in the concatenation of the per-batch ``spans`` arrays: each one's batch number and
    span row, gathered batch by batch (concatenating every occurrence's span first would briefly hold
    hundreds of megabytes on a large corpus)."""
    ends = np.cumsum([len(part) for part in spans])
    owner = np.searchsorted(ends, positions, side="right")
    rows = np.zeros((len(positions), 4), dtype=np.int64)
    for number, part in enumerate(spans):
        mine = owner == number
        if mine.any():
            rows[mine] = part[positions[mine] - (ends[number] - len(part))]
    return owner, rows


def spell(lowercase: bool, batches: list[list[str]], owner: np.ndarray, spans: np.ndarray,
          normalise: tuple[bool, bool] = (False, False)):
    """The text and kind of each feature, from one occurrence: batch ``owner[i]``, positions ``spans[i]``.

    Word n-grams are their tokens joined by spaces (as scikit-learn names
    them); character n-grams show their word's edges as ``<`` and ``>``.
    """
    names = np.empty(len(owner), dtype=object)
    kinds = np.where(spans[:, 2] < 0, "char", np.where(spans[:, 3] == -1, "prefix", "word")).astype(object)
    for number, batch in enumerate(batches):
        mine = np.flatnonzero(owner == number)
        if not len(mine):
            continue
        joined = _joined(batch, lowercase, normalise)
        for i, (a, b, c, d) in zip(mine.tolist(), spans[mine].tolist()):
            if d == -1:
                names[i] = joined[a:b] + "*"
            elif c < 0:
                offset = -c - 1
                names[i] = ("<" + joined[a:b] + ">")[offset:offset + d]
            elif a == c:
                names[i] = joined[a:b]
            else:
                names[i] = " ".join(split_prepared(joined[a:d]))
    return names, kinds


PARALLEL_MIN_TEXTS = 512
_POOLS: dict[int, ThreadPoolExecutor] = {}


def thread_count(n_jobs: int | None) -> int:
    if n_jobs is None or n_jobs < 1:
        return os.cpu_count() or 1
    return n_jobs


def thread_pool(threads: int) -> ThreadPoolExecutor:
    """One shared thread pool per size, started on first use."""
    if threads not in _POOLS:
        from concurrent.futures import ThreadPoolExecutor  # here: a prediction of a few texts needs no threads

        _POOLS[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="classifier-features")
    return _POOLS[threads]


def batches(texts: list[str], limit: int | None = None):
    """Split ``texts`` into runs of consecutive texts holding at most ``limit`` characters (at least one text;
    default :data:`BATCH_CHARS`, read at each call)."""
    limit = BATCH_CHARS if limit is None else limit
    start, size = 0, 0
    for i, text in enumerate(texts):
        if size and size + len(text) > limit:
            yield start, texts[start:i]
            start, size = i, 0
        size += len(text) + 1
    if start < len(texts) or not texts:
        yield start, texts[start:]
