"""Batch prediction on a Dask cluster (``classifier predict --engine dask``).

The input (a file, folder, glob, or a URL fsspec understands such as
``s3://bucket/news/*.parquet``) is expanded to its table files, and each file
is one task. The model is sent to each worker once; a task streams its file
through the same strict reader as the local engine
(:func:`classifier.io.tables.iter_table`) in chunks of ``chunk_size`` rows,
scores each chunk with the local engine's code
(:func:`classifier.prediction.scoring.score_chunk`) and writes it to its own
part, ``part-00000.<format>``, ``part-00001...`` in the output folder (one per
input file, in name order). So memory stays bounded in every task, a malformed
file fails with the same error as on one machine, and the parts read in order
are row for row the local engine's output.

Dask is an optional extra: ``pip install 'classifier[dask]'``. Workers of a
real cluster need ``classifier`` installed too (the model file does not: the
model is sent from the machine that runs the command).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from pathlib import Path

from classifier import defaults
from classifier.cores import default_jobs
from classifier.errors import ClassifierError, InputError, OutputError
from classifier.files import check_readable
from classifier.io.formats import FORMATS, STDIO, TableFormat, is_url, table_format
from classifier.io.paths import LocatedPath, expand_inputs, expand_url, located
from classifier.io.tables import TableWriter, iter_table, require_column
from classifier.model import Model
from classifier.prediction.scoring import Decision, score_chunk
from classifier.progress import Progress, quiet_progress

EXTRA_HINT = "Install the extra: pip install 'classifier[dask]'."
STOP_WAIT_SECONDS = 60
"""After a task fails, how long to wait for the other running tasks to stop before removing the parts."""


class Stopped(Exception):
    """A task gave up because another task of the job failed (its partial part is dropped)."""


def require_dask() -> None:
    """Raise a one-line :class:`InputError` naming the extra when Dask is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise InputError(f"`engine` dask needs Dask, which is not installed ({exc.name} is missing).",
                         EXTRA_HINT) from exc


def input_files(source: str | Path) -> tuple[list[str | LocatedPath], TableFormat]:
    """The table files ``source`` names, as workers can open them, and their (one) format.

    A local file, folder or glob gives its files located by absolute path
    (named in messages as given); a URL, folder URL or URL glob gives URLs.
    """
    text = str(source)
    if text == STDIO:
        raise InputError("`engine` dask cannot read standard input.", "Give a file, folder, glob or URL.")
    files = expand_url(text) if is_url(text) else expand_inputs(text)
    formats = {table_format(f) for f in files}
    if len(formats) > 1:
        raise InputError(f"{text} mixes table formats ({', '.join(sorted(f.suffix for f in formats))}).",
                         "Give a glob that matches files of one format, such as 'parts/*.parquet'.")
    for name in files:
        if not is_url(name):
            check_readable(Path(name), "table")
    return [located(name) for name in files], formats.pop()


def predict_file(source, target, model: Model, decision: Decision, kind: str, encoding: str | None,
                 chunk_size: int | None, stop: str | None = None) -> tuple[int, int, int]:
    """Score every row of the table ``source`` and write them to ``target`` in format ``kind``, chunk by
    chunk, as the local engine does; return (rows, rows scored, texts cut). Runs on a worker.

    ``stop`` names a :class:`distributed.Event`, checked before each chunk: once
    it is set (another task failed), the task raises :class:`Stopped` and
    writes nothing.
    """
    stopped = _event(stop).is_set if stop else (lambda: False)
    rows = scored = cut = 0
    with contextlib.ExitStack() as stack:
        writer = None
        for chunk in iter_table(source, chunk_size=chunk_size, encoding=encoding):
            if stopped():
                raise Stopped(f"{source}: stopped, since another file of the job failed.")
            require_column(chunk, decision.text_col, "text_col", source)
            if writer is None:
                decision.check_columns(chunk.columns, source)
                writer = stack.enter_context(TableWriter(target, kind))
            out, chunk_scored, chunk_cut = score_chunk(model, chunk, decision)
            writer.write(out)
            rows, scored, cut = rows + len(out), scored + chunk_scored, cut + chunk_cut
    return rows, scored, cut


def _event(name: str, client=None):
    from distributed import Event

    return Event(name, client=client)


def _client(scheduler: str | None, workers: int, stack: contextlib.ExitStack):
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                   processes=True, host="127.0.0.1", dashboard_address=None,
                                                   silence_logs=logging.ERROR))
        return stack.enter_context(Client(cluster))
    try:
        return stack.enter_context(Client(scheduler, timeout=defaults.DASK_CONNECT_TIMEOUT))
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"Cannot reach the Dask scheduler at {scheduler}: {str(exc).splitlines()[0]}",
                         "Check the address (e.g. tcp://10.0.0.5:8786) and that the scheduler is running.") from exc


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
    chunk_size: int | None = defaults.CHUNK_SIZE,
    progress: Progress = quiet_progress,
) -> dict:
    """Score every row of ``source`` on a Dask cluster and write ``output_dir/part-NNNNN.<format>``,
    one part per input file.

    ``scheduler`` is a scheduler address; without it a local cluster of
    ``workers`` processes (default: one per core, at most one per input file)
    on 127.0.0.1 runs the job. The output format is ``fmt``, else the input's.
    Returns the counts ``{"rows_read", "rows_scored", "rows_skipped", "texts_cut", "output", "outputs"}``.
    """
    require_dask()
    import fsspec
    from distributed import as_completed, wait

    files, in_format = input_files(source)
    kind = (fmt or in_format.kind).lower()
    if kind not in FORMATS:
        table_format(STDIO, kind)
    out_format = TableFormat(kind, in_format.gzip and kind != "parquet")
    fs, root = fsspec.core.url_to_fs(str(output_dir))
    if fs.exists(root) and not fs.isdir(root):
        raise OutputError(f"{output_dir} is a file, not a folder.", "Give `output_dir` a folder name.")
    if fs.exists(root) and fs.glob(root.rstrip("/") + "/part-*"):
        raise OutputError(f"{output_dir} already holds part-* files from an earlier run.",
                          "Give `output_dir` a new folder, or empty this one.")
    separator = "" if str(output_dir).endswith("/") else "/"
    targets = [f"{output_dir}{separator}part-{i:05d}{out_format.suffix}" for i in range(len(files))]
    with contextlib.ExitStack() as stack:
        progress("Starting Dask")
        client = _client(scheduler, min(workers or default_jobs(), len(files)), stack)
        if is_url(output_dir):
            fs.makedirs(root, exist_ok=True)
        shared_model = client.scatter(model, broadcast=True, hash=False)
        stop = f"classifier-stop-{uuid.uuid4().hex}"
        futures = [client.submit(predict_file, name, located(target), shared_model, decision, kind, encoding,
                                 chunk_size, stop, pure=False)
                   for name, target in zip(files, targets)]
        rows = scored = cut = done = 0
        progress("Predicting", 0, None, work_done=0, work_total=len(futures))
        try:
            for future in as_completed(futures):
                file_rows, file_scored, file_cut = future.result()
                rows, scored, cut, done = rows + file_rows, scored + file_scored, cut + file_cut, done + 1
                progress("Predicting", rows, None, work_done=done, work_total=len(futures))
        except BaseException as exc:
            _event(stop, client).set()  # running tasks stop at their next chunk, waiting ones at their first
            with contextlib.suppress(Exception):
                wait(futures, timeout=STOP_WAIT_SECONDS)
            client.cancel(futures)
            for target in targets:
                with contextlib.suppress(Exception):
                    fs.rm(fsspec.core.url_to_fs(target)[1])
            if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.startswith("classifier"):
                raise ClassifierError("The Dask workers cannot import classifier.",
                                      "Install classifier on every worker: " + EXTRA_HINT.split(": ", 1)[1]) from exc
            raise
    return {"rows_read": rows, "rows_scored": scored, "rows_skipped": rows - scored, "texts_cut": cut,
            "output": str(output_dir), "outputs": targets}


__all__ = ["input_files", "predict_file", "predict_table", "require_dask"]
