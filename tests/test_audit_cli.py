"""`classifier audit`: the summary, the ranked table of rows to review, and one-line errors with exit code 1."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.audit import COLUMNS
from classifier.cli import app

from .conftest import make_rows
from .test_audit import plant_single
from .test_cli import assert_user_error

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env={"COLUMNS": "160"})


@pytest.fixture
def noisy(tmp_path):
    """A generated table with 5% of its labels changed, and the numbers of those rows."""
    df, changed = plant_single(make_rows(n_per_class=40, seed=3), 0.05, seed=0)
    path = tmp_path / "noisy.csv"
    df.to_csv(path, index=False)
    return path, changed


def test_help_has_an_example():
    result = run("audit", "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "--near-duplicate" in result.stdout


def test_summary_and_ranked_csv_with_the_planted_rows_first(tmp_path, noisy):
    path, changed = noisy
    out = tmp_path / "review.csv"
    result = run("audit", path, "--output", out, "--test", path)
    assert result.exit_code == 0, result.stderr
    assert "label_error" in result.stdout and "Rows to review" in result.stdout
    assert f"wrote them to {out}" in result.stdout.replace("\n", "")
    review = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert list(review.columns) == COLUMNS
    top = set(review["row"].astype(int)[:len(changed)])
    assert len(top & changed) / len(changed) >= 0.7
    assert (review["issues"].str.contains("test_overlap")).all()


def test_json_counts_and_top_rows(noisy):
    path, changed = noisy
    result = run("audit", path, "--json", "--top", "3")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rows_read"] == 120 and data["task"] == "single_label"
    assert {"label_errors", "label_doubts", "exact_duplicates", "near_duplicates", "conflicting_labels",
            "test_overlap", "rare_labels", "empty_text", "missing_label", "short_text"} <= set(data["counts"])
    assert len(data["rows"]) == 3 and data["rows_flagged"] >= 3
    assert data["rows"][0]["row"] in changed


def test_output_to_stdout_keeps_the_summary_on_stderr(noisy):
    path, _ = noisy
    result = run("audit", path, "--output", "-")
    assert result.exit_code == 0, result.stderr
    review = pd.read_csv(io.StringIO(result.stdout))
    assert list(review.columns) == COLUMNS
    assert "rows to review" in result.stderr


def test_model_option_reports_what_it_was_used_for(tmp_path, single_model):
    _, model = single_model
    df = make_rows(n_per_class=15, seed=8)
    df.loc[0, "label"] = "sport"
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    result = run("audit", path, "--model", model)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert f"Cross-validated with the settings of {model}" in text
    assert "Labels of the data the model does not know: sport" in text


@pytest.mark.parametrize(("args", "fragments"), [
    (["--folds", "1"], ["--folds must be 2 or more"]),
    (["--near-duplicate", "0.2"], ["--near-duplicate must be between 0.5 and 1"]),
    (["--top", "-1"], ["--top must be 0 or more"]),
    (["--text-col", "body"], ["no column 'body'", "--text-col"]),
    (["--label-col", "topic"], ["no label column 'topic'"]),
    (["--json", "--output", "-"], ["would both write to standard output"]),
    (["--output", "review.txt"], ["Cannot tell the format"]),
    (["--folds", "999"], ["too few for 999-fold", "--folds"]),
])
def test_user_errors(noisy, args, fragments):
    path, _ = noisy
    assert_user_error(run("audit", path, *args), *fragments)


def test_missing_files_and_bad_model(tmp_path, noisy):
    path, _ = noisy
    assert_user_error(run("audit", tmp_path / "absent.csv"), "not found")
    assert_user_error(run("audit", path, "--test", tmp_path / "absent.csv"), "not found")
    fake = tmp_path / "fake.joblib"
    fake.write_text("not a model")
    result = run("audit", path, "--model", fake)
    assert_user_error(result, "fake.joblib")
    assert_user_error(run("audit", path, "--output", path), "output file is the data file")


def test_one_class_is_a_user_error(tmp_path):
    df = make_rows()
    df["label"] = "crime"
    path = tmp_path / "one.csv"
    df.to_csv(path, index=False)
    assert_user_error(run("audit", path), "fewer than two classes")
