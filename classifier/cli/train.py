"""``classifier train``: train a model, save it, and print its held-out metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, ModelOpt, QuietOpt, TextColOpt, app, console, print_json,
                                progress_bar, user_errors, warn)
from classifier.cli.render import metrics_tables
from classifier.cli.setting_options import (ClassWeightOpt, CharNgramsOpt, ConfigOpt, COpt, MaxDfOpt, MinDfOpt, NbOpt,
                                            ThresholdsOpt, WordNgramsOpt, given)
from classifier.errors import ClassifierError


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
    config: ConfigOpt = None,
    C: COpt = None,
    word_ngrams: WordNgramsOpt = None,
    char_ngrams: CharNgramsOpt = None,
    min_df: MinDfOpt = None,
    max_df: MaxDfOpt = None,
    class_weight: ClassWeightOpt = None,
    nb: NbOpt = None,
    thresholds: ThresholdsOpt = None,
    optimise: Annotated[str | None, typer.Option(
        "--optimise", callback=lambda v: _target(v), help="Multi-label: what each label's own threshold is chosen "
        "for on out-of-fold probabilities: f1 (the default), precision@P (the most recall with precision at least P, "
        "e.g. precision@0.9) or recall@R (the most precision with recall at least R, e.g. recall@0.8). Stored in "
        "the model; predict uses it unless --threshold is given.", show_default=False)] = None,
) -> None:
    """Train a model and report held-out metrics.

    Example: classifier train news.csv --label-col topic --model models/topics.joblib

    Example: classifier train archive.csv.gz --out-of-core --model models/archive.joblib

    Example: classifier train events.csv --optimise precision@0.9

    Example: classifier train news.csv --config settings.toml --C 1 --word-ngrams 1-3 --class-weight balanced
    """
    with user_errors():
        with progress_bar(quiet) as progress:
            trained = api.train(data, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                multi_label=multi_label, test=test, test_size=test_size, seed=seed, refit=refit,
                                encoding=encoding, out_of_core=out_of_core, save_to=model, progress=progress,
                                config=config, settings=given(C=C, word_ngrams=word_ngrams, char_ngrams=char_ngrams,
                                                              min_df=min_df, max_df=max_df, class_weight=class_weight,
                                                              nb=nb, thresholds=optimise or thresholds))
    path = model
    card = trained.card
    if optimise and card["task"] != "multi_label" and not quiet:
        warn("--optimise applies to multi-label models only; this single-label model predicts its most probable label.")
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


def _target(value: str | None) -> str | None:
    """``--optimise`` checked where it is declared: f1, precision@P or recall@R."""
    if value is None:
        return None
    from classifier.decision_targets import check_target

    try:
        return check_target(value)
    except ClassifierError as exc:
        raise typer.BadParameter(str(exc)) from exc
