"""The model a worker serves, loaded once, with its card; and its replacement on ``POST /reload``, which
swaps in one assignment and keeps the old model when the new file does not load."""

from __future__ import annotations

import asyncio
import gc
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier import api, defaults
from classifier.explain import top_terms
from classifier.io.model_file import load_described


@dataclass(frozen=True)
class Loaded:
    """A loaded model, the card ``classifier info --json`` shows for its file, and when it was loaded."""

    model: object
    info: dict
    path: Path
    loaded_at: str
    warnings: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """The SHA-256 of the model's payload: which model answered."""
        return self.info.get("file", {}).get("payload_sha256", "")

    def summary(self) -> dict:
        return {"path": str(self.path), "payload_sha256": self.sha256, "loaded_at": self.loaded_at,
                "task": self.info.get("task"), "labels": list(self.info.get("labels", [])),
                "warnings": list(self.warnings)}


def load(path: str | Path) -> Loaded:
    """Load and check the model file ``path`` (a :class:`~classifier.errors.ModelError` if it cannot be
    used); version warnings are kept in ``warnings``."""
    path = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", api.VersionWarning)
        model, info = load_described(path)
    info["top_terms"] = top_terms(model.pipeline, model.labels, defaults.TOP_TERMS)
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, api.VersionWarning))
    return Loaded(model, info, path, datetime.now(UTC).isoformat(timespec="seconds"), notes)


def settle() -> None:
    """Collect garbage once, then keep every object alive now (the model's many small objects among them)
    out of later collections: without this, each full collection walks the whole model, and on a busy
    server the pauses it causes dominate the slowest latencies (p99 726 ms instead of 22 ms for single texts
    at 32 concurrent requests in ``benchmarks/serve.py``)."""
    gc.collect()
    gc.freeze()


class Holder:
    """The model a worker serves now. Readers take ``current`` once per batch; :meth:`reload` replaces
    it in one assignment, only after the new file has loaded and passed its checks."""

    def __init__(self, loaded: Loaded):
        self.current = loaded
        self._lock = asyncio.Lock()

    async def reload(self, path: str | Path | None = None) -> Loaded:
        """Load ``path`` (default: the file served now) off the event loop and serve it; on any error
        the old model stays and the error is raised."""
        async with self._lock:
            loaded = await asyncio.to_thread(load, path or self.current.path)
            self.current = loaded
            return loaded

    async def check(self, path: str | Path | None = None) -> Loaded:
        """Load ``path`` as :meth:`reload` would, without serving it."""
        async with self._lock:
            return await asyncio.to_thread(load, path or self.current.path)
