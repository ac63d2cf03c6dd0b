"""Progress reporting: the callback type long library steps report through, and the silent default.

Library functions never print; they call ``progress(stage, done=None, total=None, **details)``
and the CLI turns the calls into a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[..., None]


def quiet_progress(stage: str, done: int | None = None, total: int | None = None, **details) -> None:
    """The default progress callback: report nothing."""
