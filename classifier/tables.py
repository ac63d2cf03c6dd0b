"""Reading and writing tables: CSV, TSV, JSON Lines and Parquet, optionally gzip-compressed.

Text formats are read with every cell as a string (nothing is reinterpreted:
ids such as ``007`` and dates keep their exact text, empty cells stay empty),
so a table read and written again is unchanged. ``-`` reads CSV from standard
input or writes to standard output.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import defaults
from .errors import ColumnError, InputError, OutputError, TableError
from .files import atomic_write, check_readable

FORMATS = ("csv", "tsv", "jsonl", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".parquet": "parquet", ".pq": "parquet"}
STDIO = "-"
_EXTRA = "\0extra"


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
    if suffix not in _SUFFIXES:
        shown = suffix or "no extension"
        raise TableError(
            f"Cannot tell the format of {path} ({shown}).",
            "Name the file .csv, .tsv, .jsonl or .parquet (optionally with .gz).",
        )
    return TableFormat(_SUFFIXES[suffix], compressed)


def read_table(source: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a whole table into a DataFrame (strings for CSV/TSV, JSON's own types for JSON Lines)."""
    chunks = list(iter_table(source, chunk_size=None, encoding=encoding))
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks, ignore_index=True)


def iter_table(
    source: str | Path, *, chunk_size: int | None = defaults.CHUNK_SIZE, encoding: str | None = None
) -> Iterator[pd.DataFrame]:
    """Yield a table in chunks of at most ``chunk_size`` rows (one chunk if ``None``).

    At least one DataFrame is always yielded, so a header-only file gives one
    empty frame that still carries the column names.
    """
    if str(source) != STDIO:
        check_readable(Path(source), "table")
    fmt = table_format(source)
    encoding = encoding or defaults.ENCODING
    try:
        if fmt.kind == "parquet":
            yield from _iter_parquet(source, fmt, chunk_size)
        elif fmt.kind == "jsonl":
            yield from _iter_jsonl(source, fmt, chunk_size, encoding)
        else:
            yield from _iter_delimited(source, fmt, chunk_size, encoding)
    except UnicodeDecodeError as exc:
        raise TableError(
            f"{_name(source)} is not valid {encoding} text (byte {exc.start} of a block: "
            f"{exc.object[exc.start:exc.start + 1]!r}).",
            "If it was saved by Excel or an older system, pass --encoding cp1252 (or latin-1).",
        ) from exc
    except LookupError as exc:
        raise InputError(f"Unknown encoding {encoding!r}.", "Try --encoding utf-8, cp1252 or latin-1.") from exc


def _name(source: str | Path) -> str:
    return "standard input" if str(source) == STDIO else str(source)


def _open_binary(source: str | Path, fmt: TableFormat):
    if str(source) == STDIO:
        return sys.stdin.buffer
    if fmt.gzip:
        return gzip.open(source, "rb")
    return open(source, "rb")


def _iter_delimited(source, fmt: TableFormat, chunk_size, encoding) -> Iterator[pd.DataFrame]:
    sep = "\t" if fmt.kind == "tsv" else ","
    raw = _open_binary(source, fmt)
    try:
        head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
        if b"\x00" in head and not encoding.lower().startswith("utf-16"):
            raise TableError(f"{_name(source)} looks like a binary file, not a {fmt.kind.upper()} table.",
                             "Check that you gave the right file.")
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        header_line = text.readline()
        if not header_line.strip():
            raise TableError(f"{_name(source)} is empty.", "Give a table with a header row and at least one row.")
        header = next(csv.reader([header_line], delimiter=sep))
        _check_header(header, source)
        yielded = False
        try:
            rest = pd.read_csv(
                text, sep=sep, header=None, names=[*header, _EXTRA], dtype=str, keep_default_na=False,
                na_filter=False, index_col=False, chunksize=chunk_size or 2**62, engine="c",
            )
            seen = 1
            for chunk in rest:
                extra = chunk.pop(_EXTRA)
                if (extra != "").any():
                    line = seen + 1 + int((extra != "").to_numpy().argmax())
                    raise TableError(f"{_name(source)} is not a well-formed {fmt.kind.upper()} table: data row "
                                     f"{line - 1} has more fields than the header's {len(header)}.",
                                     "Check for unquoted separators or unbalanced quotes in that row.")
                seen += len(chunk)
                yielded = True
                yield chunk
        except pd.errors.ParserError as exc:
            raise TableError(f"{_name(source)} is not a well-formed {fmt.kind.upper()} table: {_short(exc)}.",
                             "Check for unbalanced quotes or rows with too many fields.") from exc
        except pd.errors.EmptyDataError:
            pass
        if not yielded:
            yield pd.DataFrame({c: pd.Series(dtype=str) for c in header})
    except gzip.BadGzipFile as exc:
        raise TableError(f"{_name(source)} is not a valid gzip file.", "Check the file, or drop the .gz suffix.") from exc
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


def _check_header(header: list[str], source) -> None:
    seen, dups = set(), []
    for name in header:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    if dups:
        raise ColumnError(f"{_name(source)} has duplicate column names: {', '.join(map(repr, dups))}.",
                          "Rename the columns so each name appears once.")


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1].rstrip(".")


def _iter_jsonl(source, fmt: TableFormat, chunk_size, encoding) -> Iterator[pd.DataFrame]:
    raw = _open_binary(source, fmt)
    try:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
        reader = pd.read_json(text, lines=True, dtype=False, chunksize=chunk_size or 2**62)
        yielded = False
        try:
            for chunk in reader:
                yielded = True
                yield chunk.reset_index(drop=True)
        except ValueError as exc:
            raise TableError(f"{_name(source)} is not valid JSON Lines: {_short(exc)}.",
                             "Each line must hold one JSON object.") from exc
        if not yielded:
            raise TableError(f"{_name(source)} is empty.", "Give a table with at least one row.")
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()


def _iter_parquet(source, fmt: TableFormat, chunk_size) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if str(source) == STDIO:
        raise InputError("Parquet cannot be read from standard input.", "Give the file's path instead.")
    try:
        handle = io.BytesIO(gzip.open(source, "rb").read()) if fmt.gzip else source
        reader = pq.ParquetFile(handle)
    except (pa.ArrowException, OSError, gzip.BadGzipFile) as exc:
        raise TableError(f"{source} is not a readable Parquet file: {_short(exc)}.",
                         "Check that you gave the right file.") from exc
    if reader.metadata.num_rows == 0:
        yield reader.schema_arrow.empty_table().to_pandas()
        return
    for batch in reader.iter_batches(batch_size=chunk_size or 2**31 - 1):
        yield batch.to_pandas()


def require_column(df: pd.DataFrame, name: str, option: str, source: str | Path) -> None:
    """Raise :class:`ColumnError` naming the existing columns if ``name`` is not one of them."""
    if name not in df.columns:
        existing = ", ".join(map(repr, map(str, df.columns))) or "none"
        raise ColumnError(f"{_name(source)} has no column {name!r} (its columns: {existing}).",
                          f"Pass {option} with one of those names.")


class TableWriter:
    """Write a table chunk by chunk; the file appears only when every chunk is written.

    Use as a context manager. ``-`` writes to standard output (no atomicity there).
    """

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = path
        self.format = table_format(path, fmt) if fmt or str(path) != STDIO else TableFormat("csv")
        if str(path) == STDIO and self.format.kind == "parquet":
            raise OutputError("Parquet cannot be written to standard output.", "Give --output a file name.")
        self._atomic = None
        self._handle = None
        self._text = None
        self._parquet = None
        self._schema = None
        self.rows = 0

    def __enter__(self) -> "TableWriter":
        if str(self.path) == STDIO:
            raw = sys.stdout.buffer
        else:
            self._atomic = atomic_write(Path(self.path))
            raw = self._atomic.__enter__()
        self._handle = gzip.GzipFile(fileobj=raw, mode="wb") if self.format.gzip else raw
        if self.format.kind != "parquet":
            self._text = io.TextIOWrapper(self._handle, encoding="utf-8", newline="", write_through=True)
        return self

    def write(self, df: pd.DataFrame) -> None:
        kind = self.format.kind
        if kind in ("csv", "tsv"):
            df.to_csv(self._text, sep="\t" if kind == "tsv" else ",", index=False, header=self.rows == 0)
        elif kind == "jsonl":
            if len(df):
                self._text.write(df.to_json(orient="records", lines=True, force_ascii=False).rstrip("\n") + "\n")
        else:
            self._write_parquet(df)
        self.rows += len(df)

    def _write_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self._handle, self._schema)
        else:
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TableError(f"Column types change between chunks: {_short(exc)}.",
                                 "Write CSV or JSON Lines instead, or use a larger --chunk-size.") from exc
        self._parquet.write_table(table)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as error:
                exc_type, exc, tb = type(error), error, error.__traceback__
                if self._atomic is not None:
                    self._atomic.__exit__(exc_type, exc, tb)
                raise
        if self._atomic is not None:
            self._atomic.__exit__(exc_type, exc, tb)

    def _finish(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._text is not None:
            self._text.flush()
            self._text.detach()
        if self.format.gzip:
            self._handle.close()
        if str(self.path) == STDIO:
            sys.stdout.flush()
