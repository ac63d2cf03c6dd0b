"""Opening a table's bytes for the readers: standard input, local files and URLs, gzip or not (decompressed
as a stream); refusing files that are not text tables (gzip without ``.gz``, ZIP/Excel, Parquet, UTF-16
without `encoding`, binary files); reading lines with a bound on a row's length (:class:`BoundedLines`);
and turning undecodable bytes into a message naming the line.
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

from classifier import defaults
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


class BoundedLines:
    """The lines of a text stream, for a reader that builds rows from them, refusing a row longer than
    ``limit`` characters (default :data:`classifier.defaults.MAX_ROW_CHARS`) as soon as it passes the
    limit, without reading (or holding) the rest of it.

    A row may span several lines (a quoted CSV field with line breaks): the reader calls
    :meth:`row_done` after each row, and the count starts again.
    """

    def __init__(self, text, source, limit: int | None = None):
        self.text, self.source = text, source
        self.limit = defaults.MAX_ROW_CHARS if limit is None else limit
        self.used = 0
        self.lines = 0
        self.row_start = 1

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        self.lines += 1
        if self.used > self.limit:
            raise TableError(f"{source_name(self.source)}: the row starting on line {self.row_start:,} is longer "
                             f"than {self.limit:,} characters, the most one row may hold (so that one cell cannot "
                             "fill memory); it was not read further.",
                             "Shorten or split that text: only its first `max_chars` characters would be scored "
                             "anyway.")
        return line

    def row_done(self) -> None:
        """Start counting a new row (the next line is its first)."""
        self.used = 0
        self.row_start = self.lines + 1


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
    """The number of the first line of a file that ``codec`` cannot decode (``None`` if unknown).

    The file is read in blocks of 1 MiB, so a gigantic line is never held whole.
    """
    if not rereadable(source) or codecs.lookup(codec).name.startswith(("utf-16", "utf-32")):
        return None
    decoder = codecs.getincrementaldecoder(codec)()
    lines = 1
    try:
        handle = open_binary(source, fmt)
        try:
            while block := handle.read(1024**2):
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    return lines + block[:max(exc.start - pending, 0)].count(b"\n")
                lines += block.count(b"\n")
        finally:
            handle.close()
    except (OSError, EOFError, zlib.error):
        return None
    return None
