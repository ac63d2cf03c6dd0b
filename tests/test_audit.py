"""The audit library: planted label errors are found, duplicates and overlap are counted, errors are clear."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import classifier
from classifier.audit import COLUMNS, ISSUES, audit, near_duplicate_pairs
from classifier.audit.crossval import out_of_fold
from classifier.audit.label_issues import judge_single
from classifier.errors import ClassifierError, ColumnError, InputError, LabelError, ModelError
from classifier.estimators.pipeline import build_pipeline
from classifier.io.labelled import read_labelled

from .conftest import FILLER, TOPICS, make_multi_rows, make_rows, shared


def plant_single(df: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, set[int]]:
    """Change the label of ``fraction`` of the rows to another label at random; return the table and those rows."""
    rng = np.random.default_rng(seed)
    df = df.copy()
    classes = sorted(df["label"].unique())
    changed = rng.choice(len(df), max(1, round(fraction * len(df))), replace=False)
    for i in changed:
        df.loc[i, "label"] = rng.choice([c for c in classes if c != df.loc[i, "label"]])
    return df, {int(i) + 1 for i in changed}


def plant_multi(df: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, set[int]]:
    """Flip one label (present to absent or back) of ``fraction`` of the rows, chosen at random."""
    rng = np.random.default_rng(seed)
    df = df.copy()
    labels = sorted({label for cell in df["labels"] for label in cell.split("|") if label})
    changed = rng.choice(len(df), max(1, round(fraction * len(df))), replace=False)
    for i in changed:
        cell = set(filter(None, df.loc[i, "labels"].split("|"))) ^ {labels[rng.integers(len(labels))]}
        df.loc[i, "labels"] = "|".join(sorted(cell))
    return df, {int(i) + 1 for i in changed}


def recall_at_planted(result: dict, changed: set[int]) -> float:
    """Share of the planted rows among the first len(changed) rows to review."""
    top = {row["row"] for row in result["rows"][:len(changed)]}
    return len(top & changed) / len(changed)


def write(df: pd.DataFrame, path) -> str:
    df.to_csv(path, index=False)
    return str(path)


def test_planted_single_label_errors_rank_first(tmp_path):
    df, changed = plant_single(make_rows(n_per_class=40, seed=3), 0.05, seed=0)
    result = audit(write(df, tmp_path / "noisy.csv"))
    assert recall_at_planted(result, changed) >= 0.7
    assert result["counts"]["label_errors"] >= 1
    first = result["rows"][0]
    assert first["issues"].startswith("label_error") and first["row"] in changed
    original = make_rows(n_per_class=40, seed=3).loc[first["row"] - 1, "label"]
    assert first["suggested_label"] == original


def test_planted_multi_label_errors_rank_first(tmp_path):
    df, changed = plant_multi(make_multi_rows(n=200, seed=1), 0.05, seed=0)
    result = audit(write(df, tmp_path / "noisy.csv"))
    assert result["task"] == "multi_label"
    assert recall_at_planted(result, changed) >= 0.7


def test_bbc_news_five_percent_planted_errors(tmp_path):
    """The issue's target: 5% of BBC News train labels changed; the top-N rows hold at least 70% of them."""
    df = pd.read_csv(shared("bbc_news") / "train.csv", dtype=str, keep_default_na=False)
    noisy, changed = plant_single(df, 0.05, seed=0)
    result = audit(write(noisy, tmp_path / "bbc.csv"))
    assert len(changed) == 89
    assert recall_at_planted(result, changed) >= 0.7


def test_india_police_events_planted_flips(tmp_path):
    """Multi-label: one label flipped in 5% of rows. Measured 0.50-0.64 over seeds 0-4 (below the 0.7 target,
    see the audit notes); this guards against falling further."""
    df = pd.read_csv(shared("india_police_events") / "train.csv", dtype=str, keep_default_na=False)
    noisy, changed = plant_multi(df, 0.05, seed=0)
    result = audit(write(noisy, tmp_path / "ipe.csv"))
    assert len(changed) == 50
    assert recall_at_planted(result, changed) >= 0.5


def duplicate_table() -> pd.DataFrame:
    long = " ".join(TOPICS["war"] * 3 + FILLER)
    rows = make_rows(n_per_class=15, seed=2).drop(columns="id")
    extra = pd.DataFrame([
        {"text": long, "label": "war"},
        {"text": "  " + long.upper() + " ", "label": "war"},           # exact copy: case and spacing differ
        {"text": long.replace("drone", "missile", 1), "label": "crime"},  # near copy with another label
        {"text": "", "label": "war"},
        {"text": "Budget.", "label": "money"},
        {"text": "police raid a court", "label": ""},
        {"text": "a lone weather report about rain in the hills", "label": "weather"},
    ])
    return pd.concat([rows, extra], ignore_index=True)


def test_duplicates_conflicts_short_empty_missing_and_rare(tmp_path):
    df = duplicate_table()
    result = audit(write(df, tmp_path / "dups.csv"), min_label_rows=3)
    counts = result["counts"]
    n = len(df)
    first, copy, near, empty, short, unlabelled, rare = range(n - 6, n + 1)
    assert counts["exact_duplicates"] == {"groups": 1, "rows": 2}
    assert counts["near_duplicates"]["rows"] >= 3
    assert counts["conflicting_labels"] == {"groups": 1, "rows": 3}
    assert counts["empty_text"] == 1 and counts["missing_label"] == 1 and counts["short_text"] == 1
    assert counts["rare_labels"] == {"weather": 1}
    assert counts["test_overlap"] is None
    by_row = {row["row"]: row for row in result["rows"]}
    assert "exact_duplicate" in by_row[copy]["issues"] and "conflicting_labels" in by_row[copy]["issues"]
    assert by_row[copy]["duplicate_group"] == first and by_row[copy]["group_size"] == 3
    assert "near_duplicate" in by_row[near]["issues"] and 0.8 <= by_row[near]["similarity"] < 1
    assert by_row[empty]["issues"] == "empty_text" and by_row[empty]["error_score"] is None
    assert "short_text" in by_row[short]["issues"]
    assert "missing_label" in by_row[unlabelled]["issues"]
    assert "rare_label" in by_row[rare]["issues"]


def test_overlap_with_a_test_table(tmp_path):
    df = make_rows(n_per_class=15, seed=4)
    text = df.loc[0, "text"]
    test = pd.DataFrame({"text": ["something else entirely " * 3, text.title(),
                                  " ".join(df.loc[1, "text"].split()[:-1])]})
    result = audit(write(df, tmp_path / "train.csv"), test=write(test, tmp_path / "test.csv"))
    overlap = result["counts"]["test_overlap"]
    assert overlap["exact"] == 1 and overlap["rows"] >= 1 and overlap["test_rows"] >= 1
    row = next(r for r in result["rows"] if r["row"] == 1)
    assert "test_overlap" in row["issues"] and row["test_rows"] == "2" and row["test_similarity"] == 1.0


def test_output_table_is_ranked_and_complete(tmp_path):
    df, _ = plant_single(make_rows(n_per_class=20, seed=5), 0.1, seed=1)
    out = tmp_path / "out" / "review.parquet"
    result = audit(write(df, tmp_path / "d.csv"), output=out)
    written = pd.read_parquet(out)
    assert list(written.columns) == COLUMNS
    assert len(written) == result["rows_flagged"] == len(result["rows"])
    assert written["rank"].tolist() == list(range(1, len(written) + 1))
    assert result["output"] == str(out)
    order = {name: i for i, name in enumerate(ISSUES)}
    tiers = [order[issues.split(";")[0]] for issues in written["issues"]]
    assert tiers == sorted(tiers)


def test_same_input_gives_the_same_audit(tmp_path):
    path = write(plant_single(make_rows(seed=6), 0.1, seed=2)[0], tmp_path / "d.csv")
    assert audit(path)["rows"] == audit(path)["rows"]


def test_model_settings_columns_and_labels(tmp_path, single_model):
    model, path = single_model
    df = make_rows(n_per_class=15, seed=7).rename(columns={"text": "body"})
    df.loc[0, "label"] = "sport"
    renamed = classifier.Model(model.pipeline, {**model.card, "text_col": "body"})
    result = audit(write(df, tmp_path / "d.csv"), model=renamed, min_label_rows=0)
    assert result["model"]["unknown_labels"] == ["sport"]
    assert result["model"]["missing_labels"] == []
    assert result["settings"]["seed"] == model.card["params"].get("seed", 0)
    from_file = audit(write(make_rows(n_per_class=15, seed=7), tmp_path / "e.csv"), model=path)
    assert from_file["model"]["path"] == str(path)


def test_model_with_unusable_settings(tmp_path, single_model):
    model, _ = single_model
    broken = classifier.Model(model.pipeline, {**model.card, "params": {"features": {"no_such_setting": 1}}})
    with pytest.raises(ModelError, match="settings cannot be used"):
        audit(write(make_rows(), tmp_path / "d.csv"), model=broken)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"folds": 1}, InputError, "`folds` must be 2 or more"),
    ({"near_duplicate": 0.3}, InputError, "`near_duplicate` must be between 0.5 and 1"),
    ({"shingle_words": 0}, InputError, "`shingle_words` must be 1 or more"),
    ({"short_words": -1}, InputError, "cannot be negative"),
    ({"text_col": "body"}, ColumnError, "no column 'body'"),
    ({"label_col": "topic"}, ColumnError, "no label column 'topic'"),
    ({"folds": 500}, LabelError, "too few for 500-fold"),
    ({"output": "review.txt"}, ClassifierError, "Cannot tell the format"),
])
def test_user_errors(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        audit(write(make_rows(), tmp_path / "d.csv"), **kwargs)


def test_one_class_and_output_over_data(tmp_path):
    one = make_rows()
    one["label"] = "crime"
    with pytest.raises(LabelError, match="fewer than two classes"):
        audit(write(one, tmp_path / "one.csv"))
    path = write(make_rows(), tmp_path / "d.csv")
    with pytest.raises(InputError, match="output file is the data file"):
        audit(path, output=path)



def test_a_label_only_on_a_row_without_text_is_listed_not_a_crash(tmp_path):
    df = pd.concat([make_rows(n_per_class=15, seed=4), pd.DataFrame([{"text": "", "label": "ghost"}])],
                   ignore_index=True)
    result = audit(write(df, tmp_path / "d.csv"))
    assert "ghost" in result["labels"] and "ghost" not in result["label_counts"]
    assert result["counts"]["empty_text"] == 1
    assert result["rows"][-1] == {**result["rows"][-1], "row": len(df), "issues": "empty_text", "label": "ghost"}


def test_read_labelled_every_row_keeps_the_rows_training_drops(tmp_path):
    path = write(pd.DataFrame({"text": ["one two", "", "three four"], "label": ["x", "y", ""]}), tmp_path / "d.csv")
    every = read_labelled(path, every_row=True, fingerprint=False)
    assert every.texts == ["one two", "", "three four"] and every.labels == ["x", "y", ""]
    assert every.label_set == ["x", "y"] and every.skipped == {"empty_text": 1, "missing_label": 1}
    usable = read_labelled(path, fingerprint=False)
    assert usable.texts == ["one two"] and usable.labels == ["x"] and usable.skipped == every.skipped


def test_label_issues_are_judged_from_the_probabilities_alone():
    """Confident learning by hand: thresholds are each label's mean probability over the rows given it."""
    y = np.array(["a", "a", "b", "b"], dtype=object)
    probs = np.array([[0.9, 0.1], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7]])  # thresholds: a 0.5, b 0.75
    usable = np.array([0, 2, 3, 4])  # table row 1 has no label: it stays unjudged
    issues = judge_single(probs, y, np.ones_like(probs, dtype=bool), ["a", "b"], usable, 5)
    assert issues.flagged.tolist() == [False, False, True, False, False]
    assert not issues.doubted.any()
    assert issues.suggested == [None, None, "b", None, None] and issues.suggested_score[2] == 0.9
    assert np.isnan(issues.score[1]) and issues.score[[0, 2, 3, 4]] == pytest.approx([0.1, 0.9, 0.2, 0.3])


def test_out_of_fold_fits_a_clone_per_fold_and_leaves_the_pipeline_unfitted():
    df = make_rows(n_per_class=10, seed=1)
    pipeline = build_pipeline()
    probs, known = out_of_fold(pipeline, df["text"].tolist(), df["label"].to_numpy(dtype=object), folds=3, seed=0,
                               source="t")
    assert probs.shape == (30, 3) and known.all() and probs.sum(axis=1) == pytest.approx(np.ones(30))
    with pytest.raises(NotFittedError):
        check_is_fitted(pipeline)


words = st.sampled_from("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(words, min_size=0, max_size=30), min_size=1, max_size=12), st.integers(0, 11))
def test_near_duplicate_pairs_are_exact_and_complete(texts, which):
    """Every pair returned has the stated Jaccard similarity, and every pair at 0.9 or more is found."""
    docs = [" ".join(t) for t in texts]
    docs.append(docs[which % len(docs)].upper() + " !")
    pairs, sims = near_duplicate_pairs(docs, threshold=0.8, width=3)

    def shingles(doc):
        tokens = doc.lower().replace("!", "").split()
        if not tokens:
            return set()
        if len(tokens) < 3:
            return {tuple(tokens)}
        return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}

    sets = [shingles(d) for d in docs]
    found = {(int(i), int(j)): s for (i, j), s in zip(pairs, sims)}
    for (i, j), sim in found.items():
        assert i < j
        truth = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        assert sim == pytest.approx(truth) and truth >= 0.8
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            if sets[i] and sets[j] and len(sets[i] & sets[j]) / len(sets[i] | sets[j]) >= 0.9:
                assert (i, j) in found
