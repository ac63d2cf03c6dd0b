"""``classifier suggest``: the table, the summary, JSON, task formats and one-line errors."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def pool_csv(tmp_path):
    path = tmp_path / "pool.csv"
    make_rows(n_per_class=15, seed=5)[["text"]].to_csv(path, index=False)
    return path


def test_suggest_writes_the_file_and_a_summary(single_model, tmp_path):
    _, model = single_model
    out = tmp_path / "to_label.csv"
    result = run("suggest", pool_csv(tmp_path), "--model", model, "--n", 12, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert "Wrote 12 texts (10 by uncertainty, 2 at random)" in result.stdout
    table = pd.read_csv(out, keep_default_na=False)
    assert len(table) == 12 and set(table["selected_by"]) == {"uncertainty", "random"}


def test_suggest_json_and_random_share(single_model, tmp_path):
    _, model = single_model
    result = run("suggest", pool_csv(tmp_path), "--model", model, "-n", 10, "--random-share", "0",
                 "-o", tmp_path / "s.jsonl", "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["selected"] == 10 and found["at_random"] == 0 and found["format"] == "jsonl"
    assert len((tmp_path / "s.jsonl").read_text().splitlines()) == 10


def test_suggest_label_studio_prints_the_interface(multi_model, tmp_path):
    _, model = multi_model
    result = run("suggest", pool_csv(tmp_path), "--model", model, "-n", 5, "--format", "label-studio",
                 "-o", tmp_path / "tasks.json")
    assert result.exit_code == 0, result.stderr
    assert '<Choices name="label" toName="text" choice="multiple"' in result.stdout
    assert len(json.loads((tmp_path / "tasks.json").read_text())) == 5


def test_suggest_errors_are_one_line(single_model, tmp_path):
    _, model = single_model
    pool = pool_csv(tmp_path)
    out = tmp_path / "o.csv"
    assert_user_error(run("suggest", pool, "--model", model, "--n", 0, "-o", out), "--n must be 1 or more")
    assert_user_error(run("suggest", pool, "--model", model, "--random-share", 2, "-o", out),
                      "--random-share must be between 0 and 1")
    assert_user_error(run("suggest", pool, "--model", model, "--format", "xml", "-o", out), "Unknown format 'xml'")
    assert_user_error(run("suggest", pool, "--model", model, "--text-col", "body", "-o", out), "no column 'body'",
                      "--text-col")
    assert_user_error(run("suggest", tmp_path / "none.csv", "--model", model, "-o", out), "none.csv")
    assert not out.exists()


def test_suggest_help_has_an_example():
    result = run("suggest", "--help")
    assert result.exit_code == 0 and "Example: classifier suggest" in result.stdout
