"""What a user would write with the sklearn-tuned pipeline, for the whole-process comparison.

    python -m benchmarks.sklearn_script train TRAIN MODEL [LABEL_COLUMN]
    python -m benchmarks.sklearn_script predict MODEL INPUT OUTPUT

``LABEL_COLUMN`` defaults to ``label``; a column named ``labels`` holds multi-label cells joined by ``|``
(one-vs-rest SVMs, the predicted labels joined the same way).
"""

from __future__ import annotations

import sys

import joblib
import pandas as pd


def main(argv: list[str]) -> None:
    if argv[0] == "train":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        column = argv[3] if len(argv) > 3 else "label"
        df = pd.read_csv(argv[1], keep_default_na=False)
        vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        if column == "labels":
            binarizer = MultiLabelBinarizer()
            y = binarizer.fit_transform([[p for p in cell.split("|") if p] for cell in df[column]])
            pipeline = make_pipeline(vectoriser, OneVsRestClassifier(LinearSVC(C=0.5)))
            pipeline.fit(df["text"], y)
            joblib.dump({"pipeline": pipeline, "labels": list(binarizer.classes_)}, argv[2])
        else:
            pipeline = make_pipeline(vectoriser, LinearSVC(C=0.5))
            pipeline.fit(df["text"], df[column])
            joblib.dump({"pipeline": pipeline, "labels": None}, argv[2])
    else:
        saved = joblib.load(argv[1])
        df = pd.read_csv(argv[2], keep_default_na=False, dtype=str)
        predicted = saved["pipeline"].predict(df["text"])
        if saved["labels"] is not None:
            predicted = ["|".join(label for label, on in zip(saved["labels"], row) if on) for row in predicted]
        df["predicted_label"] = predicted
        df.to_csv(argv[3], index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
