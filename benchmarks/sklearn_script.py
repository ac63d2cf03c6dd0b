"""What a user would write with the sklearn-tuned pipeline, for the whole-process comparison.

    python -m benchmarks.sklearn_script train TRAIN MODEL
    python -m benchmarks.sklearn_script predict MODEL INPUT OUTPUT
"""

from __future__ import annotations

import sys

import joblib
import pandas as pd


def main(argv: list[str]) -> None:
    if argv[0] == "train":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        df = pd.read_csv(argv[1], keep_default_na=False)
        pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2), LinearSVC(C=0.5))
        pipeline.fit(df["text"], df["label"])
        joblib.dump(pipeline, argv[2])
    else:
        pipeline = joblib.load(argv[1])
        df = pd.read_csv(argv[2], keep_default_na=False, dtype=str)
        df["predicted_label"] = pipeline.predict(df["text"])
        df.to_csv(argv[3], index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
