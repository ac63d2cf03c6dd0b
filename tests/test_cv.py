"""Cross-validation (classifier.insight.crossval, api.cv) and the stratified folds it uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier import api
from classifier.errors import InputError, LabelError
from classifier.estimators.folds import stratified_folds
from classifier.insight.crossval import summarise

from .conftest import make_multi_rows, make_rows


def test_every_row_is_held_out_once_and_single_label_folds_are_stratified():
    y = np.array(["a"] * 30 + ["b"] * 12 + ["c"] * 6, dtype=object)
    splits = stratified_folds(y, 3, seed=0)
    held = np.concatenate([h for _, h in splits])
    assert sorted(held.tolist()) == list(range(len(y)))
    for train, test in splits:
        assert not set(train) & set(test)
        assert sorted(pd.Series(y[test]).value_counts().tolist()) == [2, 4, 10]


def test_iterative_stratification_puts_rare_labels_in_every_fold():
    rng = np.random.default_rng(3)
    y = (rng.random((400, 4)) < [0.4, 0.1, 0.02, 0.0]).astype(int)
    y[:5, 3] = 1  # a label with as many rows as folds
    splits = stratified_folds(y, 5, seed=1)
    held = np.concatenate([h for _, h in splits])
    assert sorted(held.tolist()) == list(range(len(y)))
    per_fold = np.array([y[h].sum(axis=0) for _, h in splits])
    assert (per_fold[:, 3] == 1).all()
    totals = y.sum(axis=0)
    assert (per_fold.max(axis=0) - per_fold.min(axis=0) <= 1).all(), per_fold
    assert np.array_equal(per_fold.sum(axis=0), totals)
    assert max(len(h) for _, h in splits) - min(len(h) for _, h in splits) <= 1


def test_folds_are_seeded():
    y = (np.random.default_rng(0).random((60, 3)) < 0.3).astype(int)
    first = [h.tolist() for _, h in stratified_folds(y, 3, seed=4)]
    assert first == [h.tolist() for _, h in stratified_folds(y, 3, seed=4)]
    assert first != [h.tolist() for _, h in stratified_folds(y, 3, seed=5)]


def test_summary_is_mean_and_sample_std():
    folds = [{"n": 5, "accuracy": a, "ece_bins": 10, "per_label": {"x": {"precision": a, "recall": 1.0, "f1": a,
                                                                           "support": 3}}}
             for a in (0.5, 0.7, 0.9)]
    summary = summarise(folds)
    assert summary["metrics"]["accuracy"]["mean"] == pytest.approx(0.7)
    assert summary["metrics"]["accuracy"]["std"] == pytest.approx(0.2)
    assert set(summary["metrics"]) == {"accuracy"}
    assert summary["per_label"]["x"]["recall"] == {"mean": 1.0, "std": 0.0}


def test_cv_single_label(tmp_path):
    data = tmp_path / "single.csv"
    make_rows().to_csv(data, index=False)
    result = api.cv(data, folds=3, settings={"word_ngrams": "1-1"})
    assert result["task"] == "single_label" and result["folds"] == 3 and result["rows"] == 60
    assert sum(result["fold_rows"]) == 60 and len(result["fold_metrics"]) == 3
    for key in ("accuracy", "micro_f1", "macro_f1", "weighted_f1", "ece"):
        values = [fold[key] for fold in result["fold_metrics"]]
        assert result["metrics"][key]["mean"] == pytest.approx(np.mean(values))
        assert result["metrics"][key]["std"] == pytest.approx(np.std(values, ddof=1))
    assert set(result["per_label"]) == {"crime", "war", "money"}
    assert result["per_label"]["war"]["support"]["mean"] == pytest.approx(20 / 3)
    assert result["settings"]["word_ngrams"] == "1-1"
    assert result["metrics"]["accuracy"]["mean"] > 0.6


def test_cv_multi_label_reports_the_multi_label_metrics(tmp_path):
    data = tmp_path / "multi.csv"
    make_multi_rows().to_csv(data, index=False)
    result = api.cv(data, folds=3)
    assert result["task"] == "multi_label"
    assert {"subset_accuracy", "hamming_loss", "samples_f1", "micro_f1"} <= set(result["metrics"])
    assert set(result["per_label"]) == {"crime", "war", "money"}


def test_cv_settings_change_the_scores(tmp_path):
    data = tmp_path / "single.csv"
    make_rows().to_csv(data, index=False)
    default = api.cv(data, folds=3)
    config = tmp_path / "s.toml"
    config.write_text("word_ngrams = \"2-2\"\nchar_ngrams = \"off\"\n", encoding="utf-8")
    other = api.cv(data, folds=3, config=config)
    assert other["settings"]["word_ngrams"] == "2-2" and other["settings"]["char_ngrams"] == "off"
    assert other["fold_metrics"] != default["fold_metrics"]


def test_a_label_with_fewer_rows_than_folds_is_named(tmp_path):
    frame = make_rows()
    frame.loc[frame.index[:2], "label"] = "rare"
    data = tmp_path / "rare.csv"
    frame.to_csv(data, index=False)
    with pytest.raises(LabelError, match=r"fewer rows than the 3 folds: 'rare' \(2\)"):
        api.cv(data, folds=3)


def test_bad_folds(tmp_path):
    data = tmp_path / "single.csv"
    make_rows().to_csv(data, index=False)
    with pytest.raises(InputError, match="`folds` must be 2 or more"):
        api.cv(data, folds=1)
