"""``classifier card``: write a model's readable model card (Markdown) beside it or where asked."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, ModelOpt, QuietOpt, app, console, print_json, progress_bar,
                                user_errors)

CARD_NAME = defaults.MODEL_CARD_NAME


@app.command()
def card(
    model: ModelOpt = defaults.MODEL_PATH,
    output: Annotated[str | None, typer.Option("--output", "-o", help=f"Markdown file to write (default: {CARD_NAME} "
                                               "beside the model, which evaluate --report links to; '-': standard "
                                               "output).", show_default=False)] = None,
    test: Annotated[Path | None, typer.Option("--test", help="Labelled table to score the model on; the card adds "
                                              "its metrics and per-label table.", show_default=False)] = None,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Text column of --test (default: the "
                                                 "model's).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Label column of --test (default: the "
                                                  "model's, else label, else labels).", show_default=False)] = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a model card people can read: intended use, training data, settings, metrics, calibration,
    thresholds, known limits, and how to load and verify the model file.

    Example: classifier card --model models/model.skops --test test.csv --output models/MODEL_CARD.md
    """
    to_stdout = output == "-"
    target = None if to_stdout else Path(output) if output else Path(model).parent / CARD_NAME
    with user_errors():
        with progress_bar(quiet) as progress:
            result = api.model_card(model, output=target, test=test, text_col=text_col, label_col=label_col,
                                    encoding=encoding, progress=progress)
    if to_stdout:
        sys.stdout.write(result["markdown"])
        sys.stdout.flush()
        return
    if as_json:
        print_json({"output": result["output"], **result["facts"]})
        return
    console().print(f"Wrote the model card to {result['output']}", soft_wrap=True, highlight=False)
