"""Per-label threshold targets: f1, precision@P or recall@R, chosen on out-of-fold probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from classifier import api
from classifier.decision_targets import check_target, parse_target
from classifier.errors import InputError
from classifier.estimators.thresholds import GRID, MIN_POSITIVES, f1_thresholds, label_thresholds

from .conftest import make_multi_rows


def noisy(seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.random((600, 2)) < 0.3
    probs = np.clip(np.where(truth, rng.normal(0.6, 0.2, truth.shape), rng.normal(0.3, 0.2, truth.shape)), 0, 1)
    return probs, truth


def rates(probs, truth, k, t):
    flagged = probs[:, k] >= t
    hits = (flagged & truth[:, k]).sum()
    return hits / max(flagged.sum(), 1), hits / truth[:, k].sum()


def test_precision_target_is_the_lowest_threshold_reaching_it():
    probs, truth = noisy()
    found = label_thresholds(probs, truth, 0.5, "precision@0.8")
    for k in range(2):
        precision, _ = rates(probs, truth, k, found[k])
        assert precision >= 0.8
        lower = GRID[GRID < found[k]]
        assert all(rates(probs, truth, k, t)[0] < 0.8 for t in lower[-3:])


def test_recall_target_is_the_highest_threshold_reaching_it():
    probs, truth = noisy(1)
    found = label_thresholds(probs, truth, 0.5, "recall@0.9")
    for k in range(2):
        assert rates(probs, truth, k, found[k])[1] >= 0.9
        higher = GRID[GRID > found[k]]
        assert rates(probs, truth, k, higher[0])[1] < 0.9


def test_unreachable_targets_and_rare_labels():
    probs, truth = noisy(2)
    found = label_thresholds(probs, truth, 0.5, "precision@1")
    best = [max(rates(probs, truth, k, t)[0] for t in GRID) for k in range(2)]
    assert [rates(probs, truth, k, found[k])[0] for k in range(2)] == pytest.approx(best)
    rare = np.zeros((50, 1), dtype=bool)
    rare[: MIN_POSITIVES - 1] = True
    assert label_thresholds(np.where(rare, 0.3, 0.1), rare, 0.5, "recall@0.8").tolist() == [0.5]
    assert label_thresholds(probs, truth, 0.5, "f1").tolist() == f1_thresholds(probs, truth, 0.5).tolist()


def test_targets_are_parsed_strictly():
    assert parse_target("F1") == ("f1", None)
    assert parse_target("precision@0.9") == ("precision", 0.9)
    assert check_target("recall@.80") == "recall@0.8"
    for bad in ("precision", "precision@0", "recall@1.5", "accuracy@0.9", None, "f2"):
        with pytest.raises(InputError, match="`optimise` must be f1, precision@P or recall@R"):
            parse_target(bad)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("opt") / "multi.csv"
    make_multi_rows(n=240, seed=3).to_csv(path, index=False)
    return path


def test_the_target_is_stored_and_used_by_predict(table):
    model = api.train(table, model_params={"thresholds": "recall@0.8"})
    assert model.card["params"]["model"]["thresholds"] == "recall@0.8"
    assert any("recall of at least 0.8" in note for note in model.card["notes"])
    thresholds = model.thresholds
    assert model.card["thresholds"] == dict(zip(model.labels, map(float, thresholds)))
    texts = ["police arrested suspects after talks", "army budget loan in the north", "concert tonight"]
    probs = model.predict_proba(texts)
    own = [sorted(l for l, p, t in zip(model.labels, row, thresholds) if p >= t) for row in probs]
    assert [sorted(r["labels"]) for r in api.predict(model, texts)] == own
    fixed = [sorted(l for l, p in zip(model.labels, row) if p >= 0.5) for row in probs]
    assert [sorted(r["labels"]) for r in api.predict(model, texts, threshold=0.5)] == fixed


def test_a_bad_target_fails_before_fitting(table):
    with pytest.raises(InputError, match="must be f1, precision@P or recall@R"):
        api.train(table, model_params={"thresholds": "precision@2"})
