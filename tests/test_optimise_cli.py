"""``train --optimise``: the target reaches the model, ``info`` and the report show each label's threshold."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, make_multi_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_optimise_reaches_the_model_info_and_report(tmp_path):
    data = tmp_path / "multi.csv"
    make_multi_rows(n=240, seed=3).to_csv(data, index=False)
    model = tmp_path / "m.joblib"
    result = run("train", data, "--model", model, "--optimise", "precision@0.95", "--quiet")
    assert result.exit_code == 0, result.stderr
    info = run("info", "--model", model, "--json")
    card = json.loads(info.stdout)
    assert card["params"]["model"]["thresholds"] == "precision@0.95"
    assert set(card["thresholds"]) == set(card["labels"])
    table = run("info", "--model", model)
    first = next(iter(card["thresholds"]))
    assert f"{first} {card['thresholds'][first]:.2f}" in table.stdout
    assert "chosen for precision of at least 0.95" in table.stdout
    report = tmp_path / "r.html"
    assert run("evaluate", data, "--model", model, "--report", report).exit_code == 0
    html = report.read_text(encoding="utf-8")
    assert "<th>threshold</th>" in html or ">threshold<" in html
    assert f"{card['thresholds'][first]:.2f}" in html


def test_optimise_errors_and_single_label_warning(tmp_path, single_csv):
    model = tmp_path / "m.joblib"
    assert_user_error(run("train", single_csv, "--model", model, "--optimise", "precision@2"),
                      "--optimise must be f1, precision@P or recall@R")
    assert not model.exists()
    result = run("train", single_csv, "--model", model, "--optimise", "recall@0.8")
    assert result.exit_code == 0, result.stderr
    assert "--optimise applies to multi-label models only" in result.stderr
