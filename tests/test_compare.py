"""Model comparison (classifier.insight.compare, api.compare): metrics, paired bootstrap and McNemar."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, f1_score

from classifier import api
from classifier.errors import InputError
from classifier.insight.compare import mcnemar, scores

from .conftest import make_multi_rows, make_rows


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two single-label models (the defaults, and weak settings) and a noisy test table."""
    folder = tmp_path_factory.mktemp("compare")
    train = folder / "train.csv"
    make_rows(seed=1).to_csv(train, index=False)
    strong = api.train(train, test_size=0, save_to=folder / "strong.joblib")
    weak = api.train(train, test_size=0, save_to=folder / "weak.joblib",
                     settings={"word_ngrams": "2-2", "char_ngrams": "off", "C": 0.001})
    test = make_rows(n_per_class=30, seed=2)
    test.loc[test.index[::4], "label"] = np.roll(test.loc[test.index[::4], "label"].to_numpy(), 1)
    path = folder / "test.csv"
    test.to_csv(path, index=False)
    return folder / "strong.joblib", folder / "weak.joblib", path, strong, weak


def test_differences_are_those_of_the_metrics(pair):
    strong_path, weak_path, test, _, _ = pair
    result = api.compare([strong_path, weak_path], test, resamples=200)
    assert [m["name"] for m in result["models"]] == [str(strong_path), str(weak_path)]
    assert result["baseline"] == str(strong_path) and result["rows"] == 90
    first, second = (m["metrics"] for m in result["models"])
    evaluated = api.evaluate(strong_path, test)
    assert {k: first[k] for k in ("n", "accuracy", "micro_f1", "macro_f1", "ece", "per_label")} == \
        {k: evaluated[k] for k in ("n", "accuracy", "micro_f1", "macro_f1", "ece", "per_label")}
    (entry,) = result["differences"]
    for metric in ("micro_f1", "macro_f1", "accuracy"):
        row = entry["metrics"][metric]
        assert row["difference"] == pytest.approx(second[metric] - first[metric])
        assert row["low"] <= row["high"]
        assert row["significant"] == (row["low"] > 0 or row["high"] < 0)
    assert entry["mcnemar"]["baseline_only"] + entry["mcnemar"]["model_only"] > 0


def test_a_model_against_itself_differs_by_nothing(pair):
    strong_path, _, test, strong, _ = pair
    result = api.compare([strong, strong_path], test, resamples=100)
    assert result["models"][0]["name"] == "model 1"
    (entry,) = result["differences"]
    for row in entry["metrics"].values():
        assert row == {"difference": 0.0, "low": 0.0, "high": 0.0, "significant": False}
    assert entry["mcnemar"] == {"baseline_only": 0, "model_only": 0, "statistic": 0.0, "p_value": 1.0}


def test_resamples_are_seeded(pair):
    strong_path, weak_path, test, _, _ = pair
    one = api.compare([strong_path, weak_path], test, resamples=100, seed=1)
    assert one == api.compare([strong_path, weak_path], test, resamples=100, seed=1)
    other = api.compare([strong_path, weak_path], test, resamples=100, seed=2)
    assert other["differences"][0]["metrics"] != one["differences"][0]["metrics"]
    wider = api.compare([strong_path, weak_path], test, resamples=100, seed=1, confidence=0.99)
    for metric, row in wider["differences"][0]["metrics"].items():
        narrow = one["differences"][0]["metrics"][metric]
        assert row["low"] <= narrow["low"] and row["high"] >= narrow["high"]


def test_resampled_scores_match_scikit_learn():
    rng = np.random.default_rng(0)
    truth = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 50)]
    predicted = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 50)]
    predicted[:3] = 0  # abstained rows count as wrong
    for _ in range(5):
        drawn = rng.integers(0, 50, 50)
        weights = np.bincount(drawn, minlength=50)[None, :].astype(float)
        got = scores(weights, truth, predicted, np.ones(4, dtype=bool))
        t, p = truth[drawn].astype(int), predicted[drawn].astype(int)
        assert got["micro_f1"][0] == pytest.approx(f1_score(t, p, average="micro", zero_division=0))
        assert got["macro_f1"][0] == pytest.approx(f1_score(t, p, average="macro", zero_division=0))
        assert got["accuracy"][0] == pytest.approx(accuracy_score(t, p))


def test_mcnemar_counts_the_discordant_rows():
    baseline = np.array([True] * 12 + [False] * 3 + [True] * 5)
    model = np.array([False] * 10 + [True] * 2 + [True] * 3 + [True] * 5)
    result = mcnemar(baseline, model)
    assert result["baseline_only"] == 10 and result["model_only"] == 3
    assert result["p_value"] == pytest.approx(binomtest(10, 13, 0.5).pvalue)
    assert result["statistic"] == pytest.approx((10 - 3 - 1) ** 2 / 13)


def test_multi_label_has_no_mcnemar(tmp_path):
    train = tmp_path / "train.csv"
    make_multi_rows(seed=1).to_csv(train, index=False)
    test = tmp_path / "test.csv"
    make_multi_rows(n=60, seed=2).to_csv(test, index=False)
    a = api.train(train, test_size=0)
    b = api.train(train, test_size=0, settings={"thresholds": "none", "C": 0.01})
    result = api.compare([a, b], test, resamples=100)
    assert result["task"] == "multi_label" and result["differences"][0]["mcnemar"] is None
    second = result["models"][1]["metrics"]
    diff = result["differences"][0]["metrics"]
    assert diff["accuracy"]["difference"] == pytest.approx(second["subset_accuracy"]
                                                            - result["models"][0]["metrics"]["subset_accuracy"])
    assert diff["micro_f1"]["difference"] == pytest.approx(second["micro_f1"] - result["models"][0]["metrics"]["micro_f1"])


def test_errors(pair, multi_model):
    strong_path, weak_path, test, _, _ = pair
    with pytest.raises(InputError, match="at least two models"):
        api.compare([strong_path], test)
    with pytest.raises(InputError, match="do not share a task"):
        api.compare([strong_path, multi_model[1]], test)
    with pytest.raises(InputError, match="`resamples` must be 100 or more"):
        api.compare([strong_path, weak_path], test, resamples=10)
    with pytest.raises(InputError, match="`confidence` must be between 0 and 1"):
        api.compare([strong_path, weak_path], test, confidence=95)
