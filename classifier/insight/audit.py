"""Auditing a labelled table: likely label errors, duplicates, train/test overlap, rare labels, short texts.

:func:`audit` reads a labelled table and returns counts of each kind of
problem plus a ranked list of the rows to review (optionally written to a
table). The checks:

- **Likely label errors**, as in confident learning (Northcutt et al., 2021):
  every row gets out-of-fold probabilities from a k-fold cross-validation of
  the project's pipeline on the table itself (so no row is scored by a model
  that saw it). A row is flagged when another label is predicted with at
  least the confidence the model typically has for rows really given that
  label (the per-label threshold is the mean out-of-fold probability of the
  label over the rows given it). A row whose out-of-fold prediction differs
  from its label without that confidence is a *label doubt*. Rows are ranked
  by ``error_score``: one minus the out-of-fold probability of the label the
  row was given.
  Multi-label, each label is judged on its own (present or absent), after a
  second, cheap cross-validated step that re-estimates each label's
  probability from the text model's out-of-fold scores for every label (so
  one label's score can inform another's, as when one label implies
  another); a row's ``error_score`` is that of its least likely label value.
  (The row's other *given* labels are deliberately not used: when several
  labels of a row are wrong together they would vouch for each other.)
- **Exact duplicates**: the same text after case folding and collapsing
  white space. **Near duplicates**: texts whose sets of word
  ``shingle_words``-grams have a Jaccard similarity of at least
  ``near_duplicate``, found with MinHash and locality-sensitive hashing (so
  the cost grows with the number of rows, not its square) and then checked
  exactly. Duplicates whose labels differ are reported as conflicting.
- **Overlap with a test table**: rows of the data whose text is an exact or
  near copy of a row of ``test``.
- Labels with fewer than ``min_label_rows`` rows; empty texts, missing labels
  and texts of fewer than ``short_words`` words.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from classifier import defaults
from classifier.errors import InputError, LabelError, ModelError
from classifier.estimators.features import mix64 as _mix
from classifier.estimators.pipeline import build_pipeline, fit_pipeline
from classifier.files import check_writable
from classifier.io.tables import STDIO, TableWriter, read_table, require_column, table_format
from classifier.labels import cell_text, label_layout, parse_multi, parse_single
from classifier.model import Model

ISSUES = ("label_error", "label_doubt", "conflicting_labels", "test_overlap", "exact_duplicate", "near_duplicate",
          "empty_text", "missing_label", "short_text", "rare_label")
"""Kinds of problem, in the order rows are ranked: a row is placed by its first issue in this list."""

COLUMNS = ["rank", "row", "issues", "label", "error_score", "suggested_label", "suggested_score",
           "duplicate_group", "group_size", "similarity", "test_rows", "test_similarity", "text"]
"""Columns of the table of rows to review."""

_WORD = re.compile(r"\w+")
_BATCH = 2_000
_TEST_ROWS_SHOWN = 5
_BIG_BUCKET = 50
_STACK_FOLDS = 5


def audit(
    data: str | Path,
    *,
    test: str | Path | None = None,
    model: Model | str | Path | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
    label_sep: str | None = None,
    multi_label: bool | None = None,
    folds: int = defaults.AUDIT_FOLDS,
    seed: int | None = None,
    near_duplicate: float = defaults.AUDIT_NEAR_DUPLICATE,
    shingle_words: int = defaults.AUDIT_SHINGLE_WORDS,
    min_label_rows: int = defaults.AUDIT_MIN_LABEL_ROWS,
    short_words: int = defaults.AUDIT_SHORT_WORDS,
    output: str | Path | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    progress=None,
) -> dict:
    """Audit the labelled table ``data``; return counts of each problem and the ranked rows to review.

    ``test``: a table (labelled or not, same text column) to check for
    overlap with ``data``. ``model`` (a :class:`Model` or the path of a saved
    one): the cross-validation uses its feature and model settings (and
    seed, unless ``seed`` is given) instead of the defaults; its text column,
    label column, separator and task are the defaults for reading ``data``;
    and the result lists the labels of ``data`` the model does not know and
    the model's labels ``data`` lacks. The model's own predictions are never
    used: it was trained on rows of this table, so it would vouch for their
    labels.

    With ``output``, every row to review is written there (CSV, TSV, JSON
    Lines or Parquet, from ``fmt`` or the file name; ``-`` for standard
    output), ranked, in the columns :data:`COLUMNS`; the file appears only
    when complete. ``row`` is the row's number in ``data``, counting the first
    row after the header as 1.

    Returns ``{"data", "rows_read", "task", "labels", "label_counts",
    "settings", "counts", "rows_flagged", "rows", "model", "output"}``:
    ``counts`` holds ``label_errors``, ``label_doubts``, ``exact_duplicates`` and
    ``near_duplicates`` (``{"groups", "rows"}``), ``conflicting_labels``
    (``{"groups", "rows"}``), ``test_overlap`` (``{"rows", "exact", "near",
    "test_rows"}``, or ``None`` without ``test``), ``rare_labels``
    (``{label: rows}``), ``empty_text``, ``missing_label`` and
    ``short_text``; ``rows`` is the ranked list of rows to review, one
    dictionary per row with the keys of :data:`COLUMNS`.
    """
    progress = progress or _silent
    _check_settings(folds, near_duplicate, shingle_words, min_label_rows, short_words)
    if output is not None and str(output) != STDIO:
        table_format(output, fmt)
        if str(data) != STDIO and Path(output).resolve() == Path(data).resolve():
            raise InputError("The output file is the data file.", "Write the rows to review to a new file.")
        check_writable(output)
    loaded = _load_model(model)
    card = loaded.card if loaded is not None else {}
    text_col = text_col or card.get("text_col", defaults.TEXT_COL)
    label_sep = card.get("label_sep", defaults.LABEL_SEP) if label_sep is None else label_sep
    if multi_label is None and loaded is not None:
        multi_label = loaded.multi_label

    progress("Reading the data")
    table = _read(data, text_col=text_col, label_col=label_col, prefer=card.get("label_col"),
                  label_sep=label_sep, multi_label=multi_label, encoding=encoding)
    test_keys = None
    if test is not None:
        progress("Reading the test data")
        test_df = read_table(test, encoding=encoding)
        require_column(test_df, text_col, "--text-col", test)
        test_keys = normalise(cell_text(test_df[text_col]))

    progress("Finding duplicates")
    dup = _duplicates(table.keys, test_keys, near_duplicate, shingle_words)

    features, model_params, fit_seed = _settings(loaded, seed)
    progress("Cross-validating to find label errors")
    errors = _label_errors(table, folds=folds, seed=fit_seed, features=features, model_params=model_params,
                           progress=progress)

    progress("Ranking the rows to review")
    counts, rows = _rank(table, dup, errors, test_keys is not None, min_label_rows, short_words)
    result = {
        "data": table.source,
        "rows_read": table.n,
        "task": "multi_label" if table.multi_label else "single_label",
        "labels": table.label_set,
        "label_counts": table.label_counts,
        "settings": {"folds": folds, "seed": fit_seed, "near_duplicate": near_duplicate,
                     "shingle_words": shingle_words, "min_label_rows": min_label_rows, "short_words": short_words,
                     "features": features, "model": model_params},
        "counts": counts,
        "rows_flagged": len(rows),
        "rows": rows,
        "model": _model_facts(loaded, model, table) if loaded is not None else None,
        "output": None,
    }
    if output is not None:
        progress("Writing the rows to review")
        frame = pd.DataFrame(rows, columns=COLUMNS)
        with TableWriter(output, fmt) as writer:
            writer.write(frame)
        result["output"] = str(output)
    return result


def _silent(stage: str, done: int | None = None, total: int | None = None, **details) -> None:
    """A progress callback that reports nothing."""


def _check_settings(folds, near_duplicate, shingle_words, min_label_rows, short_words) -> None:
    if folds < 2:
        raise InputError(f"--folds must be 2 or more, not {folds}.", f"Use --folds {defaults.AUDIT_FOLDS}.")
    if not 0.5 <= near_duplicate <= 1:
        raise InputError(f"--near-duplicate must be between 0.5 and 1, not {near_duplicate}.",
                         f"Use a Jaccard similarity such as {defaults.AUDIT_NEAR_DUPLICATE}.")
    if shingle_words < 1:
        raise InputError(f"--shingle-words must be 1 or more, not {shingle_words}.",
                         f"Use --shingle-words {defaults.AUDIT_SHINGLE_WORDS}.")
    if min_label_rows < 0 or short_words < 0:
        raise InputError("--min-label-rows and --short-words cannot be negative.", "Use 0 to turn a check off.")


def _load_model(model) -> Model | None:
    if model is None or isinstance(model, Model):
        return model
    from classifier.io.model_file import load

    return load(model)


def _settings(model: Model | None, seed: int | None) -> tuple[dict | None, dict | None, int]:
    """The feature and model settings (and seed) to cross-validate with: the model's, else the defaults."""
    if model is None:
        return None, None, defaults.SEED if seed is None else seed
    params = model.card.get("params") or {}
    features = params.get("features")
    settings = {k: v for k, v in (params.get("model") or {}).items() if k != "random_state"}
    try:
        build_pipeline(100, features=features, model=settings, seed=defaults.SEED)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"The model's settings cannot be used by this version of classifier ({exc}).",
                         "Retrain the model, or audit without --model to use the default settings.") from exc
    return features, settings or None, int(params.get("seed", defaults.SEED)) if seed is None else seed


def _model_facts(model: Model, given, table: "_Table") -> dict:
    known = set(model.labels)
    found = set(table.label_set)
    return {
        "path": None if isinstance(given, Model) else str(given),
        "labels": model.labels,
        "task": model.card.get("task"),
        "used_for": ["cross-validation settings (features and model parameters)",
                     "default text column, label column, separator and task",
                     "comparing label sets"],
        "unknown_labels": sorted(found - known),
        "missing_labels": sorted(known - found),
    }


@dataclass
class _Table:
    """A labelled table as the audit needs it: every row kept, in file order."""

    source: str
    n: int
    texts: list[str]
    keys: pd.Series
    has_text: np.ndarray
    labels: list
    has_label: np.ndarray
    multi_label: bool
    sep: str

    @property
    def label_set(self) -> list[str]:
        if self.multi_label:
            return sorted({label for row in self.labels for label in row})
        return sorted({label for label in self.labels if label})

    @property
    def label_counts(self) -> dict[str, int]:
        if self.multi_label:
            counts = Counter(label for row, ok in zip(self.labels, self.has_text) if ok for label in row)
        else:
            counts = Counter(label for label, ok in zip(self.labels, self.has_text & self.has_label) if ok)
        return {label: counts[label] for label in sorted(counts)}

    def label_cell(self, i: int) -> str:
        return self.sep.join(self.labels[i]) if self.multi_label else self.labels[i]


def _read(source, *, text_col, label_col, prefer, label_sep, multi_label, encoding) -> _Table:
    df = read_table(source, encoding=encoding)
    name = "standard input" if str(source) == STDIO else str(source)
    column, multi_label = label_layout(df, source, text_col=text_col, label_col=label_col, prefer=prefer,
                                       label_sep=label_sep, multi_label=multi_label)
    stripped = cell_text(df[text_col])
    has_text = (stripped != "").to_numpy()
    if multi_label:
        labels = parse_multi(df[column], label_sep)
        has_label = np.ones(len(df), dtype=bool)
    else:
        labels = parse_single(df[column]).tolist()
        has_label = np.array([label != "" for label in labels])
    texts = df[text_col].astype(object).where(df[text_col].notna(), "").map(str).tolist()
    return _Table(source=name, n=len(df), texts=texts, keys=normalise(stripped), has_text=has_text, labels=labels,
                  has_label=has_label, multi_label=multi_label, sep=label_sep)


def normalise(texts: pd.Series) -> pd.Series:
    """Texts as compared for exact duplicates: case-folded, white space collapsed to single spaces."""
    return texts.astype(str).str.casefold().str.split().str.join(" ").fillna("")


# ---------------------------------------------------------------- duplicates


@dataclass
class _Duplicates:
    """Duplicate structure over the distinct (normalised) texts of the data."""

    key_id: np.ndarray          # per data row: id of its distinct text, -1 for an empty text
    key_rows: np.ndarray        # per distinct text: how many data rows have it
    component: np.ndarray       # per distinct text: its near-duplicate cluster
    near_similarity: np.ndarray  # per distinct text: best Jaccard with another distinct data text (0 if none)
    test_rows: list             # per distinct text: test row numbers it matches (exact or near)
    test_exact: np.ndarray      # per distinct text: whether the same text is in the test table
    test_similarity: np.ndarray  # per distinct text: best similarity to a test text (0 if none)


def _duplicates(keys: pd.Series, test_keys: pd.Series | None, threshold: float, width: int) -> _Duplicates:
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
    return _Duplicates(key_id, key_rows, component, near_similarity, test_rows, test_exact, test_similarity)


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
    multipliers = _mix(np.arange(1, width + 1, dtype=np.uint64))
    docs, hashes = [], []
    for start in range(0, len(texts), _BATCH):
        tokens = [_WORD.findall(t.casefold()) for t in texts[start:start + _BATCH]]
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
            hashes.append(_mix(gram[valid] + np.uint64(width)))
        for d in np.flatnonzero((lengths > 0) & (lengths < width)):
            part = token_hash[begins[d]:ends[d]] * multipliers[:lengths[d]]
            docs.append(np.array([d + start]))
            hashes.append(_mix(np.array([part.sum(dtype=np.uint64) + np.uint64(lengths[d])], dtype=np.uint64)))
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
    weights = _mix(np.arange(1, rows + 1, dtype=np.uint64))
    for band in range(bands):
        block = signatures[:, band * rows:(band + 1) * rows]
        key = _mix((block * weights).sum(axis=1, dtype=np.uint64))
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


# ---------------------------------------------------------------- label errors


@dataclass
class _LabelErrors:
    """Out-of-fold judgements of each row's given label (NaN scores where a row could not be judged)."""

    score: np.ndarray            # 1 - probability of the given label(s)
    flagged: np.ndarray          # confident-learning verdict: the given label is likely wrong
    doubted: np.ndarray          # not flagged, but the out-of-fold prediction differs from the given label
    suggested: list              # per row: the likely right label (str) or labels (tuple), or None
    suggested_score: np.ndarray  # probability of the suggestion


def _label_errors(table: _Table, *, folds, seed, features, model_params, progress) -> _LabelErrors:
    usable = np.flatnonzero(table.has_text & table.has_label)
    n = table.n
    result = _LabelErrors(np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), [None] * n,
                          np.full(n, np.nan))
    labels = table.label_set
    if table.multi_label and not labels:
        raise LabelError(f"No row of {table.source} has a label.",
                         f"Label some rows, joining several labels with {table.sep!r}.")
    if not table.multi_label and len(labels) < 2:
        shown = f" ({labels[0]!r})" if labels else ""
        raise LabelError(f"{table.source} has fewer than two classes{shown}; there is nothing to compare labels "
                         "with.", "Check --label-col, or add rows of other classes.")
    if len(usable) < folds:
        raise LabelError(f"{table.source} has {len(usable)} labelled rows, too few for {folds}-fold "
                         "cross-validation.", "Add rows, or pass a smaller --folds (at least 2).")
    texts = [table.texts[i] for i in usable]
    if table.multi_label:
        index = {label: k for k, label in enumerate(labels)}
        y = np.zeros((len(usable), len(labels)), dtype=int)
        for r, i in enumerate(usable):
            for label in table.labels[i]:
                y[r, index[label]] = 1
        probs, known = _out_of_fold(texts, y, folds, seed, features, model_params, table.source, progress)
        probs = _recalibrated(probs, y, known, seed)
        _judge_multi(probs, y, known, labels, usable, result)
    else:
        y = np.array([table.labels[i] for i in usable], dtype=object)
        probs, known = _out_of_fold(texts, y, folds, seed, features, model_params, table.source, progress)
        _judge_single(probs, y, known, labels, usable, result)
    return result


def _out_of_fold(texts, y, folds, seed, features, model_params, source, progress):
    """Out-of-fold probabilities (one column per label, sorted labels) and where they mean something.

    ``known[i, k]`` is false when label ``k`` had no rows (single-label) or no
    positive rows (multi-label) in the folds that trained row ``i``'s model.
    """
    multi = y.ndim == 2
    classes = None if multi else np.array(sorted(set(y)), dtype=object)
    width = y.shape[1] if multi else len(classes)
    probs = np.zeros((len(texts), width))
    known = np.zeros((len(texts), width), dtype=bool)
    if multi:
        splits = KFold(folds, shuffle=True, random_state=seed).split(texts)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y))
    for number, (train, held) in enumerate(splits, start=1):
        progress("Cross-validating to find label errors", number - 1, folds)
        target = y[train]
        if not multi and len(set(target)) < 2:
            raise LabelError(f"A cross-validation fold of {source} holds only one class.",
                             "Add rows of the other classes, or pass a smaller --folds.")
        pipeline = build_pipeline(len(train), features=features, model=model_params, seed=seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit_pipeline(pipeline, [texts[i] for i in train], target)
        except ValueError as exc:
            raise LabelError(f"Cannot fit a model on a cross-validation fold of {source}: {exc}.",
                             "Check that the text column holds words, or add rows.") from exc
        p = pipeline.predict_proba([texts[i] for i in held])
        if multi:
            probs[held] = p
            known[held] = target.any(axis=0)
        else:
            columns = np.searchsorted(classes, np.asarray(pipeline.classes_, dtype=object))
            probs[np.ix_(held, columns)] = p
            known[np.ix_(held, columns)] = True
    progress("Cross-validating to find label errors", folds, folds)
    return probs, known


def _judge_single(probs, y, known, labels, usable, result: _LabelErrors) -> None:
    """Confident learning on single-label out-of-fold probabilities."""
    given = np.searchsorted(np.array(labels, dtype=object), y)
    rows = np.arange(len(y))
    judged = known[rows, given]
    p_given = probs[rows, given]
    thresholds = np.full(len(labels), np.inf)
    for k in range(len(labels)):
        mine = judged & (given == k)
        if mine.any():
            thresholds[k] = probs[mine, k].mean()
    confident = (probs >= thresholds) & known
    best = np.where(confident, probs, -1.0).argmax(axis=1)
    flagged = judged & confident.any(axis=1) & (best != given)
    top = np.where(known, probs, -1.0).argmax(axis=1)
    suggestion = np.where(flagged, best, top)
    result.score[usable] = np.where(judged, 1 - p_given, np.nan)
    result.flagged[usable] = flagged
    result.doubted[usable] = judged & ~flagged & (top != given)
    for r, i in enumerate(usable):
        if judged[r] and suggestion[r] != given[r]:
            result.suggested[i] = labels[suggestion[r]]
            result.suggested_score[i] = probs[r, suggestion[r]]


def _recalibrated(probs, y, known, seed) -> np.ndarray:
    """Re-estimate each label's probability from the text model's out-of-fold scores for every label.

    For each label, a logistic regression on the out-of-fold log-odds of all
    labels, itself cross-validated so no row judges itself. It corrects each
    label's calibration on this table and lets the scores of related labels
    count (one implying another, two excluding each other). Labels too rare
    to cross-validate keep the text model's probability.
    """
    clipped = np.clip(probs, 1e-4, 1 - 1e-4)
    logits = np.log(clipped / (1 - clipped))
    out = probs.copy()
    for k in range(y.shape[1]):
        rows = known[:, k]
        target = y[rows, k]
        folds = min(_STACK_FOLDS, int(target.sum()), int((1 - target).sum()))
        if folds < 2:
            continue
        x = logits[rows]
        estimate = np.zeros(int(rows.sum()))
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, target):
            fit = LogisticRegression(C=1.0, max_iter=1000).fit(x[train], target[train])
            estimate[held] = fit.predict_proba(x[held])[:, 1]
        out[rows, k] = estimate
    return out


def _judge_multi(probs, y, known, labels, usable, result: _LabelErrors) -> None:
    """Confident learning on each label of multi-label probabilities, as a present/absent choice."""
    agree = np.where(y == 1, probs, 1 - probs)
    present_conf = np.full(len(labels), np.inf)
    absent_conf = np.full(len(labels), np.inf)
    for k in range(len(labels)):
        on = known[:, k] & (y[:, k] == 1)
        off = known[:, k] & (y[:, k] == 0)
        if on.any():
            present_conf[k] = probs[on, k].mean()
        if off.any():
            absent_conf[k] = (1 - probs[off, k]).mean()
    says_present = probs >= present_conf
    says_absent = (1 - probs) >= absent_conf
    verdict = np.where(says_present & says_absent, probs >= 0.5,
                       np.where(says_present, True, np.where(says_absent, False, y == 1)))
    wrong = (verdict != (y == 1)) & known
    agree = np.where(known, agree, 1.0)
    judged = known.any(axis=1)
    result.score[usable] = np.where(judged, 1 - agree.min(axis=1), np.nan)
    result.flagged[usable] = wrong.any(axis=1)
    result.doubted[usable] = judged & ~wrong.any(axis=1) & (((probs >= 0.5) != (y == 1)) & known).any(axis=1)
    suggested = np.where(wrong, verdict, y == 1)
    for r, i in enumerate(usable):
        if wrong[r].any():
            result.suggested[i] = tuple(label for k, label in enumerate(labels) if suggested[r, k])
            result.suggested_score[i] = float((1 - agree[r][wrong[r]]).min())


# ---------------------------------------------------------------- ranking


def _rank(table: _Table, dup: _Duplicates, errors: _LabelErrors, with_test: bool, min_label_rows: int,
          short_words: int) -> tuple[dict, list[dict]]:
    """Counts of each issue and the rows to review, ranked by their first issue then by ``error_score``."""
    n = table.n
    issues: list[list[str]] = [[] for _ in range(n)]
    key_id = dup.key_id
    has_key = key_id >= 0
    rows_of_key = dup.key_rows[np.where(has_key, key_id, 0)] * has_key
    component = np.where(has_key, dup.component[np.where(has_key, key_id, 0)], -1)
    numbers = np.arange(1, n + 1)

    group_rows: dict[int, list[int]] = {}
    for i in np.flatnonzero(has_key):
        group_rows.setdefault(int(component[i]), []).append(i)
    distinct_in_group = {c: len({int(key_id[i]) for i in members}) for c, members in group_rows.items()}
    group_first = {c: int(numbers[members[0]]) for c, members in group_rows.items()}

    exact = has_key & (rows_of_key > 1)
    near = np.array([has_key[i] and distinct_in_group[int(component[i])] > 1 for i in range(n)], dtype=bool)
    conflicting_groups = set()
    for c, members in group_rows.items():
        if len(members) < 2:
            continue
        found = {table.labels[i] for i in members if table.has_label[i]}
        if len(found) > 1:
            conflicting_groups.add(c)
    conflicting = np.array([has_key[i] and int(component[i]) in conflicting_groups for i in range(n)], dtype=bool)
    overlap = np.array([has_key[i] and bool(dup.test_rows[key_id[i]]) for i in range(n)], dtype=bool)
    overlap_exact = np.array([has_key[i] and bool(dup.test_exact[key_id[i]]) for i in range(n)], dtype=bool)

    counts_by_label = table.label_counts
    rare = {label: count for label, count in counts_by_label.items() if count < min_label_rows}
    if table.multi_label:
        has_rare = np.array([any(label in rare for label in row) for row in table.labels]) & table.has_text
    else:
        has_rare = np.array([label in rare for label in table.labels]) & table.has_text
    words = np.array([len(_WORD.findall(t)) if ok else 0 for t, ok in zip(table.texts, table.has_text)])
    short = table.has_text & (words < short_words)
    empty = ~table.has_text
    missing = table.has_text & ~table.has_label

    marks = {"label_error": errors.flagged, "label_doubt": errors.doubted, "conflicting_labels": conflicting,
             "test_overlap": overlap, "exact_duplicate": exact, "near_duplicate": near, "empty_text": empty, "missing_label": missing,
             "short_text": short, "rare_label": has_rare}
    for name in ISSUES:
        for i in np.flatnonzero(marks[name]):
            issues[i].append(name)

    tier = {name: t for t, name in enumerate(ISSUES)}
    flagged = [i for i in range(n) if issues[i]]
    flagged.sort(key=lambda i: (tier[issues[i][0]], -np.nan_to_num(errors.score[i], nan=-1.0), i))
    rows = []
    for rank, i in enumerate(flagged, start=1):
        k = int(key_id[i])
        grouped = has_key[i] and len(group_rows[int(component[i])]) > 1
        suggested = errors.suggested[i]
        if isinstance(suggested, tuple):
            suggested = table.sep.join(suggested)
        rows.append({
            "rank": rank,
            "row": int(numbers[i]),
            "issues": ";".join(issues[i]),
            "label": table.label_cell(i),
            "error_score": _rounded(errors.score[i]),
            "suggested_label": "" if suggested is None else suggested,
            "suggested_score": _rounded(errors.suggested_score[i]) if suggested is not None else None,
            "duplicate_group": group_first[int(component[i])] if grouped else None,
            "group_size": len(group_rows[int(component[i])]) if grouped else None,
            "similarity": (_rounded(dup.near_similarity[k]) if near[i] else 1.0) if grouped else None,
            "test_rows": ";".join(map(str, dup.test_rows[k][:_TEST_ROWS_SHOWN])) if overlap[i] else "",
            "test_similarity": _rounded(dup.test_similarity[k]) if overlap[i] else None,
            "text": table.texts[i],
        })

    counts = {
        "label_errors": int(errors.flagged.sum()),
        "label_doubts": int(errors.doubted.sum()),
        "conflicting_labels": {"groups": len(conflicting_groups), "rows": int(conflicting.sum())},
        "test_overlap": ({"rows": int(overlap.sum()), "exact": int(overlap_exact.sum()),
                          "near": int((overlap & ~overlap_exact).sum()),
                          "test_rows": len({r for i in np.flatnonzero(overlap) for r in dup.test_rows[key_id[i]]})}
                         if with_test else None),
        "exact_duplicates": {"groups": int(len({int(key_id[i]) for i in np.flatnonzero(exact)})),
                             "rows": int(exact.sum())},
        "near_duplicates": {"groups": int(len({int(component[i]) for i in np.flatnonzero(near)})),
                            "rows": int(near.sum())},
        "empty_text": int(empty.sum()),
        "missing_label": int(missing.sum()),
        "short_text": int(short.sum()),
        "rare_labels": rare,
    }
    return counts, rows


def _rounded(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)
