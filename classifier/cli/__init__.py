"""The ``classifier`` command line: parse arguments, call the library, format the result.

:mod:`classifier.cli.app` holds the typer app and the error, interruption and progress handling
every command shares; each command is a module of its own (``train``, ``predict``, ``evaluate``,
``info``, ``explain``, ``convert``, ``audit``, ``serve``) that registers on the app when imported, here, in
the order ``--help`` lists them; :mod:`classifier.cli.render` builds the larger rich tables.
Every error a user can cause ends as one ``Error: ...`` line on stderr and exit code 1; an
interruption ends with exit code 130.
"""

from __future__ import annotations

from classifier.cli import train, predict, evaluate, info, explain, convert, audit, serve  # noqa: F401  (registers, in order)
from classifier.cli import cv, tune, compare  # noqa: F401  (registers)
from classifier.cli import suggest, card  # noqa: F401  (registers)
from classifier.cli.app import OPTION_NAMES, app, as_options, main

__all__ = ["app", "main", "as_options", "OPTION_NAMES"]
