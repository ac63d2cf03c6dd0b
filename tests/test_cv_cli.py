"""``classifier cv``: tables, --json, settings options and one-line errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


def test_help_has_an_example_and_the_settings():
    result = runner.invoke(app, ["cv", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example: classifier cv" in result.stdout and "--folds" in result.stdout and "--word-ngrams" in result.stdout


def test_json(single_csv):
    result = runner.invoke(app, ["cv", str(single_csv), "--folds", "3", "--C", "2", "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["folds"] == 3 and out["settings"]["C"] == 2.0
    assert 0 <= out["metrics"]["macro_f1"]["mean"] <= 1 and out["metrics"]["macro_f1"]["std"] >= 0


def test_tables(multi_csv):
    result = runner.invoke(app, ["cv", str(multi_csv), "--folds", "2", "-q"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "2-fold cross-validation" in result.stdout and "subset_accuracy" in result.stdout
    assert "crime" in result.stdout and "Settings: C=0.5" in result.stdout


def test_errors(tmp_path, single_csv):
    assert_user_error(runner.invoke(app, ["cv", str(single_csv), "--folds", "1"]), "--folds must be 2 or more")
    assert_user_error(runner.invoke(app, ["cv", str(single_csv), "--folds", "30"]),
                      "fewer rows than the 30 folds", "--folds")
    assert_user_error(runner.invoke(app, ["cv", str(single_csv), "--class-weight", "x"]), "--class-weight must be")
    bad = tmp_path / "bad.toml"
    bad.write_text("penalty = 'l1'\n", encoding="utf-8")
    assert_user_error(runner.invoke(app, ["cv", str(single_csv), "--config", str(bad)]),
                      "Unknown setting 'penalty'", "Known settings")
    frame = make_rows()
    frame["label"] = "one"
    one = tmp_path / "one.csv"
    frame.to_csv(one, index=False)
    assert_user_error(runner.invoke(app, ["cv", str(one)]), "only one class")
