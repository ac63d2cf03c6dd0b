"""The readable model card: what it says comes from the model's own card, the file and a test table."""

from __future__ import annotations

import hashlib

import pytest

from classifier import api, defaults
from classifier.errors import OutputError
from classifier.insight.card import card_facts, known_limits, render_markdown

from .conftest import make_multi_rows


def test_the_card_holds_the_models_facts(multi_model, tmp_path):
    model, path = multi_model
    result = api.model_card(path, output=tmp_path / "MODEL_CARD.md")
    text = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert text == result["markdown"] and text.startswith("---\nlibrary_name: classifier\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert f"model_sha256: {digest}" in text and f"sha256sum {path.name}   # must print {digest}" in text
    card = model.card
    assert card["training_data"]["sha256"] in text
    for label in model.labels:
        assert f"| `{label}` | {card['label_counts'][label]:,} |" in text
    for heading in ("## Intended use", "## Out-of-scope use", "## Training data", "## Training settings",
                    "## Evaluation", "## Calibration", "## Decision thresholds", "## Known limits",
                    "## How to load and verify the file"):
        assert heading in text
    assert f"{card['metrics']['micro_f1']:.3f}" in text and f"{card['metrics']['ece']:.3f}" in text
    for label, threshold in card["thresholds"].items():
        assert f"| `{label}` | {threshold:.3f} |" in text
    assert "### Test table" not in text


def test_a_test_table_adds_its_metrics(single_model, single_csv, tmp_path):
    _, path = single_model
    result = api.model_card(path, test=single_csv)
    expected = api.evaluate(path, single_csv)
    text = result["markdown"]
    assert result["output"] is None
    assert f"### Test table `{single_csv}` ({expected['n']:,} rows)" in text
    for label, row in expected["per_label"].items():
        assert f"| `{label}` | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} |" in text
    assert f"| test table | {expected['ece']:.3f} |" in text
    assert "The most probable label is always given" in text


def test_known_limits_name_weak_and_rare_labels(multi_model):
    model, _ = multi_model
    facts = card_facts(model)
    facts["label_counts"] = {**facts["label_counts"], "war": 7}
    row = {"precision": 0.5, "recall": 0.5}
    facts["test"] = {"per_label": {"crime": {**row, "f1": 0.41, "support": 12}, "war": {**row, "f1": 0.95, "support": 3}},
                     "micro_f1": facts["metrics"]["micro_f1"] - 0.2}
    limits = known_limits(facts)
    assert any("`war` (7)" in line for line in limits)
    assert any("`crime` (0.41)" in line and "test table" in line for line in limits)
    assert any("falls from" in line for line in limits)
    assert "`war` (0.95)" not in render_markdown({**facts, "limits": limits})


def test_a_precision_target_is_named_in_the_card(tmp_path):
    path = tmp_path / "m.csv"
    make_multi_rows(n=240, seed=3).to_csv(path, index=False)
    model = api.train(path, model_params={"thresholds": "precision@0.9"})
    text = api.model_card(model)["markdown"]
    assert "chosen for precision of at least 0.9" in text


def test_the_card_path_must_be_a_file(single_model, tmp_path):
    _, path = single_model
    with pytest.raises(OutputError, match="is a folder"):
        api.model_card(path, output=tmp_path)
    assert defaults.MODEL_CARD_NAME == "MODEL_CARD.md"
