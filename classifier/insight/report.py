"""The evaluation report: one self-contained HTML file an analyst can open in any browser.

It holds the headline metrics; a confusion-matrix heatmap (single-label) or
per-label precision/recall/F1 bars and a label co-occurrence heatmap
(multi-label); a reliability diagram with the expected calibration error; the
per-label table; the top terms of each label; and the most confident mistakes
with their text. Plots are drawn with matplotlib and embedded as base64 PNG
images, styles are inline, and nothing is fetched from the network, so the
file can be mailed or archived on its own.
"""

from __future__ import annotations

import base64
import html
import io
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from classifier import defaults
from classifier.explain import display_term, top_terms
from classifier.files import atomic_write
from classifier.labels import decide
from classifier.metrics import calibration_events, reliability_bins
from classifier.version import __version__

COLORS = {
    "confusion": "Blues",
    "cooccurrence": "Purples",
    "precision": "#1b9e77",
    "recall": "#7570b3",
    "f1": "#d95f02",
    "reliability": "#e6550d",
    "gap": "#fdd0a2",
    "counts": "#636363",
}
"""Colour maps and colours of the plots (the rendering test looks for them in a screenshot)."""

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#222;background:#fff;
margin:0;line-height:1.45}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:.9em;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:110px}
.card .value{display:block;font-size:1.6em;font-weight:600}.card .name{color:#555;font-size:.85em}
.plots{display:flex;flex-wrap:wrap;gap:0 40px;align-items:flex-start}.plots section{flex:0 1 auto;max-width:100%}
figure{margin:8px 0;display:table}figure img{max-width:100%;height:auto}
figcaption{display:table-caption;caption-side:bottom;color:#555;font-size:.85em}
summary{cursor:pointer;color:#555;font-size:.9em}
table{border-collapse:collapse;font-size:.9em;margin:8px 0}
th,td{border-bottom:1px solid #e4e4e4;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{max-width:560px}.weight{color:#777;font-size:.85em}.note{color:#555;font-size:.85em}
"""


def _png(figure) -> str:
    """A matplotlib figure as a ``data:`` URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _tick(label) -> str:
    """A label as a plot shows it: its ``$`` escaped, so matplotlib never reads it as mathematics."""
    return str(label).replace("$", r"\$")


def _heatmap(matrix: np.ndarray, colour: np.ndarray, row_labels, col_labels, cmap: str, *, xlabel: str,
             ylabel: str, colour_label: str) -> str:
    """A heatmap of ``colour`` (values in [0, 1]) annotated with the counts in ``matrix``."""
    n_rows, n_cols = matrix.shape
    fig = _figure(min(24, max(4.5, 0.5 * n_cols + 2.5)), min(22, max(3.5, 0.42 * n_rows + 1.8)))
    ax = fig.add_subplot()
    image = ax.imshow(colour, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ticks = 8 if max(n_rows, n_cols) <= 40 else 5
    ax.set_xticks(range(n_cols), [_tick(l) for l in col_labels], rotation=45, ha="right", fontsize=ticks)
    ax.set_yticks(range(n_rows), [_tick(l) for l in row_labels], fontsize=ticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    size = 8 if max(n_rows, n_cols) <= 12 else 6
    for i in range(n_rows if max(n_rows, n_cols) <= 40 else 0):
        for j in range(n_cols):
            if matrix[i, j]:
                ax.text(j, i, f"{int(matrix[i, j]):,}", ha="center", va="center", fontsize=size,
                        color="white" if colour[i, j] > 0.55 else "#222")
    fig.colorbar(image, ax=ax, shrink=0.8, label=colour_label)
    return _png(fig)


def confusion_plot(confusion: dict) -> str:
    """The confusion matrix as a heatmap: colour is the share of each true label's rows, numbers are counts."""
    matrix = np.asarray(confusion["matrix"], dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    return _heatmap(matrix, share, confusion["labels"], confusion["labels"], COLORS["confusion"],
                    xlabel="predicted label", ylabel="true label", colour_label="share of the true label's rows")


def cooccurrence_plot(y_true: np.ndarray, labels: list[str]) -> str:
    """How often each pair of labels is given to the same row (diagonal: rows with the label)."""
    y = np.asarray(y_true, dtype=float)
    counts = y.T @ y
    diagonal = np.diag(counts).copy()
    share = np.divide(counts, diagonal[:, None], out=np.zeros_like(counts), where=diagonal[:, None] > 0)
    return _heatmap(counts, share, labels, labels, COLORS["cooccurrence"], xlabel="also labelled",
                    ylabel="rows labelled", colour_label="share of the row label's rows")


def per_label_plot(per_label: dict) -> str:
    """Grouped horizontal bars of each label's precision, recall and F1."""
    labels = list(per_label)
    fig = _figure(5.6, max(2.5, 0.45 * len(labels) + 1.2))
    ax = fig.add_subplot()
    y = np.arange(len(labels))
    height = 0.27
    for offset, key in zip((-height, 0, height), ("precision", "recall", "f1")):
        ax.barh(y + offset, [per_label[l][key] for l in labels], height=height, color=COLORS[key],
                label=key if key != "f1" else "F1")
    ax.set_yticks(y, [_tick(l) for l in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, ncols=3, bbox_to_anchor=(1, 1.0))
    return _png(fig)


def reliability_plot(bins: list[dict], ece: float, *, score_name: str, outcome_name: str) -> str:
    """Reliability diagram: each bin's observed frequency against its mean score, with counts below."""
    fig = _figure(5.2, 4.8)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    width = bins[0]["upper"] - bins[0]["lower"]
    filled = [b for b in bins if b["count"]]
    centres = [(b["lower"] + b["upper"]) / 2 for b in filled]
    top.bar(centres, [b["mean_score"] for b in filled], width=width * 0.92, color=COLORS["gap"],
            label="mean score (a gap shows miscalibration)")
    top.bar(centres, [b["frequency"] for b in filled], width=width * 0.6, color=COLORS["reliability"],
            label=f"observed {outcome_name}")
    top.plot([0, 1], [0, 1], linestyle="--", color="#444", linewidth=1, label="perfect calibration")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel(f"observed {outcome_name}")
    top.set_title(f"ECE {ece:.3f} ({len(bins)} equal-width bins)", fontsize=10)
    top.legend(fontsize=8, loc="upper left")
    bottom.bar([(b["lower"] + b["upper"]) / 2 for b in bins], [b["count"] for b in bins], width=width * 0.92,
               color=COLORS["counts"])
    bottom.set_yscale("symlog")
    bottom.set_ylabel("count")
    bottom.set_xlabel(score_name)
    return _png(fig)


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _number(value) -> str:
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return f"{float(value):.3f}"


def _table(headers: list[str], rows: list[list[str]], *, numeric: set[int] = frozenset(), table_id: str = "") -> str:
    """An HTML table; cells are already-escaped HTML."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if j in numeric else f'<td dir="auto">{c}</td>'
                                    for j, c in enumerate(row)) + "</tr>" for row in rows)
    ident = f' id="{_esc(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_html(uri: str, alt: str, caption: str, ident: str) -> str:
    return (f'<figure id="{ident}"><img src="{uri}" alt="{_esc(alt)}"><figcaption>{_esc(caption)}</figcaption>'
            "</figure>")


def _truth(model, gold: list) -> np.ndarray:
    """Gold labels as ``calibration_events`` wants them: column indices, or a 0/1 matrix."""
    if model.multi_label:
        index = {label: k for k, label in enumerate(model.labels)}
        matrix = np.zeros((len(gold), len(model.labels)), dtype=int)
        for i, row in enumerate(gold):
            for label in row:
                if label in index:
                    matrix[i, index[label]] = 1
        return matrix
    index = {label: k for k, label in enumerate(model.labels)}
    return np.array([index.get(str(g), -1) for g in gold])


def confident_mistakes(model, texts: list[str], gold: list, probs: np.ndarray, *, threshold: float | None = None,
                       limit: int = defaults.REPORT_MISTAKES) -> list[dict]:
    """The ``limit`` mistakes the model made most confidently, most confident first.

    Single-label: rows whose predicted label is not the true one, ranked by the
    predicted label's probability (rows where the model abstained are not
    listed). Multi-label: rows with at least one wrong label decision, ranked
    by their most confident wrong decision (a label given with probability
    ``p`` that the row does not have counts ``p``; a label the row has but was
    not given counts ``1 - p``). Each: ``{"index", "text", "true",
    "predicted", "confidence", "wrong"}`` where ``wrong`` lists the wrong
    labels with their probabilities.
    """
    labels = model.labels
    predicted, scores = decide(probs, labels, model.multi_label, threshold=model.threshold_for(threshold))
    found = []
    if model.multi_label:
        truth = _truth(model, gold)
        for i, row in enumerate(predicted):
            given = np.zeros(len(labels), dtype=bool)
            given[[labels.index(l) for l in row]] = True
            wrong = np.flatnonzero(given != truth[i].astype(bool))
            if not len(wrong):
                continue
            confidence = [probs[i, k] if given[k] else 1 - probs[i, k] for k in wrong]
            found.append({
                "index": i, "text": texts[i], "true": list(gold[i]), "predicted": list(row),
                "predicted_scores": [float(s) for s in scores[i]], "confidence": float(max(confidence)),
                "wrong": [{"label": labels[k], "score": float(probs[i, k]),
                           "error": "given, not true" if given[k] else "true, not given"} for k in wrong],
            })
    else:
        for i, row in enumerate(predicted):
            if not row or row[0] == str(gold[i]):
                continue
            k_true = labels.index(str(gold[i])) if str(gold[i]) in labels else None
            found.append({
                "index": i, "text": texts[i], "true": [str(gold[i])], "predicted": row,
                "predicted_scores": [float(s) for s in scores[i]], "confidence": float(scores[i][0]),
                "wrong": [{"label": str(gold[i]), "score": None if k_true is None else float(probs[i, k_true]),
                           "error": "true label's probability"}],
            })
    found.sort(key=lambda m: (-m["confidence"], m["index"]))
    return found[:limit]


def build_report(model, texts: list[str], gold: list, probs: np.ndarray, metrics: dict, *,
                 threshold: float | None = None, mistakes: int = defaults.REPORT_MISTAKES,
                 top: int = defaults.TOP_TERMS, text_chars: int = defaults.REPORT_TEXT_CHARS,
                 card_link: str | None = None) -> str:
    """The report as an HTML string, from a model's probabilities on labelled texts and its ``metrics``.

    ``metrics`` is what :func:`classifier.evaluate` returns (it needs
    ``ece`` and ``ece_bins``); ``probs`` has one row per text and one column
    per model label.
    """
    multi = model.multi_label
    probs = np.asarray(probs, dtype=float)
    truth = _truth(model, gold)
    card = model.card
    data_name = metrics.get("data", "the data")
    title = f"Evaluation report: {data_name}"

    headline_keys = (["subset_accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss", "ece"] if multi
                     else ["accuracy", "macro_f1", "micro_f1", "weighted_f1", "ece"])
    names = {"accuracy": "accuracy", "subset_accuracy": "subset accuracy", "micro_f1": "micro F1",
             "macro_f1": "macro F1", "weighted_f1": "weighted F1", "samples_f1": "samples F1",
             "hamming_loss": "Hamming loss", "ece": "calibration error (ECE)"}
    cards = [("rows scored", f"{metrics['n']:,}")] + [(names[k], _number(metrics[k])) for k in headline_keys
                                                       if k in metrics]
    parts = [
        f"<h1>{_esc(title)}</h1>",
        '<p class="meta">' + _esc(
            f"{'Multi' if multi else 'Single'}-label model with {len(model.labels)} labels, trained on "
            f"{card.get('training_data', {}).get('path', '?')} "
            f"({card.get('training_data', {}).get('rows_used', 0):,} rows) on {card.get('created', '?')}. "
            f"Scored {metrics['n']:,} rows of {data_name}"
            + (f" (skipped {sum(metrics.get('rows_skipped', {}).values()):,} without text or label)"
               if sum(metrics.get("rows_skipped", {}).values()) else "")
            + (f"; decision threshold {threshold}" if threshold is not None else "")
            + f". Report written {datetime.now(timezone.utc).isoformat(timespec='seconds')} by classifier "
              f"{__version__}.") + "</p>",
        '<section id="headline"><div class="cards">' + "".join(
            f'<div class="card"><span class="value">{_esc(v)}</span><span class="name">{_esc(n)}</span></div>'
            for n, v in cards) + "</div></section>",
    ]
    if card_link:
        parts.append(f'<p class="meta">Model card: <a href="{_esc(card_link)}">{_esc(Path(card_link).name)}</a> '
                     '(intended use, training data, known limits, how to verify the model file).</p>')
    if metrics.get("unknown_labels"):
        parts.append(f'<p class="note">Labels in the data that the model does not know (ignored): '
                     f'{_esc(", ".join(metrics["unknown_labels"]))}.</p>')

    parts.append('<div class="plots">')
    if multi:
        parts.append("<section id=\"per-label-plot\"><h2>Precision, recall and F1 per label</h2>"
                     + _figure_html(per_label_plot(metrics["per_label"]), "Bars of precision, recall and F1 per label",
                                    "Each label scored as its own yes/no decision.", "per-label-bars")
                     + "</section>")
        parts.append("<section id=\"cooccurrence\"><h2>Label co-occurrence</h2>"
                     + _figure_html(cooccurrence_plot(truth, model.labels), "Heatmap of label co-occurrence",
                                    "Rows with the row label that also carry the column label, in the true labels; "
                                    "the diagonal counts the rows with each label.", "cooccurrence-heatmap")
                     + "</section>")
    else:
        parts.append("<section id=\"confusion\"><h2>Confusion matrix</h2>"
                     + _figure_html(confusion_plot(metrics["confusion_matrix"]), "Confusion matrix heatmap",
                                    "Rows: true label; columns: predicted label. Numbers are counts; colour is the "
                                    "share of the true label's rows (the diagonal is each label's recall).",
                                    "confusion-heatmap")
                     + "</section>")

    bins = metrics.get("ece_bins", defaults.ECE_BINS)
    scores, outcomes = calibration_events(probs, truth, multi)
    table = reliability_bins(scores, outcomes, bins)
    if multi:
        score_name, outcome_name = "label probability", "share of rows with the label"
        what = ("every label's probability for every row, against whether the row has that label "
                f"({len(scores):,} probabilities)")
    else:
        score_name, outcome_name = "probability of the top label", "accuracy"
        what = "the top label's probability, against whether the top label is the true one"
    parts.append("<section id=\"calibration\"><h2>Calibration</h2>"
                 + _figure_html(reliability_plot(table, metrics["ece"], score_name=score_name,
                                                 outcome_name=outcome_name),
                                "Reliability diagram",
                                f"Scores binned into {bins} equal-width bins on [0, 1]: {what}. Expected calibration "
                                f"error (ECE) = {metrics['ece']:.4f}, the count-weighted mean gap between the bars and "
                                "the diagonal.", "reliability-diagram")
                 + "<details><summary>The bins</summary>"
                 + _table(["bin", "rows" if not multi else "probabilities", "mean score", outcome_name],
                          [[_esc(f"{b['lower']:.1f}–{b['upper']:.1f}"), f"{b['count']:,}",
                            "" if b["mean_score"] is None else f"{b['mean_score']:.3f}",
                            "" if b["frequency"] is None else f"{b['frequency']:.3f}"] for b in table],
                          numeric={1, 2, 3}, table_id="reliability-table")
                 + "</details></section></div>")

    own = model.thresholds if threshold is None else None
    bars = dict(zip(model.labels, own)) if own is not None else {}
    per_rows = [[_esc(label), *(f"{row[k]:.3f}" for k in ("precision", "recall", "f1")), f"{row['support']:,}"]
                + ([f"{bars[label]:.2f}" if label in bars else ""] if bars else [])
                for label, row in metrics["per_label"].items()]
    parts.append("<section id=\"per-label\"><h2>Per-label scores</h2>"
                 + ("<p class=\"note\">Each label is given from its own threshold (the model's, chosen on "
                    "out-of-fold probabilities of its training rows).</p>" if bars else "")
                 + _table(["label", "precision", "recall", "F1", "support"] + (["threshold"] if bars else []),
                          per_rows, numeric={1, 2, 3, 4, 5}, table_id="per-label-table") + "</section>")

    terms = top_terms(model.pipeline, model.labels, top)
    term_rows = [[_esc(label), ", ".join(f'{_esc(display_term(t["term"], t["kind"]))} '
                                         f'<span class="weight">{t["weight"]:.2f}</span>' for t in rows) or "(none)"]
                 for label, rows in terms.items()]
    parts.append("<section id=\"top-terms\"><h2>Top terms per label</h2>"
                 "<p class=\"note\">The terms whose model weights push each label up the most.</p>"
                 + _table(["label", "terms (weight)"], term_rows, table_id="top-terms-table") + "</section>")

    found = confident_mistakes(model, texts, gold, probs, threshold=threshold, limit=mistakes)
    if multi:
        explain = ("Rows with a wrong label decision, ranked by the most confident wrong decision: a label given "
                   "with probability p that the row does not have counts p; a true label not given counts 1 − p.")
        headers = ["#", "confidence", "true labels", "predicted labels", "wrong", "text"]
        rows = [[str(n), f"{m['confidence']:.3f}", _esc(", ".join(m["true"]) or "(none)"),
                 _esc(", ".join(f"{l} {s:.2f}" for l, s in zip(m["predicted"], m["predicted_scores"])) or "(none)"),
                 _esc("; ".join(f"{w['label']} {w['score']:.2f} ({w['error']})" for w in m["wrong"])),
                 _esc(_cut(m["text"], text_chars))] for n, m in enumerate(found, 1)]
    else:
        explain = "Rows whose predicted label is wrong, ranked by the predicted label's probability."
        headers = ["#", "score", "predicted", "true label (its probability)", "text"]
        rows = [[str(n), f"{m['confidence']:.3f}", _esc(m["predicted"][0]),
                 _esc(m["true"][0] + ("" if m["wrong"][0]["score"] is None else f" ({m['wrong'][0]['score']:.3f})")),
                 _esc(_cut(m["text"], text_chars))] for n, m in enumerate(found, 1)]
    body = _table(headers, rows, numeric={0, 1}, table_id="mistakes-table") if rows else "<p>No mistakes.</p>"
    parts.append(f"<section id=\"mistakes\"><h2>Most confident mistakes</h2><p class=\"note\">{_esc(explain)}</p>"
                 f"{body}</section>")

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body><main>"
            + "\n".join(parts) + "</main></body></html>\n")


def write_report(path: str | Path, model, texts: list[str], gold: list, probs: np.ndarray, metrics: dict,
                 *, model_path: str | Path | None = None, **options) -> Path:
    """Write :func:`build_report` to ``path`` atomically (nothing is left behind if it fails); return the path.

    When a model card (``defaults.MODEL_CARD_NAME``) sits beside the model file ``model_path``, the report links to it.
    """
    path = Path(path)
    card = Path(model_path).parent / defaults.MODEL_CARD_NAME if model_path is not None else None
    if card is not None and card.is_file():
        options["card_link"] = Path(os.path.relpath(card.resolve(), path.resolve().parent)).as_posix()
    document = build_report(model, texts, gold, probs, metrics, **options)
    with atomic_write(path) as handle:
        handle.write(document.encode("utf-8"))
    return path
