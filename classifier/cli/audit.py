"""``classifier audit``: find likely label errors, duplicates, test overlap, rare labels and short texts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (MODEL_HELP, EncodingOpt, JsonOpt, QuietOpt, app, console, print_json, progress_bar,
                                user_errors)
from classifier.cli.render import audit_tables


@app.command()
def audit(
    data: Annotated[str, typer.Argument(help="Labelled table to audit (CSV, TSV, JSONL, Parquet; .gz; '-' for "
                                        "stdin).", show_default=False)],
    test: Annotated[str | None, typer.Option("--test", help="Table to check for texts that DATA also holds "
                                             "(exact and near copies).", show_default=False)] = None,
    model: Annotated[Path | None, typer.Option("--model", "-m", help="A trained model: the cross-validation uses "
                                               "its features and settings, DATA is read with its columns, "
                                               "separator and task, and its labels are compared with DATA's. "
                                               "Its predictions are not used. " + MODEL_HELP,
                                               show_default=False)] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write every row to review, ranked, to this "
                                               "table ('-' for stdout).", show_default=False)] = None,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Column holding the text (default: text, or "
                                                 "the model's).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column holding the labels (default: "
                                                  "label, else labels).", show_default=False)] = None,
    label_sep: Annotated[str | None, typer.Option("--label-sep", help="Separator between several labels in a cell "
                                                  f"(default: {defaults.LABEL_SEP!r}).", show_default=False)] = None,
    multi_label: Annotated[bool | None, typer.Option("--multi-label/--single-label", help="Force the task "
                                                     "(default: as train decides it).", show_default=False)] = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds for the out-of-fold predictions.")]
    = defaults.AUDIT_FOLDS,
    seed: Annotated[int | None, typer.Option("--seed", help=f"Random seed of the folds and models (default: "
                                             f"{defaults.SEED}, or the model's).", show_default=False)] = None,
    near_duplicate: Annotated[float, typer.Option("--near-duplicate", help="Jaccard similarity of word "
                                                  f"{defaults.AUDIT_SHINGLE_WORDS}-gram sets from which two texts "
                                                  "are near duplicates (0.5 to 1).")] = defaults.AUDIT_NEAR_DUPLICATE,
    min_label_rows: Annotated[int, typer.Option("--min-label-rows", help="Report labels with fewer rows than "
                                                "this.")] = defaults.AUDIT_MIN_LABEL_ROWS,
    short_words: Annotated[int, typer.Option("--short-words", help="Report texts of fewer words than this.")]
    = defaults.AUDIT_SHORT_WORDS,
    top: Annotated[int, typer.Option("--top", help="Rows to review shown on screen (and in --json).")]
    = defaults.AUDIT_SHOW,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Format of --output: csv, tsv, jsonl or "
                                            "parquet (default: from its name; csv on stdout).",
                                            show_default=False)] = None,
    encoding: EncodingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Find likely label errors, duplicates, overlap with a test table, rare labels and short texts.

    Likely label errors come from out-of-fold predictions (a --folds cross-validation of the default
    model on DATA): a row is a label_error when another label is predicted as confidently as the
    model usually predicts that label (confident learning), a label_doubt when the prediction differs
    less confidently. Rows to review are ranked by their first issue in this order: label_error,
    label_doubt, conflicting_labels, test_overlap, exact_duplicate, near_duplicate, empty_text,
    missing_label, short_text, rare_label; then by error_score (1 - the out-of-fold probability of
    the given label). "row" counts the first row after the header as 1.

    Examples:

      classifier audit train.csv --test test.csv --output review.csv

      classifier audit events.jsonl --label-sep ';' --json
    """
    with user_errors():
        if as_json and output == "-":
            raise api.InputError("--json and --output - would both write to standard output.",
                                 "Write the rows to review to a file with --output FILE.")
        if top < 0:
            raise api.InputError(f"--top must be 0 or more, not {top}.", f"Use --top {defaults.AUDIT_SHOW}.")
        from classifier.audit import audit as audit_table

        with progress_bar(quiet) as progress:
            result = audit_table(data, test=test, model=model, text_col=text_col, label_col=label_col,
                                 label_sep=label_sep, multi_label=multi_label, folds=folds, seed=seed,
                                 near_duplicate=near_duplicate, min_label_rows=min_label_rows,
                                 short_words=short_words, output=output, fmt=fmt, encoding=encoding,
                                 progress=progress)
    if as_json:
        print_json({**result, "rows": result["rows"][:top]})
        return
    if output == "-" and quiet:
        return
    from rich.console import Console

    out = Console(stderr=True, soft_wrap=False) if output == "-" else console()
    for table in audit_tables(result, top, out.width):
        out.print(table)
    facts = result["model"]
    if facts:
        out.print(f"Cross-validated with the settings of {facts['path'] or 'the given model'}.", highlight=False)
        if facts["unknown_labels"]:
            out.print(f"Labels of the data the model does not know: {', '.join(facts['unknown_labels'])}",
                      soft_wrap=True, highlight=False)
        if facts["missing_labels"]:
            out.print(f"Labels of the model the data lacks: {', '.join(facts['missing_labels'])}",
                      soft_wrap=True, highlight=False)
    where = (f"wrote them to {'stdout' if output == '-' else output}" if output is not None
             else "pass --output FILE to save them all")
    out.print(f"{result['rows_flagged']:,} rows to review of {result['rows_read']:,}; {where}.",
              soft_wrap=True, highlight=False)
