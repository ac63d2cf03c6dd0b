"""``classifier explain``: tables and JSON of the terms behind a prediction, and its user errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, TOPICS

runner = CliRunner()
CRIME = "police arrested suspects after a raid and prosecutors charged them in court"


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_help_has_an_example():
    result = run("explain", "--help")
    assert result.exit_code == 0 and "Example" in result.stdout


def test_table_shows_the_label_and_the_terms_each_way(single_model):
    _, model = single_model
    result = run("explain", CRIME, "--model", model, "--top", "3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("crime: probability ")
    assert "(predicted)" in result.stdout and "intercept" in result.stdout
    assert "pushed up" in result.stdout and "pushed down" in result.stdout
    assert any(word in result.stdout for word in TOPICS["crime"])


def test_json_holds_every_label_explained(single_model):
    _, model = single_model
    result = run("explain", CRIME, "--model", model, "--json", "--label", "war", "--label", "crime")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [row["label"] for row in out["labels"]] == ["war", "crime"]
    assert [row["predicted"] for row in out["labels"]] == [False, True]
    assert {"term", "kind", "contribution", "weight", "value"} == set(out["labels"][1]["up"][0])


def test_text_without_known_terms_warns(single_model):
    _, model = single_model
    result = run("explain", "zzzz qqqq", "--model", model)
    assert result.exit_code == 0
    assert "pushed up" not in result.stdout
    assert "Warning: none of the text's terms" in result.stderr


def test_unknown_label(single_model):
    _, model = single_model
    assert_user_error(run("explain", CRIME, "--model", model, "--label", "sport"),
                      "no label 'sport'", "crime, money, war")


def test_empty_text(single_model):
    _, model = single_model
    assert_user_error(run("explain", "  ", "--model", model), "empty")


def test_missing_model(tmp_path):
    assert_user_error(run("explain", CRIME, "--model", tmp_path / "none.joblib"), "No model file")


def test_threshold_out_of_range(single_model):
    _, model = single_model
    assert_user_error(run("explain", CRIME, "--model", model, "--threshold", "1.5"), "--threshold", "between 0 and 1")
