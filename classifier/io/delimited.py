"""Strict reading of CSV and TSV tables: every cell as text, every row with the header's number of fields.

A row longer than :data:`classifier.defaults.MAX_ROW_CHARS` is refused once it passes that length,
before the rest of it is read (:class:`~classifier.io.opening.BoundedLines`).

Blank lines are skipped; extra fields that are empty (a trailing separator)
are dropped; any other row with more or fewer fields than the header, an
unbalanced quote, or a closing quote followed by more text stops with a
:class:`~classifier.errors.TableError` naming the file and the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pandas as pd

from classifier.errors import TableError
from classifier.io.columns import check_header
from classifier.io.formats import TableFormat, source_name
from classifier.io.opening import BoundedLines, open_binary, refuse_non_text, release, with_position

FIELD_LIMIT = 2**31 - 1
"""Largest CSV field accepted; the csv module's default (128 KiB) would refuse long articles."""


def iter_delimited(source, fmt: TableFormat, chunk_size: int | None, codec: str) -> Iterator[pd.DataFrame]:
    """CSV/TSV rows of ``source`` as text cells, in chunks of at most ``chunk_size`` rows (one if ``None``)."""
    sep = "\t" if fmt.kind == "tsv" else ","
    raw = open_binary(source, fmt)
    text = None
    try:
        refuse_non_text(raw, source, fmt, codec)
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        csv.field_size_limit(FIELD_LIMIT)
        lines = BoundedLines(text, source)
        reader = csv.reader(lines, delimiter=sep, strict=True)
        limit = chunk_size or 2**62
        header: list[str] | None = None
        rows: list[list[str]] = []
        yielded = False
        start = 1
        try:
            for row in reader:
                lines.row_done()
                if header is None:
                    if "".join(row).strip():
                        header = row
                        check_header(header, source)
                elif len(row) == len(header):
                    rows.append(row)
                elif row:
                    rows.append(_fit_row(row, len(header), start, source, fmt))
                start = reader.line_num + 1
                if len(rows) >= limit:
                    yield with_position(_frame(header, rows), raw)
                    rows, yielded = [], True
        except csv.Error as exc:
            raise _csv_error(exc, source, fmt, start) from exc
        if header is None:
            raise TableError(f"{source_name(source)} is empty.", "Give a table with a header row and at least one row.")
        if rows or not yielded:
            yield with_position(_frame(header, rows), raw)
    finally:
        release(raw, text)


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
    raise TableError(f"{source_name(source)} is not a well-formed {fmt.kind.upper()} table: line {line} has "
                     f"{len(row)} field{'s' if len(row) != 1 else ''}, but the header has {width}.", hint)


def _csv_error(exc: csv.Error, source, fmt: TableFormat, line: int) -> TableError:
    message = str(exc)
    kind = fmt.kind.upper()
    name = source_name(source)
    if "unexpected end of data" in message:
        return TableError(f"{name} is not a well-formed {kind} table: the quoted field that starts on line "
                          f"{line} is never closed.", "Look for an unbalanced quote (\") on that line.")
    if "expected after" in message:
        return TableError(f"{name} is not a well-formed {kind} table: on line {line} a closing quote is "
                          "followed by more text in the same field.",
                          "Quote the whole field and double every quote inside it (\"\"), as spreadsheets do.")
    return TableError(f"{name} is not a well-formed {kind} table: {message} (line {line}).",
                      "Check the file's quotes and separators near that line.")
