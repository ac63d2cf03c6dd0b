"""The terms behind a model's labels and behind each prediction, read from its linear weights.

The model scores label ``k`` of a text by a margin ``x @ coef_[k] + intercept_[k]``,
where ``x`` holds the text's feature values (TF-IDF weights of its word and
character n-grams) and ``coef_[k]`` one weight per feature; the label's
probability rises with its margin. So each feature the text contains adds
``weight * value`` to the margin: its *contribution*. Positive contributions
push the label up, negative ones push it down, and the contributions plus the
intercept add up to the margin exactly.

:func:`top_terms` lists each label's strongest weights (what ``info`` and the
evaluation report show); :func:`explain` breaks one text's prediction into
contributions (``classifier explain``); :func:`explain_rows` gives each of many
texts a one-line summary of its top terms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from classifier import defaults
from classifier.errors import InputError
from classifier.labels import decide
from classifier.steps import FEATURES, MODEL
from classifier.estimators.scripts import words as text_words
from classifier.unicode_text import without_lone_surrogates
from classifier.validation import check_decision


def _kind(vectoriser) -> str | None:
    """``word`` or ``char`` when all of a vectoriser's features are of one kind, else ``None``."""
    analyzer = getattr(vectoriser, "analyzer", None)
    if analyzer == "word":
        return "word"
    if analyzer in ("char", "char_wb"):
        return "char"
    if hasattr(vectoriser, "word_ngrams") and hasattr(vectoriser, "char_ngrams"):
        if not vectoriser.char_ngrams:
            return "word"
        if not vectoriser.word_ngrams:
            return "char"
    return None


def _kinds(vectoriser, names: np.ndarray) -> np.ndarray:
    """The kind of each of a vectoriser's features: ``word``, ``char``, or ``term`` when it cannot tell.

    Asked of the vectoriser itself when it can say (``get_feature_kinds_out()``),
    else read from its settings when all its features are of one kind, else
    guessed from the names: word n-grams are runs of word characters joined by
    spaces, so a name with a space is a word n-gram, one with an edge marker
    ``<`` or ``>`` (or a single character) is a character n-gram, and one
    shorter or longer than any character n-gram (``char_ngrams``) is a word.
    """
    if hasattr(vectoriser, "get_feature_kinds_out"):
        return np.asarray(vectoriser.get_feature_kinds_out(), dtype=object)
    kind = _kind(vectoriser)
    if kind is not None:
        return np.full(len(names), kind, dtype=object)
    sizes = getattr(vectoriser, "char_ngrams", None)
    out = np.full(len(names), "term", dtype=object)
    for i, name in enumerate(names):
        name = str(name)
        if " " in name.strip():
            out[i] = "word"
        elif "<" in name or ">" in name or len(name) < 2:
            out[i] = "char"
        elif sizes and not sizes[0] <= len(name) <= sizes[1]:
            out[i] = "word"
    return out


def feature_terms(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's term and kind (``word``, ``char`` or ``term``), in the feature order of ``coef_``.

    A plain vectoriser's feature names are its terms. For a union of
    vectorisers (scikit-learn ``FeatureUnion``, whose names are
    ``"<part>__<term>"``) the terms are read from each part, so that word and
    character n-grams are told apart and keep their own spelling.
    """
    features = pipeline.named_steps[FEATURES]
    names = np.asarray(features.get_feature_names_out(), dtype=object)
    parts = getattr(features, "transformer_list", None)
    if not parts:
        return names, _kinds(features, names)
    terms, kinds = [], []
    for _, part in parts:
        if part in ("drop", None):
            continue
        part_names = np.asarray(part.get_feature_names_out(), dtype=object)
        terms.append(part_names)
        kinds.append(_kinds(part, part_names))
    if not terms or sum(map(len, terms)) != len(names):
        return names, np.full(len(names), "term", dtype=object)
    return np.concatenate(terms), np.concatenate(kinds)


def display_term(term: str, kind: str, in_words: Sequence[str] = ()) -> str:
    """A term as shown to people: character n-grams (which may start or end with a space) in quotes,
    followed by the words of the text they come from when known: ``"rror" (terrorism)``."""
    if kind == "char" or term != term.strip():
        shown = '"' + term + '"'
        return f"{shown} ({', '.join(in_words)})" if in_words else shown
    return term


def top_terms(pipeline: Pipeline, labels: Sequence[str], n: int = defaults.TOP_TERMS) -> dict[str, list[dict]]:
    """For each label, the ``n`` terms whose weights push its score up the most.

    Returns ``{label: [{"term", "kind", "weight"}, ...]}``, strongest first;
    only terms with a positive weight are listed.
    """
    terms, kinds = feature_terms(pipeline)
    coef = _coef(pipeline)
    out = {}
    for k, label in enumerate(labels):
        row = coef[k]
        best = _strongest(row, n)
        out[str(label)] = [{"term": str(terms[i]), "kind": str(kinds[i]), "weight": round(float(row[i]), 4)}
                           for i in best]
    return out


def _coef(pipeline: Pipeline) -> np.ndarray:
    coef = pipeline.named_steps[MODEL].coef_
    return coef.toarray() if sp.issparse(coef) else np.asarray(coef)


def _strongest(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the (at most ``n``) largest positive ``values``, largest first, ties in index order."""
    count = min(n, int((values > 0).sum()))
    if count <= 0:
        return np.array([], dtype=int)
    best = np.argpartition(-values, count - 1)[:count]
    return best[np.lexsort((best, -values[best]))]



class Explainer:
    """Explains a model's predictions; build one per model and reuse it (it caches the feature terms)."""

    def __init__(self, model):
        self.model = model
        self.pipeline = model.pipeline
        self.coef = _coef(self.pipeline)
        self.intercept = np.asarray(self.pipeline.named_steps[MODEL].intercept_, dtype=float).ravel()
        self._terms = None

    @property
    def terms(self) -> tuple[np.ndarray, np.ndarray]:
        if self._terms is None:
            self._terms = feature_terms(self.pipeline)
        return self._terms

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The texts' feature values, one sparse row per text."""
        return sp.csr_matrix(self.pipeline.named_steps[FEATURES].transform(list(texts)))

    def contributions(self, row: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For one text's feature row and label index ``k``: (feature indices, values, contributions)."""
        index = row.indices
        values = row.data.astype(float)
        return index, values, values * self.coef[k, index].astype(float)

    def explain(self, text: str, *, top: int = defaults.EXPLAIN_TERMS, labels: Sequence[str] | None = None,
                top_k: int | None = None, threshold: float | None = None) -> dict:
        """Why the model gives ``text`` its labels: see :func:`explain`."""
        if text is None or not str(text).strip():
            raise InputError("The text to explain is empty.", "Give a text with some words in it.")
        if top < 1:
            raise InputError(f"`top` must be 1 or more, not {top}.", "Use a value such as 8.")
        check_decision(top_k, threshold)
        text = without_lone_surrogates(str(text))
        model = self.model
        known = model.labels
        probs = model.predict_proba([text])[0]
        chosen, _ = decide(probs[None, :], known, model.multi_label, top_k=top_k,
                           threshold=model.threshold_for(threshold))
        predicted = set(chosen[0])
        if labels:
            unknown = [l for l in labels if l not in known]
            if unknown:
                raise InputError(f"The model has no label {', '.join(map(repr, unknown))}.",
                                 f"Choose from: {', '.join(known)}.")
            wanted = list(dict.fromkeys(labels))
        else:
            wanted = chosen[0] or [known[int(np.argmax(probs))]]
        row = self.features([text])
        step = self.pipeline.named_steps[FEATURES]
        words = list(dict.fromkeys(text_words(text, True, bool(getattr(step, "strip_arabic_marks", False)),
                                              bool(getattr(step, "fold_arabic_letters", False)))))
        margins = self._margins(row)
        terms, kinds = self.terms
        explained = []
        for label in wanted:
            k = known.index(label)
            index, values, contrib = self.contributions(row, k)

            def entry(j):
                found = {"term": str(terms[index[j]]), "kind": str(kinds[index[j]]),
                         "contribution": float(contrib[j]), "weight": float(self.coef[k, index[j]]),
                         "value": float(values[j])}
                if found["kind"] == "char":
                    found["in_words"] = [w for w in words if found["term"] in f"<{w}>"]
                return found

            explained.append({
                "label": label,
                "score": float(probs[k]),
                "predicted": label in predicted,
                "margin": float(margins[k]),
                "intercept": float(self.intercept[k]),
                "terms_total": float(contrib.sum()),
                "up": [entry(j) for j in _strongest(contrib, top)],
                "down": [entry(j) for j in _strongest(-contrib, top)],
            })
        return {"text": text, "task": "multi_label" if model.multi_label else "single_label",
                "terms_in_text": int(row.nnz), "labels": explained}

    def _margins(self, row: sp.csr_matrix) -> np.ndarray:
        return np.asarray(row @ self.coef.T, dtype=float).ravel() + self.intercept

    def rows(self, texts: Sequence[str], *, n: int = defaults.EXPLAIN_ROW_TERMS, probs: np.ndarray | None = None,
             top_k: int | None = None, threshold: float | None = None) -> list[str]:
        """One short string per text: see :func:`explain_rows`."""
        check_decision(top_k, threshold)
        texts = [("" if t is None else str(t)) for t in texts]
        out = [""] * len(texts)
        keep = [i for i, t in enumerate(texts) if t.strip()]
        if not keep:
            return out
        if probs is None:
            probs = self.model.predict_proba([texts[i] for i in keep])
        else:
            probs = np.asarray(probs)[keep]
        chosen, _ = decide(probs, self.model.labels, self.model.multi_label, top_k=top_k,
                           threshold=self.model.threshold_for(threshold))
        matrix = self.features([texts[i] for i in keep])
        terms, kinds = self.terms
        index_of = {label: k for k, label in enumerate(self.model.labels)}
        for r, (i, labels) in enumerate(zip(keep, chosen)):
            if self.model.multi_label:
                labels = sorted(labels, key=index_of.__getitem__)
            row = matrix[r]
            parts = []
            for label in labels:
                index, _, contrib = self.contributions(row, index_of[label])
                shown = ", ".join(f"{display_term(str(terms[index[j]]), str(kinds[index[j]]))} {contrib[j]:+.2f}"
                                  for j in _strongest(contrib, n))
                parts.append(f"{label}: {shown}" if len(labels) > 1 else shown)
            out[i] = "; ".join(parts)
        return out


def explain(model, text: str, *, top: int = defaults.EXPLAIN_TERMS, labels: Sequence[str] | None = None,
            top_k: int | None = None, threshold: float | None = None) -> dict:
    """Why ``model`` gives ``text`` its labels: the terms that push each label up and down.

    Explains the labels the model predicts (as :func:`classifier.predict`
    would, with ``top_k`` and ``threshold``), or the most probable label when
    it predicts none, or the given ``labels``. Returns::

        {"text", "task", "terms_in_text",
         "labels": [{"label", "score", "predicted", "margin", "intercept", "terms_total",
                     "up": [{"term", "kind", "contribution", "weight", "value"}, ...],
                     "down": [...]}]}

    ``up`` holds the ``top`` largest positive contributions (weight times the
    term's feature value in this text), largest first; ``down`` the ``top``
    most negative ones. ``terms_total`` (the sum of every term's contribution)
    plus ``intercept`` is the label's ``margin``; ``score`` is its calibrated
    probability, which rises with the margin.
    """
    return Explainer(model).explain(text, top=top, labels=labels, top_k=top_k, threshold=threshold)


def explain_rows(model, texts: Sequence[str], *, n: int = defaults.EXPLAIN_ROW_TERMS,
                 probs: np.ndarray | None = None, top_k: int | None = None,
                 threshold: float | None = None) -> list[str]:
    """Each text's top terms as a short string, for a column beside its predicted labels.

    For every label predicted for a text (as :func:`classifier.predict` would
    decide with ``top_k`` and ``threshold``), the ``n`` terms that push it up
    the most with their contributions, e.g. ``"police +0.41, raid +0.22"``;
    with several labels, ``"crime: police +0.41, raid +0.22; war: army +0.30"``
    (multi-label: in the model's label order, as in a ``predicted_label`` cell;
    single-label with ``top_k``: most probable first).
    An empty text, or a row with no predicted label, gives ``""``. Pass
    ``probs`` (the model's probabilities for ``texts``) to avoid computing
    them again. For many batches, build one :class:`Explainer` and call its
    ``rows`` method.
    """
    return Explainer(model).rows(texts, n=n, probs=probs, top_k=top_k, threshold=threshold)
