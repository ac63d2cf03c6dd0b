"""The rich tables the commands print: metrics, the confusion matrix and the audit.

Each function takes the plain data a library function returned and gives rich renderables; none
prints. rich is imported only when a table is built, so ``--json`` output and errors never load it.
"""

from __future__ import annotations

from classifier.cli.app import data_table


def metrics_tables(metrics: dict, title: str):
    """The headline metrics (titled ``title``), then the per-label precision, recall, F1 and support."""

    head = data_table(title=title, show_header=True, header_style="bold", min_width=len(title) + 4)
    head.add_column("metric")
    head.add_column("value", justify="right")
    keys = ["n", "accuracy", "macro_f1", "micro_f1", "weighted_f1", "ece"]
    if metrics["task"] == "multi_label":
        keys = ["n", "subset_accuracy", "hamming_loss", "micro_f1", "macro_f1", "weighted_f1", "samples_f1", "ece"]
    for key in [k for k in keys if k in metrics]:
        value = metrics[key]
        head.add_row(key, f"{value:,}" if isinstance(value, int) else f"{value:.4f}")
    per = data_table(show_header=True, header_style="bold")
    for name in ("label", "precision", "recall", "f1", "support"):
        per.add_column(name, justify="left" if name == "label" else "right")
    for label, row in metrics["per_label"].items():
        per.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", f"{row['support']:,}")
    return head, per


def confusion_table(cm: dict):
    """The confusion matrix ``{labels, matrix}``: rows true, columns predicted."""

    table = data_table(title="Confusion matrix (rows: true, columns: predicted)", header_style="bold")
    table.add_column("")
    for label in cm["labels"]:
        table.add_column(label[:12], justify="right")
    for label, row in zip(cm["labels"], cm["matrix"]):
        table.add_row(label, *(f"{v:,}" for v in row))
    return table


def audit_tables(result: dict, top: int, width: int):
    """The audit's counts, then its first ``top`` rows to review (texts cut to fit ``width``), as rich tables."""

    counts = result["counts"]
    settings = result["settings"]
    text_chars = max(24, width - 90)
    task = result["task"].replace("_", "-")
    head = data_table(title=f"Audit of {result['data']}: {result['rows_read']:,} rows, {task}, "
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
        head.add_row(name, "-" if value is None else f"{value:,}", note)
    yield head
    if top and result["rows"]:
        rows = data_table(title="Rows to review", header_style="bold")
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
            rows.add_row(str(row["rank"]), f"{row['row']:,}", row["issues"].replace(";", " "), row["label"],
                         suggested, error, text)
        yield rows
