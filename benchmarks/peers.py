"""The systems we compare against, each behind the same small interface.

Every system has ``train(texts, labels)``, ``predict(texts) -> labels``,
``save(path)`` and ``load(path)``. Single-label ``labels`` are strings;
multi-label ``labels`` are tuples of strings (possibly empty).
"""

from __future__ import annotations

import os
import random
import re
import tempfile

import joblib

import classifier
from classifier import api


class Ours:
    """This project with its default settings, through the public API (what ``classifier train`` does)."""

    name = "classifier (default)"

    def __init__(self):
        self.model = None

    def train_file(self, path):
        self.model = classifier.train(path)

    def predict(self, texts):
        results = classifier.predict(self.model, texts)
        if self.model.multi_label:
            return [tuple(sorted(r["labels"])) for r in results]
        return [r["labels"][0] if r["labels"] else "" for r in results]

    def evaluate_file(self, path) -> dict:
        return api.evaluate(self.model, path)

    def save(self, path):
        classifier.save(self.model, path)

    def load(self, path):
        self.model = classifier.load(path)


class SklearnTuned:
    """``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)`` + ``LinearSVC(C=0.5)``."""

    name = "sklearn-tuned"

    def __init__(self):
        self.pipeline = None
        self.binarizer = None

    def train(self, texts, labels, multi_label: bool):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        if multi_label:
            self.binarizer = MultiLabelBinarizer()
            y = self.binarizer.fit_transform(labels)
            self.pipeline = make_pipeline(vectoriser, OneVsRestClassifier(LinearSVC(C=0.5)))
        else:
            y = labels
            self.pipeline = make_pipeline(vectoriser, LinearSVC(C=0.5))
        self.pipeline.fit(texts, y)

    def predict(self, texts):
        predicted = self.pipeline.predict(texts)
        if self.binarizer is not None:
            return [tuple(row) for row in self.binarizer.inverse_transform(predicted)]
        return list(predicted)

    def save(self, path):
        joblib.dump((self.pipeline, self.binarizer), path)

    def load(self, path):
        self.pipeline, self.binarizer = joblib.load(path)


_FT_TOKEN = re.compile(r"\w+|[^\w\s]")


def fasttext_line(text: str) -> str:
    """Lower-cased word and punctuation tokens separated by spaces (fastText's expected input)."""
    return " ".join(_FT_TOKEN.findall(text.lower()))


class FastText:
    """fastText supervised: ``wordNgrams=2, epoch=25, lr=0.5, dim=50, thread=2`` (``loss='ova'`` multi-label)."""

    name = "fastText"

    def __init__(self, seed: int = 0):
        self.model = None
        self.multi_label = False
        self.seed = seed

    def train(self, texts, labels, multi_label: bool):
        import fasttext

        self.multi_label = multi_label
        lines = []
        for text, label in zip(texts, labels):
            tags = label if multi_label else (label,)
            prefix = " ".join("__label__" + _ft_label(t) for t in tags)
            lines.append(f"{prefix} {fasttext_line(text)}".strip())
        random.Random(self.seed).shuffle(lines)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            name = handle.name
        try:
            self.model = fasttext.train_supervised(
                input=name, wordNgrams=2, epoch=25, lr=0.5, dim=50, thread=2, verbose=0,
                loss="ova" if multi_label else "softmax", seed=self.seed)
        finally:
            os.unlink(name)
        self._labels = {_ft_label(l): l for l in (set(x for row in labels for x in row) if multi_label else set(labels))}

    def predict(self, texts):
        lines = [fasttext_line(t) for t in texts]
        if self.multi_label:
            predicted, _ = self.model.predict(lines, k=-1, threshold=0.5)
            return [tuple(sorted(self._labels[p[len("__label__"):]] for p in row)) for row in predicted]
        predicted, _ = self.model.predict(lines, k=1)
        return [self._labels[row[0][len("__label__"):]] if row else "" for row in predicted]

    def save(self, path):
        self.model.save_model(str(path))

    def load(self, path):
        import fasttext

        self.model = fasttext.load_model(str(path))


def _ft_label(label: str) -> str:
    return re.sub(r"\s+", "_", label)


def fasttext_available() -> bool:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True
