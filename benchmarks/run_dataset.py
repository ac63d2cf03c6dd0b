"""One dataset, every system, in this one process: ``python -m benchmarks.run_dataset FOLDER``.

Prints one JSON object on stdout. Peak memory is the process's resident high
water mark (``VmHWM``), reset before each training run through
``/proc/self/clear_refs`` so each system's figure is its own.
"""

from __future__ import annotations

import gc
from functools import partial
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from . import peers
from .__main__ import _split


def reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read(path: Path):
    df = pd.read_csv(path, keep_default_na=False, dtype=str)
    texts = df["text"].tolist()
    if "labels" in df.columns:
        return texts, [tuple(sorted(x for x in cell.split("|") if x)) for cell in df["labels"]], True
    return texts, df["label"].tolist(), False


def quality(true, predicted, multi_label: bool) -> dict:
    if multi_label:
        binarizer = MultiLabelBinarizer().fit(list(true) + list(predicted))
        t, p = binarizer.transform(true), binarizer.transform(predicted)
        return {"micro_f1": float(f1_score(t, p, average="micro", zero_division=0)),
                "macro_f1": float(f1_score(t, p, average="macro", zero_division=0))}
    labels = sorted(set(true))
    return {"accuracy": float(np.mean(np.array(true) == np.array(predicted))),
            "macro_f1": float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0))}


def throughput(system, texts) -> float:
    """Documents per second predicting ``texts`` (best of a few passes over the test set)."""
    best = float("inf")
    passes = 3 if len(texts) < 5000 else 2
    for _ in range(passes):
        start = time.perf_counter()
        system.predict(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def run(folder: Path) -> dict:
    train_path, test_path = _split(folder, "train"), _split(folder, "test")
    train_texts, train_labels, multi = read(train_path)
    test_texts, test_labels, _ = read(test_path)
    systems = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def train_measured(fit) -> tuple[float, float]:
            """Wall seconds and peak resident MB of ``fit()``."""
            gc.collect()
            reset_peak()
            start = time.perf_counter()
            fit()
            return time.perf_counter() - start, peak_mb()

        ours = peers.Ours()
        train_s, peak = train_measured(partial(ours.train_file, train_path))
        metrics = ours.evaluate_file(test_path)
        systems.append(_measure(ours, "ours.joblib", tmp, train_s, peak, test_texts, multi,
                                {k: metrics[k] for k in ("accuracy", "macro_f1", "micro_f1") if k in metrics}))
        del ours

        peer_systems = [(peers.SklearnTuned(), "sk.joblib")]
        if peers.fasttext_available():
            peer_systems.append((peers.FastText(), "ft.bin"))
        for system, filename in peer_systems:
            train_s, peak = train_measured(partial(system.train, train_texts, train_labels, multi))
            systems.append(_measure(system, filename, tmp, train_s, peak, test_texts, multi,
                                    quality(test_labels, system.predict(test_texts), multi)))

    ours_row = systems[0]
    ratios = {}
    for peer in systems[1:]:
        ratios[peer["name"]] = {
            **{k: ours_row[k] - peer[k] for k in ("accuracy", "macro_f1", "micro_f1") if k in peer and k in ours_row},
            "train_time": ours_row["train_s"] / peer["train_s"],
            "throughput": ours_row["predict_docs_per_s"] / peer["predict_docs_per_s"],
        }
    return {"dataset": folder.name, "task": "multi_label" if multi else "single_label",
            "rows_train": len(train_texts), "rows_test": len(test_texts), "systems": systems, "ratios": ratios}


def _measure(system, filename, tmp, train_s, peak, test_texts, multi, scores) -> dict:
    path = tmp / filename
    system.save(path)
    size = path.stat().st_size / 2**20
    start = time.perf_counter()
    system.load(path)
    load_s = time.perf_counter() - start
    return {"name": system.name, **scores, "train_s": train_s, "peak_train_rss_mb": peak, "model_mb": size,
            "load_s": load_s, "predict_docs_per_s": throughput(system, test_texts)}


if __name__ == "__main__":
    print(json.dumps(run(Path(sys.argv[1]))))
