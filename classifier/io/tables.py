"""Reading and writing tables: CSV, TSV, JSON Lines and Parquet, optionally gzip-compressed.

CSV and TSV cells are read as strings (nothing is reinterpreted: ids such as
``007`` and dates keep their exact text, empty cells stay empty) and JSON Lines
values as JSON gives them (numbers exactly, no date guessing), so a table read
and written again is unchanged. ``-`` reads CSV from standard input or writes
to standard output.

Reading is strict, and every problem is a :class:`~classifier.errors.TableError`
naming the file and, where there is one, the line: a row with more or fewer
fields than the header (extra *empty* fields from a trailing separator are
dropped), an unbalanced quote, a JSON Lines line that is not one JSON object,
duplicate column names or keys, bytes that are not valid in the encoding, and
files that are not text tables at all (gzip without ``.gz``, ZIP/Excel,
Parquet, UTF-16 without ``--encoding``, binary files: a NUL byte in the first
line, or a known image/PDF/executable signature). Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.errors import ColumnError, InputError, OutputError, TableError
from classifier.files import atomic_write, check_readable

FORMATS = ("csv", "tsv", "jsonl", "parquet")
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".parquet": "parquet", ".pq": "parquet"}
STDIO = "-"
_FIELD_LIMIT = 2**31 - 1
"""Largest CSV field accepted; the csv module's default (128 KiB) would refuse long articles."""


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
        codec = _codec(encoding)
    except LookupError as exc:
        raise InputError(f"Unknown encoding {encoding!r}.", "Try --encoding utf-8, cp1252 or latin-1.") from exc
    try:
        if fmt.kind == "parquet":
            yield from _iter_parquet(source, fmt, chunk_size)
        elif fmt.kind == "jsonl":
            yield from _iter_jsonl(source, fmt, chunk_size, codec)
        else:
            yield from _iter_delimited(source, fmt, chunk_size, codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(source, fmt, encoding, codec, exc) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise TableError(f"{_name(source)} is not a valid gzip file ({_short(exc)}); it may be truncated.",
                         "Check the file, or drop the .gz suffix if it is not compressed.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {_name(source)}: {exc.strerror or _short(exc)}.",
                         "Check the file and try again.") from exc


def _codec(encoding: str) -> str:
    """The codec to decode ``encoding`` with; UTF-8 also accepts (and drops) a byte-order mark."""
    name = codecs.lookup(encoding).name
    return "utf-8-sig" if name == "utf-8" else name


def _decode_error(source, fmt: TableFormat, encoding: str, codec: str, exc: UnicodeDecodeError) -> TableError:
    bad = exc.object[exc.start:exc.start + 1]
    line = _undecodable_line(source, fmt, codec)
    where = f" on line {line}" if line else ""
    if codecs.lookup(codec).name in ("utf-8", "utf-8-sig"):
        hint = "If it was saved by Excel or an older Windows program, pass --encoding cp1252 (or --encoding latin-1)."
    else:
        hint = "Pass the file's real encoding with --encoding (for example utf-8, cp1252 or latin-1)."
    return TableError(f"{_name(source)} is not valid {encoding} text: the byte 0x{bad.hex()}{where} cannot be "
                      "decoded.", hint)


def _undecodable_line(source, fmt: TableFormat, codec: str) -> int | None:
    """The number of the first line of a file that ``codec`` cannot decode (``None`` if unknown)."""
    if not _rereadable(source) or codecs.lookup(codec).name.startswith(("utf-16", "utf-32")):
        return None
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with (gzip.open(source, "rb") if fmt.gzip else open(source, "rb")) as handle:
            for number, line in enumerate(handle, 1):
                try:
                    decoder.decode(line)
                except UnicodeDecodeError:
                    return number
    except (OSError, EOFError, zlib.error):
        return None
    return None


_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF-", b"\xd0\xcf\x11\xe0", b"\x7fELF")
"""Starts of common binary files (images, PDF, old Excel, executables) whose first line may hold no NUL byte."""


def _refuse_non_text(raw, source, fmt: TableFormat, codec: str) -> None:
    """Stop at once, saying what the file is, when its first bytes show it is not a text table."""
    head = raw.peek(8192)[:8192] if hasattr(raw, "peek") else b""
    name = _name(source)
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
        raise TableError(f"{name} is UTF-16 text.", "Pass --encoding utf-16.")
    first_line = head.split(b"\n", 1)[0]
    if not wide and (b"\x00" in first_line or head.startswith(_BINARY_MAGIC)):
        hint = "Check that you gave the right file."
        if head.count(b"\x00") > len(head) // 4:
            hint = "If it is UTF-16 text, pass --encoding utf-16; otherwise check that you gave the right file."
        raise TableError(f"{name} looks like a binary file, not a {kind} table.", hint)


def _rereadable(source) -> bool:
    """Whether ``source`` is a regular file (not standard input or a pipe), so it can be read twice."""
    return str(source) != STDIO and Path(source).is_file()


def _name(source: str | Path) -> str:
    return "standard input" if str(source) == STDIO else str(source)


def _open_binary(source: str | Path, fmt: TableFormat):
    if str(source) == STDIO:
        return sys.stdin.buffer
    if fmt.gzip:
        return gzip.open(source, "rb")
    return open(source, "rb")


def _iter_delimited(source, fmt: TableFormat, chunk_size, codec) -> Iterator[pd.DataFrame]:
    """CSV/TSV rows as text cells; every row must have the header's number of fields.

    Blank lines are skipped; extra fields that are empty (a trailing
    separator) are dropped; any other row with more or fewer fields than the
    header, and any unbalanced quote, stops with an error naming the line.
    """
    sep = "\t" if fmt.kind == "tsv" else ","
    raw = _open_binary(source, fmt)
    text = None
    try:
        _refuse_non_text(raw, source, fmt, codec)
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        csv.field_size_limit(_FIELD_LIMIT)
        reader = csv.reader(text, delimiter=sep, strict=True)
        limit = chunk_size or 2**62
        header: list[str] | None = None
        rows: list[list[str]] = []
        yielded = False
        start = 1
        try:
            for row in reader:
                if header is None:
                    if "".join(row).strip():
                        header = row
                        _check_header(header, source)
                elif len(row) == len(header):
                    rows.append(row)
                elif row:
                    rows.append(_fit_row(row, len(header), start, source, fmt))
                start = reader.line_num + 1
                if len(rows) >= limit:
                    yield _with_position(_frame(header, rows), raw)
                    rows, yielded = [], True
        except csv.Error as exc:
            raise _csv_error(exc, source, fmt, start) from exc
        if header is None:
            raise TableError(f"{_name(source)} is empty.", "Give a table with a header row and at least one row.")
        if rows or not yielded:
            yield _with_position(_frame(header, rows), raw)
    finally:
        _release(raw, text)


def _release(raw, text) -> None:
    """Close a table's file; standard input is only let go of, never closed."""
    if raw is sys.stdin.buffer:
        if text is not None:
            with contextlib.suppress(ValueError):
                text.detach()
    else:
        raw.close()


def _frame(header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in header})
    return pd.DataFrame(dict(zip(header, map(list, zip(*rows)))), dtype=object)


def _fit_row(row: list[str], width: int, line: int, source, fmt: TableFormat) -> list[str]:
    """``row`` cut to ``width`` fields if it only has extra empty ones; otherwise a :class:`TableError`."""
    if len(row) > width and not any(row[width:]):
        return row[:width]
    sep = "tab" if fmt.kind == "tsv" else "comma"
    if len(row) > width:
        hint = f"Put quotes around fields that contain a {sep}, or look for an unbalanced quote before that line."
    else:
        hint = (f"Add the missing fields (an empty field still needs its {sep}), or look for a line break inside an "
                "unquoted field.")
    raise TableError(f"{_name(source)} is not a well-formed {fmt.kind.upper()} table: line {line} has {len(row)} "
                     f"field{'s' if len(row) != 1 else ''}, but the header has {width}.", hint)


def _csv_error(exc: csv.Error, source, fmt: TableFormat, line: int) -> TableError:
    message = str(exc)
    kind = fmt.kind.upper()
    if "unexpected end of data" in message:
        return TableError(f"{_name(source)} is not a well-formed {kind} table: the quoted field that starts on line "
                          f"{line} is never closed.", "Look for an unbalanced quote (\") on that line.")
    if "expected after" in message:
        return TableError(f"{_name(source)} is not a well-formed {kind} table: on line {line} a closing quote is "
                          "followed by more text in the same field.",
                          "Quote the whole field and double every quote inside it (\"\"), as spreadsheets do.")
    return TableError(f"{_name(source)} is not a well-formed {kind} table: {message} (line {line}).",
                      "Check the file's quotes and separators near that line.")


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


class _DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    record = {}
    for key, value in pairs:
        if key in record:
            raise _DuplicateKey(key)
        record[key] = value
    return record


def _json_record(line: str, number: int, source) -> dict | None:
    """The object on one JSON Lines line (``None`` for a blank line), or an error naming the line."""
    if not line.strip():
        return None
    hint = 'Each line must hold one JSON object, such as {"text": "..."}.'
    try:
        record = json.loads(line, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ColumnError(f"{_name(source)}: line {number} gives the key {exc.args[0]!r} twice.",
                          "Give each key once per line.") from exc
    except json.JSONDecodeError as exc:
        raise TableError(f"{_name(source)} is not valid JSON Lines: line {number}: {exc.msg} (character "
                         f"{exc.colno}).", hint) from exc
    except RecursionError as exc:
        raise TableError(f"{_name(source)} is not valid JSON Lines: line {number} is nested too deeply.", hint) from exc
    if not isinstance(record, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(record), "a number")
        raise TableError(f"{_name(source)} is not valid JSON Lines: line {number} holds {kind}, not an object.", hint)
    return record


def _jsonl_lines(raw, codec: str):
    return io.TextIOWrapper(raw, encoding=codec, newline="\n")


def _jsonl_keys(source, fmt: TableFormat, codec: str) -> list[str]:
    """Every key used in a JSON Lines file, in order of first use (a first pass over the file)."""
    keys: dict[str, None] = {}
    raw = _open_binary(source, fmt)
    text = None
    try:
        _refuse_non_text(raw, source, fmt, codec)
        text = _jsonl_lines(raw, codec)
        for number, line in enumerate(text, 1):
            record = _json_record(line, number, source)
            if record is not None:
                keys.update(dict.fromkeys(record))
    finally:
        _release(raw, text)
    return list(keys)


def _iter_jsonl(source, fmt: TableFormat, chunk_size, codec) -> Iterator[pd.DataFrame]:
    """JSON Lines rows with their JSON values kept exactly (no type or date guessing).

    Every chunk has the same columns: a file is read twice, first to collect
    every key; from standard input or a pipe the first chunk's keys are the columns, and
    a later row with a new key stops with an error. A row without a key gets
    a missing value there.
    """
    columns = _jsonl_keys(source, fmt, codec) if _rereadable(source) else None
    known = set(columns or ())
    raw = _open_binary(source, fmt)
    text = None
    try:
        _refuse_non_text(raw, source, fmt, codec)
        text = _jsonl_lines(raw, codec)
        limit = chunk_size or 2**62
        rows: list[dict] = []
        yielded = False
        for number, line in enumerate(text, 1):
            record = _json_record(line, number, source)
            if record is None:
                continue
            if columns is not None and not record.keys() <= known:
                new = next(key for key in record if key not in columns)
                raise ColumnError(f"{_name(source)}: line {number} has the key {new!r}, which none of the first "
                                  f"{limit:,} rows has, so it cannot become a column of the output.",
                                  "Read the table from a file instead of standard input, or give every row the "
                                  "same keys.")
            rows.append(record)
            if len(rows) >= limit:
                if columns is None:
                    columns = list(dict.fromkeys(key for row in rows for key in row))
                    known = set(columns)
                yield _with_position(pd.DataFrame(rows, columns=columns, dtype=object), raw)
                rows, yielded = [], True
        if not yielded and not rows:
            raise TableError(f"{_name(source)} is empty.", "Give a table with at least one row.")
        if rows:
            if columns is None:
                columns = list(dict.fromkeys(key for row in rows for key in row))
            yield _with_position(pd.DataFrame(rows, columns=columns, dtype=object), raw)
    finally:
        _release(raw, text)


def _with_position(chunk: pd.DataFrame, raw) -> pd.DataFrame:
    """Record in ``chunk.attrs["position"]`` how many bytes of the file (compressed, for gzip) are read so far."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        chunk.attrs["position"] = (raw.fileobj if isinstance(raw, gzip.GzipFile) else raw).tell()
    return chunk


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
    _check_header(reader.schema_arrow.names, source)
    if reader.metadata.num_rows == 0:
        yield reader.schema_arrow.empty_table().to_pandas()
        return
    try:
        for batch in reader.iter_batches(batch_size=chunk_size or 2**31 - 1):
            yield batch.to_pandas()
    except pa.ArrowException as exc:
        raise TableError(f"{source} is not a readable Parquet file: {_short(exc)}.",
                         "The file may be truncated or damaged; check that you gave the right file.") from exc


def require_column(df: pd.DataFrame, name: str, option: str, source: str | Path) -> None:
    """Raise :class:`ColumnError` naming the existing columns if ``name`` is not one of them."""
    if name not in df.columns:
        existing = ", ".join(map(repr, map(str, df.columns))) or "none"
        raise ColumnError(f"{_name(source)} has no column {name!r} (its columns: {existing}).",
                          _separator_hint(df, source) or f"Pass {option} with one of those names.")


def _separator_hint(df: pd.DataFrame, source) -> str | None:
    """A hint when a one-column header looks split by another separator than the format's."""
    if len(df.columns) != 1:
        return None
    only = str(df.columns[0])
    kind = "csv" if str(source) == STDIO else table_format(source).kind
    if ";" in only and kind in ("csv", "tsv"):
        return "Its header looks separated by semicolons: save the table with commas (.csv) or tabs (.tsv)."
    if "\t" in only and kind == "csv":
        return "Its header looks separated by tabs: name the file .tsv."
    if "," in only and kind == "tsv":
        return "Its header looks separated by commas: name the file .csv."
    return None


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
            raise TableError(f"Cannot write Parquet: {_short(exc)}.",
                             "A column mixes kinds of values (such as numbers and text); write CSV or JSON Lines "
                             "instead.") from exc
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
