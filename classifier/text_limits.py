"""The longest text scored or trained on: a longer text is cut to its first `max_chars` characters, and counted.

Character n-grams cost about 110 bytes of memory per character of text, so one 20 MB cell would take
gigabytes; cutting bounds it. The cut is counted, never silent: every command that cuts reports how many texts.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifier import defaults
from classifier.errors import InputError


def text_limit(max_chars: int | None) -> int:
    """``max_chars``, or :data:`classifier.defaults.MAX_TEXT_CHARS` when ``None``; refused below 1."""
    limit = defaults.MAX_TEXT_CHARS if max_chars is None else max_chars
    if limit < 1:
        raise InputError(f"`max_chars` must be 1 or more, not {limit}.",
                         f"Use a length such as {defaults.MAX_TEXT_CHARS} (the default).")
    return limit


def cut_texts(texts: Sequence[str], max_chars: int | None = None) -> tuple[list[str], int]:
    """``texts`` with each longer than ``max_chars`` characters cut to its first ``max_chars``, and how many were."""
    limit = text_limit(max_chars)
    out = list(texts)
    cut = 0
    for i, text in enumerate(out):
        if len(text) > limit:
            out[i] = text[:limit]
            cut += 1
    return out, cut


def cut_note(count: int, done: str = "scored on", max_chars: int | None = None, option: bool = True) -> str:
    """The sentence reporting ``count`` texts cut: "3 texts longer than 100,000 characters were scored on
    their first 100,000 only (`max_chars`)." (``done`` says what was done with them; ``option=False``
    leaves out the parameter, for commands that do not offer it)."""
    limit = text_limit(max_chars)
    texts = "1 text" if count == 1 else f"{count:,} texts"
    return (f"{texts} longer than {limit:,} characters {'was' if count == 1 else 'were'} {done} "
            f"{'its' if count == 1 else 'their'} first {limit:,} only{' (`max_chars`)' if option else ''}.")
