"""Model and feature settings under the names scikit-learn users know, from options or a TOML file.

:class:`Settings` is the one typed list of the settings a user may choose (``C``, ``word_ngrams``,
``char_ngrams``, ``min_df``, ``max_df``, ``class_weight``, ``nb``, ``thresholds``), how each is
written on a command line or in a settings file, how each is checked, and how they map onto the
pipeline's ``features`` and ``model`` parameters (:func:`classifier.estimators.pipeline.build_pipeline`).
Their defaults are :data:`classifier.defaults.FEATURES` and :data:`classifier.defaults.MODEL`.

Standard library only, so the command line can import it without loading scikit-learn.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from classifier import defaults
from classifier.decision_targets import check_target
from classifier.errors import InputError

_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")

FEATURE_NAMES = {"word_ngrams": "word_ngrams", "char_ngrams": "char_ngrams", "min_df": "min_df", "max_df": "max_df"}
"""Settings that are parameters of the features step (setting name: parameter name)."""
MODEL_NAMES = {"C": "C", "class_weight": "class_weight", "nb": "nb_weighting", "thresholds": "thresholds"}
"""Settings that are parameters of the classifier step (setting name: parameter name)."""


def _range(name: str, value, *, allow: tuple[str, ...] = ()) -> tuple[int, int] | str | None:
    """An n-gram range from ``"1-2"``, ``"3"``, ``[1, 2]`` or ``(1, 2)``; or one of the words ``allow``."""
    words = ", ".join(f"'{w}'" for w in allow)
    hint = f"Use a range such as '1-2'{', or ' + words if words else ''}."
    if isinstance(value, str) and value.strip().lower() in allow:
        word = value.strip().lower()
        return None if word == "off" else word
    if value is None and "off" in allow:
        return None
    if isinstance(value, bool):
        raise InputError(f"`{name}` must be an n-gram range, not {value!r}.", hint)
    if isinstance(value, int):
        low = high = value
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                       for v in value):
        low, high = value
    elif isinstance(value, str) and _RANGE.match(value):
        match = _RANGE.match(value)
        low = int(match.group(1))
        high = int(match.group(2) or low)
    else:
        raise InputError(f"`{name}` must be an n-gram range, not {value!r}.", hint)
    if not 1 <= low <= high:
        raise InputError(f"`{name}` must be a range MIN-MAX with 1 <= MIN <= MAX, not {low}-{high}.", hint)
    return (int(low), int(high))


def _number(name: str, value):
    """``value`` as an int or float (a string is parsed), or an error naming ``name``."""
    if isinstance(value, bool):
        raise InputError(f"`{name}` must be a number, not {value!r}.", f"Use a number such as {_EXAMPLES[name]}.")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"`{name}` must be a number, not {value!r}.",
                         f"Use a number such as {_EXAMPLES[name]}.") from None
    return number


_EXAMPLES = {"C": "0.5", "min_df": "2 (rows) or 0.001 (a share of the rows)",
             "max_df": "0.9 (a share of the rows) or 1000 (rows)"}


def _C(value) -> float:
    number = _number("C", value)
    if not math.isfinite(number) or number <= 0:
        raise InputError(f"`C` must be a number above 0, not {value!r}.",
                         f"Use a regularisation strength such as {defaults.MODEL['C']} (higher fits the "
                         "training rows more closely).")
    return float(number)


def _min_df(value):
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    number = _number("min_df", value)
    if isinstance(number, int) and number >= 1:
        return number
    if isinstance(number, float) and number.is_integer() and number >= 1:
        return int(number)
    if isinstance(number, float) and 0 < number < 1:
        return number
    raise InputError(f"`min_df` must be 'auto', a whole number of rows (1 or more) or a share of the rows "
                     f"between 0 and 1, not {value!r}.", "Use 'auto', 2 or 0.001.")


def _max_df(value):
    number = _number("max_df", value)
    if isinstance(number, float) and 0 < number <= 1:
        return number
    if isinstance(number, int) and number == 1:
        return 1.0
    if isinstance(number, int) and number >= 1 or isinstance(number, float) and number.is_integer() and number > 1:
        return int(number)
    raise InputError(f"`max_df` must be a share of the rows above 0 and at most 1, or a whole number of rows, "
                     f"not {value!r}.", "Use 1.0 (keep every term), 0.9 or 1000.")


def _choice(name: str, value, choices: dict):
    if isinstance(value, str) and value.strip().lower() in choices:
        return choices[value.strip().lower()]
    if value is None and None in choices.values():
        return None
    known = " or ".join(f"'{c}'" for c in choices)
    raise InputError(f"`{name}` must be {known}, not {value!r}.", f"Use {known}.")


def _nb(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "false", "no", "off"):
        return value.strip().lower() in ("true", "yes", "on")
    raise InputError(f"`nb` must be true or false, not {value!r}.", "Use true (NB-weighted features) or false.")


_PARSERS = {
    "C": _C,
    "word_ngrams": lambda v: _range("word_ngrams", v),
    "char_ngrams": lambda v: _range("char_ngrams", v, allow=("auto", "off")),
    "min_df": _min_df,
    "max_df": _max_df,
    "class_weight": lambda v: _choice("class_weight", v, {"balanced": "balanced", "none": None}),
    "nb": _nb,
    "thresholds": lambda v: None if v is None or str(v).strip().lower() == "none" else check_target(v, "thresholds"),
}


def _default(name: str):
    if name in FEATURE_NAMES:
        value = defaults.FEATURES[FEATURE_NAMES[name]]
    else:
        value = defaults.MODEL[MODEL_NAMES[name]]
    return None if value is None else _PARSERS[name](value)


@dataclass(frozen=True)
class Settings:
    """The model and feature settings a user may choose; every field defaults to the project's default.

    ``word_ngrams`` and ``char_ngrams`` are ``(min_n, max_n)`` ranges (``char_ngrams``: also
    ``"auto"``, character 4-grams for short texts, or ``None``: off); ``min_df`` and ``max_df`` a
    number of rows (int) or a share of the rows (float; ``min_df`` also ``"auto"``); ``C`` the
    SVM's inverse regularisation; ``class_weight`` ``"balanced"`` or ``None``; ``nb`` whether
    features are NB-weighted per label; ``thresholds`` ``"f1"`` (multi-label: each label's own
    threshold, chosen for F1 on out-of-fold probabilities) or ``None`` (0.5 for every label).
    Build one with :meth:`from_options` (strings as typed on a command line), :meth:`from_toml`
    or :meth:`from_params` (the pipeline's parameter dictionaries); the constructor does not check.
    """

    C: float = dataclasses.field(default_factory=lambda: _default("C"))
    word_ngrams: tuple = dataclasses.field(default_factory=lambda: _default("word_ngrams"))
    char_ngrams: tuple | str | None = dataclasses.field(default_factory=lambda: _default("char_ngrams"))
    min_df: int | float | str = dataclasses.field(default_factory=lambda: _default("min_df"))
    max_df: int | float = dataclasses.field(default_factory=lambda: _default("max_df"))
    class_weight: str | None = dataclasses.field(default_factory=lambda: _default("class_weight"))
    nb: bool = dataclasses.field(default_factory=lambda: _default("nb"))
    thresholds: str | None = dataclasses.field(default_factory=lambda: _default("thresholds"))

    @classmethod
    def names(cls) -> list[str]:
        """The setting names, in order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_options(cls, values: Mapping | None = None, *, base: Settings | None = None, source: str = "") -> Settings:
        """``base`` (default: the defaults) with the settings in ``values`` replaced; ``None`` values are
        left out (an option not given). Names may be spelled with dashes (``word-ngrams``); an unknown
        name is an :class:`~classifier.errors.InputError` listing the known ones."""
        base = base or cls()
        changes = {}
        for key, value in (values or {}).items():
            name = str(key).replace("-", "_")
            if name not in _PARSERS:
                where = f" in {source}" if source else ""
                raise InputError(f"Unknown setting {key!r}{where}.", f"Known settings: {', '.join(cls.names())}.")
            if value is not None:
                changes[name] = _PARSERS[name](value)
        return dataclasses.replace(base, **changes)

    @classmethod
    def from_toml(cls, path: str | Path, *, base: Settings | None = None) -> Settings:
        """The settings of the TOML file ``path`` (top-level keys, or those of a ``[settings]`` table) over
        ``base``. TOML has no null: write ``"none"`` (``class_weight``, ``thresholds``) or ``"off"``
        (``char_ngrams``)."""
        import tomllib

        path = Path(path)
        try:
            with path.open("rb") as handle:
                table = tomllib.load(handle)
        except FileNotFoundError:
            raise InputError(f"The settings file {path} does not exist.", "Check the `config` path.") from None
        except IsADirectoryError:
            raise InputError(f"The settings file {path} is a folder.", "Give a TOML file such as settings.toml.") \
                from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"The settings file {path} is not valid TOML ({exc}).",
                             "Write one `name = value` per line, such as C = 0.5 or word_ngrams = \"1-2\".") from None
        if set(table) == {"settings"} and isinstance(table["settings"], dict):
            table = table["settings"]
        return cls.from_options(table, base=base, source=str(path))

    @classmethod
    def resolve(cls, config: str | Path | None = None, options: Mapping | Settings | None = None) -> Settings:
        """The settings of a run: the defaults, overridden by the file ``config``, overridden by ``options``
        (a mapping whose ``None`` values mean "not given", or a :class:`Settings`, which wins whole)."""
        if isinstance(options, Settings):
            return options
        base = cls.from_toml(config) if config is not None else cls()
        return cls.from_options(options, base=base)

    @classmethod
    def from_params(cls, features: Mapping | None = None, model: Mapping | None = None) -> Settings:
        """The settings of a pipeline built with these ``features`` and ``model`` parameters (others ignored)."""
        values = {name: (features or {})[param] for name, param in FEATURE_NAMES.items() if param in (features or {})}
        values.update({name: (model or {})[param] for name, param in MODEL_NAMES.items() if param in (model or {})})
        return cls(**{**dataclasses.asdict(cls()),
                      **{name: None if value is None else _PARSERS[name](value) for name, value in values.items()}})

    def features(self) -> dict:
        """The features step's parameters these settings set."""
        return {param: getattr(self, name) for name, param in FEATURE_NAMES.items()}

    def model(self) -> dict:
        """The classifier step's parameters these settings set."""
        return {param: getattr(self, name) for name, param in MODEL_NAMES.items()}

    def changed(self) -> dict:
        """The settings that differ from the defaults, as :meth:`to_dict` writes them."""
        default = Settings().to_dict()
        return {k: v for k, v in self.to_dict().items() if default[k] != v}

    def to_dict(self) -> dict:
        """The settings as a settings file writes them (ranges as ``"1-2"``, no ``None``):
        ``Settings.from_options(s.to_dict()) == s``."""
        def spelled(value, off: str):
            if value is None:
                return off
            if isinstance(value, tuple):
                return f"{value[0]}-{value[1]}"
            return value

        return {
            "C": self.C,
            "word_ngrams": spelled(self.word_ngrams, "off"),
            "char_ngrams": spelled(self.char_ngrams, "off"),
            "min_df": self.min_df,
            "max_df": self.max_df,
            "class_weight": spelled(self.class_weight, "none"),
            "nb": self.nb,
            "thresholds": spelled(self.thresholds, "none"),
        }

    def to_toml(self) -> str:
        """The settings as the text of a TOML settings file."""
        lines = []
        for name, value in self.to_dict().items():
            text = ("true" if value else "false") if isinstance(value, bool) else (
                f'"{value}"' if isinstance(value, str) else repr(value))
            lines.append(f"{name} = {text}")
        return "\n".join(lines) + "\n"


def fit_failure(exc: ValueError, source) -> InputError | None:
    """The user's error behind ``exc``, raised by fitting a pipeline on ``source``, if the settings caused it
    (``min_df`` and ``max_df`` that prune every term); else ``None``."""
    if "no terms remain" in str(exc):
        return InputError(f"No term of {source} is left once `min_df` and `max_df` prune the vocabulary.",
                          "Lower `min_df` or raise `max_df`.")
    return None
