"""What a user would write with fastText, for the whole-process comparison (needs the ``bench`` extra).

    python -m benchmarks.fasttext_script train TRAIN MODEL [LABEL_COLUMN]
    python -m benchmarks.fasttext_script predict MODEL INPUT OUTPUT

Trains as :class:`benchmarks.peers.FastText` does (same tokens and settings); predicts with
``model.predict`` on the whole column (multi-label models, ``labels`` cells joined by ``|``: every label
above 0.5), and writes the table with a ``predicted_label`` column.
"""

from __future__ import annotations

import sys

import pandas as pd


def main(argv: list[str]) -> None:
    from benchmarks.peers import FastText, fasttext_line

    if argv[0] == "train":
        column = argv[3] if len(argv) > 3 else "label"
        df = pd.read_csv(argv[1], keep_default_na=False)
        multi = column == "labels"
        labels = [tuple(p for p in cell.split("|") if p) for cell in df[column]] if multi else df[column].tolist()
        model = FastText()
        model.train(df["text"].tolist(), labels, multi)
        model.save(argv[2])
        if multi:
            open(argv[2] + ".multi", "w").close()  # predict reads every label above 0.5
        return
    import fasttext

    model = fasttext.load_model(argv[1])
    df = pd.read_csv(argv[2], keep_default_na=False, dtype=str)
    lines = [fasttext_line(t) for t in df["text"]]
    from pathlib import Path

    multi = Path(argv[1] + ".multi").exists()
    predicted, _ = model.predict(lines, k=-1 if multi else 1, threshold=0.5 if multi else 0.0)
    df["predicted_label"] = ["|".join(p[len("__label__"):] for p in row) for row in predicted]
    df.to_csv(argv[3], index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
