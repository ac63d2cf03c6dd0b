"""The names of a model pipeline's two steps, the vectoriser and the classifier, shared by every layer that
reaches into a pipeline (without importing the estimators themselves)."""

FEATURES = "features"
MODEL = "model"
