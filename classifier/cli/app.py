"""The ``classifier`` typer app and what every command shares.

Owns the app and its command group, the options several commands declare alike, the mapping of
library parameter names to options (:func:`as_options`), and the edge where library errors,
version warnings, usage errors, Ctrl-C and SIGTERM become one ``Error: ...`` (or ``Warning: ...``)
line on stderr and an exit code (1 for errors, 130 for an interruption). SIGTERM is turned into
Ctrl-C here, once per run. Also the progress bar, the console and JSON output. The commands
themselves live in one module each and register on :data:`app` when imported.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import re
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from classifier import api
from classifier.errors import ClassifierError

INTERRUPTED = "Interrupted; no partial file was left behind."


def _terminate(signum, frame):
    raise KeyboardInterrupt


class _Group(TyperGroup):
    """Runs commands so that usage errors, library errors and interruptions all print one line.

    For the whole run, SIGTERM stops the program like Ctrl-C (exit code 130).
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        previous = signal.getsignal(signal.SIGTERM)
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, _terminate)
        try:
            self._run(args, prog_name, complete_var, **extra)
        finally:
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGTERM, previous)

    def _run(self, args, prog_name, complete_var, **extra):
        try:
            result = super().main(args=args, prog_name=prog_name or "classifier", complete_var=complete_var,
                                  standalone_mode=False, **extra)
            sys.stdout.flush()
        except typer.TyperException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
                sys.exit(0)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            hint = _usage_hint(getattr(exc, "ctx", None))
            error(f"{message.rstrip('.')}.{hint}")
            sys.exit(1)
        except typer.Abort:
            error(INTERRUPTED)
            sys.exit(130)
        except OSError as exc:
            if exc.errno not in NO_SPACE:
                raise
            error(no_space_message(exc))
            _drop_standard_output()
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""The ``errno`` values of a full device or quota."""


def no_space_message(exc: OSError) -> str:
    """The one-line error for ``exc``, a write that found no space left."""
    where = f" to write {exc.filename}" if exc.filename else ""
    return (f"There is no space left on the device{where} (an output file is kept only when complete). "
            "Free some space, or write the output elsewhere, and run the command again.")


def _drop_standard_output() -> None:
    """Point standard output at /dev/null, so what is still buffered for a full device is not written (and
    does not fail again) when Python flushes it on exit."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _usage_hint(ctx) -> str:
    if ctx is None:
        return " Run 'classifier --help' for usage."
    return f" Run '{ctx.command_path} --help' for usage."


app = typer.Typer(
    cls=_Group,
    name="classifier",
    help="Train TF-IDF topic classifiers for security and policy news, and score text in bulk.\n\n"
    "Security: a .joblib model file is a Python pickle, and loading one can run arbitrary code; only load "
    "joblib models you trained or got from someone you trust. A .skops model loads without running code "
    "from the file: share models as .skops (classifier convert).\n\n"
    "Example: classifier train && classifier predict \"Police arrest suspects in bombing\"",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

MODEL_HELP = ("Model file: .skops (safe to load: no code from the file runs) or .joblib (a Python pickle: "
              "loading one can run arbitrary code, so only load joblib models from sources you trust).")
ModelOpt = Annotated[Path, typer.Option("--model", "-m", envvar="CLASSIFIER_MODEL", show_envvar=True,
                                          help=MODEL_HELP)]
TextColOpt = Annotated[str, typer.Option("--text-col", help="Column holding the text.")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="Text encoding of CSV/TSV/JSONL input "
                                                 "(default utf-8; e.g. cp1252, latin-1).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")]
MaxCharsOpt = Annotated[int, typer.Option("--max-chars", help="Longest text scored: a longer one is scored on its "
                                          "first N characters and counted (its cell is written back whole). "
                                          "Bounds memory: about 110 bytes per character.")]


OPTION_NAMES = {"fmt": "--format", "source": "--input", "top": "--top"}
"""Library parameters whose option is not the parameter's name with dashes."""

_PARAMETER = re.compile(r"`([a-z][a-z0-9_]*|C)`")


def as_options(message: str) -> str:
    """A library message with each `parameter` named as the command-line option that sets it."""
    return _PARAMETER.sub(lambda m: OPTION_NAMES.get(m.group(1), "--" + m.group(1).replace("_", "-")), message)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text) -> str:
    """``text`` with control characters and bidirectional overrides shown as escapes (``\\x1b``), so
    nothing a data file or a shared model holds can move the cursor, clear the screen, set the window
    title or reorder a line when it is printed to a terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def error(message: str) -> None:
    """Print ``Error: message`` on stderr, its `parameters` named as options."""
    sys.stderr.write(f"Error: {visible(as_options(message))}\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """Print ``Warning: message`` on stderr."""
    sys.stderr.write(f"Warning: {visible(message)}\n")


@functools.lru_cache(maxsize=1)
def _table_class():
    from rich.table import Table
    from rich.text import Text

    class LiteralTable(Table):
        """A rich table whose text is shown as it is: no markup, control characters visible."""

        def __init__(self, *columns, title=None, **kwargs):
            super().__init__(*columns, title=Text(visible(title)) if isinstance(title, str) else title, **kwargs)

        def add_column(self, header="", *args, **kwargs):
            super().add_column(Text(visible(header)) if isinstance(header, str) else header, *args, **kwargs)

        def add_row(self, *cells, **kwargs):
            super().add_row(*(Text(visible(c)) if isinstance(c, str) else c for c in cells), **kwargs)

    return LiteralTable


def data_table(*columns, **kwargs):
    """A rich table for data: every text cell is printed literally (see :func:`visible`)."""
    return _table_class()(*columns, **kwargs)


@contextlib.contextmanager
def user_errors():
    """Turn library errors and interruptions into one-line messages and exit codes; print version warnings."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", api.VersionWarning)
            try:
                yield
            finally:
                for w in caught:
                    if issubclass(w.category, api.VersionWarning):
                        warn(str(w.message))
    except ClassifierError as exc:
        error(str(exc))
        raise typer.Exit(1)
    except OSError as exc:
        if exc.errno not in NO_SPACE:
            raise
        error(no_space_message(exc))
        raise typer.Exit(1)
    except KeyboardInterrupt:
        error(INTERRUPTED)
        raise typer.Exit(130)


@contextlib.contextmanager
def progress_bar(quiet: bool):
    """A progress callback drawing on stderr, silent when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield api.quiet_progress
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"),
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int | None = None, total: int | None = None, *,
                   work_done: float | None = None, work_total: float | None = None) -> None:
            """``done``/``total`` count rows; with ``work_done`` and ``work_total`` (bytes read, partitions
            written) the bar and ETA follow those instead, for inputs whose row count is unknown."""
            if stage not in tasks:
                for other in tasks.values():
                    bar.update(other, visible=False)
                tasks[stage] = bar.add_task(stage, total=total, rate="", rows="")
            task = tasks[stage]
            if done is not None:
                elapsed = bar.tasks[task].elapsed or 0
                rate = f"{done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
                if work_done is not None and work_total:
                    bar.update(task, completed=work_done, total=work_total, rate=rate, rows=f"{done:,} rows")
                else:
                    bar.update(task, completed=done, total=total, rate=rate, rows=f"{done:,} rows")

        yield report


def print_json(value) -> None:
    """Print ``value`` on stdout as one indented JSON object (NaN and infinities as null)."""
    sys.stdout.write(json.dumps(api.json_safe(value), ensure_ascii=False, indent=2) + "\n")


def console():
    """A rich console on stdout that does not wrap long lines."""
    from rich.console import Console

    return Console(soft_wrap=False)


def main() -> None:
    """Entry point of the ``classifier`` console script and ``python -m classifier``."""
    app()
