"""Out-of-core training: hashed features and SGD over shuffled buckets give an ordinary, usable model."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import classifier
from classifier import defaults
from classifier.estimators.hashed import HashedTfidf, IncrementalLinearSVC
from classifier.training import out_of_core as outofcore
from classifier.errors import InputError, LabelError

from .conftest import make_multi_rows, make_rows, shared


@pytest.fixture
def sorted_csv(tmp_path):
    """A single-label table sorted by label, as 20 Newsgroups' training file is."""
    path = tmp_path / "sorted.csv"
    make_rows(80, seed=4).sort_values("label").to_csv(path, index=False)
    return path


def test_sorted_table_trains_a_usable_model_in_small_chunks(tmp_path, sorted_csv):
    model = outofcore.train(sorted_csv, chunk_size=25, passes=5, params={"n_features": 2**12})
    card = model.card
    assert card["task"] == "single_label" and card["labels"] == ["crime", "money", "war"]
    assert card["params"]["model"]["out_of_core"] is True and card["params"]["model"]["buckets"] >= 3
    assert card["holdout"]["source"] == "split" and card["metrics"]["accuracy"] >= 0.9
    assert card["training_data"]["rows_read"] == 240
    path = classifier.save(model, tmp_path / "ooc.joblib")
    loaded = classifier.load(path)
    test = make_rows(20, seed=99)
    predicted = [row["labels"][0] for row in classifier.predict(loaded, test["text"])]
    assert (pd.Series(predicted) == test["label"]).mean() >= 0.9
    assert classifier.evaluate(loaded, sorted_csv)["accuracy"] >= 0.9
    terms = classifier.describe(path, top=5)["top_terms"]
    assert {t["term"] for t in terms["crime"]} & set(["police", "arrested", "suspects", "court", "raid"])


def test_multi_label_out_of_core(tmp_path):
    path = tmp_path / "multi.csv"
    make_multi_rows(300, seed=2).to_csv(path, index=False)
    model = outofcore.train(path, chunk_size=60, params={"n_features": 2**12})
    assert model.card["task"] == "multi_label"
    assert model.card["metrics"]["micro_f1"] >= 0.8
    out = tmp_path / "out.csv"
    classifier.predict_table(model, path, out)
    assert len(pd.read_csv(out, keep_default_na=False)) == 300


def test_train_switches_to_out_of_core_above_the_size_threshold(sorted_csv, monkeypatch):
    monkeypatch.setattr(defaults, "OUT_OF_CORE_BYTES", 100)
    assert outofcore.use_out_of_core(sorted_csv, None)
    assert not outofcore.use_out_of_core(sorted_csv, False)
    assert not outofcore.use_out_of_core("-", None)
    model = classifier.train(sorted_csv, test_size=0)
    assert model.card["params"]["model"]["out_of_core"] is True
    assert model.card["holdout"] == {"source": "none"} and model.card["metrics"] is None


def test_one_class_is_refused(tmp_path):
    path = tmp_path / "one.csv"
    make_rows(10).assign(label="crime").to_csv(path, index=False)
    with pytest.raises(LabelError, match="only one class"):
        outofcore.train(path)


def test_feature_options_are_refused_out_of_core(sorted_csv):
    with pytest.raises(InputError, match="own features and model settings"):
        classifier.train(sorted_csv, out_of_core=True, model_params={"C": 1.0})


def test_bbc_news_out_of_core_accuracy(tmp_path):
    folder = shared("bbc_news")
    model = outofcore.train(folder / "train.csv", test=folder / "test.csv", passes=5)
    assert model.card["metrics"]["n"] == 445
    assert model.card["metrics"]["accuracy"] >= 0.95


def test_chunk_size_error_names_the_parameter(sorted_csv):
    with pytest.raises(InputError, match="`chunk_size` and `passes` must be 1 or more"):
        outofcore.train(sorted_csv, chunk_size=0)


# The out-of-core pair as scikit-learn estimators.

@parametrize_with_checks([IncrementalLinearSVC(), HashedTfidf()])
def test_scikit_learn_estimator_checks(estimator, check):
    """Every check of scikit-learn's suite passes for IncrementalLinearSVC (``check_array_api_input`` is
    skipped by scikit-learn itself unless SCIPY_ARRAY_API=1). HashedTfidf takes strings (its input
    tags: ``string``, no ``two_d_array``), and the suite feeds numeric arrays, so scikit-learn runs
    only ``check_estimator_cloneable`` on it and skips the rest with a SkipTestWarning; the tests
    named ``test_hashed_tfidf_*`` below check the same contract on text."""
    check(estimator)


def texts_and_labels(n_per_class: int = 20, seed: int = 0):
    rows = make_rows(n_per_class, seed=seed)
    return rows["text"].tolist(), rows["label"].to_numpy()


def test_hashed_tfidf_follows_the_estimator_contract_on_text():
    texts, _ = texts_and_labels()
    vectoriser = HashedTfidf(n_features=2**10)
    assert vars(vectoriser) == vectoriser.get_params()  # nothing set in __init__ but the parameters
    assert clone(vectoriser).get_params() == vectoriser.get_params()
    assert vectoriser.set_params(n_features=2**9) is vectoriser and vectoriser.n_features == 2**9
    with pytest.raises(NotFittedError):
        vectoriser.transform(texts)
    with pytest.raises(NotFittedError):
        vectoriser.get_feature_names_out()
    params = vectoriser.get_params()
    assert vectoriser.fit(texts) is vectoriser
    assert vectoriser.get_params() == params
    public = {k for k in vars(vectoriser) if not k.startswith("_")}
    assert public - set(params) and all(k.endswith("_") for k in public - set(params))
    X = vectoriser.transform(texts)
    assert X.shape == (len(texts), 2**9) and X.dtype == np.float32
    np.testing.assert_allclose(np.sqrt(X.multiply(X).sum(axis=1)).A.ravel(), 1, rtol=1e-5)
    assert (vectoriser.fit_transform(texts) != X).nnz == 0  # fit_transform == fit then transform, fit idempotent
    order = np.random.default_rng(0).permutation(len(texts))
    assert (vectoriser.transform([texts[i] for i in order]) != X[order]).nnz == 0  # row order and subsets
    assert (vectoriser.transform(texts[:5]) != X[:5]).nnz == 0
    again = pickle.loads(pickle.dumps(vectoriser))
    assert (again.transform(texts) != X).nnz == 0
    np.testing.assert_array_equal(again.get_feature_names_out(), vectoriser.get_feature_names_out())
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        vectoriser.transform("one text")


def test_hashed_tfidf_partial_fit_over_chunks_equals_fit():
    texts, _ = texts_and_labels()
    whole = HashedTfidf(n_features=2**10).fit(texts)
    chunked = HashedTfidf(n_features=2**10)
    for start in range(0, len(texts), 7):
        chunked.partial_fit(texts[start:start + 7])
    assert chunked.n_documents_ == len(texts)
    np.testing.assert_array_equal(chunked.idf_, whole.idf_)
    np.testing.assert_array_equal(chunked.get_feature_names_out(), whole.get_feature_names_out())
    names = set(whole.get_feature_names_out())
    assert {"police", "army", "budget"} <= names and any(n.startswith("hash:") for n in names)
    counts = chunked.counts(texts[:3])
    with pytest.raises(ValueError, match="`counts` has shape"):
        chunked.partial_fit(texts[:2], counts=counts)


def test_hashed_tfidf_names_buckets_from_a_sample_and_saves_no_term_counts():
    texts, _ = texts_and_labels()
    vectoriser = HashedTfidf(n_features=2**10, name_sample_rows=4)
    vectoriser.partial_fit(texts[:3])
    assert "_term_counts" in vars(vectoriser)
    vectoriser.partial_fit(texts[3:])
    assert vectoriser.n_named_documents_ == 4 and vectoriser.__dict__.get("_term_counts") is None
    sample = HashedTfidf(n_features=2**10).fit(texts[:4])
    np.testing.assert_array_equal(vectoriser.get_feature_names_out(), sample.get_feature_names_out())
    state = HashedTfidf(n_features=2**10).fit(texts).__getstate__()
    assert "_term_counts" not in state and isinstance(state["bucket_names_joined_"], str)


def test_incremental_svc_partial_fit_protocol():
    texts, y = texts_and_labels()
    X = HashedTfidf(n_features=2**10).fit_transform(texts)
    svm = IncrementalLinearSVC()
    with pytest.raises(ValueError, match="`classes` must be given on the first call"):
        svm.partial_fit(X, y)
    svm.partial_fit(X[:30], y[:30], classes=["crime", "money", "war"])
    svm.partial_fit(X[30:], y[30:])
    assert list(svm.classes_) == ["crime", "money", "war"] and svm.coef_.shape == (3, 2**10)
    with pytest.raises(ValueError, match="`classes` differs"):
        svm.partial_fit(X, y, classes=["crime", "war"])
    with pytest.raises(ValueError, match="`y` holds labels that `classes` does not list: sport"):
        svm.partial_fit(X[:2], np.array(["crime", "sport"]))
    with pytest.raises(ValueError, match="only one class"):
        IncrementalLinearSVC().partial_fit(X, y, classes=["crime"])


def test_incremental_svc_saves_weights_without_sgd_state():
    texts, y = texts_and_labels()
    X = HashedTfidf(n_features=2**10).fit_transform(texts)
    svm = IncrementalLinearSVC(passes=3).fit(X, y)
    assert len(svm._sgd) == 3
    copied = pickle.loads(pickle.dumps(svm))
    assert "_sgd" not in vars(copied) and "_sgd" not in vars(copy.deepcopy(svm))
    np.testing.assert_array_equal(copied.predict_proba(X), svm.predict_proba(X))
    assert len(pickle.dumps(copied)) < len(pickle.dumps(svm._sgd))
    with pytest.raises(ValueError, match="without its SGD state"):
        copied.partial_fit(X, y)
    assert (svm.predict(X) == y).mean() >= 0.9


def test_incremental_svc_multi_label():
    rows = make_multi_rows(120, seed=3)
    names = ["crime", "money", "war"]
    y = np.array([[name in cell.split("|") for name in names] for cell in rows["labels"]], dtype=int)
    X = HashedTfidf(n_features=2**10).fit_transform(rows["text"])
    svm = IncrementalLinearSVC(multi_label=True).fit(X, y)
    assert list(svm.classes_) == [0, 1, 2] and svm.predict_proba(X).shape == (120, 3)
    assert (svm.predict(X) == y).mean() >= 0.9
    assert svm.decision_function(X).shape == (120, 3)
    with pytest.raises(ValueError, match="0/1 matrix with one column per class"):
        svm.partial_fit(X, y[:, :2])


def test_two_labels_decision_function_is_one_column_and_margins_are_two():
    texts, y = texts_and_labels()
    keep = y != "war"
    X = HashedTfidf(n_features=2**10).fit_transform(texts)[keep]
    svm = IncrementalLinearSVC().fit(X, y[keep])
    margins = svm.margins(X)
    assert margins.shape == (keep.sum(), 2) and svm.coef_.shape[0] == 2
    np.testing.assert_allclose(svm.decision_function(X), margins[:, 1] - margins[:, 0])
    assert ((svm.decision_function(X) > 0) == (svm.predict(X) == svm.classes_[1])).all()


def out_of_core_pipeline() -> Pipeline:
    return Pipeline([("features", HashedTfidf(n_features=2**10)), ("model", IncrementalLinearSVC(passes=3))])


def test_pipeline_of_the_pair_clones_cross_validates_and_grid_searches():
    texts, y = texts_and_labels(15, seed=5)
    pipeline = out_of_core_pipeline()
    cloned = clone(pipeline)
    assert cloned is not pipeline and cloned.get_params()["model__passes"] == 3
    folds = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipeline, texts, y, cv=folds)
    assert len(scores) == 3 and scores.mean() >= 0.8
    search = GridSearchCV(pipeline, {"features__n_features": [2**8, 2**10], "model__alpha": [1e-4, 1e-2]}, cv=folds)
    search.fit(texts, y)
    assert set(search.best_params_) == {"features__n_features", "model__alpha"} and search.best_score_ >= 0.8
    assert search.best_estimator_.predict(texts[:3]).shape == (3,)
    assert not hasattr(pipeline.named_steps["model"], "coef_")  # the searches fitted clones


def test_models_saved_before_the_estimators_followed_scikit_learn_still_load():
    """Such files hold the bucket names as a dictionary and an emptied ``estimators_`` list."""
    texts, y = texts_and_labels()
    features, svm = HashedTfidf(n_features=2**10).fit(texts), IncrementalLinearSVC(passes=2)
    svm.fit(features.transform(texts), y)
    names = features.get_feature_names_out()
    old_features = {"n_features": 2**10, "ngram_range": (1, 2), "sublinear_tf": True, "lowercase": True,
                    "idf_": features.idf_, "names_": {int(i): str(names[i]) for i in features.bucket_ids_}}
    old_svm = {"alpha": svm.alpha, "multi_label": False, "random_state": 0, "classes_": svm.classes_,
               "coef_": svm.coef_, "intercept_": svm.intercept_, "calibration_": svm.calibration_,
               "estimators_": []}
    loaded_features, loaded_svm = HashedTfidf.__new__(HashedTfidf), IncrementalLinearSVC.__new__(IncrementalLinearSVC)
    loaded_features.__setstate__(old_features)
    loaded_svm.__setstate__(old_svm)
    np.testing.assert_array_equal(loaded_features.get_feature_names_out(), names)
    X = loaded_features.transform(texts)
    np.testing.assert_array_equal(loaded_svm.predict_proba(X), svm.predict_proba(X))
    assert "estimators_" not in vars(loaded_svm) and loaded_features.get_params()["name_sample_rows"] == 20_000
    assert loaded_svm.get_params()["passes"] == defaults.OUT_OF_CORE["passes"]
    with pytest.raises(ValueError, match="saved without document frequencies"):
        loaded_features.partial_fit(texts)


def test_hashed_features_keep_whole_words_in_every_script():
    """The out-of-core vectoriser tokenises as TextFeatures does: Devanagari vowel signs stay in their words."""
    from classifier.estimators.hashed import HashedTfidf, word_tokens

    assert word_tokens("पुलिस ने गिरफ्तार किया") == ["पुलिस", "ने", "गिरफ्तार", "किया"]
    assert word_tokens("Police arrest 3 men in a raid") == ["Police", "arrest", "men", "in", "raid"]
    names = set(HashedTfidf(n_features=2**12).fit(["पुलिस ने गिरफ्तार किया", "सेना ने हमला किया"]).get_feature_names_out())
    assert {"गिरफ्तार", "पुलिस ने", "हमला किया"} <= names
