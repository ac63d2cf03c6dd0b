"""Whether a model can be saved where training will put it, checked before the training starts.

A model file is written only once training is over, which may take hours out of core, so
everything that could make that save fail is tried first, in a fraction of a second:

- the destination can be written (:func:`classifier.files.check_writable`);
- for a ``.skops`` path: skops can be imported, and a tiny model of the same family (the
  default pipeline, or the out-of-core pair; single- and multi-label), fitted on a few
  made-up rows, is serialised with :func:`classifier.io.skops_format.dump_pipeline`, which
  refuses any type that loading a ``.skops`` model would not trust.

Both families save as ``.skops`` today, so the last check guards against a change that adds
a type to a pipeline without adding it to ``TRUSTED_TYPES``: such a change fails here, at
once, rather than after a whole training run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline

from classifier import defaults
from classifier.errors import ModelError
from classifier.estimators.hashed import HashedTfidf, IncrementalLinearSVC
from classifier.estimators.pipeline import FEATURES, MODEL, build_pipeline
from classifier.files import check_writable
from classifier.io import skops_format
from classifier.io.model_file import file_format
from classifier.training.out_of_core import use_out_of_core

_TEXTS = ["police arrested three suspects after a raid", "the court charged two men with fraud",
          "army troops shelled the border town", "soldiers and drones on the northern front",
          "the budget raises taxes on exports", "inflation pushed the central bank to lend"]
_LABELS = ["crime", "crime", "war", "war", "money", "money"]


def check_savable(path: str | Path, data: str | Path | None = None, *, out_of_core: bool | None = None,
                  features: dict | None = None, model_params: dict | None = None) -> Path:
    """Raise now if the model that training on ``data`` would give could not be saved to ``path``; return ``path``.

    The arguments are those of :func:`classifier.api.train`: ``data`` and
    ``out_of_core`` pick the family as training will (see
    :func:`~classifier.training.out_of_core.use_out_of_core`), ``features``
    and ``model_params`` set up the in-memory one. Raises
    :class:`~classifier.errors.OutputError` for a destination that cannot be
    written, and :class:`~classifier.errors.ModelError` for a ``.skops`` path
    when skops is missing or the model would hold a type a ``.skops`` file may
    not contain.
    """
    path = check_writable(path)
    if file_format(path) != "skops":
        return path
    try:
        import skops.io  # noqa: F401
    except ImportError as exc:
        raise ModelError(f"Saving a model as .skops needs the skops package, which cannot be imported ({exc}).",
                         "Install it (pip install skops), or save the model as .joblib.") from exc
    for multi_label in (False, True):
        specimen = _specimen(use_out_of_core(data, out_of_core), multi_label, features, model_params)
        if specimen is not None:
            skops_format.dump_pipeline(specimen)
    return path


def _specimen(out_of_core: bool, multi_label: bool, features, model_params) -> Pipeline | None:
    """A tiny fitted pipeline of the family, or ``None`` if these settings cannot fit on so few rows
    (the types are then checked when the model is saved)."""
    classes = np.asarray(sorted(set(_LABELS)), dtype=object)
    target = (np.asarray(_LABELS, dtype=object)[:, None] == classes[None, :]).astype(np.int8)
    if multi_label:
        target[::2, 0] = 1  # some rows with two labels
    y = target if multi_label else np.asarray(_LABELS, dtype=object)
    if out_of_core:
        vectoriser = HashedTfidf(n_features=2**10).fit(_TEXTS)
        weights = vectoriser.transform(_TEXTS)
        svm = IncrementalLinearSVC(multi_label=multi_label, passes=1, random_state=defaults.SEED)
        svm.partial_fit(weights, y, classes=classes)
        svm.calibrate(svm.margins(weights), target)
        return Pipeline([(FEATURES, vectoriser), (MODEL, svm)])
    pipeline = build_pipeline(features=features, model=model_params, seed=defaults.SEED)
    try:
        return pipeline.fit(_TEXTS, y)
    except ValueError:
        return None
