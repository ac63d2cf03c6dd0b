"""``classifier train``: train a model, save it, and print its held-out metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, ModelOpt, QuietOpt, TextColOpt, app, console, print_json,
                                progress_bar, user_errors, warn)
from classifier.cli.render import metrics_tables


@app.command()
def train(
    data: Annotated[Path | None, typer.Argument(help="Labelled table (CSV, TSV, JSONL, Parquet; .gz; '-' for "
                                                "stdin). Default: the embedded security and policy news dataset.",
                                                show_default=False)] = None,
    model: ModelOpt = defaults.MODEL_PATH,
    text_col: TextColOpt = defaults.TEXT_COL,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column holding the labels "
                                                  "(default: label, else labels).", show_default=False)] = None,
    label_sep: Annotated[str, typer.Option("--label-sep", help="Separator between several labels in a cell.")]
    = defaults.LABEL_SEP,
    multi_label: Annotated[bool | None, typer.Option("--multi-label/--single-label", help="Force the task "
                                                     "(default: multi-label if a cell holds the separator or "
                                                     "the column is 'labels').", show_default=False)] = None,
    test: Annotated[Path | None, typer.Option("--test", help="Labelled table to measure the model on, "
                                              "instead of a held-out slice of DATA.")] = None,
    test_size: Annotated[float | None, typer.Option("--test-size", help="Fraction of DATA held out for metrics "
                                                    f"(default: {defaults.TEST_SIZE}; 0: train on everything, "
                                                    "no metrics).", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the split and the model.")] = defaults.SEED,
    refit: Annotated[bool, typer.Option("--refit/--no-refit", help="After scoring the held-out slice, refit "
                                        "the saved model on all rows.")] = defaults.REFIT,
    out_of_core: Annotated[bool | None, typer.Option("--out-of-core/--in-memory", help="Train in bounded memory "
                                                     "(hashed features, SGD over chunks). Default: out of core "
                                                     f"for a DATA file above {defaults.OUT_OF_CORE_BYTES // 2**20} "
                                                     "MiB, else in memory.", show_default=False)] = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a model and report held-out metrics.

    Example: classifier train news.csv --label-col topic --model models/topics.joblib

    Example: classifier train archive.csv.gz --out-of-core --model models/archive.joblib
    """
    with user_errors():
        with progress_bar(quiet) as progress:
            trained = api.train(data, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                multi_label=multi_label, test=test, test_size=test_size, seed=seed, refit=refit,
                                encoding=encoding, out_of_core=out_of_core, save_to=model, progress=progress)
    path = model
    card = trained.card
    if as_json:
        print_json({"model": str(path), "task": card["task"], "labels": card["labels"],
                    "training_data": card["training_data"], "holdout": card["holdout"],
                    "metrics": card["metrics"], "notes": card["notes"]})
        return
    out = console()
    if card["metrics"]:
        where = "test file" if card["holdout"]["source"] == "file" else "held-out slice"
        for table in metrics_tables(card["metrics"], f"Scores on the {where}"):
            out.print(table)
    skipped = sum(card["training_data"]["rows_skipped"].values())
    if not quiet:
        for note in card["notes"]:
            warn(note)
        if skipped:
            warn(f"skipped {skipped:,} rows without text or label: {card['training_data']['rows_skipped']}")
    out.print(f"Saved a {card['task'].replace('_', '-')} model with {len(card['labels'])} labels, trained on "
              f"{card['training_data']['rows_used']:,} rows, to {path}", soft_wrap=True, highlight=False)
