"""Batch prediction on a Dask cluster (``classifier predict --engine dask``).

The input (a file, folder, glob, or any URL Dask understands such as
``s3://bucket/news/*.parquet``) is read as a Dask DataFrame, one partition per
block of ``blocksize`` bytes (per file for gzip and Parquet files). The model
is sent to each worker once, each partition is scored with the same code as
the local engine (:func:`classifier.batch.score_chunk`) and written by its
worker as ``part-00000.<format>``, ``part-00001...`` in the output folder, so
the parts read in order are row for row the local engine's output.

Dask is an optional extra: ``pip install 'classifier[dask]'``. Workers of a
real cluster need ``classifier`` installed too (the model file does not: the
model is sent from the machine that runs the command).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.cores import default_jobs
from classifier.errors import ClassifierError, ColumnError, InputError, OutputError
from classifier.io.paths import expand_inputs
from classifier.io.tables import TableFormat, TableWriter, encode_rows, table_format
from classifier.model import Model
from classifier.prediction.scoring import Decision, score_chunk
from classifier.progress import Progress, quiet_progress

EXTRA_HINT = "Install the extra: pip install 'classifier[dask]'."


def require_dask() -> None:
    """Raise a one-line :class:`InputError` naming the extra when Dask is not installed."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError(f"--engine dask needs Dask, which is not installed ({exc.name} is missing).",
                         EXTRA_HINT) from exc


def _is_url(path: str) -> bool:
    return "://" in str(path)


def input_paths(source: str | Path) -> tuple[str | list[str], TableFormat]:
    """What to hand Dask's readers for ``source``, and the input format.

    A local folder becomes the list of its table files; a glob or URL is passed
    through to Dask as it is.
    """
    text = str(source)
    if text == "-":
        raise InputError("--engine dask cannot read standard input.", "Give a file, folder, glob or URL.")
    if not _is_url(text):
        files = expand_inputs(text)
        formats = {table_format(f) for f in files}
        if len(formats) > 1:
            raise InputError(f"{text} mixes table formats ({', '.join(sorted(f.suffix for f in formats))}).",
                             "Give a glob that matches files of one format, such as 'parts/*.parquet'.")
        return files, formats.pop()
    return text, table_format(text.rstrip("/"))


def read_partitions(paths, fmt: TableFormat, *, encoding: str | None, blocksize):
    """A Dask DataFrame of the input, cells read as text as the local engine reads them."""
    import dask.dataframe as dd

    encoding = encoding or defaults.ENCODING
    compression = "gzip" if fmt.gzip else None
    size = None if fmt.gzip else blocksize
    if fmt.kind in ("csv", "tsv"):
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        return dd.read_csv(paths, sep="\t" if fmt.kind == "tsv" else ",", dtype=str, keep_default_na=False,
                           na_filter=False, encoding=codec, blocksize=size, compression=compression)
    if fmt.kind == "jsonl":
        return dd.read_json(paths, lines=True, orient="records", dtype=False, encoding=encoding,
                            blocksize=size, compression=compression)
    if fmt.gzip:
        raise InputError("--engine dask cannot read gzipped Parquet files.", "Unzip them first.")
    return dd.read_parquet(paths)


def _client(scheduler: str | None, workers: int | None, stack: contextlib.ExitStack):
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = stack.enter_context(LocalCluster(n_workers=workers or default_jobs(), threads_per_worker=1,
                                                   processes=True, host="127.0.0.1", dashboard_address=None,
                                                   silence_logs=logging.ERROR))
        return stack.enter_context(Client(cluster))
    try:
        return stack.enter_context(Client(scheduler, timeout=defaults.DASK_CONNECT_TIMEOUT))
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"Cannot reach the Dask scheduler at {scheduler}: {str(exc).splitlines()[0]}",
                         "Check the address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running.") from exc


def _score_and_write(part, model: Model, decision: Decision, path: str, kind: str, gz: bool) -> tuple[int, int]:
    """Score one partition and write it to ``path``; return (rows, rows scored). Runs on a worker."""
    out, scored = score_chunk(model, part.reset_index(drop=True), decision)
    if not _is_url(path):
        with TableWriter(path) as writer:
            writer.write(out)
        return len(out), scored
    import fsspec

    with fsspec.open(path, "wb", compression="gzip" if gz else None) as handle:
        if kind == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pandas(out, preserve_index=False), handle)
        else:
            handle.write(encode_rows(out, kind, header=True).encode("utf-8"))
    return len(out), scored


def predict_table(
    model: Model,
    source: str | Path,
    output_dir: str | Path,
    *,
    decision: Decision,
    fmt: str | None = None,
    encoding: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    blocksize=defaults.DASK_BLOCKSIZE,
    progress: Progress = quiet_progress,
) -> dict:
    """Score every row of ``source`` on a Dask cluster and write ``output_dir/part-NNNNN.<format>``.

    ``scheduler`` is a scheduler address; without it a local cluster of
    ``workers`` processes (default: one per core) on 127.0.0.1 runs the job.
    The output format is ``fmt``, else the input's. Returns the counts
    ``{"rows_read", "rows_scored", "rows_skipped", "output", "outputs"}``.
    """
    require_dask()
    import dask
    import fsspec
    from dask import delayed
    from distributed import as_completed

    paths, in_format = input_paths(source)
    kind = (fmt or in_format.kind).lower()
    if kind not in ("csv", "tsv", "jsonl", "parquet"):
        table_format("-", kind)
    out_format = TableFormat(kind, in_format.gzip and kind != "parquet")
    fs, root = fsspec.core.url_to_fs(str(output_dir))
    if fs.exists(root) and not fs.isdir(root):
        raise OutputError(f"{output_dir} is a file, not a folder.", "Give --output-dir a folder name.")
    if fs.exists(root) and fs.glob(root.rstrip("/") + "/part-*"):
        raise OutputError(f"{output_dir} already holds part-* files from an earlier run.",
                          "Give --output-dir a new folder, or empty this one.")
    written: list[str] = []
    with contextlib.ExitStack() as stack, dask.config.set({"dataframe.convert-string": False}):
        progress("Starting Dask")
        client = _client(scheduler, workers, stack)
        frame = read_partitions(paths, in_format, encoding=encoding, blocksize=blocksize)
        if decision.text_col not in frame.columns:
            existing = ", ".join(map(repr, map(str, frame.columns))) or "none"
            raise ColumnError(f"{source} has no column {decision.text_col!r} (its columns: {existing}).",
                              "Pass --text-col with one of those names.")
        decision.check_columns(pd.DataFrame(columns=list(frame.columns)).columns, source)
        fs.makedirs(root, exist_ok=True)
        separator = "" if str(output_dir).endswith("/") else "/"
        parts = frame.to_delayed()
        targets = [f"{output_dir}{separator}part-{i:05d}{out_format.suffix}" for i in range(len(parts))]
        shared_model = client.scatter(model, broadcast=True, hash=False)
        tasks = [delayed(_score_and_write)(part, shared_model, decision, target, kind, out_format.gzip)
                 for part, target in zip(parts, targets)]
        futures = client.compute(tasks)
        rows = scored = done = 0
        progress("Predicting", 0, None, work_done=0, work_total=len(futures))
        try:
            for future in as_completed(futures):
                part_rows, part_scored = future.result()
                rows, scored, done = rows + part_rows, scored + part_scored, done + 1
                progress("Predicting", rows, None, work_done=done, work_total=len(futures))
        except BaseException as exc:
            client.cancel(futures)
            for target in targets:
                with contextlib.suppress(Exception):
                    fs.rm(fsspec.core.url_to_fs(target)[1])
            if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.startswith("classifier"):
                raise ClassifierError("The Dask workers cannot import classifier.",
                                      "Install classifier on every worker: " + EXTRA_HINT.split(": ", 1)[1]) from exc
            raise
        written = targets
    return {"rows_read": rows, "rows_scored": scored, "rows_skipped": rows - scored, "output": str(output_dir),
            "outputs": written}


__all__ = ["predict_table", "read_partitions", "require_dask"]
