"""Whether a labelled table fits a model's label layout.

Evaluating a model on a table labelled for another model (other label names,
or multi-label cells given to a single-label model) would produce a page of
zero scores that looks like a bad model. It is an error instead, naming both
layouts. (A model file whose own parts disagree is refused when it is loaded:
see :func:`classifier.bundle.check_layout`.)
"""

from __future__ import annotations

from . import defaults
from .bundle import Model
from .errors import LabelError


def _shown(labels, most: int = 6) -> str:
    labels = sorted(labels)
    shown = ", ".join(map(repr, labels[:most]))
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def check_table_labels(model: Model, gold: list, column: str, source: str) -> None:
    """Raise :class:`LabelError` if the labels ``gold`` (read from ``column``) cannot be scored by ``model``.

    ``gold`` holds one label per row for a single-label model, one tuple of
    labels per row for a multi-label one. Some unknown labels are fine (they
    are reported with the metrics); none known at all, or multi-label cells for
    a single-label model, is an error.
    """
    known = set(model.labels)
    sep = model.card.get("label_sep", defaults.LABEL_SEP)
    if model.multi_label:
        found = {label for row in gold for label in row}
    else:
        found = set(gold)
        joined = sorted(cell for cell in found if cell not in known and sep in cell
                        and any(part.strip() in known for part in cell.split(sep)))
        if joined:
            raise LabelError(f"The model is single-label, but column {column!r} of {source} has cells that join "
                             f"several labels with {sep!r} (such as {joined[0]!r}): it was labelled for a "
                             "multi-label model.",
                             "Evaluate a multi-label model on it, or pass --label-col with a column of single labels.")
    if found and not found & known:
        raise LabelError(f"None of the labels in column {column!r} of {source} ({_shown(found)}) is a label of the "
                         f"model ({_shown(known)}): the model was trained with a different label layout.",
                         "Evaluate the model trained for these labels, or pass --label-col with the column that "
                         "holds this model's labels.")
