"""``classifier predict``: label texts given as arguments, or every row of one or more tables."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.text_limits import cut_note
from classifier.cli.app import (
    EncodingOpt,
    JsonOpt,
    MaxCharsOpt,
    ModelOpt,
    QuietOpt,
    TextColOpt,
    app,
    as_options,
    console,
    data_table,
    print_json,
    progress_bar,
    user_errors,
    warn,
)


@app.command()
def predict(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to label.", show_default=False)] = None,
    input: Annotated[str | None, typer.Option("--input", "-i", help="Table to label, row by row ('-' for CSV on "
                                              "stdin).")] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="Where to write the labelled table ('-' for "
                                        "stdout).")] = "-",
    model: ModelOpt = defaults.MODEL_PATH,
    text_col: TextColOpt = defaults.TEXT_COL,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", help="Labels per text (default: 1; multi-label: "
                                              "all above the threshold).", show_default=False)] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", help="Lowest probability a label needs "
                                                    "(default: 0.5 multi-label, 0 single-label).",
                                                    show_default=False)] = None,
    probs: Annotated[bool, typer.Option("--probs", help="Add a prob_<label> column per label.")] = False,
    safe_csv: Annotated[bool, typer.Option("--safe-csv", help="For spreadsheet users: write every text cell that "
                                           "starts with = + - @ (a formula to a spreadsheet) with a leading ' "
                                           "so that it shows as text. Off: input cells pass through "
                                           "unchanged.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Add a predicted_terms column: the terms behind each "
                                          "predicted label, with their contributions.")] = False,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Output format: csv, tsv, jsonl or parquet "
                                            "(default: from the output name; csv on stdout).",
                                            show_default=False)] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Rows read and scored at a time.")]
    = defaults.CHUNK_SIZE,
    output_dir: Annotated[str | None, typer.Option("--output-dir", help="Write one labelled table per input into "
                                                   "this folder (instead of one combined --output).",
                                                   show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="Cores used to score a table "
                                             "(default: all): threads for the default model, worker processes "
                                             "for out-of-core models.", show_default=False)] = defaults.JOBS,
    engine: Annotated[str, typer.Option("--engine", help="local (this machine) or dask (a Dask cluster; needs "
                                        "the dask extra installed, and --output-dir).")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. "
                                                  "tcp://10.0.0.5:8786 (default: start a local cluster).",
                                                  show_default=False)] = None,
    encoding: EncodingOpt = None,
    max_chars: MaxCharsOpt = defaults.MAX_TEXT_CHARS,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Label texts given on the command line, or every row of a table.

    --input takes a file, '-', a folder or a quoted glob ('parts/*.parquet'):
    several inputs go into one --output, or one file each in --output-dir.

    Examples:

      classifier predict "Police arrest three over Quetta bombing"

      classifier predict --input news.csv --output labelled.csv --probs

      classifier predict --input 'archive/*.csv.gz' --output-dir labelled/ --jobs 2
    """
    with user_errors():
        if texts and input is not None:
            raise api.InputError("Give either TEXT arguments or --input, not both.",
                                 "Put the texts in a table to label them with --input.")
        if not texts and input is None:
            raise api.InputError("Nothing to predict.", "Give TEXT arguments, or --input FILE for a table.")
        if input is not None:
            with progress_bar(quiet) as progress:
                summary = api.predict_table(model, input, output, text_col=text_col, top_k=top_k,
                                            threshold=threshold, probs=probs, explain=explain, fmt=fmt, safe_csv=safe_csv,
                                            chunk_size=chunk_size, encoding=encoding, output_dir=output_dir,
                                            jobs=jobs, engine=engine, scheduler=scheduler, progress=progress,
                                            max_chars=max_chars)
            if not quiet:
                _summarise(summary, max_chars)
            return
        results = api.predict(model, texts, top_k=top_k, threshold=threshold, explain=explain, max_chars=max_chars)
    cut = sum(1 for row in results if row.get("cut"))
    if cut and not quiet:
        warn(as_options(cut_note(cut, max_chars=max_chars)))
    if as_json:
        print_json(results)
        return

    table = data_table(show_header=True, header_style="bold", show_lines=len(results) > 1)
    table.add_column("text", overflow="fold", ratio=3)
    table.add_column("label", ratio=1)
    table.add_column("score", justify="right")
    if explain:
        table.add_column("terms", overflow="fold", ratio=2)
    for row in results:
        labels = "\n".join(row["labels"]) or "(none)"
        scores = "\n".join(f"{s:.3f}" for s in row["scores"])
        table.add_row(row["text"], labels, scores, *([row["terms"]] if explain else []))
    console().print(table)


def _summarise(summary: dict, max_chars: int) -> None:
    """The one-line count of rows read, scored and skipped, on stderr after the table's rows on stdout."""
    written = "stdout" if summary["output"] == "-" else summary["output"]
    if "outputs" in summary:
        written = f"{len(summary['outputs']):,} file(s) in {summary['output']}"
    sys.stdout.flush()
    for note in summary.get("notes", []):
        warn(as_options(note))
    cut = summary.get("texts_cut", 0)
    scored = f"scored {summary['rows_scored']:,}" + (f" ({cut:,} on their first {max_chars:,} characters)"
                                                     if cut else "")
    sys.stderr.write(f"Read {summary['rows_read']:,} rows, {scored}, "
                     f"skipped {summary['rows_skipped']:,} with empty text; wrote {written}.\n")
