"""The model pipeline: :class:`TextPipeline`, the features step and the classifier step, built from the defaults.

The two steps are always named :data:`FEATURES` and :data:`MODEL`; code that needs one of them
asks for it by these names. This module owns the pipeline class (its held-out-slice fitting
recipe), :func:`build_pipeline` and the settings a model card records (:func:`pipeline_params`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from classifier import defaults
from classifier.estimators.calibration import cross_fitted_probabilities
from classifier.estimators.features import TextFeatures
from classifier.estimators.holdout import (
    Holdout,
    HoldoutError,
    slice_can_calibrate,
    split,
)
from classifier.estimators.svm import CalibratedLinearSVC
from classifier.estimators.targets import is_multi_label
from classifier.steps import FEATURES, MODEL


class TextPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that can hold out a slice of its training rows to measure itself.

    With ``holdout=0`` (the default) it is a plain pipeline. With a fraction ``holdout``, ``fit``
    follows the recipe of ``classifier train``:

    1. draw a held-out slice of that share of the rows, stratified by label (multi-label: by
       each row's rarest label), seeded by ``random_state`` (see :mod:`classifier.estimators.holdout`);
    2. fit the steps on the other rows;
    3. score the slice. A single-label model whose every class has at least
       ``defaults.MIN_SLICE_POSITIVES`` rows in the slice is calibrated on the slice's margins
       instead of on out-of-fold margins (which saves the final step's cross-validation fits);
       its held-out probabilities are then cross-fitted (each half of the slice scored with a
       calibration fitted on the other half);
    4. with ``refit`` (the default), fit the steps again on all rows, reusing that calibration. A
       single-label model calibrated on out-of-fold margins (its slice too small to calibrate on) reuses
       the slice model's calibration as well (fitted on out-of-fold margins of the training slice), which
       saves the refit's cross-validation fits: a third of the SVM fits (with 2 calibration folds, 6
       rounds of per-class fits become 4). Multi-label models are calibrated again on all rows (their
       per-label sigmoids and thresholds gain from every positive).

    So ``clone(pipeline).fit(X, y)`` gives the same model as ``classifier train`` on the same
    rows and seed. What the slice measured is kept in ``holdout_`` (a
    :class:`~classifier.estimators.holdout.Holdout`: the held-out rows, the slice model's classes
    and probabilities; ``None`` without a slice), like a forest's ``oob_score_``; it is not
    saved with the model. Calibrating on the slice needs a final step with ``calibrate`` and
    ``targets`` methods and a ``calibrate`` argument to ``fit``, as :class:`CalibratedLinearSVC`
    has (reusing the slice model's calibration, an ``adopt_calibration`` method too); other final steps are always fitted as they are. A multi-label final step should be
    given its ``classes``, so the slice model scores every label even when the training
    slice lacks some. Fit parameters (``step__param``) are passed on only without a slice, and
    ``memory`` is used only without a slice.
    """

    def __init__(self, steps, *, holdout: float = 0.0, refit: bool = defaults.REFIT, random_state: int = defaults.SEED,
                 transform_input=None, memory=None, verbose: bool = False):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.holdout = holdout
        self.refit = refit
        self.random_state = random_state

    def fit(self, X, y=None, **params):
        self.holdout_ = None
        if not self.holdout:
            return super().fit(X, y, **params)
        if params:
            raise TypeError(f"fit parameters cannot be passed with `holdout` ({', '.join(sorted(params))})")
        texts = X if isinstance(X, list) else list(X)
        y = y if isinstance(y, list) else np.asarray(y)
        final_name, final = self.steps[-1]
        multi_label = is_multi_label(y)
        classes = getattr(final, "classes", None)
        train, test, stratified = split(y, multi_label, self.holdout, self.random_state, classes)
        y_train, y_test = _rows(y, train), _rows(y, test)
        on_slice = (not multi_label and hasattr(final, "calibrate")
                    and slice_can_calibrate(y_test, np.unique(y) if classes is None else classes))
        if not multi_label:
            found = np.unique(y_train)
            if len(found) < 2:
                raise HoldoutError(f"the training slice holds only one class ({found[0]!r})", "one_class", found[0])
            if on_slice and self.refit and len(found) != len(np.unique(y)):
                raise HoldoutError("the classes of the training slice and of all rows differ", "classes_differ")
        fit_params = {f"{final_name}__calibrate": False} if on_slice else {}
        reuse = self.refit and not on_slice and not multi_label and hasattr(final, "adopt_calibration")
        model = clone(self) if self.refit else self  # refit: the slice model is a copy, discarded after scoring
        Pipeline.fit(model, [texts[i] for i in train], y_train, **fit_params)
        held = [texts[i] for i in test]
        fitted = model.steps[-1][1]
        if on_slice:
            margins = model.decision_function(held)
            target = fitted.targets(y_test)
            probs = cross_fitted_probabilities(margins, target, False, self.random_state)
            fitted.calibrate(margins, target)
        else:
            probs = model.predict_proba(held)
        holdout = Holdout(index=test, rows_train=len(train), classes=list(fitted.classes_), probabilities=probs,
                          stratified=stratified, calibrated_on_slice=on_slice,
                          thresholds=getattr(fitted, "thresholds_", None))
        if self.refit:
            super().fit(texts, y, **({f"{final_name}__calibrate": False} if reuse else fit_params))
            if on_slice:
                self.steps[-1][1].calibrate(margins, target)
            elif reuse:
                self.steps[-1][1].adopt_calibration(fitted)
        self.holdout_ = holdout
        return self

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: for classes outside sklearn it is the instance's __dict__
        state.pop("holdout_", None)
        return state


def _rows(y, index):
    return [y[i] for i in index] if isinstance(y, list) else y[index]


def build_pipeline(*, features: dict | None = None, model: dict | None = None,
                   seed: int = defaults.SEED, holdout: float = 0.0, refit: bool = defaults.REFIT) -> TextPipeline:
    """A fresh, unfitted pipeline with the default settings, overridden by ``features`` and ``model``.

    Choices that depend on the data (``min_df="auto"``, ``char_ngrams="auto"``) are made when
    fitting; ``holdout``, ``refit`` and ``seed`` set how the pipeline measures itself (see
    :class:`TextPipeline`).
    """
    feature_params = {**defaults.FEATURES, **(features or {})}
    for key in ("word_ngrams", "char_ngrams"):
        if feature_params.get(key) not in (None, "auto"):
            feature_params[key] = tuple(feature_params[key])
    model_params = {**defaults.MODEL, **(model or {})}
    return TextPipeline([
        (FEATURES, TextFeatures(**feature_params)),
        (MODEL, CalibratedLinearSVC(random_state=seed, **model_params)),
    ], holdout=holdout, refit=refit, random_state=seed)


def fit_pipeline(pipeline: Pipeline, texts, y) -> Pipeline:
    """Fit ``pipeline`` on ``texts`` and labels ``y`` (1-D labels, or a 0/1 matrix or label collections for
    multi-label)."""
    return pipeline.fit(texts, y)


def pipeline_params(pipeline: Pipeline) -> dict:
    """The settings of a pipeline's two steps, as plain JSON-friendly values: the values the fitted steps
    used (``char_ngrams`` and ``min_df`` resolved, ``calibration_folds`` 0 for a model calibrated on
    held-out margins), without the label names (``classes``: the card lists them)."""
    vectoriser = pipeline.named_steps[FEATURES]
    features = vectoriser.get_params()
    for key in ("char_ngrams", "min_df"):
        if hasattr(vectoriser, key + "_"):
            features[key] = getattr(vectoriser, key + "_")
    estimator = pipeline.named_steps[MODEL]
    model = {k: v for k, v in estimator.get_params().items() if k != "classes"}
    if hasattr(estimator, "calibration_folds_"):
        model["calibration_folds"] = estimator.calibration_folds_
    return {
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in features.items()
                     if k in defaults.FEATURES},
        "model": dict(model),
    }
