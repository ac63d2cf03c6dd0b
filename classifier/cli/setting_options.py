"""The model and feature setting options that ``train``, ``cv`` and ``tune`` share, and ``--config``.

Each option is a string or ``None`` (not given) as typed; :class:`classifier.settings.Settings`
checks and parses them in the library, so the command line and a settings file say the same
things about a bad value. The names are those of :class:`~classifier.settings.Settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classifier import defaults

PANEL = "Model and feature settings"
"""The ``--help`` panel the setting options are listed in."""

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Settings file (TOML) with the setting names below, one 'name = value' a line (e.g. C = 1.0, "
    "word_ngrams = \"1-3\"); options given on the command line override it.", show_default=False,
    rich_help_panel=PANEL)]
COpt = Annotated[str | None, typer.Option(
    "--C", help=f"SVM inverse regularisation strength, above 0 (default {defaults.MODEL['C']}; higher fits the "
    "training rows more closely).", show_default=False, rich_help_panel=PANEL)]
WordNgramsOpt = Annotated[str | None, typer.Option(
    "--word-ngrams", help="Word n-gram range MIN-MAX (default 1-2; 1-1: single words only).", show_default=False,
    rich_help_panel=PANEL)]
CharNgramsOpt = Annotated[str | None, typer.Option(
    "--char-ngrams", help="Character n-grams within words: auto (4-grams for texts of at most "
    f"{defaults.SHORT_TEXT_WORDS} words, the default), off, or a range MIN-MAX such as 3-5.", show_default=False,
    rich_help_panel=PANEL)]
MinDfOpt = Annotated[str | None, typer.Option(
    "--min-df", help=f"Drop terms found in fewer rows than this: a count, a share of the rows (below 1), or auto "
    f"(the default: {defaults.MIN_DF} from {defaults.SMALL_TABLE} rows, else 1).", show_default=False,
    rich_help_panel=PANEL)]
MaxDfOpt = Annotated[str | None, typer.Option(
    "--max-df", help="Drop terms found in more rows than this: a share of the rows (default 1.0: keep all) or a "
    "count.", show_default=False, rich_help_panel=PANEL)]
ClassWeightOpt = Annotated[str | None, typer.Option(
    "--class-weight", help="balanced (weigh each label's rows by the inverse of its frequency) or none (the "
    "default).", show_default=False, rich_help_panel=PANEL)]
NbOpt = Annotated[bool | None, typer.Option(
    "--nb/--no-nb", help="NB weighting: scale each feature by its naive Bayes log-count ratio per label "
    "(default: on).", show_default=False, rich_help_panel=PANEL)]
ThresholdsOpt = Annotated[str | None, typer.Option(
    "--thresholds", help="Multi-label decision thresholds: f1 (each label its own, chosen for F1 on out-of-fold "
    "probabilities; the default), a target such as precision@0.9 or recall@0.8, or none (0.5 for every label).",
    show_default=False, rich_help_panel=PANEL)]


def given(*, C, word_ngrams, char_ngrams, min_df, max_df, class_weight, nb, thresholds) -> dict:
    """The setting options as the library takes them (``None``: not given, so the file or default holds)."""
    return {"C": C, "word_ngrams": word_ngrams, "char_ngrams": char_ngrams, "min_df": min_df, "max_df": max_df,
            "class_weight": class_weight, "nb": nb, "thresholds": thresholds}
