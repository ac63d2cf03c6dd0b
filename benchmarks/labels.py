"""Training time against the number of labels (issue 16, class 10), on synthetic single-label tables.

    python -m benchmarks.labels [--labels 500 1000 2000] [--rows 10000] [--work DIR]
    python -m benchmarks.labels --tables FILE.csv ... [--rows 3000]

For each label count, builds ``labels_<labels>_<rows>.csv``: every row is 34 words, 30 drawn uniformly
from 20,000 background words (``w0`` ... ``w19999``) and 4 drawn from its label's 5 keywords
(``k<label>_0`` ... ``k<label>_4``), rows assigned to labels uniformly at random (seeded). Then
trains the default model on it (``classifier.train``: held-out slice, calibration, refit, as
``classifier train`` does), one table after another in this process, and prints a Markdown
table of training wall seconds, seconds per label, peak resident memory and held-out accuracy. With
``--tables``, the first ``--rows`` rows of each given table (columns ``text`` and ``label``) are timed
instead (peak memory is then the process's peak so far: run one table per process to compare it).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

BACKGROUND_WORDS = 20_000
WORDS_PER_ROW = 30
KEYWORDS_PER_LABEL = 5
KEYWORDS_PER_ROW = 4


def build_table(path: Path, labels: int, rows: int, seed: int = 0) -> Path:
    """Write the synthetic table of ``rows`` rows and ``labels`` labels to ``path`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, labels, rows)
    words = rng.integers(0, BACKGROUND_WORDS, (rows, WORDS_PER_ROW))
    keys = rng.integers(0, KEYWORDS_PER_LABEL, (rows, KEYWORDS_PER_ROW))
    texts = []
    for i in range(rows):
        tokens = [f"w{w}" for w in words[i]] + [f"k{label[i]}_{k}" for k in keys[i]]
        rng.shuffle(tokens)
        texts.append(" ".join(tokens))
    pd.DataFrame({"text": texts, "label": [f"L{x}" for x in label]}).to_csv(path, index=False)
    return path


def main(argv=None) -> int:
    import classifier

    parser = argparse.ArgumentParser(prog="python -m benchmarks.labels", description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=None, help="folder for the tables (default: a temporary one)")
    parser.add_argument("--tables", type=Path, nargs="*", help="time these tables' first --rows rows instead")
    args = parser.parse_args(argv)
    lines = ["| table | labels | rows | train s | s per label | peak MB | held-out accuracy |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.tables:
            tables = []
            for table in args.tables:
                frame = pd.read_csv(table, keep_default_na=False).iloc[:args.rows]
                frame.to_csv(work / table.name, index=False)
                tables.append((table.name, frame["label"].nunique(), work / table.name))
        else:
            tables = [(f"synthetic_{labels}", labels,
                       build_table(work / f"labels_{labels}_{args.rows}.csv", labels, args.rows))
                      for labels in args.labels]
        for name, labels, path in tables:
            start = time.perf_counter()
            model = classifier.train(path)
            seconds = time.perf_counter() - start
            accuracy = model.card["metrics"].get("accuracy")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            lines.append(f"| {name} | {labels:,} | {args.rows:,} | {seconds:.1f} | {seconds / labels:.3f} | {peak:,.0f} | "
                         f"{'' if accuracy is None else f'{accuracy:.3f}'} |")
            print(lines[-1], flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
