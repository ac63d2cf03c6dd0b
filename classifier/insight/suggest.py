"""The labelling loop: which unlabelled texts to label next, and the file to label them in.

:func:`uncertainty` measures how unsure a model is of each text: single-label, one minus the
margin between its two most probable labels; multi-label, how close the label nearest a
threshold is to it (0 at 0 or 1, 1 on the threshold). :func:`suggest` ranks multi-label pools
against probability 0.5, the most uncertain a calibrated label can be, not against the model's
per-label decision thresholds: chosen for F1 on few labelled rows, those are noisy, and in the
labelling-loop simulation (``benchmarks/active_learning.py``, India police events) ranking by
them learnt more slowly. :func:`select` picks a batch:
a ``random_share`` of rows drawn uniformly from the pool (so that scores measured on them stay
unbiased), the rest the most uncertain rows, and never two near-duplicates in one batch (word
shingles and Jaccard similarity, :func:`classifier.audit.duplicates.near_duplicate_pairs`).
:func:`suggest` does this for a pool table and writes the chosen rows, with the model's current
guess, as a table or as Label Studio or Prodigy tasks (:mod:`classifier.io.annotations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier import defaults
from classifier.audit.duplicates import near_duplicate_pairs
from classifier.errors import InputError
from classifier.io.annotations import TASK_FORMATS, write_tasks
from classifier.io.columns import require_column
from classifier.io.tables import read_table
from classifier.labels import cell_text, decide
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.validation import check_at_least, check_seed

RANDOM = "random"
UNCERTAIN = "uncertainty"


def uncertainty(probs: np.ndarray, multi_label: bool, thresholds=None) -> np.ndarray:
    """How unsure the model is of each row, from 0 (sure) to 1 (a coin toss), from its probabilities.

    Single-label: ``1 - (p1 - p2)``, the margin between the two most probable
    labels. Multi-label: for each label, the distance of its probability from
    its threshold (the model's own per-label thresholds, else ``thresholds``,
    else 0.5) as a share of the way to 0 or 1; a row's uncertainty is one minus
    the smallest of these, so the row whose closest call is closest scores highest.
    """
    probs = np.asarray(probs, dtype=float)
    if len(probs) == 0:
        return np.zeros(0)
    if not multi_label:
        if probs.shape[1] < 2:
            return 1 - probs[:, 0]
        top2 = -np.partition(-probs, 1, axis=1)[:, :2]
        return 1 - (top2[:, 0] - top2[:, 1])
    t = np.broadcast_to(np.asarray(defaults.THRESHOLD_MULTI if thresholds is None else thresholds, dtype=float),
                        probs.shape[1:])
    room = np.where(probs >= t, 1 - t, t)
    distance = np.abs(probs - t) / np.maximum(room, 1e-12)
    return 1 - np.clip(distance.min(axis=1), 0, 1)


def ranking(probs: np.ndarray, multi_label: bool) -> np.ndarray:
    """The uncertainty :func:`suggest` ranks a pool by: :func:`uncertainty`, multi-label against probability 0.5
    (the label whose calibrated probability is nearest a coin toss), whatever the model's decision thresholds."""
    return uncertainty(probs, multi_label, None if not multi_label else defaults.THRESHOLD_MULTI)


@dataclass
class Selection:
    """A batch of rows to label: their positions in the pool (in batch order) and why each was chosen."""

    index: np.ndarray
    reason: list[str]
    skipped_near_duplicates: int


def select(texts: list[str], scores: np.ndarray, n: int, *, random_share: float = defaults.SUGGEST_RANDOM_SHARE,
           seed: int = defaults.SEED, near_duplicate: float = defaults.SUGGEST_NEAR_DUPLICATE,
           width: int = defaults.AUDIT_SHINGLE_WORDS) -> Selection:
    """Choose ``n`` of ``texts``: ``round(n * random_share)`` at random, the rest by highest ``scores``.

    The random rows are drawn first, uniformly from the whole pool; then the
    most uncertain of the others. A text whose word ``width``-grams have a
    Jaccard similarity of ``near_duplicate`` or more with a text already in the
    batch is passed over (and counted). Fewer than ``n`` rows are returned only
    when the pool runs out of texts that are not near-duplicates.
    """
    size = len(texts)
    n = min(n, size)
    rng = np.random.default_rng(seed)
    n_random = round(n * random_share)
    random_order = rng.permutation(size)
    uncertain_order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    window = min(size, max(4 * n, 64))
    while True:
        picked, reasons, skipped = _greedy(texts, random_order[:window], uncertain_order[:window], n_random, n,
                                           near_duplicate, width)
        if len(picked) >= n or window >= size:
            return Selection(np.asarray(picked, dtype=np.int64), reasons, skipped)
        window = min(size, window * 2)


def _greedy(texts, random_candidates, uncertain_candidates, n_random, n, near_duplicate, width):
    """Fill the batch from the random candidates, then the uncertain ones, skipping near-duplicates."""
    candidates = np.unique(np.concatenate([random_candidates, uncertain_candidates]))
    position = {int(c): i for i, c in enumerate(candidates)}
    pairs, _ = near_duplicate_pairs([texts[c] for c in candidates], threshold=near_duplicate, width=width)
    neighbours: dict[int, set[int]] = {}
    for a, b in pairs.tolist():
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    taken: set[int] = set()
    picked, reasons, skipped = [], [], 0

    def take(row: int, reason: str) -> bool:
        nonlocal skipped
        at = position[row]
        if at in taken:
            return False
        if neighbours.get(at, set()) & taken:
            skipped += 1
            return False
        taken.add(at)
        picked.append(row)
        reasons.append(reason)
        return True

    for row in random_candidates.tolist():
        if len(picked) >= n_random:
            break
        take(row, RANDOM)
    for row in uncertain_candidates.tolist():
        if len(picked) >= n:
            break
        take(row, UNCERTAIN)
    return picked, reasons, skipped


def suggest(
    model: Model,
    pool: str | Path,
    output: str | Path,
    *,
    n: int = defaults.SUGGEST_N,
    fmt: str | None = None,
    random_share: float = defaults.SUGGEST_RANDOM_SHARE,
    seed: int = defaults.SEED,
    text_col: str | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Rank the unlabelled texts of the table ``pool`` for labelling and write the ``n`` chosen to ``output``.

    ``fmt`` is ``csv`` (default; or any table format the output's name gives), ``label-studio`` (a JSON
    list of Label Studio tasks, the guess as a prediction) or ``prodigy`` (JSON Lines tasks for a
    choice interface, the guess pre-selected). A table keeps the pool's columns and adds ``row`` (the
    pool row, from 1), ``selected_by`` (``uncertainty`` or ``random``), ``uncertainty``,
    ``predicted_label``, ``predicted_score`` and the model's label column filled with the guess, to
    correct. Returns counts and the chosen rows (``rows``: row, text, guess, score, uncertainty, reason).
    """
    check_at_least("n", n, 1, f"Use `n` {defaults.SUGGEST_N}.")
    check_seed(seed)
    if not 0 <= random_share <= 1:
        raise InputError(f"`random_share` must be between 0 and 1, not {random_share}.",
                         f"Use a share such as {defaults.SUGGEST_RANDOM_SHARE}.")
    if fmt is not None and fmt not in TASK_FORMATS:
        raise InputError(f"Unknown format {fmt!r}.", f"Use one of: {', '.join(TASK_FORMATS)}.")
    text_col = text_col or model.card.get("text_col", defaults.TEXT_COL)
    progress("Reading the pool")
    df = read_table(pool, encoding=encoding)
    require_column(df, text_col, "text_col", pool)
    texts = cell_text(df[text_col])
    present = np.flatnonzero((texts != "").to_numpy())
    if len(present) == 0:
        raise InputError(f"{pool} has no texts to suggest.", f"Check that `text_col` ({text_col}) holds the texts.")
    kept = texts.iloc[present].tolist()
    progress("Scoring the pool", 0, len(kept))
    probs = model.predict_proba(kept)
    progress("Scoring the pool", len(kept), len(kept))
    scores = ranking(probs, model.multi_label)
    progress("Choosing the texts")
    chosen = select(kept, scores, n, random_share=random_share, seed=seed)
    guesses, guess_scores = decide(probs[chosen.index], model.labels, model.multi_label,
                                   threshold=model.threshold_for(None))
    sep = model.card.get("label_sep", defaults.LABEL_SEP)
    rows = [{"row": int(present[i]) + 1, "text": kept[i], "labels": g, "scores": [round(float(s), 4) for s in sc],
             "uncertainty": round(float(scores[i]), 4), "selected_by": why}
            for i, g, sc, why in zip(chosen.index.tolist(), guesses, guess_scores, chosen.reason)]
    progress("Writing the suggestions")
    label_col = model.card.get("label_col") or ("labels" if model.multi_label else "label")
    written = write_tasks(output, df.iloc[present[chosen.index]], rows, fmt=fmt, text_col=text_col,
                          label_col=label_col, labels=model.labels, multi_label=model.multi_label, sep=sep)
    return {"pool": str(pool), "rows_read": len(df), "rows_scored": len(kept),
            "rows_skipped": {"empty_text": len(df) - len(kept)}, "selected": len(rows),
            "by_uncertainty": chosen.reason.count(UNCERTAIN), "at_random": chosen.reason.count(RANDOM),
            "near_duplicates_skipped": chosen.skipped_near_duplicates,
            "mean_uncertainty_pool": round(float(scores.mean()), 4), "output": str(written["path"]),
            "format": written["format"], **({"label_config": written["label_config"]} if "label_config" in written
                                            else {}), "rows": rows}
