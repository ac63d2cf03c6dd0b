"""The model: one fitted pipeline (vectoriser and classifier) with its model card."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from classifier.steps import MODEL


@dataclass
class Model:
    """A fitted pipeline (vectoriser and classifier) with its model card."""

    pipeline: object
    card: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(self.card["labels"])

    @property
    def multi_label(self) -> bool:
        return self.card["task"] == "multi_label"

    def predict_proba(self, texts) -> np.ndarray:
        """Calibrated probabilities: one row per text, one column per label (in ``labels`` order)."""
        return self.pipeline.predict_proba(list(texts))

    @property
    def thresholds(self) -> np.ndarray | None:
        """The model's own per-label decision thresholds (multi-label models trained with them), else ``None``."""
        steps = getattr(self.pipeline, "named_steps", {})
        return getattr(steps.get(MODEL), "thresholds_", None) if self.multi_label else None

    def threshold_for(self, threshold: float | None):
        """The threshold a decision uses: ``threshold`` when given, else the model's own (or ``None``: the default)."""
        return threshold if threshold is not None else self.thresholds

    @functools.cached_property
    def explainer(self):
        """The model's :class:`~classifier.explain.Explainer`, built on first use (it indexes every term's weights)."""
        from classifier.explain import Explainer

        return Explainer(self)
