"""Out-of-core training: fit a model on a labelled table larger than memory.

``classifier train --out-of-core`` (automatic for files above
``defaults.OUT_OF_CORE_BYTES``) reads the table once in chunks and, for each
chunk, hashes the texts into word 1-2-gram counts (no vocabulary to hold) and
scatters the rows at random over ``buckets`` temporary files on disk, so the
buckets are shuffled samples of the table even when the file is sorted by
label. The document frequencies behind the TF-IDF weights are learnt on the
way, chunk by chunk (``HashedTfidf.partial_fit``). It then makes a few passes
over the buckets in random order, fitting one linear SVM per label with
stochastic gradient descent (``IncrementalLinearSVC.partial_fit``) on TF-IDF
weights, and calibrates the margins into probabilities on a slice of rows kept
out of training. Memory is bounded by the chunk size (plus the hashed
weights), not by the table.

The result is an ordinary :class:`~classifier.model.Model`: predict,
evaluate and info use it like any other, and it saves as ``.joblib`` or ``.skops``.
"""

from __future__ import annotations

import math
import pickle
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.pipeline import Pipeline

from classifier import defaults
from classifier.errors import ColumnError, InputError, LabelError
from classifier.estimators.hashed import HashedTfidf, IncrementalLinearSVC
from classifier.steps import FEATURES, MODEL
from classifier.fingerprints import file_sha256
from classifier.io.labelled import read_labelled
from classifier.io.tables import STDIO, iter_table, require_column
from classifier.labels import cell_text, check_label_names, find_label_column, label_name
from classifier.metrics import score
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.text_limits import cut_note, cut_texts
from classifier.training.card import model_card
from classifier.validation import holdout_size


class _Buckets:
    """Temporary files that rows are scattered over; each holds pickled ``(counts, label_cells)`` pieces."""

    def __init__(self, folder: Path, count: int):
        self.paths = [folder / f"bucket-{i:04d}.pkl" for i in range(count)]
        self.rows = [0] * count
        self._handles = [open(p, "wb") for p in self.paths]

    def add(self, index: int, piece) -> None:
        pickle.dump(piece, self._handles[index], protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        for handle in self._handles:
            handle.close()

    def read(self, index: int):
        pieces = []
        with open(self.paths[index], "rb") as handle:
            while True:
                try:
                    pieces.append(pickle.load(handle))
                except EOFError:
                    break
        return pieces


def _expected_rows(source, first: pd.DataFrame) -> int | None:
    """Rows the file probably holds, from its size and the bytes the first chunk took."""
    position = first.attrs.get("position")
    if str(source) == STDIO or not position or not len(first):
        return None
    return int(Path(source).stat().st_size / position * len(first))



def train(
    data: str | Path,
    *,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    test: str | Path | None = None,
    test_size: float | None = None,
    seed: int = defaults.SEED,
    encoding: str | None = None,
    chunk_size: int = defaults.OUT_OF_CORE["chunk_size"],
    passes: int = defaults.OUT_OF_CORE["passes"],
    params: dict | None = None,
    progress: Progress = quiet_progress,
) -> Model:
    """Train a model on ``data`` out of core (see the module docstring); return it with its card.

    Held-out rows are ``test`` (a labelled table, read in chunks) or a random
    ``test_size`` slice of ``data`` (default 0.2, at most
    ``OUT_OF_CORE["max_holdout"]`` rows). The saved model is the one scored:
    it is not refitted on the held-out rows (``test_size=0`` trains on all).
    """
    settings = {**defaults.OUT_OF_CORE, **(params or {}), "chunk_size": chunk_size, "passes": passes}
    test_size = holdout_size(test, test_size)
    if chunk_size < 1 or passes < 1:
        raise InputError("`chunk_size` and `passes` must be 1 or more.", "Use the defaults.")
    if not label_sep:
        raise InputError("The label separator is empty.", "Pass `label_sep` with a character such as '|'.")
    rng = np.random.default_rng(seed)
    features = HashedTfidf(n_features=settings["n_features"], ngram_range=tuple(settings["ngram_range"]),
                           name_sample_rows=settings["name_sample_rows"])
    name = "standard input" if str(data) == STDIO else str(data)
    with tempfile.TemporaryDirectory(prefix="classifier-outofcore-") as scratch:
        spill = _spill(data, name, features, rng, Path(scratch), text_col=text_col, label_col=label_col,
                       label_sep=label_sep, multi_label=multi_label, test_size=0 if test is not None else test_size,
                       settings=settings, encoding=encoding, progress=progress)
        spec_multi, labels = spill["multi_label"], spill["labels"]
        check_label_names(labels, name)
        if spec_multi and not labels:
            raise LabelError(f"No row of {name} has a label in column {spill['label_col']!r}.",
                             f"Label some rows, joining several labels with {label_sep!r}.")
        if not spec_multi and len(labels) < 2:
            raise LabelError(f"{name} has only one class ({labels[0]!r}); a classifier needs two or more."
                             if labels else f"{name} has no rows with both a text and a label.",
                             "Add rows of other classes, or check `label_col`.")
        estimator = IncrementalLinearSVC(alpha=settings["alpha"], multi_label=spec_multi, passes=passes,
                                         random_state=seed)
        target_of = _targeter(labels, spec_multi, label_sep)
        classes = np.asarray(labels, dtype=object)
        buckets: _Buckets = spill["buckets"]
        for epoch in range(passes):
            order = rng.permutation(len(buckets.paths))
            for done, index in enumerate(order, 1):
                X, y = _bucket_rows(buckets, index, features, target_of, spec_multi, rng)
                if X is not None:
                    estimator.partial_fit(X, y, classes=classes)
                progress(f"Training, pass {epoch + 1} of {passes}", done, len(order))
        if not hasattr(estimator, "coef_"):
            raise LabelError(f"{name} has no rows to train on after holding some out.", "Add rows.")
        calib_rows = spill["calibration"].read(0)
        if calib_rows:
            X = sparse.vstack([p[0] for p in calib_rows]).tocsr()
            target = np.vstack([target_of(p[1]) for p in calib_rows])
            keep = target.any(axis=1) if not spec_multi else np.ones(len(target), bool)
            estimator.calibrate(estimator.margins(features.weigh(X[keep])), target[keep])
        pipeline = Pipeline([(FEATURES, features), (MODEL, estimator)])
        model = Model(pipeline, {"labels": [str(label) for label in labels],
                                 "task": "multi_label" if spec_multi else "single_label", "label_sep": label_sep})
        progress("Scoring the held-out rows")
        metrics, holdout = None, {"source": "none"}
        if test is not None:
            held = read_labelled(test, text_col=text_col, label_col=spill["label_col"], label_sep=label_sep,
                                 multi_label=spec_multi, encoding=encoding)
            metrics = score(model, held.texts, held.labels, spec_multi)
            holdout = {"source": "file", "path": str(test), "rows": len(held.texts), "sha256": held.sha256}
        elif spill["holdout_texts"]:
            gold = [_gold(cell, spec_multi, label_sep) for cell in spill["holdout_labels"]]
            pairs = [(t, g) for t, g in zip(spill["holdout_texts"], gold) if spec_multi or g]
            metrics = score(model, [t for t, _ in pairs], [g for _, g in pairs], spec_multi)
            holdout = {"source": "split", "test_size": test_size, "seed": seed, "stratified": False,
                       "rows_test": len(pairs), "rows_train": spill["train_rows"], "refit_on_all_rows": False}
    notes = ["Trained out of core: hashed word 1-2-grams, linear SVMs fitted by SGD over "
             f"{passes} passes, Platt-calibrated on {sum(len(p[1]) for p in calib_rows):,} rows kept out of training."]
    if spill["texts_cut"]:
        notes.append(cut_note(spill["texts_cut"], "trained on", option=False))
    if holdout["source"] == "split":
        notes.append("The held-out rows are a random (unstratified) slice; the saved model was not refitted on them.")
    params = {
        "features": {"hashing": True, "n_features": features.n_features,
                     "ngram_range": list(features.ngram_range), "sublinear_tf": True, "lowercase": True},
        "model": {"out_of_core": True, "alpha": settings["alpha"], "passes": passes,
                  "chunk_size": chunk_size, "buckets": len(spill["buckets"].paths)},
        "seed": seed,
    }
    card = model_card(task=model.card["task"], labels=model.card["labels"], label_counts=spill["label_counts"],
                      text_col=text_col, label_col=spill["label_col"], label_sep=label_sep, source=data,
                      rows_read=spill["rows_read"], rows_used=spill["train_rows"], rows_skipped=spill["skipped"],
                      sha256=spill["sha256"], params=params, holdout=holdout, metrics=metrics, notes=notes)
    return Model(pipeline=pipeline, card=card)


def _gold(cell: str, multi_label: bool, sep: str):
    if multi_label:
        return tuple(sorted({p.strip() for p in cell.split(sep)} - {""})) if cell else ()
    return cell


def _targeter(labels: list[str], multi_label: bool, sep: str):
    """A function turning label cells into the 0/1 target matrix (rows, labels)."""
    index = {label: i for i, label in enumerate(labels)}

    def target_of(cells) -> np.ndarray:
        target = np.zeros((len(cells), len(labels)), dtype=np.int8)
        for row, cell in enumerate(cells):
            for label in (_gold(cell, True, sep) if multi_label else (cell,)):
                if label in index:
                    target[row, index[label]] = 1
        return target

    return target_of


def _bucket_rows(buckets: _Buckets, index, features: HashedTfidf, target_of, multi_label: bool, rng):
    """A bucket's rows, shuffled, as TF-IDF weights and ``y`` for ``partial_fit``: the labels (single-label,
    rows without one dropped) or the 0/1 target matrix (multi-label)."""
    pieces = buckets.read(index)
    if not pieces:
        return None, None
    X = sparse.vstack([p[0] for p in pieces]).tocsr()
    target = np.vstack([target_of(p[1]) for p in pieces])
    y = target
    if not multi_label:
        keep = target.any(axis=1)
        X, y = X[keep], np.array([cell for piece in pieces for cell in piece[1]], dtype=object)[keep]
    if not X.shape[0]:
        return None, None
    order = rng.permutation(X.shape[0])
    return features.weigh(X[order]), y[order]


def _spill(source, name, features: HashedTfidf, rng, scratch: Path, *, text_col, label_col, label_sep, multi_label,
           test_size, settings, encoding, progress) -> dict:
    """Read ``source`` once: hash each chunk, count document frequencies, scatter rows over buckets."""
    chunks = iter_table(source, chunk_size=settings["chunk_size"], encoding=encoding)
    first = next(chunks)
    if len(first) == 0:
        raise LabelError(f"{name} has a header but no rows.", "Add labelled rows to the table.")
    require_column(first, text_col, "`text_col`", source)
    column = find_label_column(first, label_col, name)
    if column == text_col:
        raise ColumnError(f"The text and label columns are both {column!r}.", "Pass `text_col` or `label_col`.")
    expected = _expected_rows(source, first)
    bucket_count = max(1, math.ceil((expected or len(first)) * (1 - test_size) / settings["chunk_size"]))
    holdout_share = test_size
    if expected and test_size:
        holdout_share = min(test_size, settings["max_holdout"] / expected)
    calib_share = settings["calibration"]
    if expected:
        calib_share = min(calib_share, settings["max_calibration"] / max(1, expected * (1 - test_size)))
    buckets = _Buckets(scratch, bucket_count)
    (scratch / "calibration").mkdir()
    calibration = _Buckets(scratch / "calibration", 1)
    singles: Counter = Counter()
    multis: Counter = Counter()
    has_sep = column == "labels"
    holdout_texts, holdout_labels = [], []
    rows_read = empty_text = no_label = train_rows = texts_cut = 0
    total = None if str(source) == STDIO else Path(source).stat().st_size

    def chain():
        yield first
        yield from chunks

    for chunk in chain():
        if column not in chunk.columns or text_col not in chunk.columns:
            raise ColumnError(f"A chunk of {name} lacks the {text_col!r} or {column!r} column.",
                              "Give every row both columns.")
        rows_read += len(chunk)
        texts = cell_text(chunk[text_col])
        label_cells = cell_text(chunk[column])
        has_text = (texts != "").to_numpy()
        empty_text += int((~has_text).sum())
        no_label += int((has_text & (label_cells == "").to_numpy()).sum())
        texts, chunk_cut = cut_texts(chunk[text_col][has_text].map(str).tolist())
        texts_cut += chunk_cut
        cells = [label_name(c) for c in label_cells[has_text].tolist()]
        if not texts:
            continue
        has_sep = has_sep or any(label_sep in c for c in cells)
        singles.update(c for c in cells if c)
        multis.update(part for c in cells for part in _gold(c, True, label_sep))
        roll = rng.random(len(texts))
        held = roll < holdout_share
        for i in np.flatnonzero(held):
            holdout_texts.append(texts[i])
            holdout_labels.append(cells[i])
        train_idx = np.flatnonzero(~held)
        if not len(train_idx):
            continue
        train_texts = [texts[i] for i in train_idx]
        counts = features.counts(train_texts)
        features.partial_fit(train_texts, counts=counts)
        train_cells = [cells[i] for i in train_idx]
        to_calibration = rng.random(len(train_idx)) < calib_share
        target = rng.integers(0, bucket_count, len(train_idx))
        if to_calibration.any():
            rows = np.flatnonzero(to_calibration)
            calibration.add(0, (counts[rows], [train_cells[i] for i in rows]))
        for b in np.unique(target[~to_calibration]):
            rows = np.flatnonzero((target == b) & ~to_calibration)
            buckets.add(int(b), (counts[rows], [train_cells[i] for i in rows]))
            buckets.rows[int(b)] += len(rows)
            train_rows += len(rows)
        progress("Reading and hashing the training data", rows_read, None,
                 work_done=chunk.attrs.get("position"), work_total=total)
    buckets.close()
    calibration.close()
    multi = has_sep if multi_label is None else multi_label
    labels = sorted(multis) if multi else sorted(singles)
    counts_out = ({k: multis[k] for k in sorted(multis)} if multi else {k: singles[k] for k in sorted(singles)})
    return {
        "buckets": buckets, "calibration": calibration, "multi_label": multi, "labels": labels,
        "label_counts": counts_out, "label_col": column, "holdout_texts": holdout_texts,
        "holdout_labels": holdout_labels, "rows_read": rows_read, "train_rows": train_rows,
        "texts_cut": texts_cut,
        "skipped": {"empty_text": empty_text, **({} if multi else {"missing_label": no_label})},
        "sha256": "" if str(source) == STDIO else file_sha256(source),
    }


def use_out_of_core(data, out_of_core: bool | None) -> bool:
    """Whether to train out of core: as asked, else when ``data`` is a file above ``OUT_OF_CORE_BYTES``."""
    if out_of_core is not None:
        return out_of_core
    if data is None or str(data) == STDIO:
        return False
    try:
        return Path(data).stat().st_size > defaults.OUT_OF_CORE_BYTES
    except OSError:
        return False


__all__ = ["HashedTfidf", "IncrementalLinearSVC", "train", "use_out_of_core"]
