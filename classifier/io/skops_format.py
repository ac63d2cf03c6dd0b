"""The ``.skops`` model format: a model file that cannot make loading run code.

A ``.joblib`` model is a pickle, and unpickling can run any code the file
names. A ``.skops`` model is a skops file (a ZIP archive with a JSON schema)
holding a dictionary of plain values::

    {"format": "classifier-model", "format_version": 1,
     "card_json": "<the model card as JSON>", "payload_sha256": "...",
     "payload": b"<the fitted pipeline, itself saved with skops.io>"}

Reading the card (``classifier info``) constructs only those strings, that
integer and those bytes. The pipeline is then loaded from the payload trusting
exactly :data:`TRUSTED_TYPES`, the types this project's pipeline is made of.
Before skops is asked to load anything, every object the file's schema names
is checked here against that list (and against the loaders in
:data:`TRUSTED_LOADERS`), so a file naming any other type is refused with an
error that lists the types, even a type skops would trust by default (any
scikit-learn estimator, NumPy or SciPy function).

Both layers open with skops directly::

    import skops.io as sio
    bundle = sio.load("model.skops")      # plain values only
    pipeline = sio.loads(bundle["payload"], trusted=sorted(TRUSTED_TYPES))
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

from classifier import defaults
from classifier.errors import ModelError

TRUSTED_TYPES = frozenset({
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "classifier.estimators.features.TextFeatures",
    "classifier.estimators.hashed.HashedTfidf",
    "classifier.estimators.hashed.IncrementalLinearSVC",
    "classifier.estimators.pipeline.TextPipeline",
    "classifier.estimators.svm.CalibratedLinearSVC",
    "numpy.float32",
    "numpy.ndarray",
    "sklearn.pipeline.Pipeline",
})
"""Every type (``module.name``) a saved default pipeline contains, single- or multi-label.

This is the one place the list lives. When the pipeline gains a type, saving a
model as ``.skops`` fails naming it, and ``tests/test_skops.py`` fails; add
the type here only if loading it cannot run code chosen by the file (a
scikit-learn estimator or a class of this package restores its attributes and
nothing else)."""

LEGACY_MODULES = {
    "classifier.features": "classifier.estimators.features",
    "classifier.pipeline": "classifier.estimators.svm",
    "classifier.outofcore": "classifier.estimators.hashed",
}
"""Where the classes of models saved before the package was laid out in layers now live.

Model files (skops and joblib alike) name the module of each class; a file written by an
earlier version names one of these keys, and is read as if it named the value."""

TRUSTED_LOADERS = frozenset({"DictNode", "ListNode", "TupleNode", "JsonNode", "TypeNode", "ObjectNode",
                             "NdArrayNode", "BytesNode"})
"""The skops loaders such files use; no function, method, ``functools.partial`` or reduce loaders."""

_OUTER_TYPES = frozenset({"builtins.dict", "builtins.list", "builtins.str", "builtins.bytes"})
"""The types of the outer dictionary (``builtins.list`` holds the dictionary's key types)."""

_HINT = "Train a model with `classifier train`, or pass `model` with the path of one."


def is_skops(data: bytes) -> bool:
    """Whether ``data`` starts like a skops file (a ZIP archive)."""
    return data[:4] == b"PK\x03\x04"


def current_module(module: str) -> str:
    """The module that holds today what a model file calls ``module`` (see :data:`LEGACY_MODULES`)."""
    return LEGACY_MODULES.get(module, module)


def _read_schema(data: bytes, path) -> dict:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_unpacked_size(archive, len(data), path)
            return json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError, EOFError, zlib.error, NotImplementedError,
            OSError) as exc:
        raise ModelError(f"{path} is not a readable skops model file ({type(exc).__name__}); it may be truncated or "
                         "not a model at all.", _HINT) from exc


def _check_unpacked_size(archive: zipfile.ZipFile, size: int, path) -> None:
    """Refuse an archive whose members would unpack to more than a model file can hold (a ZIP bomb).

    Members are unpacked to at most their recorded size (:mod:`zipfile` stops there and checks the
    CRC), so bounding the recorded sizes bounds the memory loading can take."""
    unpacked = sum(item.file_size for item in archive.infolist())
    schema = sum(item.file_size for item in archive.infolist() if item.filename == "schema.json")
    if unpacked > defaults.MAX_MODEL_BYTES or schema > defaults.MAX_SKOPS_SCHEMA_BYTES:
        raise ModelError(f"{path} would unpack to {unpacked:,} bytes from {size:,} (its schema to {schema:,}), more "
                         f"than a model file does (at most {defaults.MAX_MODEL_BYTES:,} bytes, and "
                         f"{defaults.MAX_SKOPS_SCHEMA_BYTES:,} for the schema); it is damaged or was crafted to "
                         "exhaust memory.", _HINT)


def _nodes(schema):
    """Every node of a skops schema that names a type."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node or "__module__" in node:
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _renamed_legacy(data: bytes, schema: dict) -> bytes:
    """``data`` with the legacy module names of its ``schema`` replaced by today's (unchanged if it has none)."""
    legacy = [node for node in _nodes(schema) if node.get("__module__") in LEGACY_MODULES]
    if not legacy:
        return data
    for node in legacy:
        node["__module__"] = current_module(node["__module__"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = json.dumps(schema).encode() if item.filename == "schema.json" else source.read(item)
            target.writestr(item, body)
    return out.getvalue()


def object_types(data: bytes, path: str | Path) -> set[str]:
    """The types (``module.name``) of every object the skops file ``data`` holds, read from its schema only.

    Nothing is imported or constructed. An object restored by a loader
    outside :data:`TRUSTED_LOADERS` is named ``module.name (via Loader)``;
    legacy module names are given as today's (:data:`LEGACY_MODULES`).
    """
    return _types(_read_schema(data, path))


def _types(schema: dict) -> set[str]:
    """The types named by ``schema`` (see :func:`object_types`)."""
    found: set[str] = set()
    for node in _nodes(schema):
        name = f"{current_module(str(node.get('__module__')))}.{node.get('__class__')}"
        loader = node.get("__loader__")
        found.add(name if loader in TRUSTED_LOADERS else f"{name} (via {loader})")
    return found


def _refuse_untrusted(found: set[str], trusted: frozenset, path) -> None:
    untrusted = sorted(found - trusted)
    if untrusted:
        raise ModelError(f"{path} holds types that classifier does not trust, so it was not loaded: "
                         f"{', '.join(untrusted)}.",
                         "Only load .skops models written by classifier; retrain the model, or get it again from "
                         "its author.")


def _loads(data: bytes, found: set[str], path):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return sio.loads(data, trusted=sorted(found))
    except UntrustedTypesFoundException as exc:
        raise ModelError(f"{path} holds types that classifier does not trust, so it was not loaded: {exc}.",
                         "Only load .skops models written by classifier.") from exc
    except Exception as exc:
        raise ModelError(f"{path} holds a model that cannot be loaded here ({type(exc).__name__}: {exc}).",
                         "Retrain the model with this version of classifier.") from exc


def read_outer(data: bytes, path: str | Path) -> dict:
    """The outer dictionary of a skops model file; constructs nothing but plain values."""
    found = object_types(data, path)
    _refuse_untrusted(found, _OUTER_TYPES, path)
    outer = _loads(data, found, path)
    if not isinstance(outer, dict):
        raise ModelError(f"{path} is not a classifier model file.", _HINT)
    return outer


def read_card(outer: dict, path: str | Path) -> dict:
    """The model card stored as JSON in the outer dictionary."""
    try:
        card = json.loads(outer["card_json"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path} is corrupted: its model card cannot be read.", "Retrain the model.") from exc
    if not isinstance(card, dict):
        raise ModelError(f"{path} is corrupted: its model card cannot be read.", "Retrain the model.")
    return card


def load_pipeline(payload: bytes, path: str | Path):
    """The pipeline saved in ``payload``, if every object in it is of a :data:`TRUSTED_TYPES` type."""
    schema = _read_schema(payload, path)
    found = _types(schema)
    _refuse_untrusted(found, TRUSTED_TYPES, path)
    return _loads(_renamed_legacy(payload, schema), found, path)


def dump_pipeline(pipeline) -> bytes:
    """``pipeline`` saved with skops.io; refused if it holds a type that loading would not trust."""
    import skops.io as sio

    try:
        payload = sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED)
    except Exception as exc:
        raise ModelError(f"The model cannot be saved in the skops format ({type(exc).__name__}: {exc}).",
                         "Save it as .joblib instead.") from exc
    untrusted = sorted(object_types(payload, "the model") - TRUSTED_TYPES)
    if untrusted:
        raise ModelError(f"The model holds types that .skops models may not contain: {', '.join(untrusted)}.",
                         "Save it as .joblib; or, if loading these types cannot run code, add them to "
                         "TRUSTED_TYPES in classifier/io/skops_format.py.")
    return payload


def dump_outer(header: dict, card: dict, payload: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """The bytes of a skops model file: ``header`` (format, version, checksum), the card as JSON, the payload,
    and ``extra`` byte strings (the compact scorer) beside them."""
    import skops.io as sio

    outer = {**header, "card_json": json.dumps(card, ensure_ascii=False, default=_plain), "payload": payload,
             **(extra or {})}
    return sio.dumps(outer)


def read_plain_outer(data: bytes, path: str | Path) -> dict | None:
    """The outer dictionary of a skops model file read without skops (whose import takes seconds), or ``None``
    when the file is not laid out as :func:`dump_outer` writes it (then :func:`read_outer` reads it, and
    reports what is wrong).

    Only that layout is read: a dictionary of string keys whose values are JSON strings or integers
    (``JsonNode``) and byte strings (``BytesNode``, a member of the archive); anything else gives ``None``.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_unpacked_size(archive, len(data), path)
            schema = json.loads(archive.read("schema.json"))
            if (not isinstance(schema, dict) or schema.get("__loader__") != "DictNode"
                    or f"{schema.get('__module__')}.{schema.get('__class__')}" != "builtins.dict"
                    or not isinstance(schema.get("content"), dict)):
                return None
            keys = schema.get("key_types", {}).get("content", [])
            if not isinstance(keys, list) or any(not isinstance(k, dict) or k.get("__class__") != "str"
                                                 or k.get("__module__") != "builtins" for k in keys):
                return None
            outer = {}
            for key, node in schema["content"].items():
                kind = (node.get("__module__"), node.get("__class__"), node.get("__loader__")) \
                    if isinstance(node, dict) else None
                if kind in (("builtins", "str", "JsonNode"), ("builtins", "int", "JsonNode")) and node.get("is_json"):
                    value = json.loads(node["content"])
                    if not isinstance(value, (str, int)) or isinstance(value, bool):
                        return None
                elif kind == ("builtins", "bytes", "BytesNode") and isinstance(node.get("file"), str):
                    value = archive.read(node["file"])
                else:
                    return None
                outer[key] = value
            return outer
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, RecursionError, EOFError,
            zlib.error, NotImplementedError, OSError):
        return None


def _plain(value):
    """A JSON value for what the card may hold besides JSON types (NumPy numbers, paths, timestamps)."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
