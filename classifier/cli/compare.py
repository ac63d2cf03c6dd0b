"""``classifier compare``: several models side by side on one labelled table, with confidence intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (MODEL_HELP, EncodingOpt, JsonOpt, QuietOpt, app, console, data_table, print_json,
                                progress_bar, user_errors, warn)
from classifier.cli.cv import HEADLINE


@app.command()
def compare(
    data: Annotated[str, typer.Argument(help="Labelled table to score every model on.", show_default=False)],
    models: Annotated[list[Path], typer.Option("--model", "-m", help="A model to compare; give it once per model "
                                               "(at least two), the baseline first. " + MODEL_HELP,
                                               show_default=False)],
    text_col: Annotated[str | None, typer.Option("--text-col", help="Column holding the text (default: the first "
                                                 "model's).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column holding the labels (default: the "
                                                  "first model's, else label, else labels).",
                                                  show_default=False)] = None,
    resamples: Annotated[int, typer.Option("--resamples", help="Paired bootstrap resamples of the rows.")]
    = defaults.COMPARE_RESAMPLES,
    confidence: Annotated[float, typer.Option("--confidence", help="Confidence level of the intervals.")]
    = defaults.COMPARE_CONFIDENCE,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the resamples.")] = defaults.SEED,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Compare models on one labelled table: metrics side by side, and whether the differences are real.

    Each model after the first is compared with the first: the difference in micro-F1, macro-F1 and
    accuracy (multi-label: subset accuracy) with a paired bootstrap confidence interval (the rows
    resampled, both models scored on each resample); an interval that excludes 0 is marked yes.
    Single-label models also get McNemar's test of accuracy (exact binomial p-value).

    Example: classifier compare test.csv --model models/old.joblib --model models/new.joblib
    """
    with user_errors(), progress_bar(quiet) as progress:
        result = api.compare(models, data, text_col=text_col, label_col=label_col, encoding=encoding,
                             resamples=resamples, confidence=confidence, seed=seed, progress=progress)
    if as_json:
        print_json(result)
        return
    out = console()
    names = [m["name"] for m in result["models"]]
    title = f"Scores on {result['data']} ({result['rows']:,} rows)"
    side = data_table(title=title, header_style="bold", min_width=len(title) + 4)
    side.add_column("metric")
    for name in names:
        side.add_column(name, justify="right")
    for key in HEADLINE[result["task"]]:
        side.add_row(key, *(f"{m['metrics'][key]:.4f}" for m in result["models"]))
    labels = list(result["models"][0]["metrics"]["per_label"])
    for label in labels:
        side.add_row(f"f1 {label}", *(f"{m['metrics']['per_label'][label]['f1']:.3f}"
                                      if label in m["metrics"]["per_label"] else "-" for m in result["models"]))
    out.print(side)
    level = f"{result['confidence']:.0%}"
    diff = data_table(title=f"Differences from {result['baseline']} ({level} paired bootstrap intervals, "
                      f"{result['resamples']:,} resamples)", header_style="bold")
    for name in ("model", "metric", "difference", f"{level} interval", "excludes 0"):
        diff.add_column(name, justify="right" if name in ("difference", f"{level} interval") else "left")
    for entry in result["differences"]:
        for metric, row in entry["metrics"].items():
            diff.add_row(entry["model"], metric, f"{row['difference']:+.4f}",
                         f"{row['low']:+.4f} to {row['high']:+.4f}", "yes" if row["significant"] else "no")
    out.print(diff)
    for entry in result["differences"]:
        test = entry["mcnemar"]
        if test is not None:
            out.print(f"McNemar, {entry['model']} against {result['baseline']}: {test['model_only']:,} rows right only "
                      f"with {entry['model']}, {test['baseline_only']:,} only with {result['baseline']}, "
                      f"p = {test['p_value']:.3g}", soft_wrap=True, highlight=False)
    skipped = sum(result["rows_skipped"].values())
    if skipped and not quiet:
        warn(f"skipped {skipped:,} rows without text or label: {result['rows_skipped']}")
