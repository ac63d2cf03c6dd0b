"""Signing joblib model files with a key only this user holds, so no foreign pickle is loaded unknowingly.

A ``.joblib`` model holds a pickle, and unpickling can run any code the file names. Every joblib
model this tool saves carries an HMAC-SHA256 of its pickled pipeline under a per-user key,
created on first use as a 32-byte random file readable by its owner only (mode 0600). Loading
checks that signature before a single byte of the pipeline is unpickled: a joblib file this
user did not save here (downloaded, received, planted in a cloned folder) is refused unless the
caller says it trusts it (``trust=True``; ``classifier convert --trust`` on the command line).

The key lives at ``$CLASSIFIER_KEY_FILE`` when that is set, otherwise at
``$XDG_CONFIG_HOME/classifier/model-signing.key`` (``~/.config/...`` without ``XDG_CONFIG_HOME``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from classifier.errors import ModelError

KEY_ENV = "CLASSIFIER_KEY_FILE"
KEY_BYTES = 32


def key_path() -> Path:
    """Where this user's signing key is (see the module docstring)."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "classifier" / "model-signing.key"


def _key(create: bool) -> bytes | None:
    path = key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        key = _create(path)
    except OSError as exc:
        raise ModelError(f"Cannot read the model signing key {path}: {exc.strerror}.",
                         f"Check its permissions, or set {KEY_ENV} to a file you can read.") from exc
    if len(key) != KEY_BYTES:
        raise ModelError(f"The model signing key {path} is damaged ({len(key)} bytes, not {KEY_BYTES}).",
                         "Delete it (models it signed will then need `trust` once), or restore it.")
    return key


def _create(path: Path) -> bytes:
    """Write a new random key with mode 0600; if another process won the race, read its key instead."""
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    except OSError as exc:
        raise ModelError(f"Cannot create the model signing key {path}: {exc.strerror}.",
                         f"Set {KEY_ENV} to a path you can write, or save the model as .skops.") from exc
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def sign(payload: bytes) -> str:
    """The hex HMAC-SHA256 of ``payload`` under this user's key (created if missing)."""
    return hmac.new(_key(create=True), payload, hashlib.sha256).hexdigest()


def verify(payload: bytes, signature) -> bool:
    """Whether ``signature`` is this user's signature of ``payload`` (compared in constant time)."""
    key = _key(create=False)
    if key is None or not isinstance(signature, str):
        return False
    return hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).hexdigest(), signature)
