"""Out-of-core training: hashed features and SGD over shuffled buckets give an ordinary, usable model."""

from __future__ import annotations

import pandas as pd
import pytest

import classifier
from classifier import defaults
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
