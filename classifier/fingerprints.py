"""Fingerprints of data: the SHA-256 of a file or of a parsed table, recorded in model cards."""

from __future__ import annotations

import hashlib
from pathlib import Path

STDIO = "-"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of the bytes of the file at ``path``, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bytes_sha256(data: bytes) -> str:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def table_sha256(source, df) -> str:
    """SHA-256 of the table's file, or of the parsed table written as CSV when it came from standard input."""
    if str(source) == STDIO:
        return bytes_sha256(df.to_csv(index=False).encode("utf-8"))
    return file_sha256(source)
