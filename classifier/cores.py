"""The cores this process may run on, which set the default number of threads and worker processes."""

from __future__ import annotations

import contextlib
import os

def default_jobs() -> int:
    """Threads or worker processes used when ``jobs`` is not given: one per core this process may run on."""
    with contextlib.suppress(AttributeError):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
