"""Every default value of the project, in one place.

The CLI, the library and the documentation read their defaults from here, so
changing a value here changes it everywhere.
"""

from __future__ import annotations

from pathlib import Path

DATASET_NAME = "security_policy_news.csv"
"""File name of the embedded labelled dataset (in the top-level ``data/``)."""

MODEL_PATH = Path("models") / "model.joblib"
"""Where ``train`` writes and the other commands read a model, relative to the working folder."""

TEXT_COL = "text"
LABEL_COLS = ("label", "labels")
"""Label column candidates, tried in order when ``--label-col`` is not given."""

LABEL_SEP = "|"
TEST_SIZE = 0.2
SEED = 0
REFIT = True
"""After measuring held-out metrics, refit the saved model on every labelled row."""

THRESHOLD_MULTI = 0.5
"""A multi-label model predicts every label whose probability reaches this."""
THRESHOLD_SINGLE = 0.0
"""A single-label model abstains (empty label) when its best probability is below this."""
TOP_K = 1
"""Single-label: how many labels to return per text. Multi-label: no cap unless given."""

CHUNK_SIZE = 10_000
"""Rows read, scored and written at a time in batch prediction."""

ENCODING = "utf-8"

PREDICTED_LABEL = "predicted_label"
PREDICTED_SCORE = "predicted_score"
PROB_PREFIX = "prob_"

TOP_TERMS = 10
"""Terms listed per label by ``info``."""

FEATURES = {
    "ngram_range": (1, 2),
    "sublinear_tf": True,
    "min_df": 2,
    "max_df": 1.0,
    "lowercase": True,
    "strip_accents": None,
    "max_features": None,
}
"""TF-IDF settings. ``min_df`` falls back to 1 on tables smaller than ``SMALL_TABLE``."""

SMALL_TABLE = 200

MODEL = {
    "C": 0.5,
    "calibration_folds": 3,
    "class_weight": None,
}
"""Linear SVM settings; scores are calibrated with out-of-fold Platt scaling."""
