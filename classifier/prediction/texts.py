"""Prediction of texts held in memory: labels and calibrated scores for each text."""

from __future__ import annotations

from collections.abc import Iterable

from classifier.labels import decide
from classifier.model import Model
from classifier.text_limits import cut_texts, text_limit
from classifier.unicode_text import without_lone_surrogates
from classifier.validation import check_decision


def predict_texts(
    model: Model, texts: Iterable[str], *, top_k: int | None = None, threshold: float | None = None,
    explain: bool = False, max_chars: int | None = None,
) -> list[dict]:
    """Labels for each text: ``[{"text", "labels": [...], "scores": [...]}]``, labels most probable first.

    An empty or whitespace-only text gets no labels. With ``explain``, each
    result also has ``"terms"``: the terms behind its labels with their
    contributions (see :func:`classifier.explain.explain_rows`). A text longer than ``max_chars``
    characters (default :data:`classifier.defaults.MAX_TEXT_CHARS`) is scored on its first ``max_chars``,
    and its result has ``"cut": True`` (its ``"text"`` stays whole).
    """
    texts = [without_lone_surrogates("" if t is None else str(t)) for t in texts]
    check_decision(top_k, threshold)
    limit = text_limit(max_chars)
    keep = [i for i, t in enumerate(texts) if t.strip()]
    labels: list = [[] for _ in texts]
    scores: list = [[] for _ in texts]
    terms = [""] * len(texts)
    if keep:
        kept, _ = cut_texts([texts[i] for i in keep], limit)
        probs = model.predict_proba(kept)
        found, values = decide(probs, model.labels, model.multi_label, top_k=top_k,
                               threshold=model.threshold_for(threshold))
        for i, lab, sc in zip(keep, found, values):
            labels[i], scores[i] = lab, sc
        if explain:
            from classifier.explain import explain_rows

            for i, why in zip(keep, explain_rows(model, kept, probs=probs, top_k=top_k, threshold=threshold)):
                terms[i] = why
    results = [{"text": t, "labels": lab, "scores": sc} for t, lab, sc in zip(texts, labels, scores)]
    if explain:
        for result, why in zip(results, terms):
            result["terms"] = why
    for result in results:
        if len(result["text"]) > limit:
            result["cut"] = True
    return results
