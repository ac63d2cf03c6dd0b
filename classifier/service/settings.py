"""What a server is started with: model, address, workers, token and request limits."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from classifier import defaults
from classifier.errors import InputError

SETTINGS_ENV = "CLASSIFIER_SERVE_SETTINGS"
"""How the settings reach worker processes (``--workers`` above 1): as JSON in this environment variable.
The token itself never goes there; workers read it again from the token file or ``CLASSIFIER_TOKEN``."""


@dataclass(frozen=True)
class Settings:
    """A server's settings; every limit defaults to ``classifier.defaults``."""

    model: Path = defaults.MODEL_PATH
    host: str = defaults.SERVE_HOST
    port: int = defaults.SERVE_PORT
    workers: int = defaults.SERVE_WORKERS
    token_file: Path | None = None
    insecure: bool = False
    max_body_bytes: int = defaults.SERVE_MAX_BODY_BYTES
    max_texts: int = defaults.SERVE_MAX_TEXTS
    max_chars: int = defaults.SERVE_MAX_CHARS
    body_timeout: float = defaults.SERVE_BODY_TIMEOUT
    graceful_timeout: float = defaults.SERVE_GRACEFUL_TIMEOUT
    batch_texts: int = defaults.SERVE_BATCH_TEXTS
    access_log: bool = False

    def __post_init__(self):
        object.__setattr__(self, "model", Path(self.model))
        if self.token_file is not None:
            object.__setattr__(self, "token_file", Path(self.token_file))
        if not 0 <= self.port <= 65535:
            raise InputError(f"`port` must be between 0 and 65535, not {self.port}.", "Use `port` 8000, or 0 for "
                             "any free port.")
        for name in ("workers", "max_body_bytes", "max_texts", "max_chars", "batch_texts"):
            if getattr(self, name) < 1:
                raise InputError(f"`{name}` must be 1 or more, not {getattr(self, name)}.",
                                 f"Leave `{name}` out for its default.")
        for name in ("body_timeout", "graceful_timeout"):
            if not getattr(self, name) > 0:
                raise InputError(f"`{name}` must be a number of seconds above 0, not {getattr(self, name)}.",
                                 f"Leave `{name}` out for its default.")

    def with_port(self, port: int) -> Settings:
        """The same settings with the port actually bound (when 0 asked for any free one)."""
        return replace(self, port=port)

    def to_environment(self) -> str:
        """The settings as the JSON that :func:`from_environment` reads."""
        return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()})


def from_environment(environ=os.environ) -> Settings:
    """The settings a parent process put in :data:`SETTINGS_ENV`."""
    return Settings(**json.loads(environ[SETTINGS_ENV]))
