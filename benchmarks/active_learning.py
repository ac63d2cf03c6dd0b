"""Does ``classifier suggest`` pick better texts to label than chance? A simulated labelling loop.

    python -m benchmarks.active_learning --data-dir ../shared/data [--seeds 3] [--plot docs/active_learning.png]

For a single-label set (BBC News: the 1,780-row train split is the pool, its 445-row test split
the test) and a multi-label set (India police events: the 1,005-row train split is the pool, its
252-row test split the test), each seed starts from the same 100 random pool rows and adds 100 rows a round for 10 rounds (the multi-label pool runs out
at 1,005), retraining each time and scoring on the test rows:

- ``random``: the next rows are drawn uniformly from the unlabelled pool;
- ``active``: ``suggest`` as shipped: 20% of each batch at random, the rest the most uncertain
  rows, near-duplicates passed over (:func:`classifier.insight.suggest.select`);
- ``active-pure``: the same with no random share;
- ``active-thresholds`` (multi-label only): ``active`` but ranking each row by its label nearest the
  model's per-label threshold, as ``suggest`` did before it ranked against probability 0.5.

Scores: accuracy (single-label), micro-F1 (multi-label). To fit 2 shared cores the models use the
default settings without character n-grams (word 1-2-grams only), so absolute scores sit a little
below the defaults'; the comparison between strategies is what this measures. Prints a Markdown
table per set, whether active selection reaches random selection's final score with at most 60%
of its labels, and draws the learning curves (mean over seeds, band: one standard deviation).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.estimators.pipeline import build_pipeline
from classifier.insight.suggest import ranking, select, uncertainty
from classifier.labels import parse_multi
from classifier.metrics import score
from classifier.model import Model

START = 100
STEP = 100
ROUNDS = 10
SHARE = 0.6
"""Active selection should reach random selection's final score with at most this share of its labels."""
FEATURES = {"char_ngrams": None}
STRATEGIES = {"random": None, "active": 0.2, "active-pure": 0.0, "active-thresholds": 0.2}
"""Strategy: the random share of each batch (``None``: the whole batch at random)."""
THRESHOLD_RANKED = {"active-thresholds"}
"""Strategies that rank multi-label rows against the model's per-label thresholds (``suggest`` before it ranked
against probability 0.5); single-label sets skip them (no thresholds: the same as ``active``)."""


def load_sets(data_dir: Path) -> dict:
    """The two simulated sets: pool texts and labels (a train split), test texts and labels (its test split), task.

    Shared test splits are never training data: the pool, from which every labelled row comes, is the
    train split; the test split only scores the models."""
    sets = {}
    bbc = data_dir / "bbc_news"
    train = pd.read_csv(bbc / "train.csv", keep_default_na=False)
    test = pd.read_csv(bbc / "test.csv", keep_default_na=False)
    sets["bbc_news"] = {"multi": False, "metric": "accuracy",
                        "pool": (train["text"].tolist(), train["label"].tolist()),
                        "test": (test["text"].tolist(), test["label"].tolist())}
    india = data_dir / "india_police_events"
    train = pd.read_csv(india / "train.csv", keep_default_na=False)
    test = pd.read_csv(india / "test.csv", keep_default_na=False)
    sets["india_police_events"] = {"multi": True, "metric": "micro_f1",
                                   "pool": (train["text"].tolist(), parse_multi(train["labels"], "|")),
                                   "test": (test["text"].tolist(), parse_multi(test["labels"], "|"))}
    return sets


def fit(texts, labels, multi: bool, classes: list[str], seed: int) -> Model:
    """The default pipeline (without character n-grams) fitted on the labelled rows."""
    model = {"classes": classes} if multi else None
    pipeline = build_pipeline(features=FEATURES, model=model, seed=seed)
    if multi:
        y = np.array([[label in row for label in classes] for row in labels], dtype=int)
    else:
        y = np.array(labels, dtype=object)
    pipeline.fit(list(texts), y)
    found = [str(c) for c in pipeline.named_steps["model"].classes_]
    return Model(pipeline, {"labels": found, "task": "multi_label" if multi else "single_label"})


def run(data: dict, strategy: str, seed: int) -> list[dict]:
    """One learning curve: the score after each round."""
    texts, labels = data["pool"]
    multi = data["multi"]
    classes = sorted({l for row in labels for l in row}) if multi else sorted(set(labels))
    rng = np.random.default_rng(seed)
    labelled = list(rng.permutation(len(texts))[:START])
    curve = []
    while True:
        model = fit([texts[i] for i in labelled], [labels[i] for i in labelled], multi, classes, seed)
        test_texts, test_labels = data["test"]
        result = score(model, test_texts, test_labels, multi)
        curve.append({"labels": len(labelled), "score": result[data["metric"]], "macro_f1": result["macro_f1"]})
        rest = np.setdiff1d(np.arange(len(texts)), labelled)
        if len(curve) > ROUNDS or len(rest) == 0:
            return curve
        n = min(STEP, len(rest))
        share = STRATEGIES[strategy]
        if share is None:
            labelled += rng.choice(rest, size=n, replace=False).tolist()
            continue
        probs = model.predict_proba([texts[i] for i in rest])
        scores = uncertainty(probs, multi, model.thresholds) if strategy in THRESHOLD_RANKED else ranking(probs, multi)
        chosen = select([texts[i] for i in rest], scores, n, random_share=share, seed=seed * 1000 + len(curve))
        labelled += rest[chosen.index].tolist()


def summary(name: str, data: dict, curves: dict) -> dict:
    """Mean and standard deviation per round and strategy; where active first reaches random's final score."""
    rows = {}
    for strategy, runs in curves.items():
        scores = np.array([[point["score"] for point in curve] for curve in runs])
        rows[strategy] = {"labels": [p["labels"] for p in runs[0]], "mean": scores.mean(axis=0).tolist(),
                          "std": scores.std(axis=0).tolist()}
    target = rows["random"]["mean"][-1]
    final = rows["random"]["labels"][-1]
    reached = {}
    for strategy in curves:
        if strategy == "random":
            continue
        at = next((n for n, m in zip(rows[strategy]["labels"], rows[strategy]["mean"]) if m >= target - 1e-9), None)
        reached[strategy] = {"labels": at, "share": None if at is None else at / final,
                             "within_target": at is not None and at <= SHARE * final}
    return {"name": name, "metric": data["metric"], "random_final": target, "final_labels": final,
            "curves": rows, "reached": reached}


def table(result: dict) -> str:
    """The learning curves as a Markdown table."""
    names = list(result["curves"])
    lines = [f"{result['name']} ({result['metric']}, mean ± sd over seeds)", "",
             "| labels | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    for i, n in enumerate(result["curves"]["random"]["labels"]):
        cells = [f"{result['curves'][s]['mean'][i]:.3f} ± {result['curves'][s]['std'][i]:.3f}" for s in names]
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    for strategy, found in result["reached"].items():
        where = ("never" if found["labels"] is None
                 else f"at {found['labels']:,} labels ({found['share']:.0%} of {result['final_labels']:,})")
        verdict = "yes" if found["within_target"] else "no"
        lines.append(f"\n{strategy} reaches random's final {result['metric']} {result['random_final']:.3f} {where}: "
                     f"within {SHARE:.0%}? {verdict}")
    return "\n".join(lines)


def plot(results: list[dict], path: Path) -> None:
    """Learning curves, one panel per set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 3.8), dpi=110)
    colours = {"random": "#777777", "active": "#1f77b4", "active-pure": "#ff7f0e", "active-thresholds": "#2ca02c"}
    for ax, result in zip(np.atleast_1d(axes), results):
        for strategy, curve in result["curves"].items():
            x, mean, std = np.array(curve["labels"]), np.array(curve["mean"]), np.array(curve["std"])
            label = {"active": "active (suggest: 20% random)", "active-pure": "active, no random share",
                     "active-thresholds": "active, ranked by label thresholds"}.get(strategy, "random")
            ax.plot(x, mean, marker="o", markersize=3, color=colours[strategy], label=label)
            ax.fill_between(x, mean - std, mean + std, color=colours[strategy], alpha=0.15)
        ax.axhline(result["random_final"], color="#777777", linestyle=":", linewidth=1)
        ax.axvline(SHARE * result["final_labels"], color="#999999", linestyle="--", linewidth=1)
        ax.set_title(result["name"].replace("_", " "))
        ax.set_xlabel("labelled rows")
        ax.set_ylabel(result["metric"].replace("_", "-"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    figure.suptitle("Active vs random selection (dashed: 60% of the final labels; dotted: random's final score)",
                    fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--plot", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "active_learning.png")
    parser.add_argument("--json", type=Path, default=None, help="Also write the curves as JSON here.")
    args = parser.parse_args(argv)
    sets = load_sets(args.data_dir)
    results = []
    for name, data in sets.items():
        curves = {}
        for strategy in STRATEGIES:
            if strategy in THRESHOLD_RANKED and not data["multi"]:
                continue
            curves[strategy] = []
            for seed in range(args.seeds):
                started = time.perf_counter()
                curves[strategy].append(run(data, strategy, seed))
                print(f"{name} {strategy} seed {seed}: {time.perf_counter() - started:.1f}s, final "
                      f"{curves[strategy][-1][-1]['score']:.3f}", file=sys.stderr, flush=True)
        results.append(summary(name, data, curves))
        print(table(results[-1]) + "\n", flush=True)
    plot(results, args.plot)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
