"""``classifier compare``: side-by-side tables, --json and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from classifier import api
from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare_cli")
    train = folder / "train.csv"
    make_rows(seed=1).to_csv(train, index=False)
    api.train(train, test_size=0, save_to=folder / "a.joblib")
    api.train(train, test_size=0, save_to=folder / "b.joblib", settings={"word_ngrams": "2-2", "char_ngrams": "off"})
    test = folder / "test.csv"
    make_rows(n_per_class=10, seed=2).to_csv(test, index=False)
    return folder / "a.joblib", folder / "b.joblib", test


def test_help_has_an_example():
    result = runner.invoke(app, ["compare", "--help"])
    assert result.exit_code == 0 and "Example: classifier compare" in result.stdout


def test_tables(two):
    a, b, test = two
    result = runner.invoke(app, ["compare", str(test), "--model", str(a), "--model", str(b), "--resamples", "200"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.stderr
    assert str(a) in result.stdout and str(b) in result.stdout
    assert "Differences from" in result.stdout and "95% interval" in result.stdout and "McNemar" in result.stdout
    assert "f1 crime" in result.stdout


def test_json(two):
    a, b, test = two
    result = runner.invoke(app, ["compare", str(test), "-m", str(a), "-m", str(b), "--json", "--seed", "3"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["resamples"] == 1000 and out["seed"] == 3 and out["baseline"] == str(a)
    assert set(out["differences"][0]["metrics"]) == {"micro_f1", "macro_f1", "accuracy"}


def test_errors(tmp_path, two, multi_model):
    a, b, test = two
    assert_user_error(runner.invoke(app, ["compare", str(test), "--model", str(a)]), "at least two models", "--model")
    assert_user_error(runner.invoke(app, ["compare", str(test), "--model", str(a), "--model", str(multi_model[1])]),
                      "do not share a task")
    assert_user_error(runner.invoke(app, ["compare", str(test), "-m", str(a), "-m", str(b), "--resamples", "5"]),
                      "--resamples must be 100 or more")
    assert_user_error(runner.invoke(app, ["compare", str(test), "-m", str(a), "-m", str(tmp_path / "none.joblib")]),
                      "none.joblib")
    result = runner.invoke(app, ["compare", str(test)])
    assert result.exit_code == 1 and "--model" in result.stderr
