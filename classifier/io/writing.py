"""Writing tables chunk by chunk (:class:`TableWriter`) and encoding rows as CSV, TSV or JSON Lines text
(:func:`encode_rows`, which worker processes run in parallel). A local file appears only when complete;
``-`` writes to standard output; a URL is written through fsspec.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import sys
from pathlib import Path

import pandas as pd

from classifier.errors import InputError, OutputError, TableError
from classifier.files import atomic_write, is_stream
from classifier.io.formats import STDIO, TableFormat, is_url, short_message, table_format


def encode_rows(df: pd.DataFrame, kind: str, *, header: bool) -> str:
    """The text :class:`TableWriter` writes for ``df`` in format ``kind`` (``csv``, ``tsv`` or ``jsonl``).

    Separate from the writer so that worker processes can encode chunks in parallel.
    """
    if kind in ("csv", "tsv"):
        quoting = csv.QUOTE_ALL if _has_carriage_return(df) else csv.QUOTE_MINIMAL
        return df.to_csv(sep="\t" if kind == "tsv" else ",", index=False, header=header, quoting=quoting)
    if not len(df):
        return ""
    columns = [str(name) for name in df.columns]
    values = []
    for _, column in df.items():
        cells = column.tolist()
        missing = column.isna()
        if missing.any():
            cells = [None if gap else cell for cell, gap in zip(cells, missing.tolist())]
        values.append(cells)
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    return "".join([encode(dict(zip(columns, row))) + "\n" for row in zip(*values)])


def _has_carriage_return(df: pd.DataFrame) -> bool:
    """Whether a cell or column name holds ``\\r``, which the csv module leaves unquoted with ``\\n`` line ends
    (a reader would then split the row there), so such chunks are written with every field quoted."""
    if any("\r" in str(name) for name in df.columns):
        return True
    for _, column in df.items():
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            try:
                found = column.str.contains("\r", regex=False, na=False).any()
            except AttributeError:  # an object column without any string
                found = column.astype(str).str.contains("\r", regex=False).any()
            if found:
                return True
    return False


def _json_value(value):
    """JSON for what :func:`json.dumps` cannot write itself (NumPy values, timestamps, bytes).

    Floats are written by Python's shortest exact form, so a JSON Lines table
    read and written again keeps every number exactly.
    """
    if hasattr(value, "item") and hasattr(value, "dtype"):
        return value.item() if getattr(value, "ndim", 0) == 0 else value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


class _Descriptor(io.RawIOBase):
    """Standard output written straight to its file descriptor, every byte or an error.

    Python's buffered standard output can lose the rest of a large write when the device fills up and
    still exit 0; writing through ``os.write`` in a loop raises ``OSError`` (``ENOSPC``) instead.
    """

    def __init__(self, fd: int):
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.write(self.fd, view[done:])
        return done


def _unnamed_stream(path) -> bool:
    """Standard output, or a device or FIFO whose name gives no format (such as ``/dev/null``): CSV."""
    if str(path) == STDIO:
        return True
    if is_url(path) or not is_stream(Path(path)):
        return False
    try:
        table_format(path)
        return False
    except InputError:
        return True


def write_whole(path: str | Path, data: bytes) -> Path | None:
    """Write ``data`` to ``path`` atomically (a file appears only complete), or to standard output for ``-``
    through its descriptor, so a full device is an error rather than a silent cut. Returns the path written,
    ``None`` for standard output."""
    if str(path) == STDIO:
        out = _standard_output()
        out.write(data)
        out.flush()
        return None
    with atomic_write(Path(path)) as handle:
        handle.write(data)
    return Path(path)


def _standard_output():
    """A binary stream for standard output: its descriptor when it has one (a terminal, a file, a pipe),
    else the buffer of whatever replaced ``sys.stdout`` (as test runners do)."""
    sys.stdout.flush()
    try:
        return _Descriptor(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return sys.stdout.buffer


class TableWriter:
    """Write a table chunk by chunk; a local file appears only when every chunk is written.

    Use as a context manager. ``-`` writes to standard output and a URL
    (``s3://...``) through fsspec, neither atomically.
    """

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = path
        self.format = table_format(path, fmt) if fmt or not _unnamed_stream(path) else TableFormat("csv")
        if str(path) == STDIO and self.format.kind == "parquet":
            raise OutputError("Parquet cannot be written to standard output.", "Give `output` a file name.")
        self._atomic = None
        self._remote = None
        self._handle = None
        self._text = None
        self._parquet = None
        self._schema = None
        self.rows = 0

    def __enter__(self) -> "TableWriter":
        if str(self.path) == STDIO:
            raw = _standard_output()
        elif is_url(self.path):
            import fsspec

            self._remote = raw = fsspec.open(str(self.path), "wb").open()
        else:
            self._atomic = atomic_write(Path(self.path))
            raw = self._atomic.__enter__()
        self._handle = gzip.GzipFile(fileobj=raw, mode="wb") if self.format.gzip else raw
        if self.format.kind != "parquet":
            self._text = io.TextIOWrapper(self._handle, encoding="utf-8", newline="", write_through=True)
        return self

    def write(self, df: pd.DataFrame) -> None:
        if self.format.kind == "parquet":
            self._write_parquet(df)
        else:
            self._text.write(encode_rows(df, self.format.kind, header=self.rows == 0))
        self.rows += len(df)

    def write_encoded(self, text: str, rows: int) -> None:
        """Write ``rows`` rows already turned into text by :func:`encode_rows` (CSV, TSV, JSON Lines only)."""
        self._text.write(text)
        self.rows += rows

    def _write_parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.Table.from_pandas(df, preserve_index=False)
        except pa.ArrowException as exc:
            raise TableError(f"Cannot write Parquet: {short_message(exc)}.",
                             "A column mixes kinds of values (such as numbers and text); write CSV or JSON Lines "
                             "instead.") from exc
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self._handle, self._schema)
        else:
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TableError(f"Column types change between chunks: {short_message(exc)}.",
                                 "Write CSV or JSON Lines instead, or use a larger `chunk_size`.") from exc
        self._parquet.write_table(table)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as error:
                exc_type, exc, tb = type(error), error, error.__traceback__
                self._let_go(exc_type, exc, tb)
                raise
        self._let_go(exc_type, exc, tb)

    def _let_go(self, exc_type, exc, tb) -> None:
        """Move a complete local file into place (or drop an incomplete one); close a URL's stream."""
        if self._atomic is not None:
            self._atomic.__exit__(exc_type, exc, tb)
        if self._remote is not None:
            self._remote.close()

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
