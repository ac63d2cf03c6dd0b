"""What a multi-label model's per-label thresholds are chosen for: ``f1``, ``precision@P`` or ``recall@R``.

Parsed here, with the standard library only, so that the settings, the command line and the
estimators (:mod:`classifier.estimators.thresholds`, which does the choosing) read a target alike.
"""

from __future__ import annotations

import re

from classifier.errors import InputError

TARGET = re.compile(r"^(precision|recall)@(0?\.\d+|1(?:\.0*)?)$")
"""A user's target: ``precision@P`` or ``recall@R`` with a level in (0, 1]; or ``f1``."""


def parse_target(goal: str | None, name: str = "optimise") -> tuple[str, float | None]:
    """``("f1", None)``, ``("precision", 0.9)`` or ``("recall", 0.8)`` from ``f1``, ``precision@0.9``, ``recall@0.8``.

    Raises :class:`~classifier.errors.InputError` naming the parameter ``name`` for anything else (``None`` too).
    """
    text = str(goal).strip().lower() if goal is not None else ""
    if text == "f1":
        return "f1", None
    found = TARGET.match(text)
    if not found or float(found.group(2)) <= 0:
        raise InputError(f"`{name}` must be f1, precision@P or recall@R (P, R between 0 and 1), not {goal!r}.",
                         "Use f1, or a target such as precision@0.9 or recall@0.8.")
    return found.group(1), float(found.group(2))


def check_target(goal: str | None, name: str = "optimise") -> str:
    """``goal`` in its canonical spelling (``f1``, ``precision@0.9``); raises like :func:`parse_target`."""
    kind, level = parse_target(goal, name)
    return kind if level is None else f"{kind}@{level:g}"


def target_note(goal: str | None) -> str:
    """How a card says what each label's threshold was chosen for."""
    kind, level = parse_target(goal or "f1")
    if kind == "f1":
        return "the best F1"
    more = "the most recall at that precision" if kind == "precision" else "the most precision at that recall"
    return f"{kind} of at least {level:g} ({more})"
