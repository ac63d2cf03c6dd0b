"""The model card: what a trained model is, how it was made and how well it scored.

Every training path builds its card here, as a :class:`ModelCard`, and stores it in the model
as the plain dictionary of :meth:`ModelCard.as_dict`, so the keys are the same whatever trained
the model and the card reads back from JSON (``.skops``) unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from classifier.io.paths import display_path
from classifier.version import __version__, library_versions


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class TrainingData:
    """Where the training rows came from: path, row counts and the file's SHA-256."""

    path: str
    rows_read: int
    rows_used: int
    rows_skipped: dict
    sha256: str


@dataclass(frozen=True)
class ModelCard:
    """Everything a saved model says about itself besides its weights."""

    task: str
    labels: list[str]
    label_counts: dict
    text_col: str
    label_col: str
    label_sep: str
    training_data: TrainingData
    params: dict
    holdout: dict
    metrics: dict | None
    notes: list[str]
    classifier_version: str = __version__
    created: str = field(default_factory=_now)
    library_versions: dict = field(default_factory=library_versions)
    thresholds: dict | None = None
    settings: dict | None = None
    """The model and feature settings it was trained with, as a settings file writes them
    (:meth:`classifier.settings.Settings.to_dict`): ``--config`` takes them back."""

    def as_dict(self) -> dict:
        """The card as the model stores it (keys in reading order)."""
        return {
            "classifier_version": self.classifier_version,
            "created": self.created,
            "task": self.task,
            "labels": list(self.labels),
            "label_counts": self.label_counts,
            "text_col": self.text_col,
            "label_col": self.label_col,
            "label_sep": self.label_sep,
            "training_data": dict(vars(self.training_data)),
            "params": self.params,
            "holdout": self.holdout,
            "metrics": self.metrics,
            "notes": list(self.notes),
            "library_versions": self.library_versions,
            **({"thresholds": dict(self.thresholds)} if self.thresholds is not None else {}),
            **({"settings": dict(self.settings)} if self.settings is not None else {}),
        }


def model_card(*, task: str, labels: list[str], label_counts: dict, text_col: str, label_col: str, label_sep: str,
               source, rows_read: int, rows_used: int, rows_skipped: dict, sha256: str, params: dict,
               holdout: dict, metrics: dict | None, notes: list[str], thresholds: dict | None = None,
               settings: dict | None = None) -> dict:
    """The card (as stored) of a model trained on ``source``, with the version, time and library versions."""
    data = TrainingData(path=display_path(source), rows_read=rows_read, rows_used=rows_used,
                        rows_skipped=rows_skipped, sha256=sha256)
    return ModelCard(task=task, labels=labels, label_counts=label_counts, text_col=text_col, label_col=label_col,
                     label_sep=label_sep, training_data=data, params=params, holdout=holdout, metrics=metrics,
                     notes=notes, thresholds=thresholds, settings=settings).as_dict()
