"""``classifier tune``: the table of settings tried, --json, the saved model and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from classifier import defaults
from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()


@pytest.fixture(autouse=True)
def few_candidates(monkeypatch):
    """Four settings drawn instead of 27: enough to see the search, quick to run."""
    monkeypatch.setattr(defaults, "TUNE_CANDIDATES", 4)


def test_help_has_an_example():
    result = runner.invoke(app, ["tune", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Example: classifier tune" in result.stdout and "--budget" in result.stdout


def test_tune_prints_the_trials_and_saves_the_model(tmp_path, single_csv):
    model = tmp_path / "tuned.joblib"
    result = runner.invoke(app, ["tune", str(single_csv), "--budget", "5m", "--folds", "2", "--model", str(model),
                                 "--word-ngrams", "1-1", "-q"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.stderr
    assert "Settings tried on" in result.stdout and "(defaults)" not in result.stdout  # word_ngrams is fixed
    assert "Winner: #" in result.stdout and str(model) in result.stdout
    info = json.loads(runner.invoke(app, ["info", "--model", str(model), "--json"]).stdout)
    assert info["settings"]["word_ngrams"] == "1-1" and info["tuning"]["folds"] == 2


def test_json(tmp_path, single_csv):
    result = runner.invoke(app, ["tune", str(single_csv), "--budget", "5m", "--folds", "2", "--json",
                                 "--model", str(tmp_path / "m.joblib"), "--metric", "macro_f1"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["metric"] == "macro_f1" and out["trials"] and out["model"] == str(tmp_path / "m.joblib")


def test_errors(tmp_path, single_csv):
    target = ["--model", str(tmp_path / "m.joblib")]
    assert_user_error(runner.invoke(app, ["tune", str(single_csv), "--budget", "soon", *target]),
                      "--budget must be a duration")
    assert_user_error(runner.invoke(app, ["tune", str(single_csv), "--budget", "0.01s", "--folds", "2", *target]),
                      "too small to tune", "--budget")
    assert_user_error(runner.invoke(app, ["tune", str(single_csv), "--metric", "auc", *target]), "--metric must be")
    assert_user_error(runner.invoke(app, ["tune", str(single_csv), "--C", "zero", *target]), "--C must be a number")
    assert not (tmp_path / "m.joblib").exists()
