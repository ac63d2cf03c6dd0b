"""Strict reading of JSON Lines tables: one JSON object per line, values kept exactly as JSON gives them.

A line that is not one JSON object, or an object naming a key twice, stops
with an error naming the file and the line. Every chunk has the same columns:
every key used anywhere in the file, in order of first use. A line longer than
:data:`classifier.defaults.MAX_ROW_CHARS` is refused before the rest of it is read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pandas as pd

from classifier.errors import ColumnError, TableError
from classifier.io.formats import TableFormat, source_name
from classifier.io.opening import BoundedLines, open_binary, refuse_non_text, release, rereadable, with_position
from classifier.unicode_text import cleaned


class _DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    record = {}
    for key, value in pairs:
        if key in record:
            raise _DuplicateKey(key)
        record[key] = value
    return record


def json_record(line: str, number: int, source) -> dict | None:
    """The object on one JSON Lines line (``None`` for a blank line), or an error naming the line."""
    if not line.strip():
        return None
    name = source_name(source)
    hint = 'Each line must hold one JSON object, such as {"text": "..."}.'
    try:
        record = json.loads(line, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ColumnError(f"{name}: line {number} gives the key {exc.args[0]!r} twice.",
                          "Give each key once per line.") from exc
    except json.JSONDecodeError as exc:
        raise TableError(f"{name} is not valid JSON Lines: line {number}: {exc.msg} (character {exc.colno}).",
                         hint) from exc
    except RecursionError as exc:
        raise TableError(f"{name} is not valid JSON Lines: line {number} is nested too deeply.", hint) from exc
    if "\\ud" in line or "\\uD" in line:
        record = cleaned(record)
    if not isinstance(record, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(record), "a number")
        raise TableError(f"{name} is not valid JSON Lines: line {number} holds {kind}, not an object.", hint)
    return record


def _text(raw, codec: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding=codec, newline="\n")


def _lines(text: io.TextIOWrapper, source) -> Iterator[str]:
    """The lines of the file, each refused once longer than :data:`classifier.defaults.MAX_ROW_CHARS`."""
    lines = BoundedLines(text, source)
    for line in lines:
        yield line
        lines.row_done()


def jsonl_keys(source, fmt: TableFormat, codec: str) -> list[str]:
    """Every key used in a JSON Lines file, in order of first use (a first pass over the file)."""
    keys: dict[str, None] = {}
    raw = open_binary(source, fmt)
    text = None
    try:
        refuse_non_text(raw, source, fmt, codec)
        text = _text(raw, codec)
        for number, line in enumerate(_lines(text, source), 1):
            record = json_record(line, number, source)
            if record is not None:
                keys.update(dict.fromkeys(record))
    finally:
        release(raw, text)
    return list(keys)


def iter_jsonl(source, fmt: TableFormat, chunk_size: int | None, codec: str) -> Iterator[pd.DataFrame]:
    """JSON Lines rows with their JSON values kept exactly (no type or date guessing).

    Every chunk has the same columns: a file is read twice, first to collect
    every key; from standard input or a pipe the first chunk's keys are the columns, and
    a later row with a new key stops with an error. A row without a key gets
    a missing value there.
    """
    columns = jsonl_keys(source, fmt, codec) if rereadable(source) else None
    known = set(columns or ())
    raw = open_binary(source, fmt)
    text = None
    try:
        refuse_non_text(raw, source, fmt, codec)
        text = _text(raw, codec)
        limit = chunk_size or 2**62
        rows: list[dict] = []
        yielded = False
        for number, line in enumerate(_lines(text, source), 1):
            record = json_record(line, number, source)
            if record is None:
                continue
            if columns is not None and not record.keys() <= known:
                new = next(key for key in record if key not in columns)
                raise ColumnError(f"{source_name(source)}: line {number} has the key {new!r}, which none of the "
                                  f"first {limit:,} rows has, so it cannot become a column of the output.",
                                  "Read the table from a file instead of standard input, or give every row the "
                                  "same keys.")
            rows.append(record)
            if len(rows) >= limit:
                if columns is None:
                    columns = list(dict.fromkeys(key for row in rows for key in row))
                    known = set(columns)
                yield with_position(pd.DataFrame(rows, columns=columns, dtype=object), raw)
                rows, yielded = [], True
        if not yielded and not rows:
            raise TableError(f"{source_name(source)} is empty.", "Give a table with at least one row.")
        if rows:
            if columns is None:
                columns = list(dict.fromkeys(key for row in rows for key in row))
            yield with_position(pd.DataFrame(rows, columns=columns, dtype=object), raw)
    finally:
        release(raw, text)
