"""``classifier train --out-of-core`` / ``--in-memory`` and the automatic switch stated in --help."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from classifier import defaults
from classifier.cli import app

from .conftest import assert_user_error, make_rows

runner = CliRunner()


def test_out_of_core_train_then_predict_evaluate_info(tmp_path):
    data = tmp_path / "train.csv"
    make_rows(60, seed=8).sort_values("label").to_csv(data, index=False)
    model = tmp_path / "ooc.joblib"
    result = runner.invoke(app, ["train", str(data), "--out-of-core", "--model", str(model), "--json", "--quiet"])
    assert result.exit_code == 0, result.stderr
    trained = json.loads(result.stdout)
    assert trained["notes"][0].startswith("Trained out of core")
    assert trained["metrics"]["accuracy"] >= 0.9
    predicted = runner.invoke(app, ["predict", "--input", str(data), "--output", str(tmp_path / "o.csv"),
                                    "--model", str(model)])
    assert predicted.exit_code == 0 and "Read 180 rows, scored 180" in predicted.stderr
    assert json.loads(runner.invoke(app, ["evaluate", str(data), "--model", str(model), "--json"]).stdout)["n"] == 180
    info = runner.invoke(app, ["info", "--model", str(model), "--json"])
    assert info.exit_code == 0 and json.loads(info.stdout)["params"]["model"]["out_of_core"] is True


def test_help_states_the_automatic_threshold():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "300"})
    assert f"above {defaults.OUT_OF_CORE_BYTES // 2**20} MiB" in result.stdout


def test_in_memory_overrides_the_threshold(tmp_path, single_csv, monkeypatch):
    monkeypatch.setattr(defaults, "OUT_OF_CORE_BYTES", 10)
    result = runner.invoke(app, ["train", str(single_csv), "--in-memory", "--model", str(tmp_path / "m.joblib"),
                                 "--json", "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert not any("out of core" in note for note in json.loads(result.stdout)["notes"])


def test_out_of_core_with_one_class_is_one_line_error(tmp_path):
    data = tmp_path / "one.csv"
    make_rows(5).assign(label="war").to_csv(data, index=False)
    result = runner.invoke(app, ["train", str(data), "--out-of-core", "--model", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {data} has only one class ('war')")
    assert not (tmp_path / "m.joblib").exists()


def test_out_of_core_model_saves_as_skops_and_predicts(tmp_path):
    data = tmp_path / "train.csv"
    make_rows(40, seed=3).to_csv(data, index=False)
    model = tmp_path / "ooc.skops"
    result = runner.invoke(app, ["train", str(data), "--out-of-core", "--model", str(model), "--json", "--quiet"])
    assert result.exit_code == 0, result.stderr
    info = runner.invoke(app, ["info", "--model", str(model), "--json"])
    assert info.exit_code == 0 and json.loads(info.stdout)["file"]["file_format"] == "skops"
    predicted = runner.invoke(app, ["predict", "police arrested suspects", "--model", str(model), "--json"])
    assert predicted.exit_code == 0, predicted.stderr
    assert "crime" in predicted.stdout


def test_out_of_core_errors_name_the_options(tmp_path):
    data = tmp_path / "train.csv"
    make_rows(5).to_csv(data, index=False)
    result = runner.invoke(app, ["train", str(data), "--out-of-core", "--text-col", "label",
                                 "--model", str(tmp_path / "m.joblib")])
    assert_user_error(result, "The text and label columns are both 'label'", "--text-col or --label-col")
    assert "`" not in result.stderr
