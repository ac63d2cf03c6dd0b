"""Tuning: search the model and feature settings by cross-validation within a wall-clock budget.

:func:`tune` draws ``candidates`` settings at random from :data:`classifier.defaults.TUNE_SPACE`
(the current settings are always one of them) and runs successive halving over rows: every
candidate is cross-validated (:func:`classifier.insight.crossval.fold_scores`) on a stratified
sample of the rows, the best ``1/eta`` go on to ``eta`` times the rows, and so on up to every
row. The current settings go on to every round, so the choice is always measured against them
on the same rows and folds. The first cross-validation (the current settings on the first
round's rows) times the search: only as many drawn settings as can go through every round
within the budget are kept, so the winner is chosen on every row when the estimate holds.
Before each later cross-validation its time is estimated again; when the budget would be
overspent, the search stops; only a round on every row may replace the current settings (a
winner picked on a sample did worse on test than the defaults on two benchmark sets). The winner is trained on every row and saved, with the
table of every trial in its card (``tuning``). Only the training table is used: a test table is
for reporting the result afterwards (``evaluate``, ``compare``), never for choosing.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np

from classifier import defaults
from classifier.errors import InputError
from classifier.estimators.folds import stratified_folds
from classifier.insight.crossval import check_folds, fold_scores, read_data, summarise
from classifier.progress import Progress, quiet_progress
from classifier.settings import Settings
from classifier.training.data import targets, task_name
from classifier.validation import check_at_least, check_seed

_BUDGET = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$")
_MARGIN = 2.0
"""Planning a search: how much slower than the current settings the drawn ones are assumed to be (wider
n-grams and character n-grams cost more)."""
METRICS = ("micro_f1", "macro_f1", "accuracy", "weighted_f1")
"""The metrics ``tune`` can maximise."""


def parse_budget(budget) -> float:
    """Seconds from ``"90s"``, ``"10m"``, ``"1h30m"`` or a number of seconds."""
    if isinstance(budget, (int, float)) and not isinstance(budget, bool):
        seconds = float(budget)
    else:
        found = _BUDGET.match(str(budget)) if str(budget).strip() else None
        if not found or not any(found.groups()):
            raise InputError(f"`budget` must be a duration such as 90s, 10m or 1h, not {budget!r}.",
                             f"Use `budget` {defaults.TUNE_BUDGET}.")
        hours, minutes, secs = (float(g) if g else 0.0 for g in found.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(f"`budget` must be above 0 seconds, not {budget!r}.", f"Use `budget` {defaults.TUNE_BUDGET}.")
    return seconds


def candidates(base: Settings, fixed: set[str], count: int, seed: int) -> list[Settings]:
    """``base`` and up to ``count`` distinct settings drawn from the search space (names in ``fixed`` keep
    ``base``'s value)."""
    rng = np.random.default_rng(seed)
    space = {name: values for name, values in defaults.TUNE_SPACE.items() if name not in fixed}
    found = [base]
    for _ in range(count * 20):
        if len(found) > count or not space:
            break
        drawn = {name: values[int(rng.integers(len(values)))] for name, values in space.items()}
        settings = Settings.from_options(drawn, base=base)
        if settings not in found:
            found.append(settings)
    return found


def rung_rows(rows: int, count: int, eta: int, min_rows: int) -> list[int]:
    """The rows each round of successive halving scores on: up to every row, ``eta`` times more each round."""
    rounds = max(1, math.ceil(math.log(max(count, 1), eta)) + 1) if count > 1 else 1
    sizes = [rows]
    while len(sizes) < rounds and sizes[0] / eta >= min_rows:
        sizes.insert(0, int(sizes[0] / eta))
    return sizes


def tune(
    data: str | Path | None = None,
    *,
    budget: str | float = defaults.TUNE_BUDGET,
    folds: int = defaults.TUNE_FOLDS,
    seed: int = defaults.SEED,
    metric: str = defaults.TUNE_METRIC,
    settings: Settings | None = None,
    fixed: set[str] | None = None,
    candidate_count: int | None = None,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
):
    """Search the settings on ``data`` within ``budget``; return the best model (trained on every row) and the
    search.

    ``settings`` are the current settings (default: the defaults); the names in ``fixed`` are not
    searched; ``candidate_count`` settings are drawn (default ``defaults.TUNE_CANDIDATES``). Returns ``(model, search)``: ``search`` is ``{"data", "task", "rows", "folds", "seed",
    "metric", "budget_seconds", "elapsed_seconds", "stopped", "rounds", "trials", "best", "current"}``;
    each trial ``{"round", "rows", "candidate", "settings", "mean", "std", "seconds"}`` (``settings``:
    those that differ from the defaults), ``best`` and ``current`` the winner's and the current
    settings' trial in the last round reached, ``stopped`` ``"finished"`` or ``"budget"``.
    """
    seconds = parse_budget(budget)
    check_at_least("folds", folds, 2, f"Use `folds` {defaults.TUNE_FOLDS}.")
    candidate_count = defaults.TUNE_CANDIDATES if candidate_count is None else candidate_count
    check_at_least("candidate_count", candidate_count, 1, f"Use {defaults.TUNE_CANDIDATES}.")
    check_seed(seed)
    if metric not in METRICS:
        raise InputError(f"`metric` must be one of {', '.join(METRICS)}, not {metric!r}.",
                         f"Use `metric` {defaults.TUNE_METRIC}.")
    if data is not None and str(data) == "-":
        raise InputError("tune reads its table twice (to search, then to train), so it cannot read standard input.",
                         "Save the table to a file and pass its path.")
    start = time.monotonic()
    progress("Reading the data")
    labelled = read_data(data, text_col=text_col, label_col=label_col, label_sep=label_sep, multi_label=multi_label,
                         encoding=encoding)
    check_folds(labelled, folds)
    base = settings or Settings()
    tried = candidates(base, set(fixed or ()), candidate_count, seed)
    n = len(labelled.texts)
    sizes = rung_rows(n, len(tried), defaults.TUNE_ETA, defaults.TUNE_MIN_ROWS)
    y = targets(labelled, range(n))
    trials: list[dict] = []
    alive = list(range(len(tried)))
    stopped = "finished"
    rate = None  # seconds per row of one cross-validation
    total = sum(max(1, len(tried) // defaults.TUNE_ETA ** k) for k in range(len(sizes)))
    for number, rows in enumerate(sizes):
        sample = np.arange(n) if rows >= n else _sample(y, rows, seed + number)
        splits = [(sample[train], sample[held]) for train, held in stratified_folds(y[sample], folds, seed)]
        scored = []
        for candidate in alive:
            elapsed = time.monotonic() - start
            if rate is not None and elapsed + rate * len(sample) * (1 + 1 / (folds - 1)) + rate * n / (folds - 1) \
                    > seconds:
                stopped = "budget"
                break
            progress(f"Round {number + 1} of {len(sizes)}: cross-validating settings on {len(sample):,} rows",
                     len(trials), total)
            began = time.monotonic()
            summary = summarise(fold_scores(labelled, tried[candidate], splits, seed=seed))["metrics"][metric]
            took = time.monotonic() - began
            rate = took / len(sample) if rate is None else max(rate, 0.5 * rate + 0.5 * took / len(sample))
            trials.append({"round": number + 1, "rows": len(sample), "candidate": candidate,
                           "settings": tried[candidate].changed(), "mean": summary["mean"], "std": summary["std"],
                           "seconds": round(took, 2)})
            scored.append((summary["mean"], candidate))
            if len(trials) == 1:  # the current settings, first: now the time a search takes can be planned
                alive[:] = alive[:1 + _affordable(len(tried) - 1, sizes, rate, seconds - (time.monotonic() - start),
                                                  rate * n / (folds - 1))]
                total = sum(1 + math.ceil((len(alive) - 1) / defaults.TUNE_ETA ** k) for k in range(len(sizes)))
        if stopped == "budget":
            if len(trials) < 2:
                _too_small(budget, labelled.source, trials, len(tried), len(sizes))
            if not scored:
                number -= 1
            break
        ranked = [c for _, c in sorted(scored, key=lambda s: (-s[0], s[1]))]
        alive = sorted(set(ranked[:max(1, math.ceil(len(ranked) / defaults.TUNE_ETA))]) | {0},
                       key=lambda c: (c != 0, ranked.index(c)))
    last = [t for t in trials if t["round"] == number + 1]
    current = next(t for t in last if t["candidate"] == 0)
    # a winner picked on a sample of the rows did worse on test than the current settings in trials
    # (bbc_news, india_police_events): only a round on every row may replace the current settings
    best = max(last, key=lambda t: (t["mean"], t["candidate"] == 0)) if last[0]["rows"] >= n else current
    progress("Training the best settings on every row")
    from classifier.training.in_memory import train

    chosen = tried[best["candidate"]]
    model = train(data, text_col=text_col, label_col=labelled.spec.column, label_sep=label_sep,
                  multi_label=labelled.spec.multi_label, test_size=0, seed=seed, features=chosen.features(),
                  model_params=chosen.model(), encoding=encoding)
    search = {
        "data": labelled.source,
        "task": task_name(labelled),
        "rows": n,
        "folds": folds,
        "seed": seed,
        "metric": metric,
        "budget_seconds": seconds,
        "elapsed_seconds": round(time.monotonic() - start, 1),
        "stopped": stopped,
        "rounds": [{"round": i + 1, "rows": min(size, n)} for i, size in enumerate(sizes)],
        "trials": trials,
        "best": {**best, "settings": chosen.to_dict()},
        "current": {**current, "settings": base.to_dict()},
    }
    model.card["tuning"] = {k: v for k, v in search.items() if k != "data"}
    note = (f"Settings chosen by tune: {folds}-fold cross-validated {metric} {best['mean']:.4f} on "
            f"{best['rows']:,} rows (current settings {current['mean']:.4f}); no held-out score.")
    model.card["notes"] = [n for n in model.card["notes"] if "--test-size 0" not in n] + [note]
    return model, search


def _affordable(count: int, sizes: list[int], rate: float, left: float, final_fit: float) -> int:
    """How many of ``count`` drawn settings the search can take through every round in ``left`` seconds,
    at ``rate`` seconds per row of a cross-validation (with a margin: other settings may be slower than the
    current ones), leaving ``final_fit`` seconds to train the winner; at least 1."""
    for fitted in range(count, 0, -1):
        cost = sum((1 + math.ceil(fitted / defaults.TUNE_ETA ** k)) * rows for k, rows in enumerate(sizes))
        if _MARGIN * rate * (cost - sizes[0]) + final_fit <= left:
            return fitted
    return 1


def _sample(y: np.ndarray, rows: int, seed: int) -> np.ndarray:
    """About ``rows`` positions of ``y``, stratified by label (one fold of a stratified split into n/rows parts)."""
    parts = max(2, round(len(y) / rows))
    return np.sort(stratified_folds(y, parts, seed)[0][1])


def _too_small(budget, source, trials: list[dict], count: int, rounds: int) -> None:
    took = trials[0]["seconds"] if trials else 0.0
    needed = max(60, math.ceil(took * (count + 2) * rounds / 60) * 60)
    raise InputError(f"A budget of {budget} is too small to tune on {source}: one cross-validation took {took:.1f}s.",
                     f"Give `budget` {needed // 60}m or more, or fewer `folds`.")
