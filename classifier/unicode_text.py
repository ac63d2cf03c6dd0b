"""Text that cannot be written as UTF-8: lone surrogates, made visible as U+FFFD.

JSON Lines may escape half of a surrogate pair (``"\\ud800"``), and a command-line argument that
is not valid UTF-8 reaches Python with its bad bytes as lone surrogates. Neither can be encoded
in any output, so both become the replacement character ``\ufffd`` where they enter the tool.
"""

from __future__ import annotations


def without_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (valid text is returned as it is)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def cleaned(value):
    """``value`` (a JSON value: text, number, list or object) with lone surrogates replaced in all its text."""
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    return value
