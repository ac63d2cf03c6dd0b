"""``classifier info``: show a model's card and the top terms of each label."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from classifier import api, defaults
from classifier.cli.app import (
    JsonOpt,
    ModelOpt,
    app,
    console,
    data_table,
    print_json,
    user_errors,
)


@app.command()
def info(
    model: ModelOpt = defaults.MODEL_PATH,
    top: Annotated[int, typer.Option("--top", help="Terms to list per label.")] = defaults.TOP_TERMS,
    as_json: JsonOpt = False,
) -> None:
    """Show a model's card: labels, training data, parameters, metrics, versions and top terms.

    Example: classifier info --model models/model.skops --json
    """
    with user_errors():
        card = api.describe(model, top=top)
    if as_json:
        print_json(card)
        return

    out = console()
    facts = data_table(show_header=False, title=f"Model {card['file']['path']}")
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
    if card.get("thresholds"):
        from classifier.decision_targets import target_note

        goal = target_note(card["params"]["model"].get("thresholds"))
        facts.add_row("thresholds", ", ".join(f"{label} {t:.2f}" for label, t in card["thresholds"].items())
                      + f" (each label's own, chosen for {goal} on out-of-fold probabilities)")
    facts.add_row("created", card["created"])
    facts.add_row("versions", ", ".join(f"{k} {v}" for k, v in card["library_versions"].items()))
    file = card["file"]
    facts.add_row("file", f"{file['bytes']:,} bytes, {file.get('file_format', 'joblib')} format, bundle format "
                          f"{file['format_version']}, payload sha256 {file['payload_sha256']}")
    out.print(facts)
    from classifier.explain import display_term

    terms = data_table(title="Top terms per label", header_style="bold", show_lines=True)
    terms.add_column("label")
    terms.add_column("terms", overflow="fold")
    for label, rows in card["top_terms"].items():
        terms.add_row(label, ", ".join(display_term(r["term"], r.get("kind", "word")) for r in rows))
    out.print(terms)
