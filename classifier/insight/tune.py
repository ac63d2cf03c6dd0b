"""Tuning: search the model and feature settings by cross-validation within a wall-clock budget.

:func:`tune` draws ``candidates`` settings at random from the search space
(:func:`search_space`: :data:`classifier.defaults.TUNE_SPACE`, without character n-grams on long
texts; the current settings are always one of the candidates) and runs successive halving over
rows: every candidate is cross-validated (:func:`classifier.insight.crossval.fold_scores`) on a
stratified sample of the rows, the best ``1/eta`` go on to ``eta`` times the rows, and so on up to
every row. The current settings go on to every round besides the best third of the drawn ones, so
every candidate is measured against them on the same rows and folds. The first cross-validation (the current settings on the first round's
rows) times the search: only as many drawn settings as can go through every round, and the final
check, within the budget are kept. Before each later cross-validation its time is estimated again;
when the budget would be overspent, the search stops.

The choice is guarded against noise and against the winner's curse (the best of many noisy
scores is biased upwards): only a round on every row may replace the current settings, and then
only if the round's winner also beats them in a final check, the two cross-validated on fresh
folds of every row (another split than the search used), by a mean gain, paired fold by fold, of
more than :data:`classifier.defaults.TUNE_MIN_GAIN_SE` standard errors of that gain
(:func:`decide`). When the budget has no room for the check, the same rule is applied to the
final round's folds. The chosen settings are trained on every row and saved, with the table of
every trial in the model's card (``tuning``). Only the training table is used: a test table is for
reporting the result afterwards (``evaluate``, ``compare``), never for choosing.
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


def search_space(texts: list[str] | None = None, fixed: set[str] | None = None) -> dict:
    """The values each searched setting is drawn from: :data:`classifier.defaults.TUNE_SPACE` without the
    names in ``fixed``, and without ``char_ngrams`` when the median of ``texts`` is above
    ``defaults.SHORT_TEXT_WORDS`` words (long documents: character n-grams are off by default there, cost
    several times the time, and did not raise held-out scores)."""
    space = {name: values for name, values in defaults.TUNE_SPACE.items() if name not in (fixed or ())}
    if texts:
        step = max(1, len(texts) // 5000)
        if float(np.median([len(t.split()) for t in texts[::step]])) > defaults.SHORT_TEXT_WORDS:
            space.pop("char_ngrams", None)
    return space


def decide(best: list[float], current: list[float], min_se: float = defaults.TUNE_MIN_GAIN_SE) -> dict:
    """Whether fold scores ``best`` beat ``current`` (the same folds, in order) by more than fold noise.

    Returns ``{"gain", "se", "replace"}``: the mean paired gain, its standard error (the sample standard
    deviation of the differences over the square root of the folds) and whether the gain is above 0 and
    above ``min_se`` standard errors."""
    diff = np.asarray(best, dtype=float) - np.asarray(current, dtype=float)
    gain = float(diff.mean()) if len(diff) else 0.0
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {"gain": round(gain, 6), "se": round(se, 6), "replace": bool(gain > 0 and gain > min_se * se)}


def candidates(base: Settings, fixed: set[str], count: int, seed: int, space: dict | None = None) -> list[Settings]:
    """``base`` and up to ``count`` distinct settings drawn from ``space`` (default: :func:`search_space`;
    names in ``fixed`` keep ``base``'s value)."""
    rng = np.random.default_rng(seed)
    space = {name: values for name, values in (search_space() if space is None else space).items()
             if name not in fixed}
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
    searched; ``candidate_count`` settings are drawn (default ``defaults.TUNE_CANDIDATES``). Returns
    ``(model, search)``: ``search`` is ``{"data", "task", "rows", "folds", "seed", "metric",
    "budget_seconds", "elapsed_seconds", "stopped", "rounds", "trials", "winner", "check", "best",
    "current"}``; each trial ``{"round", "rows", "candidate", "settings", "mean", "std", "folds",
    "seconds"}`` (``settings``: those that differ from the defaults; ``folds``: each fold's score; the
    final check's two trials are numbered one round after the last), ``winner`` and ``current`` the
    best and the current settings' trial in the last round reached, ``check`` the final comparison
    (``{"on", "gain", "se", "replace"}``, ``None`` when the current settings won outright), ``best``
    the chosen trial (the winner only if ``check["replace"]``), ``stopped`` ``"finished"`` or
    ``"budget"``.
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
    tried = candidates(base, set(fixed or ()), candidate_count, seed, search_space(labelled.texts, set(fixed or ())))
    n = len(labelled.texts)
    sizes = rung_rows(n, len(tried), defaults.TUNE_ETA, defaults.TUNE_MIN_ROWS)
    y = targets(labelled, range(n))
    trials: list[dict] = []
    alive = list(range(len(tried)))
    stopped = "finished"
    rate = None  # seconds per row of one cross-validation
    total = sum(max(1, len(tried) // defaults.TUNE_ETA ** k) for k in range(len(sizes)))

    def run(number: int, candidate: int, splits, rows: int) -> dict:
        began = time.monotonic()
        results = fold_scores(labelled, tried[candidate], splits, seed=seed)
        took = time.monotonic() - began
        summary = summarise(results)["metrics"][metric]
        nonlocal rate
        rate = took / rows if rate is None else max(rate, 0.5 * rate + 0.5 * took / rows)
        trial = {"round": number, "rows": rows, "candidate": candidate, "settings": tried[candidate].changed(),
                 "mean": summary["mean"], "std": summary["std"],
                 "folds": [round(float(r[metric]), 6) for r in results], "seconds": round(took, 2)}
        trials.append(trial)
        return trial

    def overspends(cvs: float, rows: int) -> bool:
        """Whether ``cvs`` cross-validations on ``rows`` rows and the final training would overspend the budget."""
        return time.monotonic() - start + cvs * rate * rows + rate * n / (folds - 1) > seconds

    for number, rows in enumerate(sizes):
        sample = np.arange(n) if rows >= n else _sample(y, rows, seed + number)
        splits = [(sample[train], sample[held]) for train, held in stratified_folds(y[sample], folds, seed)]
        scored = []
        for candidate in alive:
            if rate is not None and overspends(1 + 1 / (folds - 1), len(sample)):
                stopped = "budget"
                break
            progress(f"Round {number + 1} of {len(sizes)}: cross-validating settings on {len(sample):,} rows",
                     len(trials), total)
            trial = run(number + 1, candidate, splits, len(sample))
            scored.append((trial["mean"], candidate))
            if len(trials) == 1:  # the current settings, first: now the time a search takes can be planned
                alive[:] = alive[:1 + _affordable(len(tried) - 1, sizes, rate, seconds - (time.monotonic() - start),
                                                  rate * n / (folds - 1))]
                total = sum(1 + math.ceil((len(alive) - 1) / defaults.TUNE_ETA ** k) for k in range(len(sizes))) + 2
        if stopped == "budget":
            if len(trials) < 2:
                _too_small(budget, labelled.source, trials, len(tried), len(sizes))
            if not scored:
                number -= 1
            break
        # the current settings go on anyway; the best third of the drawn ones go on with them (as planned)
        ranked = [c for _, c in sorted(scored, key=lambda s: (-s[0], s[1])) if c != 0]
        alive = [0] + ranked[:max(1, math.ceil(len(ranked) / defaults.TUNE_ETA))]
    last = [t for t in trials if t["round"] == number + 1]
    current = next(t for t in last if t["candidate"] == 0)
    winner = max(last, key=lambda t: (t["mean"], t["candidate"] == 0))
    check = None
    if last[0]["rows"] < n:
        # a winner picked on a sample of the rows did worse on test than the current settings in trials
        # (bbc_news, india_police_events): only a round on every row may replace the current settings
        check = {"on": "none: the search did not reach every row", "gain": None, "se": None, "replace": False}
    elif winner["candidate"] != 0:
        check = {"on": "the final round's folds", **decide(winner["folds"], current["folds"])}
        check_cost = 1.2 * (current["seconds"] + winner["seconds"])  # both were just timed on every row
        if time.monotonic() - start + check_cost + rate * n / (folds - 1) <= seconds:
            # fresh folds of every row: the winner's score there is not the maximum of many noisy scores
            fresh = stratified_folds(y, folds, seed + 1)
            progress("Checking the winner against the current settings on fresh folds", len(trials), total)
            checked = [run(number + 2, c, fresh, n) for c in (0, winner["candidate"])]
            check = {"on": "fresh folds", **decide(checked[1]["folds"], checked[0]["folds"])}
    best = winner if check is None or check["replace"] else current
    progress("Training the chosen settings on every row")
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
        "winner": {**winner, "settings": tried[winner["candidate"]].to_dict()},
        "check": check,
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
    current ones), leaving time for the final check (the current settings and the winner on fresh folds of
    every row) and ``final_fit`` seconds to train the winner; at least 1."""
    for fitted in range(count, 0, -1):
        cost = sum((1 + math.ceil(fitted / defaults.TUNE_ETA ** k)) * rows for k, rows in enumerate(sizes))
        if _MARGIN * rate * (cost - sizes[0]) + (1 + _MARGIN) * rate * sizes[-1] + final_fit <= left:
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
