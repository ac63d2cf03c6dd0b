"""``classifier tune``: search the settings by cross-validation within a time budget, save the best model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, ModelOpt, QuietOpt, TextColOpt, app, console, data_table,
                                print_json, progress_bar, user_errors)
from classifier.cli.setting_options import (CharNgramsOpt, ClassWeightOpt, ConfigOpt, COpt, MaxDfOpt, MinDfOpt, NbOpt,
                                            ThresholdsOpt, WordNgramsOpt, given)


@app.command()
def tune(
    data: Annotated[Path | None, typer.Argument(help="Labelled table to search on (CSV, TSV, JSONL, Parquet; .gz). "
                                                "Default: the embedded dataset.", show_default=False)] = None,
    budget: Annotated[str, typer.Option("--budget", help="Wall-clock time for the search and the final training: "
                                        "90s, 10m, 1h.")] = defaults.TUNE_BUDGET,
    folds: Annotated[int, typer.Option("--folds", "-k", help="Cross-validation folds per setting tried.")]
    = defaults.TUNE_FOLDS,
    metric: Annotated[str, typer.Option("--metric", help="What to maximise: micro_f1, macro_f1, accuracy or "
                                        "weighted_f1 (mean over folds).")] = defaults.TUNE_METRIC,
    model: ModelOpt = defaults.MODEL_PATH,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the draws, folds and models.")] = defaults.SEED,
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
    """Search the model and feature settings within a time budget; save the best model trained on every row.

    Successive halving: settings drawn at random (and the current ones) are cross-validated on a
    sample of the rows, the best third go on to three times the rows, up to every row; the search
    stops before it would overspend the budget. The current settings are kept unless a round on
    every row was reached and its winner beats them on fresh folds by more than one standard error.
    Settings given as options or in --config are kept fixed. Choose on training data only: score
    the saved model on a test table afterwards (evaluate, compare).

    Example: classifier tune train.csv --budget 5m --folds 3 --model models/tuned.joblib
    """
    with user_errors(), progress_bar(quiet) as progress:
        result = api.tune(data, budget=budget, folds=folds, seed=seed, metric=metric, text_col=text_col,
                          label_col=label_col, label_sep=label_sep, multi_label=multi_label, encoding=encoding,
                          config=config, save_to=model, progress=progress,
                          settings=given(C=C, word_ngrams=word_ngrams, char_ngrams=char_ngrams, min_df=min_df,
                                         max_df=max_df, class_weight=class_weight, nb=nb, thresholds=thresholds))
    if as_json:
        print_json(result)
        return
    out = console()
    metric_name = result["metric"]
    table = data_table(title=f"Settings tried on {result['data']} ({result['folds']}-fold {metric_name}, "
                       f"{result['elapsed_seconds']:.0f}s of {result['budget_seconds']:.0f}s)", header_style="bold")
    for name in ("round", "rows", "#", "mean", "std", "seconds", "settings (besides the defaults)"):
        table.add_column(name, justify="left" if name.startswith("settings") else "right")
    for trial in result["trials"]:
        shown = ", ".join(f"{k}={v}" for k, v in trial["settings"].items()) or "(defaults)"
        table.add_row(str(trial["round"]), f"{trial['rows']:,}", str(trial["candidate"]), f"{trial['mean']:.4f}",
                      f"{trial['std']:.4f}", f"{trial['seconds']:.1f}", shown)
    out.print(table)
    best, current, winner, check = result["best"], result["current"], result["winner"], result["check"]
    ending = "finished" if result["stopped"] == "finished" else "stopped by the budget"
    out.print(f"Search {ending}. Winner: #{winner['candidate']} with {metric_name} {winner['mean']:.4f} on "
              f"{winner['rows']:,} rows (current settings #0: {current['mean']:.4f}).", soft_wrap=True, highlight=False)
    if check is not None and check["gain"] is None:
        out.print(f"Kept the current settings: {check['on']}.", soft_wrap=True, highlight=False)
    elif check is not None:
        verdict = "replaces" if check["replace"] else "does not replace"
        out.print(f"Check on {check['on']}: the winner's gain {check['gain']:+.4f} (standard error {check['se']:.4f}) "
                  f"{verdict} the current settings.", soft_wrap=True, highlight=False)
    out.print("Settings: " + ", ".join(f"{k}={v}" for k, v in best["settings"].items()), soft_wrap=True,
              highlight=False)
    out.print(f"Saved the model trained on all {result['rows']:,} rows to {result['model']}", soft_wrap=True,
              highlight=False)
