"""Requests that wait at the same time are scored together: one call of :func:`classifier.api.predict`
per set of options, on one thread per worker, so the event loop stays free to read requests meanwhile.

Each text's labels and scores are the ones :func:`classifier.api.predict` gives it alone: the decision is
taken row by row, whatever other texts share the call.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from classifier import api

log = logging.getLogger("classifier.service")


@dataclass(frozen=True)
class Options:
    """The decision options of a request; requests with equal options share a call."""

    top_k: int | None = None
    threshold: float | None = None
    explain: bool = False


@dataclass
class _Job:
    texts: list[str]
    options: Options
    future: asyncio.Future = field(repr=False)


class Batcher:
    """Queues requests and scores whatever is waiting, up to ``max_texts`` texts per round (a request is
    never split), with the model ``current()`` returns at the start of the round."""

    def __init__(self, current, max_texts: int):
        self.current = current
        self.max_texts = max_texts
        self._waiting: list[_Job] = []
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classifier-predict")
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def predict(self, texts: list[str], options: Options) -> list[dict]:
        """The results of :func:`classifier.api.predict` for ``texts`` with ``options``."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(_Job(texts, options, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                jobs = self._take()
                model = self.current()
                outcomes = await loop.run_in_executor(self._executor, _score, model, jobs)
                for job, outcome in zip(jobs, outcomes):
                    if job.future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        job.future.set_exception(outcome)
                    else:
                        job.future.set_result(outcome)

    def _take(self) -> list[_Job]:
        jobs, count = [], 0
        while self._waiting and (not jobs or count + len(self._waiting[0].texts) <= self.max_texts):
            job = self._waiting.pop(0)
            jobs.append(job)
            count += len(job.texts)
        return jobs


def _score(model, jobs: list[_Job]) -> list:
    """Per job, its results or the exception its call raised (other calls are unaffected)."""
    groups: dict[Options, list[int]] = {}
    for i, job in enumerate(jobs):
        if not job.future.done():
            groups.setdefault(job.options, []).append(i)
    outcomes: list = [None] * len(jobs)
    for options, members in groups.items():
        texts = [t for i in members for t in jobs[i].texts]
        try:
            results = api.predict(model, texts, top_k=options.top_k, threshold=options.threshold,
                                  explain=options.explain)
        except Exception as exc:  # handed to the request that asked, which answers with an error
            if not isinstance(exc, api.ClassifierError):
                log.exception("Scoring failed")
            for i in members:
                outcomes[i] = exc
            continue
        start = 0
        for i in members:
            end = start + len(jobs[i].texts)
            outcomes[i] = results[start:end]
            start = end
    return outcomes
