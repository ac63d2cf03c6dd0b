"""Per-label decision thresholds of multi-label models: chosen on out-of-fold probabilities, used by
every decision unless a threshold is given."""

from __future__ import annotations

import numpy as np
import pytest

import classifier
from classifier.estimators.thresholds import GRID, MIN_POSITIVES, f1_thresholds
from classifier.labels import chosen


def test_the_threshold_with_the_best_f1_is_chosen_per_label():
    rng = np.random.default_rng(0)
    truth = rng.random((400, 2)) < 0.3
    probs = np.where(truth, rng.uniform(0.25, 0.9, truth.shape), rng.uniform(0.0, 0.3, truth.shape))
    found = f1_thresholds(probs, truth, 0.5)
    for k in range(2):
        f1 = [2 * (((probs[:, k] >= t) & truth[:, k]).sum())
              / max((probs[:, k] >= t).sum() + truth[:, k].sum(), 1) for t in GRID]
        assert found[k] in GRID
        assert np.isclose(max(f1), f1[list(GRID).index(found[k])])
    assert (found < 0.5).all()  # positives reach down to 0.25, negatives up to 0.3


def test_rare_labels_keep_the_default():
    truth = np.zeros((50, 1), dtype=bool)
    truth[: MIN_POSITIVES - 1] = True
    probs = np.where(truth, 0.3, 0.1)
    assert f1_thresholds(probs, truth, 0.5).tolist() == [0.5]


def test_per_label_thresholds_in_the_decision_rule():
    probs = np.array([[0.45, 0.45], [0.2, 0.7]])
    assert chosen(probs, True, threshold=np.array([0.4, 0.5])).tolist() == [[True, False], [False, True]]
    assert chosen(probs, True, threshold=np.array([0.4, 0.5]), top_k=1).tolist() == [[True, False], [False, True]]
    assert chosen(probs, True).tolist() == [[False, False], [False, True]]


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    from .conftest import make_multi_rows

    path = tmp_path_factory.mktemp("thr") / "multi.csv"
    make_multi_rows(n=240, seed=3).to_csv(path, index=False)
    return classifier.train(path), path


def test_a_multi_label_model_predicts_from_its_own_thresholds(multi):
    model, _ = multi
    thresholds = model.thresholds
    assert thresholds is not None and len(thresholds) == len(model.labels)
    assert model.card["thresholds"] == dict(zip(model.labels, map(float, thresholds)))
    texts = ["police arrested suspects after talks", "army budget loan in the north", "concert tonight"]
    probs = model.predict_proba(texts)
    own = [[label for label, p, t in zip(model.labels, row, thresholds) if p >= t] for row in probs]
    assert [sorted(r["labels"]) for r in classifier.predict(model, texts)] == [sorted(r) for r in own]
    fixed = [[label for label, p in zip(model.labels, row) if p >= 0.5] for row in probs]
    assert [sorted(r["labels"]) for r in classifier.predict(model, texts, threshold=0.5)] == [sorted(r) for r in fixed]


def test_batch_prediction_uses_the_same_thresholds(multi, tmp_path):
    model, path = multi
    out = tmp_path / "out.csv"
    classifier.predict_table(model, path, out)
    import pandas as pd

    cells = pd.read_csv(out, keep_default_na=False)["predicted_label"].tolist()
    texts = pd.read_csv(path, keep_default_na=False)["text"].tolist()
    expected = ["|".join(sorted(r["labels"], key=model.labels.index)) for r in classifier.predict(model, texts)]
    assert cells == expected


def test_single_label_and_threshold_free_models_have_none(single_model, tmp_path):
    model, _ = single_model
    assert model.thresholds is None and "thresholds" not in model.card
    from .conftest import make_multi_rows

    path = tmp_path / "m.csv"
    make_multi_rows(n=120).to_csv(path, index=False)
    plain = classifier.train(path, model_params={"thresholds": None})
    assert plain.thresholds is None and "thresholds" not in plain.card
