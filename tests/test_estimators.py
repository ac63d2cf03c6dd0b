"""The estimators are scikit-learn estimators: the common checks, clone, cross-validation and grid search, and
a cloned pipeline fitted on the training rows is the model ``train`` returns."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils import estimator_checks as checks
from sklearn.utils.estimator_checks import parametrize_with_checks

import classifier
from classifier import defaults
from classifier.estimators.features import TextFeatures
from classifier.estimators.holdout import Holdout, split
from classifier.estimators.pipeline import (
    FEATURES,
    MODEL,
    TextPipeline,
    build_pipeline,
    pipeline_params,
)
from classifier.estimators.svm import CalibratedLinearSVC
from classifier.io.labelled import read_labelled
from tests.conftest import make_multi_rows, make_rows

BINARY_MARGINS = ("decision_function returns one margin column per class, (n, 2) for two classes (explain and the "
                  "calibration read both columns); scikit-learn expects one column, (n,)")
EXPECTED_FAILURES = {
    "check_classifiers_train": BINARY_MARGINS,
    "check_classifiers_classes": BINARY_MARGINS,
    "check_classifier_multioutput": ("multi-label predict thresholds each label's calibrated probability at "
                                     "defaults.THRESHOLD_MULTI, not its raw margin at 0"),
    "check_class_weight_classifiers": ("class_weight weighs the negative and positive rows of each one-vs-rest "
                                       "binary SVM (None or 'balanced'), not the classes of a multi-class target"),
}


def expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILURES if isinstance(estimator, CalibratedLinearSVC) else {}


@parametrize_with_checks([CalibratedLinearSVC(), TextFeatures()], expected_failed_checks=expected_failed_checks)
def test_scikit_learn_checks(estimator, check):
    """Every common check; TextFeatures takes strings (``input_tags.string``, no 2-D arrays), so scikit-learn
    runs only ``check_estimator_cloneable`` on it and the API checks that need no data run below."""
    check(estimator)


DATA_FREE_CHECKS = [checks.check_estimator_tags_renamed, checks.check_valid_tag_types, checks.check_estimator_repr,
                    checks.check_no_attributes_set_in_init, checks.check_do_not_raise_errors_in_init_or_set_params,
                    checks.check_mixin_order, checks.check_parameters_default_constructible,
                    checks.check_get_params_invariance, checks.check_set_params]


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda check: check.__name__)
def test_text_features_api_checks(check):
    check("TextFeatures", TextFeatures())


TEXTS = make_rows(n_per_class=8, seed=4)["text"].tolist()


def test_text_features_behave_like_a_transformer():
    """The data checks of scikit-learn, on texts: unfitted, returns self, leaves its parameters alone,
    is idempotent, scores rows independently of their batch and order, pickles, and clones unfitted."""
    features = TextFeatures(min_df="auto")
    with pytest.raises(NotFittedError):
        features.transform(TEXTS)
    params = features.get_params()
    assert features.fit(TEXTS) is features
    assert features.get_params() == params and features.min_df_ == 1 and features.char_ngrams_ == (4, 4)
    X = features.transform(TEXTS)
    assert (features.fit_transform(TEXTS) != X).nnz == 0
    assert (TextFeatures(min_df="auto").fit(TEXTS).transform(TEXTS) != X).nnz == 0
    assert (features.transform(TEXTS[:5]) != X[:5]).nnz == 0
    assert (features.transform(TEXTS[::-1]) != X[::-1]).nnz == 0
    assert (pickle.loads(pickle.dumps(features)).transform(TEXTS) != X).nnz == 0
    assert not hasattr(clone(features), "idf_")
    with pytest.raises(TypeError, match="string object received"):
        features.fit("one text is not a list of texts")


def test_text_features_defaults_are_the_project_defaults():
    params = TextFeatures().get_params()
    assert {k: params[k] for k in defaults.FEATURES} == defaults.FEATURES


def test_min_df_auto_is_resolved_when_fitting():
    small = (TEXTS * 10)[:defaults.SMALL_TABLE - 1]
    assert TextFeatures(min_df="auto").fit(small).min_df_ == 1
    assert TextFeatures(min_df="auto").fit(small + TEXTS[:1]).min_df_ == defaults.MIN_DF == 2
    assert TextFeatures(min_df=3).fit(small).min_df_ == 3
    assert build_pipeline().named_steps[FEATURES].min_df == "auto"
    assert build_pipeline(features={"min_df": 2}).named_steps[FEATURES].min_df == 2


def test_multi_label_classes_are_label_names():
    frame = make_multi_rows(seed=2)
    rows = [tuple(cell.split("|")) if cell else () for cell in frame["labels"].fillna("")]
    X = TextFeatures(min_df=1).fit_transform(frame["text"].tolist())
    names = sorted({label for row in rows for label in row})
    from_rows = CalibratedLinearSVC().fit(X, rows)
    indicator = np.array([[label in row for label in names] for row in rows], dtype=int)
    from_matrix = CalibratedLinearSVC(classes=names).fit(X, indicator)
    assert list(from_rows.classes_) == list(from_matrix.classes_) == names
    np.testing.assert_array_equal(from_rows.coef_, from_matrix.coef_)
    np.testing.assert_array_equal(from_rows.predict_proba(X), from_matrix.predict_proba(X))
    assert list(CalibratedLinearSVC().fit(X, indicator).classes_) == [0, 1, 2]  # scikit-learn's convention
    wider = CalibratedLinearSVC(classes=[*names, "unseen"]).fit(X, rows)
    assert wider.predict_proba(X).shape == (len(rows), len(names) + 1)
    with pytest.raises(ValueError, match="`classes`"):
        CalibratedLinearSVC(classes=names[:1]).fit(X, rows)


def single_texts(n_per_class=30, seed=5):
    frame = make_rows(n_per_class=n_per_class, seed=seed)
    return frame["text"].tolist(), frame["label"].to_numpy(dtype=object)


def test_clone_cross_val_score_and_grid_search_work_on_the_pipeline():
    texts, y = single_texts()
    pipeline = build_pipeline()
    copy = clone(pipeline)
    assert copy.get_params(deep=False)["holdout"] == 0.0 and copy.named_steps[MODEL] is not pipeline.named_steps[MODEL]
    scores = cross_val_score(pipeline, texts, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8
    search = GridSearchCV(pipeline, {"model__C": [0.1, 1.0], "features__word_ngrams": [(1, 1), (1, 2)]}, cv=2)
    search.fit(texts, y)
    assert set(search.best_params_) == {"model__C", "features__word_ngrams"}
    assert search.predict(texts[:3]).shape == (3,)
    frame = make_multi_rows(seed=3)
    rows = [tuple(cell.split("|")) if cell else () for cell in frame["labels"].fillna("")]
    names = sorted({label for row in rows for label in row})
    Y = np.array([[label in row for label in names] for row in rows], dtype=int)
    multi = build_pipeline(model={"classes": names})
    scores = cross_val_score(multi, frame["text"].tolist(), Y, cv=KFold(3), scoring="f1_micro")
    assert scores.shape == (3,) and scores.min() > 0.5


def test_holdout_pipeline_records_its_slice_and_saves_without_it():
    texts, y = single_texts()
    pipeline = build_pipeline(holdout=0.2, seed=1).fit(texts, y)
    result = pipeline.holdout_
    assert isinstance(result, Holdout) and result.calibrated_on_slice
    assert len(result.index) == 18 and result.rows_train == 72 and result.probabilities.shape == (18, 3)
    assert "holdout_" not in pickle.loads(pickle.dumps(pipeline)).__dict__
    assert build_pipeline().fit(texts, y).holdout_ is None
    assert pipeline_params(pipeline)["model"]["calibration_folds"] == 0


def labelled_table(tmp_path, kind):
    path = tmp_path / f"{kind}.csv"
    if kind == "multi":
        make_multi_rows(n=120, seed=6).to_csv(path, index=False)
    else:
        make_rows(n_per_class=40 if kind == "single_slice" else 20, seed=6).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("refit", [True, False], ids=["refit", "no_refit"])
@pytest.mark.parametrize("kind", ["single_slice", "single_folds", "multi"])
def test_cloned_pipeline_fitted_on_the_rows_is_the_trained_model(tmp_path, kind, refit):
    """``clone(model.pipeline).fit(texts, y)`` repeats train's recipe: held-out slice, calibration, refit."""
    path = labelled_table(tmp_path, kind)
    model = classifier.train(path, refit=refit, seed=3)
    expected = "held-out slice" if kind == "single_slice" else "out-of-fold"
    assert expected in model.card["holdout"]["calibration"]
    data = read_labelled(path)
    y = data.labels if kind == "multi" else np.array(data.labels, dtype=object)
    again = clone(model.pipeline).fit(data.texts, y)
    ours, theirs = again.named_steps[MODEL], model.pipeline.named_steps[MODEL]
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    np.testing.assert_array_equal(ours.intercept_, theirs.intercept_)
    for key, value in theirs.calibration_.items():
        np.testing.assert_array_equal(ours.calibration_[key], value)
    np.testing.assert_array_equal(again.named_steps[FEATURES].vocabulary_hashes_,
                                  model.pipeline.named_steps[FEATURES].vocabulary_hashes_)
    probe = data.texts[:20] + ["police raid the bank", ""]
    np.testing.assert_allclose(again.predict_proba(probe), model.predict_proba(probe), rtol=0, atol=1e-12)
    assert [str(c) for c in ours.classes_] == model.labels
    assert pipeline_params(again) == {k: v for k, v in model.card["params"].items() if k != "seed"}
    assert isinstance(model.pipeline, TextPipeline) and model.pipeline.get_params()["refit"] is refit


def test_fit_parameters_are_refused_with_a_slice():
    texts, y = single_texts()
    with pytest.raises(TypeError, match="`holdout`"):
        build_pipeline(holdout=0.2).fit(texts, y, model__calibrate=False)


def test_skipping_calibration_leaves_the_default_one():
    texts, y = single_texts()
    model = CalibratedLinearSVC().fit(TextFeatures(min_df=1).fit_transform(texts), y, calibrate=False)
    assert model.calibration_folds_ == 0 and model.calibration_["temperature"] == 1.0


def test_an_interruption_during_the_per_label_fits_starts_no_further_fit(monkeypatch):
    """Issue 16, class 10: Ctrl-C during a fit of many labels takes effect after the fit in progress,
    not after every remaining label's fit."""
    import numpy as np
    from scipy import sparse

    from classifier.estimators.svm import CalibratedLinearSVC

    calls = []
    real = CalibratedLinearSVC._fit_one

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(CalibratedLinearSVC, "_fit_one", interrupted)
    rng = np.random.default_rng(0)
    X = sparse.csr_matrix(rng.random((60, 20)))
    y = np.array([f"c{i % 30}" for i in range(60)], dtype=object)
    import pytest

    with pytest.raises(KeyboardInterrupt):
        CalibratedLinearSVC(calibration_folds=0, n_jobs=1).fit(X, y)
    assert len(calls) <= 4  # the failing fit, and at most the one its worker had already started; not all 30


def test_single_label_refit_reuses_the_slice_models_out_of_fold_calibration(monkeypatch):
    """A single-label slice too small to calibrate on: the refit takes the slice model's out-of-fold calibration
    instead of cross-validating again (4 rounds of per-class fits, not 6); multi-label models still recalibrate."""
    texts, y = single_texts()
    rounds = []
    original = CalibratedLinearSVC._fit_svms
    monkeypatch.setattr(CalibratedLinearSVC, "_fit_svms",
                        lambda self, X, target, pool: rounds.append(X.shape[0]) or original(self, X, target, pool))
    monkeypatch.setattr(defaults, "MIN_SLICE_POSITIVES", 1_000)  # no slice can calibrate
    pipeline = build_pipeline(holdout=0.2, seed=1).fit(texts, y)
    assert not pipeline.holdout_.calibrated_on_slice and len(rounds) == 4 and rounds[-1] == len(texts)
    final = pipeline.named_steps[MODEL]
    train, _, _ = split(y, False, 0.2, 1)
    slice_model = build_pipeline(seed=1).fit([texts[i] for i in train], y[train]).named_steps[MODEL]
    for key, value in slice_model.calibration_.items():
        np.testing.assert_array_equal(final.calibration_[key], value)
    assert final.calibration_folds_ == defaults.MODEL["calibration_folds"]
    rounds.clear()
    frame = make_multi_rows(n=120, seed=6)
    rows = [tuple(cell.split("|")) if cell else () for cell in frame["labels"].fillna("")]
    names = sorted({label for row in rows for label in row})
    build_pipeline(holdout=0.2, seed=1, model={"classes": names}).fit(frame["text"].tolist(), rows)
    assert len(rounds) == 6


def test_adopting_a_calibration_needs_the_same_task():
    texts, y = single_texts()
    X = TextFeatures(min_df=1).fit_transform(texts)
    single = CalibratedLinearSVC().fit(X, y)
    multi = CalibratedLinearSVC().fit(X, np.stack([y == y[0], y != y[0]], axis=1).astype(int))
    with pytest.raises(ValueError, match="same task"):
        multi.adopt_calibration(single)
    assert CalibratedLinearSVC().fit(X, y, calibrate=False).adopt_calibration(single).calibration_ is single.calibration_


def test_the_solver_tolerance_reaches_liblinear_and_old_models_keep_liblinears_default():
    texts, y = single_texts()
    X = TextFeatures(min_df=1).fit_transform(texts)
    assert CalibratedLinearSVC().tol == defaults.SVM_TOL
    loose = CalibratedLinearSVC(tol=1.0, calibration_folds=0).fit(X, y)
    tight = CalibratedLinearSVC(tol=1e-6, calibration_folds=0).fit(X, y)
    assert not np.array_equal(loose.coef_, tight.coef_)
    old = CalibratedLinearSVC()
    del old.__dict__["tol"]  # as unpickled from a model saved before the parameter existed
    assert clone(old).get_params()["tol"] == 1e-4
