"""Tuning (classifier.insight.tune, api.tune): budget parsing, candidates, successive halving, the saved model."""

from __future__ import annotations

import pytest

from classifier import api, defaults
from classifier.errors import InputError
from classifier.insight.tune import candidates, decide, parse_budget, rung_rows, search_space
from classifier.settings import Settings

from .conftest import make_rows


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("45", 45),
                                           (2.5, 2.5)])
def test_budgets(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["soon", "0", "-5m", "", "10x"])
def test_bad_budgets(text):
    with pytest.raises(InputError, match="`budget` must be"):
        parse_budget(text)


def test_candidates_start_with_the_current_settings_and_keep_fixed_ones():
    base = Settings(C=3.0, class_weight="balanced")
    found = candidates(base, {"C", "class_weight"}, 10, seed=0)
    assert found[0] == base and len(found) == 11 and len(set(found)) == 11
    assert all(s.C == 3.0 and s.class_weight == "balanced" for s in found)
    assert found == candidates(base, {"C", "class_weight"}, 10, seed=0)
    assert found != candidates(base, {"C", "class_weight"}, 10, seed=1)


def test_rounds_grow_by_eta_up_to_every_row():
    assert rung_rows(9000, 27, 3, 300) == [333, 1000, 3000, 9000]
    assert rung_rows(900, 27, 3, 300) == [300, 900]
    assert rung_rows(200, 27, 3, 300) == [200]
    assert rung_rows(9000, 1, 3, 300) == [9000]


def test_tune_searches_and_saves_the_best(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "TUNE_MIN_ROWS", 30)
    monkeypatch.setattr(defaults, "TUNE_CANDIDATES", 8)
    data = tmp_path / "train.csv"
    make_rows(n_per_class=30).to_csv(data, index=False)
    result = api.tune(data, budget="10m", folds=2, save_to=tmp_path / "tuned.joblib", settings={"nb": False})
    assert result["stopped"] == "finished" and result["rows"] == 90
    assert [r["rows"] for r in result["rounds"]] == [30, 90]
    trials = result["trials"]
    first = [t for t in trials if t["round"] == 1]
    second = [t for t in trials if t["round"] == 2]
    assert len(first) == defaults.TUNE_CANDIDATES + 1 and first[0]["candidate"] == 0
    assert 0 in {t["candidate"] for t in second} and len(second) < len(first)
    assert len(second) == 1 + 3  # the current settings and the best third of the 8 drawn, wherever #0 ranked
    assert all(t["settings"].get("nb") is False for t in trials)
    winner = max(second, key=lambda t: (t["mean"], t["candidate"] == 0))
    assert result["winner"]["mean"] == winner["mean"] >= result["current"]["mean"] and winner["rows"] == 90
    assert all(len(t["folds"]) == 2 for t in trials)
    check = result["check"]
    if winner["candidate"] == 0:
        assert check is None and result["best"]["candidate"] == 0
    else:  # the winner was checked against the current settings on fresh folds of every row
        assert check["on"] == "fresh folds" and [t["candidate"] for t in trials if t["round"] == 3] == [
            0, winner["candidate"]]
        assert result["best"]["candidate"] == (winner["candidate"] if check["replace"] else 0)
    model = api.load(result["model"])
    assert model.card["tuning"]["trials"] == trials
    assert model.card["settings"] == result["best"]["settings"]
    assert model.card["training_data"]["rows_used"] == 90


def test_a_budget_too_small_is_an_error(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    with pytest.raises(InputError, match="too small to tune"):
        api.tune(data, budget="0.01s", folds=2, save_to=None)


def test_bad_arguments(tmp_path):
    data = tmp_path / "train.csv"
    make_rows().to_csv(data, index=False)
    with pytest.raises(InputError, match="`metric` must be one of"):
        api.tune(data, metric="loss", save_to=None)
    with pytest.raises(InputError, match="`folds` must be 2 or more"):
        api.tune(data, folds=1, save_to=None)
    with pytest.raises(InputError, match="cannot read standard input"):
        api.tune("-", save_to=None)


def test_a_search_cut_short_keeps_the_current_settings(tmp_path, monkeypatch):
    """Stopped by the budget before a round on every row, tune keeps the current settings."""
    import classifier.insight.tune as tuning

    monkeypatch.setattr(defaults, "TUNE_MIN_ROWS", 30)
    monkeypatch.setattr(defaults, "TUNE_CANDIDATES", 4)
    monkeypatch.setattr(tuning, "_affordable", lambda count, *args: count)
    clock = iter(range(0, 10_000, 10))
    monkeypatch.setattr(tuning.time, "monotonic", lambda: float(next(clock)))
    data = tmp_path / "train.csv"
    make_rows(n_per_class=30).to_csv(data, index=False)
    result = api.tune(data, budget="100s", folds=2, save_to=None)
    assert result["stopped"] == "budget" and all(t["rows"] < 90 for t in result["trials"])
    assert result["best"]["candidate"] == 0 and result["best"]["settings"] == result["current"]["settings"]


def test_decide_replaces_only_on_a_gain_above_the_fold_noise():
    assert decide([0.80, 0.82, 0.81], [0.79, 0.81, 0.80])["replace"]  # +0.01 on every fold
    noisy = decide([0.85, 0.78, 0.81], [0.79, 0.81, 0.80])  # +0.013 on average, but -0.03 on one fold
    assert noisy["gain"] > 0 and not noisy["replace"] and noisy["se"] > noisy["gain"]
    assert not decide([0.80, 0.80], [0.80, 0.80])["replace"]  # a tie keeps the current settings
    assert not decide([0.79, 0.80], [0.80, 0.81])["replace"]


def test_long_texts_do_not_search_character_ngrams():
    assert "char_ngrams" in search_space(["a short headline"] * 10)
    assert "char_ngrams" not in search_space([" ".join(["word"] * 300)] * 10)
    assert "C" not in search_space(["a short headline"], fixed={"C"})


def test_a_winner_within_the_fold_noise_keeps_the_current_settings(tmp_path, monkeypatch):
    """The round's winner is checked on fresh folds; a gain within one standard error keeps the current settings."""
    import classifier.insight.tune as tuning

    monkeypatch.setattr(defaults, "TUNE_MIN_ROWS", 30)
    monkeypatch.setattr(defaults, "TUNE_CANDIDATES", 2)
    scores, final = {}, []

    def fake_scores(data, settings, splits, *, seed, **_):
        scores.setdefault(settings, 0.5 + 0.1 * len(scores))  # each later candidate scores higher in the search
        held = [list(h) for _, h in splits]
        if sum(map(len, held)) == 90 and not final:
            final.append(held)  # the first folds of every row: the search's last round
        fresh = sum(map(len, held)) == 90 and held != final[0]
        values = [0.9, 0.4] if fresh and scores[settings] > 0.5 else [scores[settings]] * 2
        return [{"micro_f1": v} for v in values]  # fresh folds: the winner +0.15 on average, but -0.1 on one

    monkeypatch.setattr(tuning, "fold_scores", fake_scores)
    monkeypatch.setattr(tuning, "summarise", lambda results: {"metrics": {"micro_f1": {
        "mean": sum(r["micro_f1"] for r in results) / len(results), "std": 0.0}}})
    data = tmp_path / "train.csv"
    make_rows(n_per_class=30).to_csv(data, index=False)
    result = api.tune(data, budget="10m", folds=2, save_to=None, seed=0)
    assert result["winner"]["candidate"] != 0 and result["check"]["on"] == "fresh folds"
    assert not result["check"]["replace"] and result["best"]["candidate"] == 0
