"""``classifier evaluate``: score a model on a labelled table, optionally writing the HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, MaxCharsOpt, ModelOpt, QuietOpt, app, console, print_json, progress_bar,
                                as_options, user_errors, warn)
from classifier.cli.render import confusion_table, metrics_tables
from classifier.text_limits import cut_note


@app.command()
def evaluate(
    data: Annotated[str, typer.Argument(help="Labelled table to score the model on.", show_default=False)],
    model: ModelOpt = defaults.MODEL_PATH,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Column holding the text (default: the "
                                                 "model's).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column holding the labels (default: "
                                                  "the model's, else label, else labels).",
                                                  show_default=False)] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", help="Multi-label decision threshold.",
                                                    show_default=False)] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write a self-contained HTML report "
                                                "(plots, per-label table, top terms, most confident mistakes) "
                                                "to this file.", show_default=False)] = None,
    encoding: EncodingOpt = None,
    max_chars: MaxCharsOpt = defaults.MAX_TEXT_CHARS,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score a model on a labelled table.

    ece is the expected calibration error over ece_bins equal-width probability bins: single-label, of the
    top label's probability; multi-label, of every label's probability.

    Examples:

      classifier evaluate test.csv --model models/model.skops --json

      classifier evaluate test.csv --report report.html
    """
    with user_errors():
        with progress_bar(quiet) as progress:
            metrics = api.evaluate(model, data, text_col=text_col, label_col=label_col, encoding=encoding,
                                   threshold=threshold, report=report, progress=progress, max_chars=max_chars)
    if as_json:
        print_json(metrics)
        return
    out = console()
    for table in metrics_tables(metrics, f"Scores on {metrics['data']}"):
        out.print(table)
    if "confusion_matrix" in metrics and len(metrics["confusion_matrix"]["labels"]) <= 12:
        out.print(confusion_table(metrics["confusion_matrix"]))
    skipped = sum(metrics["rows_skipped"].values())
    if skipped and not quiet:
        warn(f"skipped {skipped:,} rows without text or label: {metrics['rows_skipped']}")
    if metrics["texts_cut"] and not quiet:
        warn(as_options(cut_note(metrics["texts_cut"], max_chars=max_chars)))
    if "report" in metrics:
        out.print(f"Wrote the report to {metrics['report']}", soft_wrap=True, highlight=False)
