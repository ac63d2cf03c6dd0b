"""Batch prediction: score every row of one or many tables, streaming, on every core.

Tables are read in chunks of ``chunk_size`` rows by the main process, scored
(and, for CSV, TSV and JSON Lines, encoded) by a pool of worker processes that
each load the model once, and written back in input order, so memory stays
bounded by a few chunks however large the input. Small inputs are scored in
the main process: a pool starts only once more than ``parallel_min_rows`` rows
have been read, because starting one costs about a second.

Only :meth:`Model.predict_proba` and ``Model.labels`` are used, so any model
bundle works, whatever its pipeline.
"""

from __future__ import annotations

import pickle
import signal
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from classifier import defaults
from classifier.cores import default_jobs
from classifier.errors import ClassifierError, ColumnError, InputError
from classifier.steps import FEATURES
from classifier.io.paths import Job, expand_inputs, parquet_rows, plan_outputs
from classifier.io.tables import STDIO, TableWriter, encode_rows, iter_table, require_column
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.prediction.scoring import Decision, score_chunk
from classifier.validation import check_at_least, check_decision






_WORKER_MODEL: Model | None = None


def _init_worker(payload: bytes) -> None:
    """Load the model once in a worker process; Ctrl-C is left to the main process, which stops the pool."""
    global _WORKER_MODEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_MODEL = pickle.loads(payload)
    features = _WORKER_MODEL.pipeline.named_steps[FEATURES]
    if hasattr(features, "n_jobs"):
        features.n_jobs = 1


def _score_and_encode(model: Model, chunk: pd.DataFrame, decision: Decision, kind: str, header: bool):
    out, scored, cut = score_chunk(model, chunk, decision)
    if kind == "parquet":
        return out, (scored, cut)
    return encode_rows(out, kind, header=header), (scored, cut)


def _worker_task(chunk: pd.DataFrame, decision: Decision, kind: str, header: bool):
    return _score_and_encode(_WORKER_MODEL, chunk, decision, kind, header)


class _Close:
    """A marker in the stream of chunks: every chunk bound for ``output`` is ahead of it."""

    def __init__(self, output: str):
        self.output = output


class _OrderedScorer:
    """Scores chunks in the main process or a process pool and hands results back in input order.

    A model whose vectoriser runs on threads (the default ``TextFeatures``)
    scores in this process on ``jobs`` threads: as fast as worker processes
    on two cores, with a third of the memory. Other models (the out-of-core
    one, whose vectoriser is pure Python) use ``jobs`` worker processes.

    At most ``2 * jobs`` chunks are in flight, so memory is bounded by a few chunks.
    """

    def __init__(self, model: Model, decision: Decision, jobs: int, parallel_min_rows: int):
        self.model, self.decision, self.jobs = model, decision, jobs
        self.threaded = hasattr(model.pipeline.named_steps[FEATURES], "n_jobs")
        self.parallel_min_rows = parallel_min_rows
        self.pool = None
        self.rows_seen = 0

    def run(self, items) -> Iterator[tuple]:
        """Yield ``(result, (scored, cut), meta)`` per chunk item ``(chunk, kind, header, meta)``, and ``_Close`` markers.

        Chunks scored in this process use ``jobs`` vectorising threads, so
        ``jobs=1`` keeps to one core.
        """
        pending: deque = deque()
        finished = False
        features = self.model.pipeline.named_steps[FEATURES]
        threads = getattr(features, "n_jobs", None)
        if hasattr(features, "n_jobs"):
            features.n_jobs = self.jobs
        try:
            for item in items:
                if isinstance(item, _Close):
                    pending.append(item)
                else:
                    pending.append(self._submit(*item))
                while pending and (len(pending) > 2 * self.jobs or not _is_future(pending[0])):
                    yield self._resolve(pending.popleft())
            while pending:
                yield self._resolve(pending.popleft())
            finished = True
        finally:
            if hasattr(features, "n_jobs"):
                features.n_jobs = threads
            if self.pool is not None:
                self.pool.shutdown(wait=finished, kill_workers=not finished)

    def _submit(self, chunk, kind, header, meta):
        self.rows_seen += len(chunk)
        if (self.pool is None and self.jobs > 1 and self.rows_seen > self.parallel_min_rows
                and not self.threaded):
            self.pool = _start_pool(self.model, self.jobs)
        if self.pool is None:
            return (*_score_and_encode(self.model, chunk, self.decision, kind, header), meta)
        return (self.pool.submit(_worker_task, chunk, self.decision, kind, header), meta)

    @staticmethod
    def _resolve(item):
        if isinstance(item, _Close) or not _is_future(item):
            return item
        from concurrent.futures.process import BrokenProcessPool

        future, meta = item
        try:
            result, scored = future.result()
        except BrokenProcessPool as exc:
            raise ClassifierError("A worker process stopped unexpectedly (out of memory?).",
                                  "Retry with fewer `jobs` or a smaller `chunk_size`.") from exc
        return result, scored, meta


def suits_compact(source: str | Path) -> bool:
    """Whether a table job on ``source`` is better scored by a model's compact scorer than its pipeline.

    The compact scorer starts without importing scikit-learn (about 2 s sooner) but scores each row
    about a quarter slower, so past :data:`~classifier.defaults.COMPACT_MAX_BYTES` of input the
    pipeline finishes first. Standard input and URLs, whose size is unknown, use the compact scorer."""
    import os

    from classifier.io.formats import is_url

    text = str(source)
    if text == STDIO or is_url(text):
        return True
    try:
        total = sum(os.path.getsize(path) for path in expand_inputs(text))
    except (OSError, ClassifierError):
        return True
    return total <= defaults.COMPACT_MAX_BYTES


def _is_future(item) -> bool:
    return isinstance(item, tuple) and len(item) == 2


def _start_pool(model: Model, jobs: int):
    """A loky process pool (joblib's): fresh interpreters, not forks, so the progress bar's thread is safe,
    and unlike multiprocessing's spawn it does not re-run the caller's script in each worker."""
    from joblib.externals.loky import ProcessPoolExecutor

    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    return ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(payload,))



def predict_table(
    model: Model,
    source: str | Path,
    output: str | Path | None = STDIO,
    *,
    output_dir: str | Path | None = None,
    text_col: str = defaults.TEXT_COL,
    top_k: int | None = None,
    threshold: float | None = None,
    probs: bool = False,
    explain: bool = False,
    safe_csv: bool = False,
    max_chars: int | None = None,
    fmt: str | None = None,
    chunk_size: int = defaults.CHUNK_SIZE,
    encoding: str | None = None,
    jobs: int | None = None,
    parallel_min_rows: int = defaults.PARALLEL_MIN_ROWS,
    engine: str = "local",
    scheduler: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Score every row of the table(s) ``source`` and write them, with prediction columns added.

    ``source`` is a file, ``-`` (CSV on standard input), a folder (every table
    in it) or a glob such as ``parts/*.parquet``. All rows go to ``output``
    (one combined table; every input must have the same columns), or, with
    ``output_dir``, each input to its own file in that folder.

    Rows are streamed in chunks of ``chunk_size`` and scored on ``jobs`` cores
    (default: all; threads in this process for the default features, worker
    processes for an out-of-core model: see :class:`_OrderedScorer`); the output keeps every input
    row in order with its columns unchanged, and adds ``predicted_label``
    (labels joined by the model's separator, in the model's label order for
    multi-label, empty when none) and ``predicted_score`` (the probability of
    each predicted label, joined the same way when there are several), plus
    ``prob_<label>`` columns with ``probs``, and ``predicted_terms`` (the
    terms behind each predicted label, with their contributions) with
    ``explain``. Rows with an empty text are kept,
    unscored. With ``safe_csv``, every text cell a spreadsheet would run as a
    formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
    is written with a leading ``'``; without it, input cells pass through
    unchanged. A text longer than ``max_chars`` characters (default
    :data:`classifier.defaults.MAX_TEXT_CHARS`) is scored on its first
    ``max_chars`` characters (its cell is written back whole) and counted in
    ``texts_cut``. Returns counts: ``{"rows_read", "rows_scored", "rows_skipped",
    "texts_cut", "output"}``, plus ``"outputs"`` (the files written) with ``output_dir``.

    ``progress(stage, rows_done, None, work_done=bytes_read, work_total=bytes)``
    is called after each chunk is written; the byte counts (compressed bytes
    for gzip) are ``None`` when an input's size is unknown (standard input).

    ``engine="dask"`` runs the job on a Dask cluster instead (``scheduler``
    address, else a local cluster of ``jobs`` workers) and writes one file per
    partition in ``output_dir``: see :func:`classifier.prediction.dask_engine.predict_table`.
    """
    check_decision(top_k, threshold)
    check_at_least("chunk_size", chunk_size, 1, "Use a value such as 10000.")
    check_at_least("jobs", jobs, 1, "Leave it out to use every core.")
    decision = Decision.for_model(model, text_col=text_col, top_k=top_k, threshold=threshold, probs=probs,
                                  explain=explain, safe_csv=safe_csv, max_chars=max_chars)
    if engine == "dask":
        from classifier.prediction.dask_engine import predict_table as dask_predict_table

        if output not in (None, STDIO):
            raise InputError("`engine` dask writes one file per partition, not one `output` file.",
                             "Give `output_dir` DIR instead of `output`.")
        if output_dir is None:
            raise InputError("`engine` dask needs `output_dir`: it writes one file per partition.",
                             "Add `output_dir` DIR.")
        return dask_predict_table(model, source, output_dir, decision=decision, fmt=fmt, encoding=encoding,
                                  scheduler=scheduler, workers=jobs, progress=progress)
    if engine != "local":
        raise InputError(f"Unknown engine {engine!r}.", "Use `engine` local or `engine` dask.")
    if scheduler is not None:
        raise InputError("`scheduler` only applies to `engine` dask.", "Add `engine` dask, or drop `scheduler`.")
    notes = []
    cores = default_jobs()
    if jobs is not None and jobs > cores:
        notes.append(f"`jobs` {jobs} is more than the {cores} cores this process may use: used {cores}.")
    jobs = cores if jobs is None else min(jobs, cores)
    plan = plan_outputs(expand_inputs(source), output, output_dir, fmt)
    total_bytes = None if any(job.size is None for job in plan) else sum(job.size for job in plan)
    counts = {"read": 0, "scored": 0, "cut": 0}
    scorer = _OrderedScorer(model, decision, jobs, parallel_min_rows)
    progress("Predicting", 0, None, work_done=0, work_total=total_bytes)
    with _Writers(fmt) as writers:
        for item in scorer.run(_chunks(plan, decision, chunk_size, encoding, writers)):
            if isinstance(item, _Close):
                writers.close(item.output)
                continue
            result, (scored, cut), (output_path, position, rows) = item
            writer = writers.open[output_path]
            if isinstance(result, str):
                writer.write_encoded(result, rows)
            else:
                writer.write(result)
            counts["read"] += rows
            counts["scored"] += scored
            counts["cut"] += cut
            progress("Predicting", counts["read"], None, work_done=position, work_total=total_bytes)
    summary = {"rows_read": counts["read"], "rows_scored": counts["scored"],
               "rows_skipped": counts["read"] - counts["scored"], "texts_cut": counts["cut"],
               "output": plan[0].output}
    if output_dir is not None:
        summary.update(output=str(output_dir), outputs=[job.output for job in plan])
    if notes:
        summary["notes"] = notes
    return summary


class _Writers:
    """The open output writers by path; on an error every one still open is abandoned (no partial file)."""

    def __init__(self, fmt: str | None):
        self.fmt = fmt
        self.open: dict[str, TableWriter] = {}

    def get(self, path: str) -> TableWriter:
        if path not in self.open:
            writer = TableWriter(path, self.fmt)
            writer.__enter__()
            self.open[path] = writer
        return self.open[path]

    def close(self, path: str) -> None:
        self.open.pop(path).__exit__(None, None, None)

    def __enter__(self) -> "_Writers":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        while self.open:
            _, writer = self.open.popitem()
            writer.__exit__(exc_type, exc, tb)


def _chunks(plan: list[Job], decision: Decision, chunk_size, encoding, writers: _Writers) -> Iterator:
    """Every input's chunks as ``(chunk, kind, header, (output, bytes_position, rows))``, in order,
    with a ``_Close`` marker after the last chunk bound for each output."""
    handed: dict[str, int] = {}
    columns: dict[str, tuple] = {}
    done_bytes = 0
    for index, job in enumerate(plan):
        file_rows = parquet_rows(job.source) if job.size else None
        read_here = 0
        for chunk in iter_table(job.source, chunk_size=chunk_size, encoding=encoding):
            require_column(chunk, decision.text_col, "`text_col`", job.source)
            if read_here == 0:
                decision.check_columns(chunk.columns, job.source)
                if job.output in columns and tuple(chunk.columns) != columns[job.output]:
                    raise ColumnError(f"{job.source} does not have the same columns as {plan[0].source}, so "
                                      "they cannot go into one output table.",
                                      "Use `output_dir` to write one output per input.")
                columns.setdefault(job.output, tuple(chunk.columns))
            writer = writers.get(job.output)
            read_here += len(chunk)
            position = None
            if job.size is not None:
                within = chunk.attrs.get("position")
                if within is None and file_rows:
                    within = job.size * read_here / file_rows
                position = done_bytes + min(job.size, within or 0)
            header = handed.get(job.output, 0) == 0
            handed[job.output] = handed.get(job.output, 0) + len(chunk) + 1
            yield chunk, writer.format.kind, header, (job.output, position, len(chunk))
        done_bytes += job.size or 0
        if all(other.output != job.output for other in plan[index + 1:]):
            yield _Close(job.output)


__all__ = ["default_jobs", "predict_table"]
