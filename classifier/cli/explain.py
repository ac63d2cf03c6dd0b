"""``classifier explain``: the terms that push each of a text's labels up and down."""

from __future__ import annotations

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
    visible,
    warn,
)


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
    with user_errors():
        result = api.explain(model, text, top=top, labels=label, threshold=threshold)
    if as_json:
        print_json(result)
        return
    from rich.markup import escape

    from classifier.explain import display_term

    out = console()
    for row in result["labels"]:
        status = "predicted" if row["predicted"] else "not predicted"
        out.print(f"[bold]{escape(visible(row['label']))}[/bold]: probability {row['score']:.3f} ({status}); margin "
                  f"{row['margin']:+.3f} = terms {row['terms_total']:+.3f} + intercept {row['intercept']:+.3f}",
                  soft_wrap=True, highlight=False)
        if not row["up"] and not row["down"]:
            continue
        table = data_table(header_style="bold")
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
        out.print(table)
    if not result["terms_in_text"]:
        warn("none of the text's terms are in the model's vocabulary; only the intercepts decide.")
