"""Reading and writing tables: CSV, TSV, JSON Lines and Parquet, optionally gzip-compressed.

The public entry of the table modules: :func:`read_table` and :func:`iter_table`
are the one reader every caller uses (local prediction, training, audit, and
each task of the Dask engine), and the names of :mod:`.formats`,
:mod:`.columns` and :mod:`.writing` are re-exported here.

CSV and TSV cells are read as strings (nothing is reinterpreted: ids such as
``007`` and dates keep their exact text, empty cells stay empty) and JSON Lines
values as JSON gives them (numbers exactly, no date guessing), so a table read
and written again is unchanged. ``-`` reads CSV from standard input or writes
to standard output; a URL (``s3://...``) is read through fsspec.

Reading is strict, and every problem is a :class:`~classifier.errors.TableError`
naming the file and, where there is one, the line: a row with more or fewer
fields than the header (extra *empty* fields from a trailing separator are
dropped), an unbalanced quote, a JSON Lines line that is not one JSON object,
duplicate column names or keys, bytes that are not valid in the encoding, and
files that are not text tables at all (gzip without ``.gz``, ZIP/Excel,
Parquet, UTF-16 without `encoding`, binary files: a NUL byte in the first
line, or a known image/PDF/executable signature). Blank lines are skipped.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.errors import InputError, TableError
from classifier.files import check_readable
from classifier.io.columns import require_column
from classifier.io.delimited import iter_delimited
from classifier.io.formats import (FORMATS, STDIO, SUFFIXES, TableFormat, is_url, short_message, source_name,
                                      table_format)
from classifier.io.jsonl import iter_jsonl
from classifier.io.opening import codec_for, decode_error
from classifier.io.parquet import iter_parquet
from classifier.io.writing import TableWriter, encode_rows


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
    empty frame that still carries the column names. CSV and JSON Lines
    chunks record in ``attrs["position"]`` the bytes of the file read so far.
    """
    if str(source) != STDIO and not is_url(source):
        check_readable(Path(source), "table")
    fmt = table_format(source)
    encoding = encoding or defaults.ENCODING
    codec = codec_for(encoding)
    try:
        if fmt.kind == "parquet":
            yield from iter_parquet(source, fmt, chunk_size)
        elif fmt.kind == "jsonl":
            yield from iter_jsonl(source, fmt, chunk_size, codec)
        else:
            yield from iter_delimited(source, fmt, chunk_size, codec)
    except UnicodeDecodeError as exc:
        raise decode_error(source, fmt, encoding, codec, exc) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise TableError(f"{source_name(source)} is not a valid gzip file ({short_message(exc)}); it may be "
                         "truncated.", "Check the file, or drop the .gz suffix if it is not compressed.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {source_name(source)}: {exc.strerror or short_message(exc)}.",
                         "Check the file and try again.") from exc


__all__ = ["FORMATS", "STDIO", "SUFFIXES", "TableFormat", "TableWriter", "encode_rows", "iter_table", "read_table",
           "require_column", "table_format"]
