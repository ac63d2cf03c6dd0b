"""The labelling loop's library side: uncertainty, batch selection (random share, no near-duplicates), and
the files ``suggest`` writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from classifier import api
from classifier.errors import ColumnError, InputError
from classifier.insight.suggest import RANDOM, UNCERTAIN, ranking, select, uncertainty

from .conftest import make_multi_rows, make_rows


def test_single_label_uncertainty_is_one_minus_the_top_two_margin():
    probs = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.5, 0.5, 0.0]])
    assert np.allclose(uncertainty(probs, False), [1 - 0.85, 1 - 0.05, 1.0])


def test_multi_label_uncertainty_is_the_closest_call_to_each_labels_threshold():
    probs = np.array([[0.95, 0.02], [0.45, 0.02], [0.9, 0.35]])
    thresholds = np.array([0.5, 0.3])
    found = uncertainty(probs, True, thresholds)
    # row 0: 0.95 is 0.9 of the way from 0.5 to 1, 0.02 is 0.933 of the way from 0.3 to 0 -> 1 - 0.9
    assert np.isclose(found[0], 1 - 0.45 / 0.5)
    assert np.isclose(found[1], 1 - 0.05 / 0.5)
    assert np.isclose(found[2], 1 - 0.05 / 0.7)
    assert found.argmax() == 2


def test_multi_label_pools_are_ranked_against_probability_one_half():
    probs = np.array([[0.35, 0.02], [0.5, 0.02], [0.9, 0.3]])
    assert np.allclose(ranking(probs, True), [1 - 0.15 / 0.5, 1.0, 1 - 0.2 / 0.5])  # not the thresholds [0.5, 0.3]
    assert np.allclose(ranking(probs[:, :2] / probs[:, :2].sum(1, keepdims=True), False),
                       uncertainty(probs[:, :2] / probs[:, :2].sum(1, keepdims=True), False))


def test_select_takes_the_random_share_then_the_most_uncertain():
    texts = [f"story number {i} about topic {i * 7} in town {i * 13}" for i in range(200)]
    scores = np.linspace(0, 1, 200)
    chosen = select(texts, scores, 20, random_share=0.25, seed=1)
    assert len(chosen.index) == 20 and len(set(chosen.index.tolist())) == 20
    assert chosen.reason.count(RANDOM) == 5 and chosen.reason.count(UNCERTAIN) == 15
    uncertain = [i for i, why in zip(chosen.index.tolist(), chosen.reason) if why == UNCERTAIN]
    others = sorted(set(range(200)) - set(chosen.index.tolist()))
    assert min(scores[uncertain]) >= max(scores[others])
    again = select(texts, scores, 20, random_share=0.25, seed=1)
    assert again.index.tolist() == chosen.index.tolist()
    assert select(texts, scores, 20, random_share=0.25, seed=2).index.tolist() != chosen.index.tolist()


def test_no_two_near_duplicates_in_one_batch():
    base = "police arrested three suspects after a raid on a house in the north of the city on tuesday"
    copies = [base + f" {tail}" for tail in ("", "officials said", "reports said", "police said")]
    others = [f"unrelated story {i} about budgets taxes and loans number {i}" for i in range(30)]
    texts = copies + others
    scores = np.array([1.0, 0.99, 0.98, 0.97] + [0.5] * 30)
    chosen = select(texts, scores, 5, random_share=0.0)
    assert chosen.index.tolist()[0] == 0
    assert not set(chosen.index.tolist()) & {1, 2, 3}
    assert chosen.skipped_near_duplicates == 3
    plain = select(texts, scores, 5, random_share=0.0, near_duplicate=1.01)
    assert plain.index.tolist()[:4] == [0, 1, 2, 3]


def test_select_returns_the_whole_pool_when_n_is_larger():
    texts = [f"text {i} alpha beta gamma {i}" for i in range(7)]
    chosen = select(texts, np.zeros(7), 50)
    assert sorted(chosen.index.tolist()) == list(range(7))


@pytest.fixture
def pool(tmp_path):
    frame = make_rows(n_per_class=15, seed=5)[["id", "text"]]
    frame.loc[3, "text"] = ""
    path = tmp_path / "pool.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_suggest_writes_a_table_with_the_guess_in_the_label_column(single_model, pool, tmp_path):
    model, _ = single_model
    path, frame = pool
    result = api.suggest(model, path, tmp_path / "to_label.csv", n=10, random_share=0.2)
    assert result["selected"] == 10 and result["rows_scored"] == len(frame) - 1
    assert result["rows_skipped"] == {"empty_text": 1}
    assert result["by_uncertainty"] == 8 and result["at_random"] == 2
    out = pd.read_csv(tmp_path / "to_label.csv", keep_default_na=False, dtype=str)
    assert list(out.columns[:5]) == ["row", "selected_by", "uncertainty", "predicted_label", "predicted_score"]
    assert (out["label"] == out["predicted_label"]).all()
    rows = out["row"].astype(int)
    assert (frame["id"].iloc[rows - 1].to_numpy() == out["id"].to_numpy()).all()
    assert (frame["text"].iloc[rows - 1].to_numpy() == out["text"].to_numpy()).all()
    probs = model.predict_proba(out["text"].tolist())
    assert out["predicted_label"].tolist() == [model.labels[k] for k in probs.argmax(axis=1)]
    by_uncertainty = out[out["selected_by"] == "uncertainty"]["uncertainty"].astype(float)
    assert by_uncertainty.is_monotonic_decreasing


def test_suggest_writes_label_studio_and_prodigy_tasks(multi_model, tmp_path):
    model, _ = multi_model
    pool = tmp_path / "pool.csv"
    make_multi_rows(n=40, seed=9)[["text"]].to_csv(pool, index=False)
    studio = api.suggest(model, pool, tmp_path / "tasks.json", n=6, fmt="label-studio")
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert len(tasks) == 6 and all(t["data"]["text"] for t in tasks)
    guesses = [r["labels"] for r in studio["rows"]]
    found = [[c for r in t["predictions"][0]["result"] for c in r["value"]["choices"]] for t in tasks]
    assert found == guesses
    assert 'choice="multiple"' in studio["label_config"] and all(f'"{l}"' in studio["label_config"]
                                                                for l in model.labels)
    api.suggest(model, pool, tmp_path / "tasks.jsonl", n=6, fmt="prodigy")
    lines = [json.loads(line) for line in (tmp_path / "tasks.jsonl").read_text().splitlines()]
    assert [line["accept"] for line in lines] == guesses
    assert all([o["id"] for o in line["options"]] == model.labels for line in lines)


def test_suggest_refuses_bad_arguments(single_model, pool, tmp_path):
    model, _ = single_model
    path, _ = pool
    with pytest.raises(InputError, match="`n` must be 1 or more"):
        api.suggest(model, path, tmp_path / "o.csv", n=0)
    with pytest.raises(InputError, match="`random_share` must be between 0 and 1"):
        api.suggest(model, path, tmp_path / "o.csv", random_share=1.5)
    with pytest.raises(InputError, match="Unknown format 'doccano'"):
        api.suggest(model, path, tmp_path / "o.csv", fmt="doccano")
    with pytest.raises(ColumnError, match="no column 'body'"):
        api.suggest(model, path, tmp_path / "o.csv", text_col="body")
    clash = tmp_path / "clash.csv"
    pd.DataFrame({"text": ["police raid", "army border"], "uncertainty": ["a", "b"]}).to_csv(clash, index=False)
    with pytest.raises(ColumnError, match="'uncertainty'"):
        api.suggest(model, clash, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
