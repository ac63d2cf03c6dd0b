"""The saved model: one fitted pipeline plus its model card, in one file.

A bundle file is a joblib file holding a small dictionary::

    {"format": "classifier-model", "format_version": 1,
     "card": {...}, "payload_sha256": "...", "payload": b"<pickled pipeline>"}

The card (labels, task, parameters, training data fingerprint, held-out
metrics, library versions, creation time) can be read without unpickling the
pipeline, and the payload's SHA-256 detects truncated or altered files.

Loading a joblib file runs pickle, which can execute code: only load model
files from sources you trust.
"""

from __future__ import annotations

import hashlib
import pickle
import platform
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

from .errors import ModelError
from .files import atomic_write, check_readable

FORMAT = "classifier-model"
FORMAT_VERSION = 1


class VersionWarning(UserWarning):
    """A model was saved under different library versions than the running ones."""


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a saved model depends on."""
    import pandas
    import scipy
    import sklearn

    from . import __version__

    return {
        "classifier": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "joblib": joblib.__version__,
    }


@dataclass
class Model:
    """A fitted pipeline (vectoriser and classifier) with its model card."""

    pipeline: Pipeline
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


def save(model: Model, path: str | Path) -> Path:
    """Write ``model`` to ``path`` atomically: the file is replaced only once completely written."""
    path = Path(path)
    payload = pickle.dumps(model.pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    bundle = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "card": model.card,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload": payload,
    }
    with atomic_write(path) as handle:
        joblib.dump(bundle, handle, compress=("zlib", 3))
    return path


def read_bundle(path: str | Path) -> dict:
    """Read and check a bundle file without unpickling its pipeline."""
    path = Path(path)
    hint = "Train a model with `classifier train`, or pass --model with the path of one."
    if not path.exists():
        raise ModelError(f"No model file at {path}.", hint)
    check_readable(path, "model file")
    try:
        bundle = joblib.load(path)
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError,
            AttributeError, ImportError, OSError, MemoryError) as exc:
        raise ModelError(f"{path} is not a readable model file ({type(exc).__name__}); it may be truncated "
                         "or not a model at all.", hint) from exc
    except Exception as exc:
        raise ModelError(f"{path} is not a readable model file ({type(exc).__name__}).", hint) from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ModelError(f"{path} is not a classifier model file.", hint)
    version = bundle.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(f"{path} was written in model format {version}, newer than this version of classifier "
                         f"reads (format {FORMAT_VERSION}).", "Upgrade classifier, or retrain the model.")
    payload = bundle.get("payload")
    if not isinstance(payload, bytes) or hashlib.sha256(payload).hexdigest() != bundle.get("payload_sha256"):
        raise ModelError(f"{path} is corrupted: its contents do not match their recorded checksum.",
                         "Retrain the model or copy the file again.")
    return bundle


def load(path: str | Path) -> Model:
    """Load a model saved by :func:`save`, warning if library versions differ from the saving ones."""
    bundle = read_bundle(path)
    try:
        pipeline = pickle.loads(bundle["payload"])
    except Exception as exc:
        raise ModelError(f"{path} holds a model that cannot be loaded here ({type(exc).__name__}: {exc}).",
                         "Retrain the model with this version of classifier.") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{path} does not hold a classifier pipeline.", "Retrain the model.")
    card = bundle["card"]
    _warn_versions(card.get("library_versions", {}), path)
    return Model(pipeline=pipeline, card=card)


def _warn_versions(saved: dict, path) -> None:
    current = library_versions()
    differ = [f"{name} {saved[name]} (now {current[name]})" for name in ("scikit-learn", "numpy", "scipy", "classifier")
              if name in saved and saved[name] != current.get(name)]
    if differ:
        warnings.warn(f"{path} was saved with {', '.join(differ)}; predictions may differ. "
                      "Retrain the model to silence this warning.", VersionWarning, stacklevel=3)


def describe_file(path: str | Path) -> dict:
    """The card of a saved model, read without loading its pipeline, plus file facts."""
    path = Path(path)
    bundle = read_bundle(path)
    return {**bundle["card"], "file": {"path": str(path), "bytes": path.stat().st_size,
                                       "format_version": bundle["format_version"],
                                       "payload_sha256": bundle["payload_sha256"]}}


