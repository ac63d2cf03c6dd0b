"""Checks of argument values shared by several library functions.

Messages name the parameter in backticks (`` `top_k` ``); the CLI shows the matching option
(``--top-k``) instead, so the library never speaks in command-line flags.
"""

from __future__ import annotations

from classifier import defaults
from classifier.errors import InputError


def check_decision(top_k: int | None, threshold: float | None) -> None:
    """Refuse a ``top_k`` below 1 or a ``threshold`` outside [0, 1] (a model's per-label thresholds, a
    sequence, are the model's own and are not checked here)."""
    if top_k is not None and top_k < 1:
        raise InputError(f"`top_k` must be 1 or more, not {top_k}.", "Use `top_k` 1 for the best label only.")
    if threshold is not None and not isinstance(threshold, (tuple, list)) and not 0 <= threshold <= 1:
        raise InputError(f"`threshold` must be between 0 and 1, not {threshold}.", "Use a probability such as 0.5.")


def check_at_least(name: str, value: int | None, least: int, hint: str) -> None:
    """Refuse an integer setting ``name`` below ``least`` (``None`` means the default and passes)."""
    if value is not None and value < least:
        raise InputError(f"`{name}` must be {least} or more, not {value}.", hint)


SEED_LIMIT = 2**32
"""Seeds are whole numbers from 0 to ``SEED_LIMIT - 1``: what NumPy's and scikit-learn's generators take."""


def check_seed(seed: int | None) -> None:
    """Refuse a random seed the generators cannot take (negative, or 2**32 and above)."""
    if seed is not None and not 0 <= seed < SEED_LIMIT:
        raise InputError(f"`seed` must be a whole number from 0 to {SEED_LIMIT - 1}, not {seed}.",
                         "Use a seed such as 0 or 42.")


def holdout_size(test, test_size: float | None) -> float:
    """The fraction of the training table to hold out, given a ``test`` table and ``test_size``.

    Raises when both are given or the fraction is not in [0, 1); ``None``
    means the default (``defaults.TEST_SIZE``).
    """
    if test is not None and test_size is not None:
        raise InputError("`test` and `test_size` cannot be used together.",
                         "Use `test` FILE to score on a file, or `test_size` F to hold out a slice.")
    test_size = defaults.TEST_SIZE if test_size is None else test_size
    if not 0 <= test_size < 1:
        raise InputError(f"`test_size` must be at least 0 and below 1, not {test_size}.",
                         "Use a fraction such as 0.2.")
    return test_size
