"""File system helpers: checking paths before use and writing files atomically."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from classifier.errors import InputError, OutputError


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


def _folder_for(path: Path) -> Path:
    """The folder ``path`` goes in, created when missing."""
    folder = path.parent if str(path.parent) else Path(".")
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"Cannot write {path}: {blocking} is a file, not a folder.",
                          "Choose an output path in a folder you can write to.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the folder {folder}: {exc.strerror}.",
                          "Choose an output path in a folder you can write to.") from exc
    if path.is_dir():
        raise OutputError(f"{path} is a folder.", "Give a file name for the output.")
    return folder


def _temporary(path: Path, folder: Path) -> tuple[int, Path]:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write to the folder {folder}: {exc.strerror}.",
                          "Choose an output path in a folder you can write to.") from exc
    return fd, Path(name)


def is_stream(path: Path) -> bool:
    """Whether ``path`` (after following links) is something to write into rather than replace: a
    device such as ``/dev/null``, a FIFO, a socket, or ``/dev/stdout`` when standard output is a pipe."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _target(path: Path) -> Path:
    """Where a file output really goes: a symbolic link's final target, so the link itself stays."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: str | Path) -> Path:
    """Make sure a file can be written at ``path`` before long work starts, else raise :class:`OutputError`.

    Creates the folder when missing and tries a temporary file in it (then
    removes it), so a read-only or impossible destination is reported at
    once, not after minutes of training or scoring.
    """
    path = Path(path)
    if is_stream(path):
        if not os.access(path, os.W_OK):
            raise OutputError(f"Cannot write to {path}: permission denied.", "Choose an output you can write to.")
        return path
    path = _target(path)
    fd, tmp = _temporary(path, _folder_for(path))
    os.close(fd)
    with contextlib.suppress(OSError):
        tmp.unlink()
    return path


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM for a moment (delivered right after), so cleanup cannot be cut short."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def atomic_write(path: Path, mode: str = "wb") -> Iterator[object]:
    """Open a temporary file beside ``path``; move it onto ``path`` only if the block succeeds.

    The folder is created when missing. On any exception, including
    ``KeyboardInterrupt`` (Ctrl-C, or SIGTERM in the command line), the
    temporary file is removed and ``path`` is left exactly as it was; a second
    interruption during that cleanup waits until it is done. Readers of
    ``path`` see the old file or the new one, never a partial one
    (``os.replace`` is atomic).

    A ``path`` that is a device, a FIFO or a socket (``/dev/null``, a named pipe, ``/dev/stdout``
    on a pipe) is written into directly, streaming, and never replaced. A symbolic link is
    followed: its target is replaced atomically and the link stays.
    """
    path = Path(path)
    if is_stream(path):
        with open(path, mode) as handle:
            yield handle
        return
    path = _target(path)
    fd, tmp = _temporary(path, _folder_for(path))
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        with _signals_held(), contextlib.suppress(OSError):
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
