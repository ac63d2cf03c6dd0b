"""``classifier evaluate --report`` and the calibration error in evaluate's table and JSON."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def eval_csv(tmp_path):
    data = tmp_path / "test.csv"
    make_rows(n_per_class=5, seed=8).to_csv(data, index=False)
    return data


def test_report_is_written_and_announced(tmp_path, single_model):
    _, model = single_model
    report = tmp_path / "reports" / "eval.html"
    result = run("evaluate", eval_csv(tmp_path), "--model", model, "--report", report)
    assert result.exit_code == 0, result.stderr
    assert f"Wrote the report to {report}" in result.stdout
    document = report.read_text(encoding="utf-8")
    assert '<section id="confusion">' in document and "data:image/png;base64," in document
    assert [p.name for p in report.parent.iterdir()] == ["eval.html"]


def test_json_names_the_report_and_gives_ece(tmp_path, single_model):
    _, model = single_model
    report = tmp_path / "r.html"
    result = run("evaluate", eval_csv(tmp_path), "--model", model, "--report", report, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["report"] == str(report) and report.is_file()
    assert 0 <= out["ece"] <= 1 and out["ece_bins"] == 10


def test_table_shows_ece(tmp_path, single_model):
    _, model = single_model
    result = run("evaluate", eval_csv(tmp_path), "--model", model)
    assert result.exit_code == 0, result.stderr
    assert "│ ece " in result.stdout
    assert "Wrote the report" not in result.stdout


def test_report_path_is_a_folder(tmp_path, single_model):
    _, model = single_model
    assert_user_error(run("evaluate", eval_csv(tmp_path), "--model", model, "--report", tmp_path),
                      "is a folder", "report.html")


def test_failed_evaluation_leaves_no_report(tmp_path, single_model):
    _, model = single_model
    data = tmp_path / "bad.csv"
    data.write_text("body,label\nsome text,crime\n", encoding="utf-8")
    report = tmp_path / "r.html"
    assert_user_error(run("evaluate", data, "--model", model, "--report", report), "'text'")
    assert list(tmp_path.iterdir()) == [data]
