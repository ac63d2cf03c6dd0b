"""Evaluation: how well a model labels a labelled table, as a dictionary of metrics (and a report)."""

from __future__ import annotations

from pathlib import Path


from classifier import defaults
from classifier.errors import OutputError
from classifier.labels import check_table_labels
from classifier.metrics import score
from classifier.model import Model
from classifier.progress import Progress, quiet_progress
from classifier.io.labelled import read_labelled
from classifier.validation import check_decision



def evaluate(
    model: Model,
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    threshold: float | None = None,
    report: str | Path | None = None,
    progress: Progress = quiet_progress,
    model_path: str | Path | None = None,
    max_chars: int | None = None,
) -> dict:
    """Score ``model`` on the labelled table ``data``.

    Columns default to those the model was trained with. Returns the metrics
    dictionary (``n``, ``accuracy``, ``macro_f1``, ``micro_f1``,
    ``weighted_f1``, ``per_label``, ``ece`` and ``ece_bins``; single-label adds ``confusion_matrix``,
    multi-label ``subset_accuracy`` and ``hamming_loss``) plus the counts of
    rows read and skipped, and ``texts_cut``: how many texts longer than ``max_chars`` characters
    (default :data:`classifier.defaults.MAX_TEXT_CHARS`) were scored on their first ``max_chars``. With
    ``report``, also writes the HTML evaluation report (:mod:`classifier.report`) there and adds its path as ``report``; it links to the model card
    beside ``model_path`` (the model's file), if there is one.
    """
    check_decision(None, threshold)
    if report is not None and Path(report).is_dir():
        raise OutputError(f"The report path {report} is a folder.", "Give a file name such as report.html.")
    progress("Reading the data")
    text_col = text_col or model.card.get("text_col", defaults.TEXT_COL)
    labelled = read_labelled(data, text_col=text_col, label_col=label_col,
                             prefer_label_col=model.card.get("label_col"),
                             label_sep=model.card.get("label_sep", defaults.LABEL_SEP),
                             multi_label=model.multi_label, encoding=encoding, fingerprint=False,
                             max_chars=max_chars)
    check_table_labels(model, labelled.labels, labelled.spec.column, labelled.source)
    progress("Scoring")
    probs = model.predict_proba(labelled.texts) if labelled.texts else None
    result = score(model, labelled.texts, labelled.labels, model.multi_label, threshold, probs=probs)
    result["rows_read"] = labelled.rows_read
    result["rows_skipped"] = labelled.skipped
    result["texts_cut"] = labelled.texts_cut
    result["data"] = labelled.source
    if report is not None:
        from classifier.insight.report import write_report

        progress("Writing the report")
        result["report"] = str(write_report(report, model, labelled.texts, labelled.labels, probs, result,
                                            threshold=threshold, model_path=model_path))
    return result
