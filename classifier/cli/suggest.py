"""``classifier suggest``: choose the unlabelled texts most worth labelling next, with the model's guess."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (EncodingOpt, JsonOpt, ModelOpt, QuietOpt, app, console, data_table, print_json,
                                progress_bar, user_errors, warn)

SHOWN = 10
"""Suggestions listed in the summary table."""


@app.command()
def suggest(
    pool: Annotated[str, typer.Argument(help="Table of unlabelled texts (CSV, TSV, JSONL, Parquet; .gz).",
                                        show_default=False)],
    model: ModelOpt = defaults.MODEL_PATH,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the texts to label.")]
    = Path("to_label.csv"),
    n: Annotated[int, typer.Option("--n", "-n", help="Texts to choose.")] = defaults.SUGGEST_N,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="csv, tsv, jsonl or parquet (a table: the pool's "
                                            "columns, the guess in the label column to correct), label-studio (a JSON "
                                            "task list, the guess as a prediction) or prodigy (JSONL tasks for the "
                                            "choice interface, the guess pre-selected). Default: from the output's "
                                            "name.", show_default=False)] = None,
    random_share: Annotated[float, typer.Option("--random-share", help="Share of the texts drawn at random from the "
                                                "pool (the rest: those the model is least sure of), so scores "
                                                "measured on the labelled rows stay unbiased.")]
    = defaults.SUGGEST_RANDOM_SHARE,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the random share.")] = defaults.SEED,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Column holding the text (default: the "
                                                 "model's).", show_default=False)] = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Choose the texts to label next: those the model is least sure of (single-label: the smallest margin
    between its two best labels; multi-label: a label's probability nearest its threshold), a share at random,
    never two near-duplicates. After labelling, train on the file (train reads Label Studio JSON and Prodigy
    JSONL exports directly).

    Example: classifier suggest pool.csv --model models/model.skops --n 50 --output to_label.csv
    """
    with user_errors():
        with progress_bar(quiet) as progress:
            result = api.suggest(model, pool, output, n=n, fmt=fmt, random_share=random_share, seed=seed,
                                 text_col=text_col, encoding=encoding, progress=progress)
    if as_json:
        print_json(result)
        return
    out = console()
    table = data_table(title=f"Texts to label ({result['selected']} of {result['rows_scored']:,})",
                       header_style="bold")
    for name in ("row", "chosen by", "uncertainty", "guess", "text"):
        table.add_column(name, overflow="fold" if name == "text" else None,
                         justify="right" if name in ("row", "uncertainty") else "left")
    for row in result["rows"][:SHOWN]:
        guess = ", ".join(f"{label} {score:.2f}" for label, score in zip(row["labels"], row["scores"])) or "(none)"
        text = row["text"] if len(row["text"]) <= 100 else row["text"][:99] + "…"
        table.add_row(str(row["row"]), row["selected_by"], f"{row['uncertainty']:.3f}", guess, text)
    out.print(table)
    if not quiet:
        if result["near_duplicates_skipped"]:
            warn(f"passed over {result['near_duplicates_skipped']:,} near-duplicates of texts already chosen")
        if result["rows_skipped"]["empty_text"]:
            warn(f"skipped {result['rows_skipped']['empty_text']:,} rows without text")
    out.print(f"Wrote {result['selected']} texts ({result['by_uncertainty']} by uncertainty, {result['at_random']} at "
              f"random) to {result['output']} ({result['format']})", soft_wrap=True, highlight=False)
    if "label_config" in result and not quiet:
        out.print("Label Studio labelling interface for these tasks:\n" + result["label_config"], soft_wrap=True,
                  highlight=False, markup=False)
