"""Column checks shared by the readers and their callers: duplicate column names, and a required column
that is missing (naming the columns there are, and the separator when the header looks split by another).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classifier.errors import ColumnError
from classifier.io.formats import STDIO, source_name, table_format


def check_header(header: list[str], source) -> None:
    """Raise :class:`ColumnError` if a column name appears more than once."""
    seen, dups = set(), []
    for name in header:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    if dups:
        raise ColumnError(f"{source_name(source)} has duplicate column names: {', '.join(map(repr, dups))}.",
                          "Rename the columns so each name appears once.")


def require_column(df: pd.DataFrame, name: str, parameter: str, source: str | Path) -> None:
    """Raise :class:`ColumnError` naming the existing columns if ``name`` is not one of them.

    ``parameter`` is the argument that chose the column, such as ``text_col``
    (an option spelling such as ``--text-col`` is accepted too); the hint
    names it in backticks.
    """
    if name not in df.columns:
        existing = ", ".join(map(repr, map(str, df.columns))) or "none"
        argument = parameter.strip("`").lstrip("-").replace("-", "_")
        raise ColumnError(f"{source_name(source)} has no column {name!r} (its columns: {existing}).",
                          separator_hint(df, source) or f"Pass `{argument}` with one of those names.")


def separator_hint(df: pd.DataFrame, source) -> str | None:
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
