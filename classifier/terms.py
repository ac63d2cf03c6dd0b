"""The terms behind a model's labels, read from its linear weights."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline


def top_terms(pipeline: Pipeline, labels: list[str], n: int = 10) -> dict[str, list[dict]]:
    """For each label, the ``n`` terms whose weights push its score up the most.

    Returns ``{label: [{"term": ..., "weight": ...}, ...]}``, strongest first.
    """
    vocabulary = pipeline.named_steps["features"].get_feature_names_out()
    coef = np.asarray(pipeline.named_steps["model"].coef_)
    out = {}
    for k, label in enumerate(labels):
        row = coef[k]
        count = min(n, int((row > 0).sum()))
        best = np.argpartition(-row, count - 1)[:count] if count else np.array([], dtype=int)
        best = best[np.argsort(-row[best], kind="stable")]
        out[str(label)] = [{"term": str(vocabulary[i]), "weight": round(float(row[i]), 4)} for i in best]
    return out
