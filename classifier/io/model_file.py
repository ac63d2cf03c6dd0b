"""The saved model: one fitted pipeline plus its model card, in one file.

Two file formats hold the same bundle, chosen by the model path's suffix:

- ``.skops`` (:mod:`classifier.skops_format`): loading constructs only the
  types this project writes and never runs code chosen by the file; use it
  for models that come from elsewhere.
- anything else, such as ``.joblib``: a joblib file holding ::

    {"format": "classifier-model", "format_version": 1,
     "card": {...}, "payload_sha256": "...", "payload": b"<pickled pipeline>"}

  plus ``"payload_hmac"``, this user's signature of the payload
  (:mod:`classifier.io.signing`). The outer dictionary is read as plain
  values, without running code; the payload is unpickled (which can execute
  any code it names) only when the signature is this user's, or when the
  caller trusts the file (``trust=True``).

Both record the bundle format version and the SHA-256 of the payload (the
serialised pipeline), so a truncated or altered file is reported as corrupt.
Both also hold, under ``"compact"``, the pipeline's compact scorer when the
pipeline is the default kind (:mod:`classifier.estimators.compact`: its arrays
as an ``.npz``, tagged with the payload's SHA-256); ``load(path, compact=True)``
scores with it, reading a ``.skops`` file without importing skops or
scikit-learn. A file without one, or with one tagged for another payload,
loads its pipeline instead.
The card (labels, task, parameters, training data fingerprint, held-out
metrics, library versions, creation time) is read without loading the
pipeline. A model file is read in one go, so a model replaced while it is
being read (by a concurrent ``classifier train``) is seen whole, old or new.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import stat
import sys
import warnings
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifier import defaults
from classifier.errors import ModelError
from classifier.files import atomic_write, check_readable
from classifier.io import signing, skops_format
from classifier.labels import unsafe_label
from classifier.steps import MODEL
from classifier.model import Model
from classifier.version import __version__

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FORMAT = "classifier-model"
FORMAT_VERSION = 1
SKOPS_SUFFIX = ".skops"
TASKS = ("single_label", "multi_label")


class VersionWarning(UserWarning):
    """A model was saved under different library versions than the running ones."""




def file_format(path: str | Path) -> str:
    """``"skops"`` for a ``.skops`` model path, else ``"joblib"``."""
    return "skops" if Path(path).suffix.lower() == SKOPS_SUFFIX else "joblib"


def save(model: Model, path: str | Path) -> Path:
    """Write ``model`` to ``path`` atomically: the file is replaced only once completely written.

    A ``.skops`` path gets the skops format, any other the joblib format.
    """
    from classifier.estimators.compact import compact_arrays, to_bytes

    path = Path(path)
    skops = file_format(path) == "skops"
    if skops:
        payload = skops_format.dump_pipeline(model.pipeline)
    else:
        payload = pickle.dumps(model.pipeline, protocol=pickle.HIGHEST_PROTOCOL)
    header = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "payload_sha256": hashlib.sha256(payload).hexdigest()}
    arrays = compact_arrays(model.pipeline, header["payload_sha256"])
    extra = {} if arrays is None else {"compact": to_bytes(arrays)}
    data = skops_format.dump_outer(header, model.card, payload, extra) if skops else None
    with atomic_write(path) as handle:
        if skops:
            handle.write(data)
        else:
            import joblib

            joblib.dump({**header, "payload_hmac": signing.sign(payload), "card": model.card, "payload": payload,
                         **extra}, handle, compress=("zlib", 3))
    return path


def _read_file(path: Path) -> bytes:
    """The bytes of the model file ``path``: a regular file (or a link to one) of at most
    :data:`~classifier.defaults.MAX_MODEL_BYTES`, read once."""
    if not path.exists():
        raise ModelError(f"No model file at {path}.", _missing_hint(path))
    check_readable(path, "model file")
    limit = defaults.MAX_MODEL_BYTES
    try:
        _check_regular(path, os.stat(path), limit)
        with open(path, "rb") as handle:
            _check_regular(path, os.fstat(handle.fileno()), limit)
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ModelError(f"Cannot read {path}: {exc.strerror}.", "Check the file and try again.") from exc
    if len(data) > limit:
        raise ModelError(f"{path} grew past {limit:,} bytes while it was read.", "Pass `model` with the path of a "
                         "model file that is not being written.")
    return data


def _check_regular(path: Path, info: os.stat_result, limit: int) -> None:
    """Refuse before reading (a FIFO would block, a device might never end) what cannot be a model file."""
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"{path} is not a regular file (it is a device, FIFO or socket), so it cannot be a model "
                         "file.", "Pass `model` with the path of a model file.")
    if info.st_size > limit:
        raise ModelError(f"{path} is {info.st_size:,} bytes, larger than any model file this tool reads "
                         f"({limit:,} bytes).", "Pass `model` with the path of a model file.")


def _missing_hint(path: Path) -> str:
    legacy = defaults.LEGACY_MODEL_PATH
    if path == defaults.MODEL_PATH and legacy.is_file():
        return (f"Models are now saved as {defaults.MODEL_PATH} by default; {legacy} is an older joblib model (a "
                f"pickle, which can run code when loaded). If you trust it, convert it once with "
                f"`classifier convert {legacy} {defaults.MODEL_PATH} --trust`; otherwise retrain with "
                "`classifier train`.")
    return "Train a model with `classifier train`, or pass `model` with the path of one."


def _parse(data: bytes, path: Path, *, plain: bool = False) -> dict | None:
    """The checked bundle in ``data``: format, version, checksum, card, payload, file format and compact scorer
    (bytes, or ``None``). With ``plain``, a skops file is read without skops, and ``None`` is returned when it
    cannot be (see :func:`~classifier.io.skops_format.read_plain_outer`)."""
    hint = "Train a model with `classifier train`, or pass `model` with the path of one."
    if skops_format.is_skops(data):
        kind = "skops"
        raw = skops_format.read_plain_outer(data, path) if plain else skops_format.read_outer(data, path)
        if raw is None:
            return None
    elif file_format(path) == "skops":
        raise ModelError(f"{path} is not a skops model file (it is not a ZIP archive).",
                         "If it is a joblib model, give it a .joblib name; loading that runs pickle, so only do "
                         "it for a file from a source you trust.")
    else:
        kind, raw = "joblib", _read_joblib_outer(data, path, hint)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ModelError(f"{path} is not a classifier model file.", hint)
    version = raw.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelError(f"{path} is corrupted: its format version {version!r} is not valid.", "Retrain the model.")
    if version > FORMAT_VERSION:
        raise ModelError(f"{path} was written in model format {version}, newer than this version of classifier "
                         f"reads (format {FORMAT_VERSION}).", "Upgrade classifier, or retrain the model.")
    payload = raw.get("payload")
    if not isinstance(payload, bytes) or hashlib.sha256(payload).hexdigest() != raw.get("payload_sha256"):
        raise ModelError(f"{path} is corrupted: its contents do not match their recorded checksum.",
                         "Retrain the model or copy the file again.")
    card = skops_format.read_card(raw, path) if kind == "skops" else raw.get("card")
    _check_card(card, path)
    return {"format": FORMAT, "format_version": version, "card": card, "payload_sha256": raw["payload_sha256"],
            "payload": payload, "file_format": kind, "bytes": len(data), "payload_hmac": raw.get("payload_hmac"),
            "compact": raw["compact"] if isinstance(raw.get("compact"), bytes) else None}


class _PlainValues(pickle.Unpickler):
    """Unpickles plain values only (dict, list, str, bytes, numbers): any class or function is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"the outer bundle names {module}.{name}")


def _read_joblib_outer(data: bytes, path: Path, hint: str) -> dict:
    """The outer dictionary of a joblib model file, read without running code: the file is a
    (zlib-compressed) pickle of plain values, and the pipeline inside it stays bytes until its
    signature is checked (:func:`_model`)."""
    try:
        if data[:1] != b"\x80":
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, defaults.MAX_MODEL_BYTES)
            if inflater.unconsumed_tail:
                raise ModelError(f"{path} would unpack to more than {defaults.MAX_MODEL_BYTES:,} bytes, more than a "
                                 "model file does; it is damaged or was crafted to exhaust memory.", hint)
        return _PlainValues(io.BytesIO(data)).load()
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"{path} is not a readable model file ({type(exc).__name__}); it may be truncated, not a "
                         "model at all, or a pickle that names code.", hint) from exc


def _check_card(card, path) -> None:
    labels = card.get("labels") if isinstance(card, dict) else None
    if (not isinstance(labels, list) or len(labels) < 1 or not all(isinstance(label, str) for label in labels)
            or len(set(labels)) != len(labels) or card.get("task") not in TASKS):
        raise ModelError(f"{path} has a model card without a valid label list and task, so its label layout is "
                         "unknown.", "Retrain the model with this version of classifier.")
    for label in labels:
        reason = unsafe_label(label)
        if reason:
            raise ModelError(f"{path} has a label that cannot be shown or written safely: {label!r} {reason}.",
                             "Retrain the model with safe label names, or get it again from its author.")


def read_bundle(path: str | Path) -> dict:
    """Read and check a model file without loading its pipeline.

    Returns ``{"format", "format_version", "card", "payload_sha256", "payload",
    "file_format", "bytes"}``; never runs pickle for a skops file.
    """
    path = Path(path)
    return _parse(_read_file(path), path)


def _facts(path: Path, bundle: dict) -> dict:
    return {"path": str(path), "bytes": bundle["bytes"], "file_format": bundle["file_format"],
            "format_version": bundle["format_version"], "payload_sha256": bundle["payload_sha256"]}


def _model(bundle: dict, path: Path, trust: bool = False) -> Model:
    from sklearn.pipeline import Pipeline

    if bundle["file_format"] == "skops":
        pipeline = skops_format.load_pipeline(bundle["payload"], path)
    else:
        if not _trusted(bundle, trust):
            raise ModelError(f"{path} is a joblib model (a pickle, which can run any code when loaded) that was not "
                             "saved by this user on this machine, so it is not loaded.",
                             f"If you trust its source, convert it once with `classifier convert {path} "
                             f"{path.with_suffix('.skops')} --trust` and use the .skops file; otherwise ask its "
                             "author for a .skops model.")
        try:
            pipeline = _LegacyUnpickler(io.BytesIO(bundle["payload"])).load()
        except Exception as exc:
            raise ModelError(f"{path} holds a model that cannot be loaded here ({type(exc).__name__}: {exc}).",
                             "Retrain the model with this version of classifier.") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{path} does not hold a classifier pipeline.", "Retrain the model.")
    card = bundle["card"]
    check_layout(pipeline, card, path)
    _warn_versions(card.get("library_versions", {}), path)
    return Model(pipeline=pipeline, card=card)


class _LegacyUnpickler(pickle.Unpickler):
    """Reads pickles that name a class by the module it lived in before the package was laid out in layers."""

    def find_class(self, module, name):
        return super().find_class(skops_format.current_module(module), name)


def load(path: str | Path, *, trust: bool = False, compact: bool = False) -> Model:
    """Load a model saved by :func:`save`, warning if library versions differ from the saving ones.

    A joblib file is unpickled only when this user's key signed it (:mod:`classifier.io.signing`),
    or when ``trust`` is true. With ``compact``, the model scores with the file's compact scorer when it
    holds one made from its pipeline (the same probabilities, without loading scikit-learn, skops or the
    pickle; such a model predicts but cannot be explained or saved); otherwise its pipeline loads."""
    path = Path(path)
    data = _read_file(path)
    bundle = _parse(data, path, plain=True) if compact else None
    if bundle is not None and _trusted(bundle, trust):  # an untrusted joblib file is refused by _model
        model = _compact_model(bundle, path)
        if model is not None:
            return model
    return _model(bundle or _parse(data, path), path, trust)


def _trusted(bundle: dict, trust: bool) -> bool:
    """Whether ``bundle``'s payload may be used: a skops file (loaded trusting only known types), a joblib
    file this user signed, or any file the caller trusts."""
    return (bundle["file_format"] == "skops" or trust
            or signing.verify(bundle["payload"], bundle.get("payload_hmac")))


def _compact_model(bundle: dict, path: Path) -> Model | None:
    """The model of ``bundle`` scoring with its compact scorer; ``None`` when it has none, or one that does not
    belong to its pipeline (made for another payload, unreadable, or for other labels)."""
    from classifier.estimators.compact import CompactError, CompactScorer

    if bundle["compact"] is None:
        return None
    try:
        scorer = CompactScorer.from_bytes(bundle["compact"])
    except CompactError:
        return None
    card = bundle["card"]
    if (scorer.payload_sha256 != bundle["payload_sha256"] or scorer.n_labels != len(card["labels"])
            or scorer.multi_label_ != (card["task"] == "multi_label")
            or (not scorer.multi_label_ and scorer.classes_ != card["labels"])):
        return None
    _warn_versions(card.get("library_versions", {}), path)
    return Model(pipeline=scorer, card=card)


def load_described(path: str | Path, *, trust: bool = False) -> tuple[Model, dict]:
    """The model in ``path`` and its card plus file facts, both from one reading of the file."""
    path = Path(path)
    bundle = read_bundle(path)
    model = _model(bundle, path, trust)
    return model, {**bundle["card"], "file": _facts(path, bundle)}


def check_layout(pipeline: Pipeline, card: dict, path) -> None:
    """Refuse a model whose pipeline does not score the labels its card lists, in the card's order."""
    labels = card["labels"]
    try:
        width = np.asarray(pipeline.predict_proba([""])).shape
    except Exception as exc:
        raise ModelError(f"{path} holds a pipeline that cannot score text ({type(exc).__name__}: {exc}).",
                         "Retrain the model with this version of classifier.") from exc
    estimator = pipeline.named_steps.get(MODEL)
    classes = getattr(estimator, "classes_", None)
    wrong_order = (card["task"] == "single_label" and classes is not None
                   and [str(c) for c in classes] != labels)
    multi_label = getattr(estimator, "multi_label_", getattr(estimator, "multi_label", None))
    wrong_task = multi_label is not None and bool(multi_label) != (card["task"] == "multi_label")
    if len(width) != 2 or width[1] != len(labels) or wrong_order or wrong_task:
        scored = width[1] if len(width) == 2 else "?"
        raise ModelError(f"{path} was put together from a model trained with a different label layout: its card "
                         f"lists {len(labels)} labels ({', '.join(labels)}) but its classifier scores {scored}"
                         f"{' in another order' if wrong_order and scored == len(labels) else ''}.",
                         "Retrain the model, or copy the original file again.")


def describe_file(path: str | Path) -> dict:
    """The card of a saved model, read without loading its pipeline, plus file facts."""
    path = Path(path)
    bundle = read_bundle(path)
    return {**bundle["card"], "file": _facts(path, bundle)}


def convert(source: str | Path, target: str | Path, *, trust: bool = False) -> dict:
    """Save the model in ``source`` to ``target`` in the format of ``target``'s suffix (``.skops`` or joblib).

    Loading a joblib ``source`` runs pickle: one this user did not save is
    read only with ``trust`` (then convert only files you trust). The card and
    the predictions are unchanged. Returns ``{"source", "target", "from", "to", "bytes"}``.
    """
    source, target = Path(source), Path(target)
    bundle = read_bundle(source)
    save(_model(bundle, source, trust), target)
    return {"source": str(source), "target": str(target), "from": bundle["file_format"], "to": file_format(target),
            "bytes": target.stat().st_size}


def _warn_versions(saved: dict, path) -> None:
    names = [name for name in ("scikit-learn", "numpy", "scipy", "classifier") if name in saved]
    current = {name: running_version(name) for name in names}
    differ = [f"{name} {saved[name]} (now {current[name]})" for name in names if saved[name] != current[name]]
    if differ:
        warnings.warn(f"{path} was saved with {', '.join(differ)}; predictions may differ. "
                      "Retrain the model to silence this warning.", VersionWarning, stacklevel=3)


_MODULES = {"scikit-learn": "sklearn", "numpy": "numpy", "scipy": "scipy"}


def running_version(name: str) -> str:
    """The version of ``name`` (scikit-learn, numpy, scipy or classifier) in this process, without importing it:
    the module's own when it is imported, else its ``<name>-<version>.dist-info`` folder on ``sys.path``
    (``importlib.metadata`` alone takes longer to import than a compact prediction), else by importing it."""
    if name == "classifier":
        return __version__
    module = sys.modules.get(_MODULES[name])
    if module is not None:
        return module.__version__
    prefix = name.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            found = [n for n in os.listdir(entry or ".") if n.lower().startswith(prefix) and n.endswith(".dist-info")]
        except OSError:
            continue
        if len(found) == 1:
            return found[0][len(prefix):-len(".dist-info")]
    import importlib

    return importlib.import_module(_MODULES[name]).__version__
