"""The model card: what a trained model is, how it was made and how well it scored, as one dictionary.

Every training path builds its card here, so the keys are the same whatever trained the model.
"""

from __future__ import annotations

from datetime import datetime, timezone

from classifier.io.paths import display_path
from classifier.version import __version__, library_versions


def model_card(*, task: str, labels: list[str], label_counts: dict, text_col: str, label_col: str, label_sep: str,
               source, rows_read: int, rows_used: int, rows_skipped: dict, sha256: str, params: dict,
               holdout: dict, metrics: dict | None, notes: list[str]) -> dict:
    """The card of a model trained on ``source``; adds the version, creation time and library versions."""
    return {
        "classifier_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "task": task,
        "labels": labels,
        "label_counts": label_counts,
        "text_col": text_col,
        "label_col": label_col,
        "label_sep": label_sep,
        "training_data": {
            "path": display_path(source),
            "rows_read": rows_read,
            "rows_used": rows_used,
            "rows_skipped": rows_skipped,
            "sha256": sha256,
        },
        "params": params,
        "holdout": holdout,
        "metrics": metrics,
        "notes": notes,
        "library_versions": library_versions(),
    }
