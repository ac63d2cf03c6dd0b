"""Paths: which files an input pattern (or URL) names, where each input's output goes, and how to show a path.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from classifier.errors import InputError
from classifier.io.formats import STDIO, SUFFIXES, TableFormat, is_url, table_format


def display_path(source) -> str:
    """``source`` as a model card shows it: relative to the working folder when inside it, ``-`` for stdin."""
    if str(source) == STDIO:
        return "-"
    path = Path(source).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def expand_inputs(pattern: str | Path) -> list[str]:
    """The table files named by ``pattern``: a file, ``-``, a folder (every table in it and its
    subfolders) or a glob such as ``parts/*.parquet`` (``**`` matches subfolders), sorted by name."""
    import glob

    text = str(pattern)
    if text == STDIO or (not glob.has_magic(text) and not Path(text).is_dir()):
        return [text]
    if Path(text).is_dir():
        found = _once([str(p) for p in sorted(Path(text).rglob("*")) if p.is_file() and is_table_name(p.name)])
        if not found:
            raise InputError(f"The folder {text} holds no table files.",
                             "Put .csv, .tsv, .jsonl or .parquet files (optionally .gz) in it.")
        return found
    found = _once(sorted(p for p in glob.glob(text, recursive=True) if Path(p).is_file()))
    if not found:
        raise InputError(f"No file matches {text}.", "Check the pattern; quote it so the shell does not expand it.")
    return found


def _once(paths: list[str]) -> list[str]:
    """``paths`` with each file kept once, at its first name: a folder reached twice through a symbolic
    link (or a link loop) would otherwise have its rows read again and again."""
    seen: set[str] = set()
    kept = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            kept.append(path)
    return kept


def expand_url(url: str) -> list[str]:
    """The table files a URL names, as URLs: one file, every table under a folder, or the files a glob
    (``s3://bucket/news/*.parquet``) matches, sorted by name. Needs the fsspec package for its scheme."""
    import glob

    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    if fs.isdir(path):
        found = [p for p in sorted(fs.find(path)) if is_table_name(p.rstrip("/").rsplit("/", 1)[-1])]
        if not found:
            raise InputError(f"The folder {url} holds no table files.",
                             "Put .csv, .tsv, .jsonl or .parquet files (optionally .gz) in it.")
    elif glob.has_magic(path):
        found = sorted(p for p in fs.glob(path) if fs.isfile(p))
        if not found:
            raise InputError(f"No file matches {url}.", "Check the pattern.")
    else:
        return [url]
    return [fs.unstrip_protocol(p) for p in found]


class LocatedPath(os.PathLike):
    """A local path that messages name as the user gave it (``str()``) but that opens by its absolute
    location (``os.fspath()``), so a process with another working folder (a Dask worker) finds the file."""

    def __init__(self, given: str | Path):
        self.given = str(given)
        self.absolute = os.path.abspath(given)

    def __fspath__(self) -> str:
        return self.absolute

    def __str__(self) -> str:
        return self.given

    def __repr__(self) -> str:
        return f"LocatedPath({self.given!r})"


def located(source: str | Path) -> str | LocatedPath:
    """``source`` as a process elsewhere can open it: URLs and ``-`` as they are, local paths located."""
    text = str(source)
    return text if text == STDIO or is_url(text) else LocatedPath(text)


def is_table_name(name: str) -> bool:
    name = name.lower()
    stem = name[:-3] if name.endswith(".gz") else name
    return not name.startswith(".") and Path(stem).suffix in SUFFIXES


@dataclass
class Job:
    """One input table and where its rows go."""

    source: str
    output: str
    size: int | None


def plan_outputs(inputs: list[str], output: str | Path | None, output_dir: str | Path | None,
                 fmt: str | None) -> list[Job]:
    """Pair each input with its output: the one ``output`` for all, or a file per input in ``output_dir``.

    In ``output_dir`` an output keeps its input's path relative to the inputs'
    common folder, with the format's suffix when ``fmt`` is given.
    """
    if output_dir is None:
        target = STDIO if output is None else str(output)
        jobs = [Job(src, target, file_size(src)) for src in inputs]
    else:
        if output not in (None, STDIO):
            raise InputError("Give `output` (one combined file) or `output_dir` (one file per input), not both.",
                             "Drop one of them.")
        if STDIO in inputs:
            raise InputError("`output_dir` needs input files, not standard input.", "Use `output` instead.")
        base = Path(os.path.commonpath([str(Path(src).resolve().parent) for src in inputs]))
        jobs = []
        for src in inputs:
            relative = Path(src).resolve().relative_to(base)
            if fmt:
                source_format = table_format(src)
                new = TableFormat(fmt.lower(), source_format.gzip and fmt.lower() != "parquet")
                relative = relative.with_name(table_stem(relative.name) + new.suffix)
            jobs.append(Job(src, str(Path(output_dir) / relative), file_size(src)))
        taken: dict[str, str] = {}
        for job in jobs:
            if job.output in taken:
                raise InputError(f"{taken[job.output]} and {job.source} would both be written to {job.output}.",
                                 "Leave out `fmt` to keep each input's own suffix, or rename one of the inputs.")
            taken[job.output] = job.source
    for job in jobs:
        if job.output != STDIO and job.source != STDIO and Path(job.output).resolve() == Path(job.source).resolve():
            raise InputError(f"The output file is the input file ({job.source}).", "Write the predictions to a new file.")
    return jobs


def table_stem(name: str) -> str:
    """A table file's name without its format suffix (and ``.gz``)."""
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def file_size(source: str) -> int | None:
    if source == STDIO:
        return None
    with contextlib.suppress(OSError):
        return os.path.getsize(source)
    return None


def parquet_rows(source: str) -> int | None:
    """Rows of a Parquet file from its footer (``None`` if it cannot be read cheaply)."""
    if table_format(source).kind != "parquet" or source.lower().endswith(".gz"):
        return None
    import pyarrow.parquet as pq

    with contextlib.suppress(Exception):
        return pq.ParquetFile(source).metadata.num_rows
    return None
