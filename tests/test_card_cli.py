"""``classifier card``, and ``evaluate --report`` linking to the card beside the model."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_card_is_written_beside_the_model_by_default(single_model, tmp_path):
    _, source = single_model
    model = tmp_path / "m" / "model.joblib"
    model.parent.mkdir()
    shutil.copy(source, model)
    result = run("card", "--model", model)
    assert result.exit_code == 0, result.stderr
    card = model.parent / "MODEL_CARD.md"
    assert f"Wrote the model card to {card}" in result.stdout
    assert "# Model card: model.joblib" in card.read_text(encoding="utf-8")


def test_card_with_a_test_table_to_a_chosen_file_and_json(single_model, tmp_path):
    _, model = single_model
    test = tmp_path / "test.csv"
    make_rows(n_per_class=5, seed=8).to_csv(test, index=False)
    out = tmp_path / "cards" / "card.md"
    result = run("card", "--model", model, "--test", test, "--output", out, "--json")
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["output"] == str(out) and facts["test"]["n"] == 15
    assert f"### Test table `{test}` (15 rows)" in out.read_text(encoding="utf-8")


def test_card_to_standard_output(single_model):
    _, model = single_model
    result = run("card", "--model", model, "--output", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("---\nlibrary_name: classifier")


def test_card_errors_are_one_line(single_model, tmp_path):
    _, model = single_model
    assert_user_error(run("card", "--model", tmp_path / "missing.skops"), "No model file at")
    assert_user_error(run("card", "--model", model, "--output", tmp_path), "is a folder")
    bad = tmp_path / "bad.csv"
    bad.write_text("body,label\nx,crime\n")
    assert_user_error(run("card", "--model", model, "--test", bad), "no column 'text'")
    assert not (tmp_path / "MODEL_CARD.md").exists()


def test_the_report_links_to_the_card_beside_the_model(single_model, tmp_path):
    _, source = single_model
    model = tmp_path / "models" / "model.joblib"
    model.parent.mkdir()
    shutil.copy(source, model)
    test = tmp_path / "test.csv"
    make_rows(n_per_class=5, seed=8).to_csv(test, index=False)
    report = tmp_path / "reports" / "r.html"
    assert run("evaluate", test, "--model", model, "--report", report).exit_code == 0
    assert "MODEL_CARD.md" not in report.read_text(encoding="utf-8")
    assert run("card", "--model", model).exit_code == 0
    assert run("evaluate", test, "--model", model, "--report", report).exit_code == 0
    assert '<a href="../models/MODEL_CARD.md">MODEL_CARD.md</a>' in report.read_text(encoding="utf-8")


def test_card_help_has_an_example():
    result = run("card", "--help")
    assert result.exit_code == 0 and "Example: classifier card" in result.stdout
