"""The model pipeline and the label helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from classifier.errors import ColumnError
from classifier.estimators.pipeline import build_pipeline, fit_pipeline
from classifier.estimators.svm import CalibratedLinearSVC
from classifier.labels import decide, detect_multi_label, find_label_column, parse_multi


def blobs(n_per_class=30, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(loc=3 * i, scale=1.0, size=(n_per_class, 4)) for i in range(k)])
    y = np.repeat([f"c{i}" for i in range(k)], n_per_class)
    return sparse.csr_matrix(np.abs(X)), y


def test_single_label_probabilities_sum_to_one_and_predict_well():
    X, y = blobs()
    clf = CalibratedLinearSVC(nb_weighting=False).fit(X, y)
    probs = clf.predict_proba(X)
    assert probs.shape == (90, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    assert (clf.predict(X) == y).mean() > 0.9
    assert list(clf.classes_) == ["c0", "c1", "c2"]


def test_binary_task_has_one_weight_row_per_class():
    X, y = blobs(k=2)
    clf = CalibratedLinearSVC(nb_weighting=False).fit(X, y)
    assert clf.coef_.shape == (2, 4)
    assert clf.predict_proba(X).shape == (60, 2)


def test_class_with_one_example_does_not_crash():
    X, y = blobs(k=3)
    y = y.astype(object)
    y[0] = "rare"
    clf = CalibratedLinearSVC(nb_weighting=False).fit(X, y)
    assert "rare" in clf.classes_
    assert np.isfinite(clf.predict_proba(X)).all()


def test_multi_label_probabilities_are_independent():
    X, y = blobs(k=3)
    Y = np.zeros((len(y), 2), dtype=int)
    Y[y == "c1", 0] = 1
    Y[y == "c2", 1] = 1
    Y[y == "c2", 0] = 1
    clf = CalibratedLinearSVC(nb_weighting=False).fit(X, Y)
    probs = clf.predict_proba(X)
    assert probs.shape == (90, 2)
    assert ((probs >= 0.5).astype(int) == Y).mean() > 0.9


def test_one_class_is_refused():
    X, y = blobs(k=1)
    with pytest.raises(ValueError, match="two classes"):
        CalibratedLinearSVC().fit(X, y)


def test_probabilities_are_calibrated_on_held_out_folds():
    rng = np.random.default_rng(3)
    n = 4000
    X = rng.normal(size=(n, 3))
    truth = 1 / (1 + np.exp(-(X @ np.array([1.5, -1.0, 0.5]))))
    labels = np.where(rng.random(n) < truth, "b", "a")
    clf = CalibratedLinearSVC(nb_weighting=False).fit(sparse.csr_matrix(X[:3000]), labels[:3000])
    p = clf.predict_proba(sparse.csr_matrix(X[3000:]))[:, 1]
    bins = np.digitize(p, [0.2, 0.4, 0.6, 0.8])
    for b in np.unique(bins):
        members = bins == b
        assert abs(p[members].mean() - (labels[3000:][members] == "b").mean()) < 0.08


def test_pipeline_drops_pruned_terms_and_small_tables_keep_rare_terms():
    texts = ["alpha beta", "beta gamma", "gamma delta", "delta alpha"] * 3
    labels = ["x", "y", "x", "y"] * 3
    pipeline = fit_pipeline(build_pipeline(), texts, labels)
    vectoriser = pipeline.named_steps["features"]
    assert not hasattr(vectoriser, "stop_words_")
    assert vectoriser.min_df_ == 1
    big = fit_pipeline(build_pipeline(), texts * 17, labels * 17)  # 204 rows: at least defaults.SMALL_TABLE
    assert big.named_steps["features"].min_df_ == 2


def test_decide_single_and_multi():
    probs = np.array([[0.1, 0.7, 0.2], [0.34, 0.33, 0.33]])
    labels, scores = decide(probs, ["a", "b", "c"], False)
    assert labels == [["b"], ["a"]]
    assert scores[0] == [0.7]
    labels, _ = decide(probs, ["a", "b", "c"], False, top_k=2)
    assert labels == [["b", "c"], ["a", "b"]]
    labels, _ = decide(probs, ["a", "b", "c"], False, threshold=0.5)
    assert labels == [["b"], []]
    labels, scores = decide(np.array([[0.9, 0.2, 0.6]]), ["a", "b", "c"], True)
    assert labels == [["a", "c"]] and scores == [[0.9, 0.6]]
    labels, _ = decide(np.array([[0.9, 0.2, 0.6]]), ["a", "b", "c"], True, top_k=1)
    assert labels == [["a"]]


def test_label_column_detection():
    df = pd.DataFrame({"text": ["a"], "labels": ["x|y"]})
    assert find_label_column(df, None, "t.csv") == "labels"
    assert find_label_column(df.rename(columns={"labels": "label"}), None, "t.csv") == "label"
    with pytest.raises(ColumnError, match=r"its columns: 'text', 'labels'.*`label_col`"):
        find_label_column(df, "topic", "t.csv")
    assert detect_multi_label(pd.Series(["a", "b|c"]), "label", "|")
    assert not detect_multi_label(pd.Series(["a", "b"]), "label", "|")
    assert detect_multi_label(pd.Series(["a", ""]), "labels", "|")
    assert parse_multi(pd.Series(["b | a", "", None, "a||a"]), "|") == [("a", "b"), (), (), ("a",)]
