"""File system helpers: checking paths before use and writing files atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, OutputError


def check_readable(path: Path, what: str = "file") -> Path:
    """Return ``path`` if it is a readable file, else raise :class:`InputError`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what.capitalize()} not found: {path}.", "Check the path and try again.")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a {what}.", f"Give the path of a {what} inside it.")
    if not os.access(path, os.R_OK):
        raise InputError(f"Cannot read {path}: permission denied.", "Check the file's permissions.")
    return path


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[object]:
    """Open a temporary file beside ``path``; move it onto ``path`` only if the block succeeds.

    The folder is created when missing. On any exception, including
    ``KeyboardInterrupt``, the temporary file is removed and ``path`` is left
    exactly as it was.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the folder {folder}: {exc.strerror}.",
                          "Choose an output path in a folder you can write to.") from exc
    if path.is_dir():
        raise OutputError(f"{path} is a folder.", "Give a file name for the output.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write to the folder {folder}: {exc.strerror}.",
                          "Choose an output path in a folder you can write to.") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _keep_mode(path: Path, tmp: Path) -> None:
    """Give the new file the permissions an ordinary new file would get (mkstemp uses 0600)."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)
