"""Expected calibration error: the binning, the formula, and what ``evaluate`` reports."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import classifier
from classifier import defaults
from classifier.metrics import calibration_events, expected_calibration_error, reliability_bins

from .conftest import make_multi_rows, make_rows


def test_bins_are_equal_width_and_one_falls_in_the_last():
    table = reliability_bins([0.0, 0.05, 0.1, 0.55, 0.999, 1.0], [0, 0, 1, 1, 1, 0], bins=10)
    assert [b["count"] for b in table] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert table[0]["lower"] == 0.0 and table[9]["upper"] == 1.0
    assert table[9]["mean_score"] == pytest.approx(0.9995)
    assert table[9]["frequency"] == 0.5
    assert table[2]["mean_score"] is None and table[2]["frequency"] is None


def test_ece_of_a_worked_example():
    # Bin 0.8-0.9: scores 0.8, 0.85 (mean 0.825), one right of two (0.5): gap 0.325, weight 2/4.
    # Bin 0.3-0.4: scores 0.3, 0.3, both wrong (0.0): gap 0.3, weight 2/4.
    ece = expected_calibration_error([0.8, 0.85, 0.3, 0.3], [1, 0, 0, 0], bins=10)
    assert ece == pytest.approx(0.5 * 0.325 + 0.5 * 0.3)


def test_ece_is_zero_when_scores_match_frequencies():
    scores = [0.25] * 4 + [0.75] * 4
    outcomes = [1, 0, 0, 0] + [1, 1, 1, 0]
    assert expected_calibration_error(scores, outcomes) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), max_size=60), st.integers(1, 25))
def test_ece_is_between_zero_and_one_and_bins_count_every_score(pairs, bins):
    scores = [p for p, _ in pairs]
    outcomes = [o for _, o in pairs]
    table = reliability_bins(scores, outcomes, bins)
    assert len(table) == bins
    assert sum(b["count"] for b in table) == len(pairs)
    for b in table:
        if b["count"]:
            assert b["lower"] - 1e-12 <= b["mean_score"] <= b["upper"] + 1e-12
    assert 0.0 <= expected_calibration_error(scores, outcomes, bins) <= 1.0


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        reliability_bins([0.1, 0.2], [1])


def test_calibration_events_single_and_multi_label():
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.6, 0.1]])
    scores, outcomes = calibration_events(probs, np.array([0, 2]), multi_label=False)
    assert scores.tolist() == [0.7, 0.6] and outcomes.tolist() == [1.0, 0.0]
    scores, outcomes = calibration_events(probs, np.array([[1, 0, 0], [0, 1, 1]]), multi_label=True)
    assert scores.tolist() == probs.ravel().tolist()
    assert outcomes.tolist() == [1, 0, 0, 0, 1, 1]


def test_evaluate_reports_ece_of_the_top_label(tmp_path, single_model):
    model, _ = single_model
    data = tmp_path / "eval.csv"
    frame = make_rows(n_per_class=10, seed=7)
    frame.to_csv(data, index=False)
    metrics = classifier.evaluate(model, data)
    assert metrics["ece_bins"] == defaults.ECE_BINS
    probs = model.predict_proba(frame["text"])
    top = probs.argmax(axis=1)
    right = np.array(model.labels)[top] == frame["label"].to_numpy()
    assert metrics["ece"] == pytest.approx(expected_calibration_error(probs.max(axis=1), right, defaults.ECE_BINS))
    assert 0 <= metrics["ece"] <= 1


def test_evaluate_reports_ece_over_every_label_probability(tmp_path, multi_model):
    model, _ = multi_model
    data = tmp_path / "eval.csv"
    frame = make_multi_rows(n=30, seed=5)
    frame.to_csv(data, index=False)
    metrics = classifier.evaluate(model, data)
    probs = model.predict_proba(frame["text"])
    truth = np.array([[label in cell.split("|") for label in model.labels] for cell in frame["labels"].fillna("")])
    assert metrics["ece"] == pytest.approx(expected_calibration_error(probs.ravel(), truth.ravel(), defaults.ECE_BINS))


def test_training_metrics_carry_ece(single_csv):
    assert 0 <= classifier.train(single_csv).card["metrics"]["ece"] <= 1
