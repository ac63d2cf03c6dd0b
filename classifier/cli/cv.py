"""``classifier cv``: stratified K-fold cross-validation of the settings, metrics as mean and std over folds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, QuietOpt, TextColOpt, app, console, data_table, print_json,
                                progress_bar, user_errors, warn)
from classifier.cli.setting_options import (CharNgramsOpt, ClassWeightOpt, ConfigOpt, COpt, MaxDfOpt, MinDfOpt, NbOpt,
                                            ThresholdsOpt, WordNgramsOpt, given)

HEADLINE = {"single_label": ["accuracy", "micro_f1", "macro_f1", "weighted_f1", "ece"],
            "multi_label": ["subset_accuracy", "hamming_loss", "micro_f1", "macro_f1", "weighted_f1", "samples_f1",
                            "ece"]}
"""The metrics shown first, in order, per task (``compare`` shows the same)."""


@app.command()
def cv(
    data: Annotated[Path | None, typer.Argument(help="Labelled table (CSV, TSV, JSONL, Parquet; .gz; '-' for "
                                                "stdin). Default: the embedded security and policy news dataset.",
                                                show_default=False)] = None,
    folds: Annotated[int, typer.Option("--folds", "-k", help="Number of folds (each label needs at least this "
                                       "many rows).")] = defaults.CV_FOLDS,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the folds and the models.")] = defaults.SEED,
    text_col: TextColOpt = defaults.TEXT_COL,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column holding the labels "
                                                  "(default: label, else labels).", show_default=False)] = None,
    label_sep: Annotated[str, typer.Option("--label-sep", help="Separator between several labels in a cell.")]
    = defaults.LABEL_SEP,
    multi_label: Annotated[bool | None, typer.Option("--multi-label/--single-label", help="Force the task "
                                                     "(default: as train decides).", show_default=False)] = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    C: COpt = None,
    word_ngrams: WordNgramsOpt = None,
    char_ngrams: CharNgramsOpt = None,
    min_df: MinDfOpt = None,
    max_df: MaxDfOpt = None,
    class_weight: ClassWeightOpt = None,
    nb: NbOpt = None,
    thresholds: ThresholdsOpt = None,
) -> None:
    """Cross-validate the settings: stratified K-fold, every metric of evaluate as mean and std over folds.

    Single-label folds are stratified by class; multi-label folds by iterative stratification, so
    every label with at least K rows is in every fold. std is the sample standard deviation over
    the K folds.

    Example: classifier cv news.csv --folds 5 --C 1 --word-ngrams 1-3 --json
    """
    with user_errors(), progress_bar(quiet) as progress:
        result = api.cv(data, folds=folds, seed=seed, text_col=text_col, label_col=label_col, label_sep=label_sep,
                        multi_label=multi_label, encoding=encoding, config=config, progress=progress,
                        settings=given(C=C, word_ngrams=word_ngrams, char_ngrams=char_ngrams, min_df=min_df,
                                       max_df=max_df, class_weight=class_weight, nb=nb, thresholds=thresholds))
    if as_json:
        print_json(result)
        return
    out = console()
    title = (f"{result['folds']}-fold cross-validation on {result['data']}: {result['rows']:,} rows, "
             f"{result['task'].replace('_', '-')}")
    head = data_table(title=title, header_style="bold", min_width=len(title) + 4)
    for name in ("metric", "mean", "std"):
        head.add_column(name, justify="left" if name == "metric" else "right")
    for key in HEADLINE[result["task"]]:
        if key in result["metrics"]:
            head.add_row(key, f"{result['metrics'][key]['mean']:.4f}", f"{result['metrics'][key]['std']:.4f}")
    out.print(head)
    per = data_table(header_style="bold")
    for name in ("label", "precision", "recall", "f1", "f1 std", "rows/fold"):
        per.add_column(name, justify="left" if name == "label" else "right")
    for label, row in result["per_label"].items():
        per.add_row(label, f"{row['precision']['mean']:.3f}", f"{row['recall']['mean']:.3f}",
                    f"{row['f1']['mean']:.3f}", f"{row['f1']['std']:.3f}", f"{row['support']['mean']:,.1f}")
    out.print(per)
    skipped = sum(result["rows_skipped"].values())
    if skipped and not quiet:
        warn(f"skipped {skipped:,} rows without text or label: {result['rows_skipped']}")
    out.print("Settings: " + ", ".join(f"{k}={v}" for k, v in result["settings"].items()), soft_wrap=True,
              highlight=False)
