"""Exact and near duplicates of a table's texts, and their copies in a test table.

:func:`find_duplicates` groups the distinct texts of the data: exact duplicates share a key
(:func:`~classifier.audit.table.normalise`), near duplicates are joined into clusters through
pairs from :func:`near_duplicate_pairs`, and each distinct text lists the test rows it copies.

:func:`near_duplicate_pairs` finds texts whose sets of word ``width``-grams have a Jaccard
similarity of at least ``threshold``: MinHash signatures banded for locality-sensitive hashing
propose candidates (so the cost grows with the number of texts, not its square), and each
candidate's similarity is then computed exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from classifier import defaults
from classifier.audit.table import WORD
from classifier.estimators.features import mix64

_BATCH = 2_000
"""Texts tokenised at a time."""
_BIG_BUCKET = 50
"""An LSH bucket with more texts than this links each to the first instead of every pair."""


@dataclass
class Duplicates:
    """Duplicate structure over the distinct (normalised) texts of the data."""

    key_id: np.ndarray          # per data row: id of its distinct text, -1 for an empty text
    key_rows: np.ndarray        # per distinct text: how many data rows have it
    component: np.ndarray       # per distinct text: its near-duplicate cluster
    near_similarity: np.ndarray  # per distinct text: best Jaccard with another distinct data text (0 if none)
    test_rows: list             # per distinct text: test row numbers it matches (exact or near)
    test_exact: np.ndarray      # per distinct text: whether the same text is in the test table
    test_similarity: np.ndarray  # per distinct text: best similarity to a test text (0 if none)


def find_duplicates(keys: pd.Series, test_keys: pd.Series | None, threshold: float, width: int) -> Duplicates:
    """The duplicate structure of the data's keys (``''`` for no text) and their copies among ``test_keys``."""
    present = keys != ""
    codes, uniques = pd.factorize(keys[present])
    key_id = np.full(len(keys), -1)
    key_id[present.to_numpy()] = codes
    n_data = len(uniques)
    key_rows = np.bincount(codes, minlength=n_data)
    docs = list(uniques)
    test_index: dict[str, list[int]] = {}
    if test_keys is not None:
        for number, key in enumerate(test_keys, start=1):
            if key:
                test_index.setdefault(key, []).append(number)
        docs += list(test_index)
    pairs, sims = near_duplicate_pairs(docs, threshold=threshold, width=width)

    inside = (pairs[:, 0] < n_data) & (pairs[:, 1] < n_data) if len(pairs) else np.zeros(0, dtype=bool)
    a, b, s = pairs[inside, 0], pairs[inside, 1], sims[inside]
    graph = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(n_data, n_data))
    _, component = connected_components(graph, directed=False)
    near_similarity = np.zeros(n_data)
    np.maximum.at(near_similarity, a, s)
    np.maximum.at(near_similarity, b, s)

    test_rows: list[list[int]] = [[] for _ in range(n_data)]
    test_similarity = np.zeros(n_data)
    test_exact = np.zeros(n_data, dtype=bool)
    if test_keys is not None:
        for i, key in enumerate(uniques):
            if key in test_index:
                test_rows[i] = list(test_index[key])
                test_similarity[i] = 1.0
                test_exact[i] = True
        test_docs = list(test_index)
        cross = ~inside
        for x, y, sim in zip(pairs[cross, 0], pairs[cross, 1], sims[cross]):
            if x >= n_data and y >= n_data:
                continue
            data_doc, test_doc = (x, y) if x < n_data else (y, x)
            test_rows[data_doc].extend(test_index[test_docs[test_doc - n_data]])
            test_similarity[data_doc] = max(test_similarity[data_doc], sim)
        test_rows = [sorted(set(r)) for r in test_rows]
    return Duplicates(key_id, key_rows, component, near_similarity, test_rows, test_exact, test_similarity)


def near_duplicate_pairs(texts: list[str], *, threshold: float = defaults.AUDIT_NEAR_DUPLICATE,
                         width: int = defaults.AUDIT_SHINGLE_WORDS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of ``texts`` whose word ``width``-gram sets have a Jaccard similarity of at least ``threshold``.

    A text of fewer than ``width`` words is one shingle (all its words).
    Candidates come from MinHash signatures banded for locality-sensitive
    hashing (a pair at the threshold is found with probability above 0.99);
    each candidate's similarity is then computed exactly. Texts are compared
    as lower-cased words, so punctuation and case do not matter. Returns
    ``(pairs, similarities)``: an ``(m, 2)`` array of indices ``i < j`` and
    their Jaccard similarities.
    """
    doc, shingle = _shingles(texts, width)
    empty = (np.zeros((0, 2), dtype=np.int64), np.zeros(0))
    if len(doc) == 0:
        return empty
    rows, bands = _lsh_shape(threshold)
    signatures, present = _signatures(doc, shingle, len(texts), rows * bands, seed)
    candidates = _candidates(signatures[present], rows, bands)
    if len(candidates) == 0:
        return empty
    candidates = present[candidates]
    starts = np.searchsorted(doc, np.arange(len(texts) + 1))
    sims = np.empty(len(candidates))
    for n, (i, j) in enumerate(candidates):
        left, right = shingle[starts[i]:starts[i + 1]], shingle[starts[j]:starts[j + 1]]
        common = np.intersect1d(left, right, assume_unique=True).size
        sims[n] = common / (left.size + right.size - common)
    keep = sims >= threshold - 1e-12
    return candidates[keep], sims[keep]


def _shingles(texts: list[str], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each text's distinct word ``width``-gram hashes, as ``(doc, hash)`` arrays sorted by doc then hash."""
    multipliers = mix64(np.arange(1, width + 1, dtype=np.uint64))
    docs, hashes = [], []
    for start in range(0, len(texts), _BATCH):
        tokens = [WORD.findall(t.casefold()) for t in texts[start:start + _BATCH]]
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        flat = [w for t in tokens for w in t]
        if not flat:
            continue
        token_hash = pd.util.hash_array(np.array(flat, dtype=object))
        ends = np.cumsum(lengths)
        begins = ends - lengths
        owner = np.repeat(np.arange(len(tokens)), lengths)
        n_grams = len(flat) - width + 1
        if n_grams > 0:
            gram = np.zeros(n_grams, dtype=np.uint64)
            for j in range(width):
                gram += token_hash[j:j + n_grams] * multipliers[j]
            valid = owner[:n_grams] == owner[width - 1:]
            docs.append(owner[:n_grams][valid] + start)
            hashes.append(mix64(gram[valid] + np.uint64(width)))
        for d in np.flatnonzero((lengths > 0) & (lengths < width)):
            part = token_hash[begins[d]:ends[d]] * multipliers[:lengths[d]]
            docs.append(np.array([d + start]))
            hashes.append(mix64(np.array([part.sum(dtype=np.uint64) + np.uint64(lengths[d])], dtype=np.uint64)))
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    doc = np.concatenate(docs)
    shingle = np.concatenate(hashes)
    order = np.lexsort((shingle, doc))
    doc, shingle = doc[order], shingle[order]
    keep = np.ones(len(doc), dtype=bool)
    keep[1:] = (doc[1:] != doc[:-1]) | (shingle[1:] != shingle[:-1])
    return doc[keep], shingle[keep]


def _lsh_shape(threshold: float) -> tuple[int, int]:
    """Rows per band and bands: a pair at ``threshold`` shares a band with probability at least 0.99."""
    rows = 4 if threshold >= 0.7 else 2
    bands = math.ceil(math.log(0.01) / math.log(1 - threshold ** rows)) if threshold < 1 else 2
    return rows, max(2, bands)


def _signatures(doc: np.ndarray, shingle: np.ndarray, n_docs: int, permutations: int, seed: int):
    """MinHash signatures (one row per text with shingles) and the indices of those texts."""
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, 2**63, size=permutations, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 2**63, size=permutations, dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    present = doc[starts]
    signatures = np.zeros((n_docs, permutations), dtype=np.uint64)
    for k in range(permutations):
        value = shingle * mult[k] + add[k]
        value ^= value >> np.uint64(29)
        signatures[present, k] = np.minimum.reduceat(value, starts)
    return signatures, present


def _candidates(signatures: np.ndarray, rows: int, bands: int) -> np.ndarray:
    """Pairs of signature rows that agree on every value of at least one band (``i < j``, distinct)."""
    found = []
    weights = mix64(np.arange(1, rows + 1, dtype=np.uint64))
    for band in range(bands):
        block = signatures[:, band * rows:(band + 1) * rows]
        key = mix64((block * weights).sum(axis=1, dtype=np.uint64))
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        edges = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1], True])
        sizes = np.diff(edges)
        for begin, size in zip(edges[:-1][sizes > 1], sizes[sizes > 1]):
            members = np.sort(order[begin:begin + size])
            if size > _BIG_BUCKET:
                found.append(np.column_stack([np.full(size - 1, members[0]), members[1:]]))
            else:
                i, j = np.triu_indices(size, k=1)
                found.append(np.column_stack([members[i], members[j]]))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)
