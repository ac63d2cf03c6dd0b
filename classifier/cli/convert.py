"""``classifier convert``: rewrite a model file in the joblib or the skops format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api
from classifier.cli.app import JsonOpt, app, console, print_json, user_errors


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Model file to read (.joblib or .skops).", show_default=False)],
    target: Annotated[Path, typer.Argument(help="Model file to write: .skops for the skops format, .joblib "
                                           "(or any other suffix) for joblib.", show_default=False)],
    trust: Annotated[bool, typer.Option("--trust", help="Read a .joblib SOURCE that this user did not save here "
                                        "(it is a pickle: reading it can run any code it holds). Only for files "
                                        "from a source you trust.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Convert a model file between the joblib and skops formats; TARGET's suffix picks the format.

    Reading a .joblib file runs pickle, which can execute code: a .joblib file this user did not save on
    this machine is read only with --trust. A .skops file loads without running code from the file, so
    share models as .skops.

    Examples:

      classifier convert received.joblib models/received.skops --trust

      classifier convert received.skops models/received.joblib
    """
    with user_errors():
        result = api.convert(source, target, trust=trust)
    if as_json:
        print_json(result)
        return
    console().print(f"Converted {result['source']} ({result['from']}) to {result['target']} ({result['to']}, "
                    f"{result['bytes']:,} bytes)", soft_wrap=True, highlight=False)
