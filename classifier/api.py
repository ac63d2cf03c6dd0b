"""The library's public face: train, load, predict, evaluate and describe text classifiers.

Every function returns plain data (dictionaries, lists, :class:`Model`) and raises
:class:`~classifier.errors.ClassifierError` subclasses for problems a user can fix. Nothing here
prints; long steps report through an optional ``progress`` callback
``progress(stage, done=None, total=None)``. Each function hands its work to the module that owns
it (:mod:`classifier.training`, :mod:`classifier.prediction`, :mod:`classifier.insight`,
:mod:`classifier.io`); this module only chooses which.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from classifier import defaults
from classifier.errors import ClassifierError, InputError
from classifier.progress import Progress, quiet_progress
from classifier.validation import check_at_least, check_seed

if TYPE_CHECKING:
    from classifier.io.labelled import LabelledData, default_dataset, read_labelled
    from classifier.io.model_file import VersionWarning
    from classifier.model import Model
    from classifier.settings import Settings

_LAZY = {
    "Model": ("classifier.model", "Model"),
    "LabelledData": ("classifier.io.labelled", "LabelledData"),
    "default_dataset": ("classifier.io.labelled", "default_dataset"),
    "read_labelled": ("classifier.io.labelled", "read_labelled"),
    "VersionWarning": ("classifier.io.model_file", "VersionWarning"),
}
"""Names this module offers without importing them up front: importing ``classifier.api`` (and so
``classifier --help``) stays free of scikit-learn, SciPy and pandas, which each function below imports
only when it runs (issue 14)."""


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def train(
    data: str | Path | None = None,
    *,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    test: str | Path | None = None,
    test_size: float | None = None,
    seed: int = defaults.SEED,
    refit: bool = defaults.REFIT,
    features: dict | None = None,
    model_params: dict | None = None,
    encoding: str | None = None,
    out_of_core: bool | None = None,
    save_to: str | Path | None = None,
    progress: Progress = quiet_progress,
    settings: Mapping | Settings | None = None,
    config: str | Path | None = None,
) -> Model:
    """Train a model on ``data`` (default: the embedded dataset) and measure it on held-out rows.

    Held-out rows are ``test`` (a labelled table) if given, else a stratified
    ``test_size`` slice of ``data`` (default 0.2; ``0``: no held-out score). With
    a slice and ``refit``, the returned model is refitted on every row after
    the held-out score is taken. The result's ``card`` holds the metrics.

    ``out_of_core`` (default: for files above ``defaults.OUT_OF_CORE_BYTES``)
    trains in bounded memory instead: see :func:`classifier.training.out_of_core.train`.

    With ``save_to``, everything that could make saving the model there fail is
    checked before training starts (:func:`classifier.training.savable.check_savable`),
    and the model is saved there once trained.

    ``settings`` (a :class:`~classifier.settings.Settings`, or a mapping of setting names such as
    ``{"C": 1.0, "word_ngrams": "1-3"}``, ``None`` values meaning "not given") and the TOML file
    ``config`` choose the model and feature settings: the defaults, overridden by ``config``,
    overridden by ``settings``, overridden by the older ``features`` and ``model_params``.
    """
    from classifier.io import model_file
    from classifier.io.labelled import default_dataset
    from classifier.training import out_of_core as bounded

    check_seed(seed)
    if settings is not None or config is not None:
        from classifier.settings import Settings

        chosen = Settings.resolve(config, settings)
        if chosen.changed() or features or model_params:
            features = {**chosen.features(), **(features or {})}
            model_params = {**chosen.model(), **(model_params or {})}
    if save_to is not None:
        from classifier.training.savable import check_savable

        check_savable(save_to, data, out_of_core=out_of_core, features=features, model_params=model_params)
    if bounded.use_out_of_core(data, out_of_core):
        if features or model_params:
            raise InputError("Out-of-core training has its own features and model settings.",
                             "Drop the feature and model options, or train in memory.")
        model = bounded.train(data if data is not None else default_dataset(), text_col=text_col,
                              label_col=label_col, label_sep=label_sep, multi_label=multi_label, test=test,
                              test_size=test_size, seed=seed, encoding=encoding, progress=progress)
    else:
        from classifier.training.in_memory import train as train_in_memory

        model = train_in_memory(data, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                multi_label=multi_label, test=test, test_size=test_size, seed=seed, refit=refit,
                                features=features, model_params=model_params, encoding=encoding, progress=progress)
    if save_to is not None:
        progress("Saving the model")
        model_file.save(model, save_to)
    return model


def save(model: Model, path: str | Path = defaults.MODEL_PATH) -> Path:
    """Save ``model`` to ``path`` (atomically: an existing file is replaced only when the new one is complete).

    A ``.skops`` path is written in the skops format, which loads without running code from the file;
    any other suffix in the joblib format, a pickle.
    """
    from classifier.io import model_file

    return model_file.save(model, path)


def load(path: str | Path = defaults.MODEL_PATH, *, trust: bool = False) -> Model:
    """Load a model saved with :func:`save`.

    A skops file is loaded trusting only the types this project writes (any other type: a
    :class:`~classifier.errors.ModelError` listing them). A joblib file is a pickle: loading one can
    run arbitrary code, so it is loaded only when this user saved it here (it carries this user's
    signature) or ``trust`` is true; only trust joblib files from sources you trust.
    """
    from classifier.io import model_file

    return model_file.load(path, trust=trust)


def _loaded(model: Model | str | Path, *, compact: bool = False) -> Model:
    """``model`` itself, or the model saved at that path (with ``compact``, scoring with the file's compact
    scorer when it has a current one: the same probabilities, without loading scikit-learn)."""
    from classifier.io import model_file
    from classifier.model import Model

    return model if isinstance(model, Model) else model_file.load(model, compact=compact)


def predict(
    model: Model | str | Path, texts: Iterable[str], *, top_k: int | None = None, threshold: float | None = None,
    explain: bool = False, max_chars: int | None = None,
) -> list[dict]:
    """Labels for each text: ``[{"text", "labels": [...], "scores": [...]}]``, labels most probable first.

    An empty or whitespace-only text gets no labels. With ``explain``, each
    result also has ``"terms"``: the terms behind its labels with their
    contributions (see :func:`classifier.explain.explain_rows`). A text longer than ``max_chars``
    (default ``defaults.MAX_TEXT_CHARS``) is scored on its first ``max_chars`` characters and its result
    has ``"cut": True``.
    """
    from classifier.prediction.texts import predict_texts

    return predict_texts(_loaded(model, compact=not explain), texts, top_k=top_k, threshold=threshold,
                         explain=explain, max_chars=max_chars)


def predict_table(
    model: Model | str | Path,
    source: str | Path,
    output: str | Path | None = "-",
    **options,
) -> dict:
    """Score every row of the table(s) ``source`` and write them, with prediction columns added, to ``output``.

    The output keeps every input row in order with its columns unchanged and
    adds ``predicted_label``, ``predicted_score`` (and ``prob_<label>`` columns
    with ``probs=True``); returns the counts ``{"rows_read", "rows_scored",
    "rows_skipped", "output"}``. Streams in chunks on every core:
    see :func:`classifier.prediction.batch.predict_table` for the options (``text_col``,
    ``top_k``, ``threshold``, ``probs``, ``fmt``, ``chunk_size``, ``encoding``,
    ``jobs``, ``output_dir``, ``progress``).
    """
    from classifier.prediction.batch import predict_table as predict_table_local
    from classifier.prediction.batch import suits_compact

    compact = not options.get("explain") and suits_compact(source)
    return predict_table_local(_loaded(model, compact=compact), source, output, **options)


def evaluate(
    model: Model | str | Path,
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    threshold: float | None = None,
    report: str | Path | None = None,
    progress: Progress = quiet_progress,
    max_chars: int | None = None,
) -> dict:
    """Score ``model`` on the labelled table ``data``.

    Columns default to those the model was trained with. Returns the metrics
    dictionary (``n``, ``accuracy``, ``macro_f1``, ``micro_f1``,
    ``weighted_f1``, ``per_label``, ``ece`` and ``ece_bins``; single-label adds ``confusion_matrix``,
    multi-label ``subset_accuracy`` and ``hamming_loss``) plus the counts of
    rows read and skipped, and ``texts_cut`` (texts longer than ``max_chars`` characters, scored on their
    first ``max_chars``). With ``report``, also writes the HTML evaluation
    report (:mod:`classifier.insight.report`) there and adds its path as ``report``.
    """
    from classifier.insight.evaluation import evaluate as evaluate_table

    return evaluate_table(_loaded(model), data, text_col=text_col, label_col=label_col, encoding=encoding,
                          threshold=threshold, report=report, progress=progress,
                          model_path=model if isinstance(model, (str, Path)) else None, max_chars=max_chars)


def describe(model: Model | str | Path = defaults.MODEL_PATH, *, top: int = defaults.TOP_TERMS) -> dict:
    """The model card plus the ``top`` strongest terms of each label."""
    from classifier.explain import top_terms
    from classifier.io import model_file
    from classifier.model import Model

    check_at_least("top", top, 0, f"Use `top` {defaults.TOP_TERMS}, or 0 for none.")
    if isinstance(model, Model):
        info = dict(model.card)
    else:
        model, info = model_file.load_described(model)
    info["top_terms"] = top_terms(model.pipeline, model.labels, top)
    return info


def explain(
    model: Model | str | Path, text: str, *, top: int = defaults.EXPLAIN_TERMS, labels: Sequence[str] | None = None,
    top_k: int | None = None, threshold: float | None = None,
) -> dict:
    """Why ``model`` (a :class:`Model`, or the path of a model file) gives ``text`` its labels.

    For each predicted label (or each of ``labels``), the ``top`` terms that push it up and down
    with their contributions: see :func:`classifier.explain.explain` for the result.
    """
    from classifier.explain import explain as explain_text

    model = _loaded(model)
    return explain_text(model, text, top=top, labels=labels, top_k=top_k, threshold=threshold)


def convert(source: str | Path, target: str | Path, *, trust: bool = False) -> dict:
    """Convert the model file ``source`` to ``target``'s format: ``.skops``, or joblib for any other suffix.

    The model (pipeline and card) is unchanged. Loading a joblib ``source``
    runs pickle, so one this user did not save is read only with ``trust``
    (convert only joblib files you trust); converting to ``.skops`` gives a
    file that is safe to load anywhere. Returns ``{"source", "target", "from", "to", "bytes"}``.
    """
    from classifier.io import model_file

    return model_file.convert(source, target, trust=trust)


def json_safe(value):
    """``value`` with NaN and infinities replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


__all__ = ["Model", "LabelledData", "VersionWarning", "ClassifierError", "InputError", "json_safe", "quiet_progress",
           "train", "save", "load", "predict", "predict_table", "evaluate", "describe", "explain", "convert",
           "read_labelled", "default_dataset"]


def cv(
    data: str | Path | None = None,
    *,
    folds: int = defaults.CV_FOLDS,
    seed: int = defaults.SEED,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
    settings: Mapping | Settings | None = None,
    config: str | Path | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Stratified ``folds``-fold cross-validation on ``data`` (default: the embedded dataset) with the settings
    of ``config`` and ``settings`` (as :func:`train` takes them): every metric of :func:`evaluate` as its mean
    and standard deviation over the folds, per label too. See
    :func:`classifier.insight.crossval.cross_validate` for the result."""
    from classifier.insight.crossval import cross_validate
    from classifier.settings import Settings

    return cross_validate(data, folds=folds, seed=seed, settings=Settings.resolve(config, settings),
                          text_col=text_col, label_col=label_col, label_sep=label_sep, multi_label=multi_label,
                          encoding=encoding, progress=progress)


__all__ += ["cv"]


def compare(
    models: Sequence[Model | str | Path],
    data: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    resamples: int = defaults.COMPARE_RESAMPLES,
    confidence: float = defaults.COMPARE_CONFIDENCE,
    seed: int = defaults.SEED,
    progress: Progress = quiet_progress,
) -> dict:
    """Compare ``models`` (each a :class:`Model` or a model file; the first is the baseline) on the labelled
    table ``data``: each one's metrics, paired bootstrap confidence intervals for the differences from the
    baseline and, single-label, McNemar's test. See :func:`classifier.insight.compare.compare`."""
    from classifier.insight.compare import compare as compare_models

    names = [f"model {i + 1}" if not isinstance(m, (str, Path)) else str(m) for i, m in enumerate(models)]
    names = [name if names.count(name) == 1 else f"{name} ({i + 1})" for i, name in enumerate(names)]
    return compare_models([_loaded(m) for m in models], names, data, text_col=text_col, label_col=label_col,
                          encoding=encoding, resamples=resamples, confidence=confidence, seed=seed, progress=progress)


__all__ += ["compare"]


def model_card(
    model: Model | str | Path = defaults.MODEL_PATH,
    *,
    output: str | Path | None = None,
    test: str | Path | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """The model card a person reads, as Markdown (Hugging Face layout), written to ``output`` when given.

    With ``test`` (a labelled table) the card adds the model's metrics on it. Returns
    ``{"markdown", "facts", "output"}``: see :func:`classifier.insight.card.model_card`.
    """
    from classifier.insight.card import model_card as readable_card
    from classifier.io import model_file
    from classifier.model import Model

    file = None
    if not isinstance(model, Model):
        model, info = model_file.load_described(model)
        file = info["file"]
    return readable_card(model, file=file, test=test, output=output, text_col=text_col, label_col=label_col,
                         encoding=encoding, progress=progress)


def suggest(
    model: Model | str | Path,
    pool: str | Path,
    output: str | Path,
    *,
    n: int = defaults.SUGGEST_N,
    fmt: str | None = None,
    random_share: float = defaults.SUGGEST_RANDOM_SHARE,
    seed: int = defaults.SEED,
    text_col: str | None = None,
    encoding: str | None = None,
    progress: Progress = quiet_progress,
) -> dict:
    """Choose the ``n`` texts of the unlabelled table ``pool`` most worth labelling next, and write them to ``output``.

    Most are the texts the model is least sure of, a ``random_share`` are drawn at random, and no two are
    near-duplicates; each comes with the model's guess. ``fmt``: a table format (default from the name),
    ``label-studio`` or ``prodigy``. See :func:`classifier.insight.suggest.suggest`.
    """
    from classifier.insight.suggest import suggest as suggest_rows

    return suggest_rows(_loaded(model), pool, output, n=n, fmt=fmt, random_share=random_share, seed=seed,
                        text_col=text_col, encoding=encoding, progress=progress)


__all__ += ["model_card", "suggest"]


def tune(
    data: str | Path | None = None,
    *,
    budget: str | float = defaults.TUNE_BUDGET,
    folds: int = defaults.TUNE_FOLDS,
    seed: int = defaults.SEED,
    metric: str = defaults.TUNE_METRIC,
    text_col: str = defaults.TEXT_COL,
    label_col: str | None = None,
    label_sep: str = defaults.LABEL_SEP,
    multi_label: bool | None = None,
    encoding: str | None = None,
    settings: Mapping | Settings | None = None,
    config: str | Path | None = None,
    save_to: str | Path | None = defaults.MODEL_PATH,
    progress: Progress = quiet_progress,
) -> dict:
    """Search the model and feature settings on ``data`` by cross-validation within the wall-clock ``budget``
    (``"10m"``), train the best on every row and save it to ``save_to``; return the search (see
    :func:`classifier.insight.tune.tune`) with ``"model"``, the saved path. Settings given in ``config`` or
    ``settings`` (as :func:`train` takes them) are fixed; the others are searched."""
    from classifier.insight.tune import tune as search_settings
    from classifier.settings import Settings

    chosen = Settings.resolve(config, settings)
    if isinstance(settings, Settings):
        fixed = set(settings.changed())
    else:
        fixed = {str(k).replace("-", "_") for k, v in (settings or {}).items() if v is not None}
        fixed |= set(Settings.resolve(config, None).changed())
    if save_to is not None:
        from classifier.training.savable import check_savable

        check_savable(save_to, data, out_of_core=False)
    model, search = search_settings(data, budget=budget, folds=folds, seed=seed, metric=metric, settings=chosen,
                                    fixed=fixed, text_col=text_col, label_col=label_col, label_sep=label_sep,
                                    multi_label=multi_label, encoding=encoding, progress=progress)
    search["model"] = None
    if save_to is not None:
        from classifier.io import model_file

        progress("Saving the model")
        search["model"] = str(model_file.save(model, save_to))
    return search


__all__ += ["tune"]
