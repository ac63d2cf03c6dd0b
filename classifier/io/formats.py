"""Table formats: the names and suffixes of CSV, TSV, JSON Lines and Parquet (optionally gzip), standard
input and output (``-``), URLs, and how messages name a table's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifier.errors import InputError, TableError

FORMATS = ("csv", "tsv", "jsonl", "parquet")
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".parquet": "parquet", ".pq": "parquet"}
STDIO = "-"
"""The source or output that means standard input or standard output."""


@dataclass(frozen=True)
class TableFormat:
    """A table's layout (``csv``, ``tsv``, ``jsonl`` or ``parquet``) and whether it is gzipped."""

    kind: str
    gzip: bool = False

    @property
    def suffix(self) -> str:
        return "." + self.kind + (".gz" if self.gzip else "")


def table_format(path: str | Path, fmt: str | None = None) -> TableFormat:
    """Work out a table's format from ``fmt`` if given, else from the file name."""
    name = str(path)
    compressed = name.lower().endswith(".gz")
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"Unknown format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
        return TableFormat(fmt, compressed)
    if name == STDIO:
        return TableFormat("csv")
    stem = name[:-3] if compressed else name
    suffix = Path(stem).suffix.lower()
    if suffix not in SUFFIXES:
        shown = suffix or "no extension"
        raise TableError(
            f"Cannot tell the format of {path} ({shown}).",
            "Name the file .csv, .tsv, .jsonl or .parquet (optionally with .gz).",
        )
    return TableFormat(SUFFIXES[suffix], compressed)


def is_url(source: str | Path) -> bool:
    """Whether ``source`` is a URL such as ``s3://bucket/news.csv`` (read and written through fsspec)."""
    return "://" in str(source)


def source_name(source: str | Path) -> str:
    """How messages name a table's source: its path or URL as given, or ``standard input``."""
    return "standard input" if str(source) == STDIO else str(source)


def short_message(exc: Exception) -> str:
    """The last line of an exception's text, without a final full stop (for quoting inside a message)."""
    return str(exc).strip().splitlines()[-1].rstrip(".")
