"""Opening a table's bytes for the readers: standard input, local files and URLs, gzip or not; refusing
files that are not text tables (gzip without ``.gz``, ZIP/Excel, Parquet, UTF-16 without `encoding`,
binary files); and turning undecodable bytes into a message naming the line.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import sys
import zlib
from pathlib import Path

import pandas as pd

from classifier.errors import InputError, TableError
from classifier.io.formats import STDIO, TableFormat, is_url, source_name

BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF-", b"\xd0\xcf\x11\xe0", b"\x7fELF")
"""Starts of common binary files (images, PDF, old Excel, executables) whose first line may hold no NUL byte."""


def codec_for(encoding: str) -> str:
    """The codec to decode ``encoding`` with; UTF-8 also accepts (and drops) a byte-order mark."""
    try:
        info = codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(f"Unknown encoding {encoding!r}.", "Try `encoding` utf-8, cp1252 or latin-1.") from exc
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"{encoding!r} is not a text encoding (it turns bytes into bytes).",
                         "Try `encoding` utf-8, cp1252 or latin-1.")
    name = info.name
    return "utf-8-sig" if name == "utf-8" else name


def open_binary(source: str | Path, fmt: TableFormat):
    """A binary stream of the table's (decompressed) bytes; files and URLs can :meth:`peek`."""
    if str(source) == STDIO:
        return sys.stdin.buffer
    if is_url(source):
        import fsspec

        raw = fsspec.open(str(source), "rb", compression="gzip" if fmt.gzip else None).open()
        return raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    if fmt.gzip:
        return gzip.open(source, "rb")
    return open(source, "rb")


def release(raw, text=None) -> None:
    """Close a table's stream; standard input is only let go of, never closed."""
    if raw is sys.stdin.buffer:
        if text is not None:
            with contextlib.suppress(ValueError):
                text.detach()
    else:
        raw.close()


def rereadable(source: str | Path) -> bool:
    """Whether ``source`` is a regular file or a URL (not standard input or a pipe), so it can be read twice."""
    return str(source) != STDIO and (is_url(source) or Path(source).is_file())


def with_position(chunk: pd.DataFrame, raw) -> pd.DataFrame:
    """Record in ``chunk.attrs["position"]`` how many bytes of the file (compressed, for gzip) are read so far."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        chunk.attrs["position"] = (raw.fileobj if isinstance(raw, gzip.GzipFile) else raw).tell()
    return chunk


def refuse_non_text(raw, source, fmt: TableFormat, codec: str) -> None:
    """Stop at once, saying what the file is, when its first bytes show it is not a text table."""
    head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
    name = source_name(source)
    kind = "JSON Lines" if fmt.kind == "jsonl" else fmt.kind.upper()
    wide = codecs.lookup(codec).name.startswith(("utf-16", "utf-32"))
    if head.startswith(b"\x1f\x8b"):
        raise TableError(f"{name} is gzip-compressed.", "Give it a .gz suffix (such as data.csv.gz), or decompress it.")
    if head.startswith(b"PK\x03\x04"):
        raise TableError(f"{name} is a ZIP archive (an Excel workbook?), not a {kind} table.",
                         "Save the sheet as 'CSV UTF-8' from the spreadsheet program, or unzip the archive.")
    if head.startswith(b"PAR1"):
        raise TableError(f"{name} is a Parquet file, not a {kind} table.", "Name it with a .parquet suffix.")
    if not wide and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableError(f"{name} is UTF-16 text.", "Pass `encoding` utf-16.")
    first_line = head.split(b"\n", 1)[0]
    if not wide and (b"\x00" in first_line or head.startswith(BINARY_MAGIC)):
        hint = "Check that you gave the right file."
        if head.count(b"\x00") > len(head) // 4:
            hint = "If it is UTF-16 text, pass `encoding` utf-16; otherwise check that you gave the right file."
        raise TableError(f"{name} looks like a binary file, not a {kind} table.", hint)


def decode_error(source, fmt: TableFormat, encoding: str, codec: str, exc: UnicodeDecodeError) -> TableError:
    """The error for bytes of ``source`` that ``codec`` cannot decode, naming the byte, its line and a remedy."""
    bad = exc.object[exc.start:exc.start + 1]
    line = undecodable_line(source, fmt, codec)
    where = f" on line {line}" if line else ""
    if codecs.lookup(codec).name in ("utf-8", "utf-8-sig"):
        hint = ("If it was saved by Excel or an older Windows program, pass `encoding` cp1252 "
                "(or `encoding` latin-1).")
    else:
        hint = "Pass the file's real encoding with `encoding` (for example utf-8, cp1252 or latin-1)."
    return TableError(f"{source_name(source)} is not valid {encoding} text: the byte 0x{bad.hex()}{where} cannot be "
                      "decoded.", hint)


def undecodable_line(source, fmt: TableFormat, codec: str) -> int | None:
    """The number of the first line of a file that ``codec`` cannot decode (``None`` if unknown)."""
    if not rereadable(source) or codecs.lookup(codec).name.startswith(("utf-16", "utf-32")):
        return None
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        handle = open_binary(source, fmt)
        try:
            for number, line in enumerate(handle, 1):
                try:
                    decoder.decode(line)
                except UnicodeDecodeError:
                    return number
        finally:
            handle.close()
    except (OSError, EOFError, zlib.error):
        return None
    return None
