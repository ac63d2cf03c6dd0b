"""The ``classifier`` command line: parse arguments, call the library, format the result.

Every error a user can cause ends as one ``Error: ...`` line on stderr and
exit code 1; an interruption ends with exit code 130.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from classifier import api, defaults
from classifier.errors import ClassifierError
from classifier.explain import display_term
from classifier.explain import explain as explain_text
from classifier.files import check_writable
from classifier.insight.audit import audit as audit_table


INTERRUPTED = "Interrupted; no partial file was left behind."


class _Group(TyperGroup):
    """Runs commands so that usage errors, library errors and interruptions all print one line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args=args, prog_name=prog_name or "classifier", complete_var=complete_var,
                                  standalone_mode=False, **extra)
        except typer.TyperException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
                sys.exit(0)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            hint = _usage_hint(getattr(exc, "ctx", None))
            _error(f"{message.rstrip('.')}.{hint}")
            sys.exit(1)
        except typer.Abort:
            _error(INTERRUPTED)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


def _usage_hint(ctx) -> str:
    if ctx is None:
        return " Run 'classifier --help' for usage."
    return f" Run '{ctx.command_path} --help' for usage."


app = typer.Typer(
    cls=_Group,
    name="classifier",
    help="Train TF-IDF topic classifiers for security and policy news, and score text in bulk.\n\n"
    "Security: a .joblib model file is a Python pickle, and loading one can run arbitrary code; only load "
    "joblib models you trained or got from someone you trust. A .skops model loads without running code "
    "from the file: share models as .skops (classifier convert).\n\n"
    "Example: classifier train && classifier predict \"Police arrest suspects in bombing\"",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

MODEL_HELP = ("Model file: .skops (safe to load: no code from the file runs) or .joblib (a Python pickle: "
              "loading one can run arbitrary code, so only load joblib models from sources you trust).")
ModelOpt = Annotated[Path, typer.Option("--model", "-m", help=MODEL_HELP)]
TextColOpt = Annotated[str, typer.Option("--text-col", help="Column holding the text.")]
EncodingOpt = Annotated[str | None, typer.Option("--encoding", help="Text encoding of CSV/TSV/JSONL input "
                                                 "(default utf-8; e.g. cp1252, latin-1).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")]


OPTION_NAMES = {"fmt": "--format", "source": "--input", "top": "--top"}
"""Library parameters whose option is not the parameter's name with dashes."""

_PARAMETER = re.compile(r"`([a-z][a-z0-9_]*)`")


def as_options(message: str) -> str:
    """A library message with each `parameter` named as the command-line option that sets it."""
    return _PARAMETER.sub(lambda m: OPTION_NAMES.get(m.group(1), "--" + m.group(1).replace("_", "-")), message)


def _error(message: str) -> None:
    sys.stderr.write(f"Error: {as_options(message)}\n")
    sys.stderr.flush()


def _warn(message: str) -> None:
    sys.stderr.write(f"Warning: {message}\n")


@contextlib.contextmanager
def _user_errors():
    """Turn library errors, interruptions and SIGTERM into one-line messages and exit codes."""
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, on_term)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", api.VersionWarning)
            try:
                yield
            finally:
                for w in caught:
                    if issubclass(w.category, api.VersionWarning):
                        _warn(str(w.message))
    except ClassifierError as exc:
        _error(str(exc))
        raise typer.Exit(1)
    except KeyboardInterrupt:
        _error(INTERRUPTED)
        raise typer.Exit(130)
    finally:
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _progress(quiet: bool):
    """A progress callback drawing on stderr, silent when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield api.quiet_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"),
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int | None = None, total: int | None = None, *,
                   work_done: float | None = None, work_total: float | None = None) -> None:
            """``done``/``total`` count rows; with ``work_done`` and ``work_total`` (bytes read, partitions
            written) the bar and ETA follow those instead, for inputs whose row count is unknown."""
            if stage not in tasks:
                for other in tasks.values():
                    bar.update(other, visible=False)
                tasks[stage] = bar.add_task(stage, total=total, rate="", rows="")
            task = tasks[stage]
            if done is not None:
                elapsed = bar.tasks[task].elapsed or 0
                rate = f"{done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
                if work_done is not None and work_total:
                    bar.update(task, completed=work_done, total=work_total, rate=rate, rows=f"{done:,} rows")
                else:
                    bar.update(task, completed=done, total=total, rate=rate, rows=f"{done:,} rows")

        yield report


def _print_json(value) -> None:
    sys.stdout.write(json.dumps(api.json_safe(value), ensure_ascii=False, indent=2) + "\n")


def _console():
    from rich.console import Console

    return Console(soft_wrap=False)


def _metrics_tables(metrics: dict, title: str):
    from rich.table import Table

    head = Table(title=title, show_header=True, header_style="bold", min_width=len(title) + 4)
    head.add_column("metric")
    head.add_column("value", justify="right")
    keys = ["n", "accuracy", "macro_f1", "micro_f1", "weighted_f1", "ece"]
    if metrics["task"] == "multi_label":
        keys = ["n", "subset_accuracy", "hamming_loss", "micro_f1", "macro_f1", "weighted_f1", "samples_f1", "ece"]
    for key in [k for k in keys if k in metrics]:
        value = metrics[key]
        head.add_row(key, f"{value:,}" if isinstance(value, int) else f"{value:.4f}")
    per = Table(show_header=True, header_style="bold")
    for name in ("label", "precision", "recall", "f1", "support"):
        per.add_column(name, justify="left" if name == "label" else "right")
    for label, row in metrics["per_label"].items():
        per.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", f"{row['support']:,}")
    return head, per


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
    with _user_errors():
        check_writable(model)
        with _progress(quiet) as progress:
            trained = api.train(data, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                multi_label=multi_label, test=test, test_size=test_size, seed=seed, refit=refit,
                                encoding=encoding, out_of_core=out_of_core, progress=progress)
            progress("Saving the model")
            path = api.save(trained, model)
    card = trained.card
    if as_json:
        _print_json({"model": str(path), "task": card["task"], "labels": card["labels"],
                     "training_data": card["training_data"], "holdout": card["holdout"],
                     "metrics": card["metrics"], "notes": card["notes"]})
        return
    console = _console()
    if card["metrics"]:
        where = "test file" if card["holdout"]["source"] == "file" else "held-out slice"
        for table in _metrics_tables(card["metrics"], f"Scores on the {where}"):
            console.print(table)
    skipped = sum(card["training_data"]["rows_skipped"].values())
    if not quiet:
        for note in card["notes"]:
            _warn(note)
        if skipped:
            _warn(f"skipped {skipped:,} rows without text or label: {card['training_data']['rows_skipped']}")
    console.print(f"Saved a {card['task'].replace('_', '-')} model with {len(card['labels'])} labels, trained on "
                  f"{card['training_data']['rows_used']:,} rows, to {path}", soft_wrap=True, highlight=False)


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
    with _user_errors():
        if texts and input is not None:
            raise api.InputError("Give either TEXT arguments or --input, not both.",
                                 "Put the texts in a table to label them with --input.")
        if not texts and input is None:
            raise api.InputError("Nothing to predict.", "Give TEXT arguments, or --input FILE for a table.")
        loaded = api.load(model)
        if input is not None:
            with _progress(quiet) as progress:
                summary = api.predict_table(loaded, input, output, text_col=text_col, top_k=top_k,
                                            threshold=threshold, probs=probs, explain=explain, fmt=fmt, chunk_size=chunk_size,
                                            encoding=encoding, output_dir=output_dir, jobs=jobs, engine=engine,
                                            scheduler=scheduler, progress=progress)
            if not quiet:
                written = "stdout" if summary["output"] == "-" else summary["output"]
                if "outputs" in summary:
                    written = f"{len(summary['outputs']):,} file(s) in {summary['output']}"
                sys.stdout.flush()
                sys.stderr.write(f"Read {summary['rows_read']:,} rows, scored {summary['rows_scored']:,}, "
                                 f"skipped {summary['rows_skipped']:,} with empty text; wrote {written}.\n")
            return
        results = api.predict(loaded, texts, top_k=top_k, threshold=threshold, explain=explain)
    if as_json:
        _print_json(results)
        return
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", show_lines=len(results) > 1)
    table.add_column("text", overflow="fold", ratio=3)
    table.add_column("label", ratio=1)
    table.add_column("score", justify="right")
    if explain:
        table.add_column("terms", overflow="fold", ratio=2)
    for row in results:
        labels = "\n".join(row["labels"]) or "(none)"
        scores = "\n".join(f"{s:.3f}" for s in row["scores"])
        table.add_row(row["text"], labels, scores, *([row["terms"]] if explain else []))
    _console().print(table)


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
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score a model on a labelled table.

    ece is the expected calibration error over ece_bins equal-width probability bins: single-label, of the
    top label's probability; multi-label, of every label's probability.

    Examples:

      classifier evaluate test.csv --model models/model.joblib --json

      classifier evaluate test.csv --report report.html
    """
    with _user_errors():
        loaded = api.load(model)
        with _progress(quiet) as progress:
            metrics = api.evaluate(loaded, data, text_col=text_col, label_col=label_col, encoding=encoding,
                                   threshold=threshold, report=report, progress=progress)
    if as_json:
        _print_json(metrics)
        return
    console = _console()
    for table in _metrics_tables(metrics, f"Scores on {metrics['data']}"):
        console.print(table)
    if "confusion_matrix" in metrics and len(metrics["confusion_matrix"]["labels"]) <= 12:
        console.print(_confusion_table(metrics["confusion_matrix"]))
    skipped = sum(metrics["rows_skipped"].values())
    if skipped and not quiet:
        _warn(f"skipped {skipped:,} rows without text or label: {metrics['rows_skipped']}")
    if "report" in metrics:
        console.print(f"Wrote the report to {metrics['report']}", soft_wrap=True, highlight=False)


def _confusion_table(cm: dict):
    from rich.table import Table

    table = Table(title="Confusion matrix (rows: true, columns: predicted)", header_style="bold")
    table.add_column("")
    for label in cm["labels"]:
        table.add_column(label[:12], justify="right")
    for label, row in zip(cm["labels"], cm["matrix"]):
        table.add_row(label, *(f"{v:,}" for v in row))
    return table


@app.command()
def info(
    model: ModelOpt = defaults.MODEL_PATH,
    top: Annotated[int, typer.Option("--top", help="Terms to list per label.")] = defaults.TOP_TERMS,
    as_json: JsonOpt = False,
) -> None:
    """Show a model's card: labels, training data, parameters, metrics, versions and top terms.

    Example: classifier info --model models/model.joblib --json
    """
    with _user_errors():
        card = api.describe(model, top=top)
    if as_json:
        _print_json(card)
        return
    from rich.table import Table

    console = _console()
    facts = Table(show_header=False, title=f"Model {card['file']['path']}")
    facts.add_column(style="bold")
    facts.add_column()
    data = card["training_data"]
    metrics = card.get("metrics") or {}
    facts.add_row("task", card["task"].replace("_", "-"))
    facts.add_row("labels", ", ".join(card["labels"]))
    facts.add_row("columns", f"text: {card['text_col']}, labels: {card['label_col']} (separator {card['label_sep']!r})")
    facts.add_row("training data", f"{data['path']} ({data['rows_used']:,} rows used of {data['rows_read']:,})")
    facts.add_row("data sha256", data["sha256"])
    facts.add_row("held-out", json.dumps(card["holdout"]))
    if metrics:
        facts.add_row("held-out scores", ", ".join(f"{k} {metrics[k]:.4f}" for k in
                                                  ("accuracy", "macro_f1", "micro_f1") if k in metrics))
    facts.add_row("features", json.dumps(card["params"]["features"]))
    facts.add_row("model", json.dumps(card["params"]["model"]))
    facts.add_row("created", card["created"])
    facts.add_row("versions", ", ".join(f"{k} {v}" for k, v in card["library_versions"].items()))
    file = card["file"]
    facts.add_row("file", f"{file['bytes']:,} bytes, {file.get('file_format', 'joblib')} format, bundle format "
                          f"{file['format_version']}, payload sha256 {file['payload_sha256']}")
    console.print(facts)
    terms = Table(title="Top terms per label", header_style="bold", show_lines=True)
    terms.add_column("label")
    terms.add_column("terms", overflow="fold")
    for label, rows in card["top_terms"].items():
        terms.add_row(label, ", ".join(display_term(r["term"], r.get("kind", "word")) for r in rows))
    console.print(terms)


@app.command()
def explain(
    text: Annotated[str, typer.Argument(help="Text to explain.", show_default=False)],
    model: ModelOpt = defaults.MODEL_PATH,
    top: Annotated[int, typer.Option("--top", help="Terms to list each way (up and down) per label.")]
    = defaults.EXPLAIN_TERMS,
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help="Explain this label instead of the "
                                                    "predicted ones (repeat for several).",
                                                    show_default=False)] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", help="Lowest probability a label needs "
                                                    "(default: 0.5 multi-label, 0 single-label).",
                                                    show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show why the model gives a text its labels: the terms that push each label up and down.

    A term's contribution is its weight in the model times its TF-IDF value in the text; the
    contributions plus the label's intercept add up to the label's margin, and the probability rises
    with the margin.

    Example: classifier explain "Police arrested three members of a banned outfit" --top 5
    """
    with _user_errors():
        loaded = api.load(model)
        result = explain_text(loaded, text, top=top, labels=label, threshold=threshold)
    if as_json:
        _print_json(result)
        return
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    for row in result["labels"]:
        status = "predicted" if row["predicted"] else "not predicted"
        console.print(f"[bold]{escape(row['label'])}[/bold]: probability {row['score']:.3f} ({status}); margin "
                      f"{row['margin']:+.3f} = terms {row['terms_total']:+.3f} + intercept {row['intercept']:+.3f}",
                      soft_wrap=True, highlight=False)
        if not row["up"] and not row["down"]:
            continue
        table = Table(header_style="bold")
        table.add_column("pushed up")
        table.add_column("contribution", justify="right")
        table.add_column("pushed down")
        table.add_column("contribution", justify="right")
        for i in range(max(len(row["up"]), len(row["down"]))):
            cells = []
            for side in (row["up"], row["down"]):
                if i < len(side):
                    cells += [display_term(side[i]["term"], side[i]["kind"], side[i].get("in_words", ())),
                              f"{side[i]['contribution']:+.4f}"]
                else:
                    cells += ["", ""]
            table.add_row(*cells)
        console.print(table)
    if not result["terms_in_text"]:
        _warn("none of the text's terms are in the model's vocabulary; only the intercepts decide.")


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Model file to read (.joblib or .skops).", show_default=False)],
    target: Annotated[Path, typer.Argument(help="Model file to write: .skops for the skops format, .joblib "
                                           "(or any other suffix) for joblib.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """Convert a model file between the joblib and skops formats; TARGET's suffix picks the format.

    Reading a .joblib file runs pickle, which can execute code: convert only joblib files you trust.
    A .skops file loads without running code from the file, so share models as .skops.

    Examples:

      classifier convert models/model.joblib models/model.skops

      classifier convert received.skops models/received.joblib
    """
    with _user_errors():
        result = api.convert(source, target)
    if as_json:
        _print_json(result)
        return
    _console().print(f"Converted {result['source']} ({result['from']}) to {result['target']} ({result['to']}, "
                     f"{result['bytes']:,} bytes)", soft_wrap=True, highlight=False)


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
    with _user_errors():
        if as_json and output == "-":
            raise api.InputError("--json and --output - would both write to standard output.",
                                 "Write the rows to review to a file with --output FILE.")
        if top < 0:
            raise api.InputError(f"--top must be 0 or more, not {top}.", f"Use --top {defaults.AUDIT_SHOW}.")
        with _progress(quiet) as progress:
            result = audit_table(data, test=test, model=model, text_col=text_col, label_col=label_col,
                                 label_sep=label_sep, multi_label=multi_label, folds=folds, seed=seed,
                                 near_duplicate=near_duplicate, min_label_rows=min_label_rows,
                                 short_words=short_words, output=output, fmt=fmt, encoding=encoding,
                                 progress=progress)
    if as_json:
        _print_json({**result, "rows": result["rows"][:top]})
        return
    if output == "-" and quiet:
        return
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=False) if output == "-" else _console()
    for table in _audit_tables(result, top, console.width):
        console.print(table)
    facts = result["model"]
    if facts:
        console.print(f"Cross-validated with the settings of {facts['path'] or 'the given model'}.", highlight=False)
        if facts["unknown_labels"]:
            console.print(f"Labels of the data the model does not know: {', '.join(facts['unknown_labels'])}",
                          soft_wrap=True, highlight=False)
        if facts["missing_labels"]:
            console.print(f"Labels of the model the data lacks: {', '.join(facts['missing_labels'])}",
                          soft_wrap=True, highlight=False)
    where = (f"wrote them to {'stdout' if output == '-' else output}" if output is not None
             else "pass --output FILE to save them all")
    console.print(f"{result['rows_flagged']:,} rows to review of {result['rows_read']:,}; {where}.",
                  soft_wrap=True, highlight=False)


def _audit_tables(result: dict, top: int, width: int):
    """The audit's counts, then its first ``top`` rows to review (texts cut to fit ``width``), as rich tables."""
    from rich.markup import escape
    from rich.table import Table

    counts = result["counts"]
    settings = result["settings"]
    text_chars = max(24, width - 90)
    task = result["task"].replace("_", "-")
    head = Table(title=f"Audit of {result['data']}: {result['rows_read']:,} rows, {task}, "
                       f"{len(result['labels'])} labels", header_style="bold")
    head.add_column("issue")
    head.add_column("rows", justify="right")
    head.add_column("what it means")

    def grouped(item: dict) -> str:
        return f"in {item['groups']:,} groups"

    overlap = counts["test_overlap"]
    rare = counts["rare_labels"]
    lines = [
        ("label_error", counts["label_errors"], f"out-of-fold prediction ({settings['folds']} folds) confidently "
                                                "disagrees with the label"),
        ("label_doubt", counts["label_doubts"], "out-of-fold prediction disagrees, less confidently"),
        ("conflicting_labels", counts["conflicting_labels"]["rows"],
         f"duplicates whose labels differ, {grouped(counts['conflicting_labels'])}"),
        ("test_overlap", overlap["rows"] if overlap else None,
         (f"{overlap['exact']:,} exact and {overlap['near']:,} near copies of {overlap['test_rows']:,} test rows"
          if overlap else "not checked: pass --test FILE")),
        ("exact_duplicate", counts["exact_duplicates"]["rows"],
         f"same text (case and spacing aside), {grouped(counts['exact_duplicates'])}"),
        ("near_duplicate", counts["near_duplicates"]["rows"],
         f"word-shingle Jaccard >= {settings['near_duplicate']}, {grouped(counts['near_duplicates'])}"),
        ("empty_text", counts["empty_text"], "no text"),
        ("missing_label", counts["missing_label"], "no label (single-label)"),
        ("short_text", counts["short_text"], f"fewer than {settings['short_words']} words"),
        ("rare_label", len(rare), f"labels with fewer than {settings['min_label_rows']} rows"
                                  + (": " + ", ".join(f"{k} ({v})" for k, v in rare.items()) if rare else "")),
    ]
    for name, value, note in lines:
        head.add_row(name, "-" if value is None else f"{value:,}", escape(note))
    yield head
    if top and result["rows"]:
        rows = Table(title="Rows to review", header_style="bold")
        for name in ("rank", "row", "issues", "label", "suggested", "error", "text"):
            rows.add_column(name, justify="right" if name in ("rank", "row", "error") else "left")
        for row in result["rows"][:top]:
            text = " ".join(row["text"].split())
            text = text if len(text) <= text_chars else text[:text_chars - 1] + "…"
            suggested = row["suggested_label"]
            if row["suggested_score"] is not None:
                suggested = suggested or "(none)"
                suggested = f"{suggested} ({row['suggested_score']:.2f})"
            error = "" if row["error_score"] is None else f"{row['error_score']:.3f}"
            rows.add_row(str(row["rank"]), f"{row['row']:,}", row["issues"].replace(";", " "), escape(row["label"]),
                         escape(suggested), error, escape(text))
        yield rows


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main() -> None:
    """Entry point of the ``classifier`` console script; SIGTERM stops it like Ctrl-C (exit code 130)."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, _terminate)
    app()
