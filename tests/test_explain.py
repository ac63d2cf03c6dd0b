"""Explanations: per-term contributions of one prediction, one-line row summaries, and top terms per label."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

import classifier
from classifier.model import Model
from classifier.errors import InputError
from classifier.explain import Explainer, display_term, explain, explain_rows, feature_terms, top_terms
from classifier.estimators.pipeline import build_pipeline, fit_pipeline

from .conftest import TOPICS, make_rows

CRIME = "police arrested suspects after a raid and prosecutors charged them in court"


def test_contributions_add_up_to_the_models_margin(single_model):
    model, _ = single_model
    result = explain(model, CRIME, top=1000)
    margins = model.pipeline.named_steps["model"].decision_function(
        model.pipeline.named_steps["features"].transform([CRIME]))[0]
    for row in result["labels"]:
        k = model.labels.index(row["label"])
        listed = sum(t["contribution"] for t in row["up"] + row["down"])
        assert listed == pytest.approx(row["terms_total"], abs=1e-6)
        assert row["terms_total"] + row["intercept"] == pytest.approx(row["margin"], abs=1e-5)
        assert row["margin"] == pytest.approx(margins[k], abs=1e-5)
        for term in row["up"] + row["down"]:
            assert term["contribution"] == pytest.approx(term["weight"] * term["value"])


def test_explains_the_predicted_label_with_its_words(single_model):
    model, _ = single_model
    result = explain(model, CRIME, top=3)
    predicted = classifier.predict(model, [CRIME])[0]
    assert [row["label"] for row in result["labels"]] == predicted["labels"] == ["crime"]
    row = result["labels"][0]
    assert row["predicted"] and row["score"] == pytest.approx(predicted["scores"][0])
    assert len(row["up"]) == 3
    words = CRIME.split()
    padded = [f"<{w}>" for w in words]
    for term in (t["term"] for t in row["up"]):
        assert (term in words or term in {" ".join(p) for p in zip(words, words[1:])}
                or any(term in p for p in padded)), term
    assert any(t["term"] in TOPICS["crime"] for t in row["up"])
    ups = [t["contribution"] for t in row["up"]]
    downs = [t["contribution"] for t in row["down"]]
    assert ups == sorted(ups, reverse=True) and all(c > 0 for c in ups)
    assert downs == sorted(downs) and all(c < 0 for c in downs)
    assert {t["kind"] for t in row["up"]} <= {"word", "char"}


def test_chosen_labels_are_explained_even_when_not_predicted(single_model):
    model, _ = single_model
    result = explain(model, CRIME, labels=["war", "money", "war"])
    assert [row["label"] for row in result["labels"]] == ["war", "money"]
    assert not any(row["predicted"] for row in result["labels"])


def test_multi_label_with_no_label_predicted_explains_the_most_probable(multi_model):
    model, _ = multi_model
    text = "weather football concert festival"
    assert classifier.predict(model, [text])[0]["labels"] == []
    result = explain(model, text)
    assert len(result["labels"]) == 1 and not result["labels"][0]["predicted"]
    probs = model.predict_proba([text])[0]
    assert result["labels"][0]["label"] == model.labels[int(np.argmax(probs))]


def test_multi_label_explains_every_predicted_label(multi_model):
    model, _ = multi_model
    text = "police arrested suspects and the army shelling the border with troops"
    predicted = classifier.predict(model, [text])[0]["labels"]
    assert len(predicted) >= 2
    assert [row["label"] for row in explain(model, text)["labels"]] == predicted


def test_unknown_words_leave_only_the_intercept(single_model):
    model, _ = single_model
    result = explain(model, "zzzz qqqq")
    assert result["terms_in_text"] == 0
    row = result["labels"][0]
    assert row["up"] == [] and row["down"] == [] and row["margin"] == pytest.approx(row["intercept"])


@pytest.mark.parametrize("kwargs, message", [
    ({"text": "   "}, "empty"),
    ({"text": "police", "labels": ["sport"]}, "no label 'sport'"),
    ({"text": "police", "top": 0}, "`top` must be 1 or more"),
])
def test_user_errors(single_model, kwargs, message):
    model, _ = single_model
    with pytest.raises(InputError, match=message):
        explain(model, **kwargs)


def test_rows_give_each_text_its_top_terms(single_model):
    model, _ = single_model
    texts = [CRIME, "", "budget inflation taxes loan", "   "]
    rows = explain_rows(model, texts, n=2)
    assert rows[1] == "" and rows[3] == ""
    first = rows[0].split(", ")
    assert len(first) == 2 and all(part.rsplit(" ", 1)[1].startswith("+") for part in first)
    assert any(word in rows[2] for word in TOPICS["money"])
    probs = model.predict_proba(texts)
    assert explain_rows(model, texts, n=2, probs=probs) == rows


def test_rows_name_the_label_when_there_are_several(single_model, multi_model):
    model, _ = single_model
    row = explain_rows(model, [CRIME], top_k=2)[0]
    assert row.startswith("crime: ") and "; " in row
    model, _ = multi_model
    text = "police arrested suspects and the army shelling the border with troops"
    row = explain_rows(model, [text])[0]
    labels = [part.split(": ")[0] for part in row.split("; ")]
    assert labels == sorted(labels, key=model.labels.index) and len(labels) >= 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=40), max_size=8))
def test_rows_keep_one_entry_per_text(single_model, texts):
    model, _ = single_model
    rows = Explainer(model).rows(texts)
    assert len(rows) == len(texts)
    for text, row in zip(texts, rows):
        if not text.strip():
            assert row == ""


def test_word_and_character_features_are_told_apart():
    frame = make_rows(seed=3)
    pipeline = build_pipeline()
    pipeline.steps[0] = ("features", FeatureUnion([
        ("words", TfidfVectorizer()),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4))),
    ]))
    fit_pipeline(pipeline, frame["text"].tolist(), frame["label"].to_numpy())
    model = Model(pipeline, {"labels": sorted(frame["label"].unique()), "task": "single_label"})
    terms, kinds = feature_terms(pipeline)
    assert set(kinds) == {"word", "char"} and len(terms) == len(pipeline.named_steps["features"]
                                                                  .get_feature_names_out())
    assert not any("__" in t for t in terms)
    result = explain(model, CRIME, top=50)
    row = result["labels"][0]
    assert {t["kind"] for t in row["up"]} == {"word", "char"}
    assert row["terms_total"] + row["intercept"] == pytest.approx(row["margin"], abs=1e-5)
    assert '"' in explain_rows(model, ["police police police"], n=20)[0]
    assert display_term(" po", "char") == '" po"' and display_term("police", "word") == "police"


def test_info_and_explain_share_the_top_terms(single_model):
    model, path = single_model
    described = classifier.describe(path, top=4)["top_terms"]
    assert described == top_terms(model.pipeline, model.labels, 4)
    coef = model.pipeline.named_steps["model"].coef_
    for k, label in enumerate(model.labels):
        weights = [t["weight"] for t in described[label]]
        assert weights == sorted(weights, reverse=True)
        assert weights[0] == pytest.approx(float(coef[k].max()), abs=1e-4)


class KindedVectorizer(TfidfVectorizer):
    """A vectoriser that says the kind of each of its features (as ``get_feature_kinds_out``)."""

    def get_feature_kinds_out(self):
        return ["char" if i % 2 else "word" for i in range(len(self.get_feature_names_out()))]


def test_a_vectoriser_that_names_its_feature_kinds_is_believed():
    frame = make_rows(seed=4)
    pipeline = build_pipeline()
    pipeline.steps[0] = ("features", KindedVectorizer())
    fit_pipeline(pipeline, frame["text"].tolist(), frame["label"].to_numpy())
    terms, kinds = feature_terms(pipeline)
    assert list(kinds) == pipeline.named_steps["features"].get_feature_kinds_out()
    assert list(terms) == list(pipeline.named_steps["features"].get_feature_names_out())
