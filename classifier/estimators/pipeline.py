"""The model pipeline: the features step and the classifier step, built from the defaults.

The two steps are always named :data:`FEATURES` and :data:`MODEL`; code that needs one of them
asks for it by these names.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from classifier import defaults
from classifier.estimators.features import TextFeatures
from classifier.estimators.svm import CalibratedLinearSVC

FEATURES = "features"
MODEL = "model"

def build_pipeline(n_rows: int, *, features: dict | None = None, model: dict | None = None,
                   seed: int = defaults.SEED) -> Pipeline:
    """A fresh, unfitted pipeline with the default settings, overridden by ``features`` and ``model``."""
    feature_params = {**defaults.FEATURES, **(features or {})}
    if n_rows < defaults.SMALL_TABLE and not (features and "min_df" in features):
        feature_params["min_df"] = 1
    for key in ("word_ngrams", "char_ngrams"):
        if feature_params.get(key) not in (None, "auto"):
            feature_params[key] = tuple(feature_params[key])
    model_params = {**defaults.MODEL, **(model or {})}
    return Pipeline([
        (FEATURES, TextFeatures(**feature_params)),
        (MODEL, CalibratedLinearSVC(random_state=seed, **model_params)),
    ])


def fit_pipeline(pipeline: Pipeline, texts, y) -> Pipeline:
    """Fit ``pipeline`` on ``texts`` and labels ``y`` (1-D labels, or a 0/1 matrix for multi-label)."""
    return pipeline.fit(texts, y)


def pipeline_params(pipeline: Pipeline) -> dict:
    """The settings of a pipeline's two steps, as plain JSON-friendly values."""
    vectoriser = pipeline.named_steps[FEATURES]
    features = vectoriser.get_params()
    if hasattr(vectoriser, "char_ngrams_"):
        features["char_ngrams"] = vectoriser.char_ngrams_
    model = pipeline.named_steps[MODEL].get_params()
    return {
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in features.items()
                     if k in defaults.FEATURES},
        "model": dict(model),
    }
