"""The command line: output of each command, and one-line errors with exit code 1."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app, as_options

from .conftest import ROOT, altered_bundle, assert_user_error, make_rows, old_sklearn

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "info", "explain", "audit", "convert"])
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_no_arguments_shows_help():
    result = run()
    assert result.exit_code == 0
    assert "train" in result.stdout + result.stderr


def test_train_prints_metrics_and_saves(tmp_path, single_csv):
    model = tmp_path / "models" / "m.joblib"
    result = run("train", single_csv, "--model", model)
    assert result.exit_code == 0, result.stderr
    assert "accuracy" in result.stdout and "macro_f1" in result.stdout
    assert "crime" in result.stdout
    assert f"to {model}" in result.stdout.replace("\n", "")
    assert model.is_file()


def test_train_json_on_embedded_dataset(tmp_path):
    model = tmp_path / "news.joblib"
    result = run("train", "--model", model, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["task"] == "multi_label"
    assert out["labels"] == ["diplomacy", "economy", "governance", "human_rights", "law_enforcement",
                             "legislation", "military", "terrorism"]
    assert out["training_data"]["path"].endswith("security_policy_news.csv")
    assert 0.6 < out["metrics"]["micro_f1"] <= 1
    assert result.stderr == ""


def test_train_with_label_options(tmp_path):
    df = make_rows().rename(columns={"text": "body", "label": "topic"})
    df["topic"] = df["topic"].str.replace("money", "money;war")
    data = tmp_path / "t.tsv"
    df.to_csv(data, sep="\t", index=False)
    model = tmp_path / "m.joblib"
    result = run("train", data, "--text-col", "body", "--label-col", "topic", "--label-sep", ";",
                 "--model", model, "--json", "--test-size", "0.25", "--seed", "3")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["task"] == "multi_label"
    assert out["holdout"]["rows_test"] == 15


def test_predict_texts_table_and_json(single_model):
    _, model = single_model
    result = run("predict", "police raid court suspects", "budget loan taxes", "--model", model)
    assert result.exit_code == 0, result.stderr
    assert "crime" in result.stdout and "money" in result.stdout
    result = run("predict", "police raid court suspects", "--model", model, "--json", "--top-k", "2")
    out = json.loads(result.stdout)
    assert out[0]["labels"][0] == "crime" and len(out[0]["labels"]) == 2


def test_predict_file_to_file_and_stdout(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.csv"
    make_rows(n_per_class=4, seed=2).to_csv(source, index=False)
    out = tmp_path / "out" / "pred.jsonl"
    result = run("predict", "--input", source, "--output", out, "--model", model, "--probs")
    assert result.exit_code == 0, result.stderr
    assert "Read 12 rows, scored 12, skipped 0" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 12 and "prob_war" in rows[0]
    result = run("predict", "--input", source, "--model", model, "--quiet")
    assert result.exit_code == 0
    back = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str)
    assert back["id"].tolist() == pd.read_csv(source, dtype=str)["id"].tolist()
    assert result.stderr == ""


def test_predict_reads_stdin(single_model):
    _, model = single_model
    result = run("predict", "--input", "-", "--model", model, "--format", "jsonl", "--quiet",
                 input="text\npolice raid court\n\nbudget loan\n")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["predicted_label"] for r in rows] == ["crime", "money"]


def test_evaluate_json_and_table(tmp_path, single_model):
    _, model = single_model
    data = tmp_path / "test.csv"
    make_rows(n_per_class=5, seed=8).to_csv(data, index=False)
    result = run("evaluate", data, "--model", model, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["n"] == 15 and "confusion_matrix" in out and out["accuracy"] > 0.7
    result = run("evaluate", data, "--model", model)
    assert "Confusion matrix" in result.stdout


def test_info_json_and_table(single_model):
    _, model = single_model
    result = run("info", "--model", model, "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    for key in ("labels", "task", "training_data", "params", "metrics", "library_versions", "created", "top_terms"):
        assert key in out
    assert len(out["training_data"]["sha256"]) == 64
    result = run("info", "--model", model)
    assert "Top terms per label" in result.stdout and "scikit-learn" in result.stdout


# ---- errors a user can cause --------------------------------------------------------------


def test_missing_data_file(tmp_path):
    assert_user_error(run("train", tmp_path / "nope.csv", "--model", tmp_path / "m.joblib"),
                      "Table not found", "nope.csv")
    assert not (tmp_path / "m.joblib").exists()


def test_data_is_a_folder(tmp_path):
    assert_user_error(run("train", tmp_path, "--model", tmp_path / "m.joblib"), "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its permissions")
def test_unreadable_data(tmp_path, single_csv):
    single_csv.chmod(0)
    assert_user_error(run("train", single_csv, "--model", tmp_path / "m.joblib"), "permission denied")


def test_empty_file(tmp_path):
    data = tmp_path / "empty.csv"
    data.write_bytes(b"")
    assert_user_error(run("train", data, "--model", tmp_path / "m.joblib"), "is empty")


def test_missing_text_column_names_columns_and_option(tmp_path):
    data = tmp_path / "d.csv"
    make_rows().rename(columns={"text": "headline"}).to_csv(data, index=False)
    assert_user_error(run("train", data, "--model", tmp_path / "m.joblib"),
                      "no column 'text'", "'headline'", "--text-col")


def test_one_class_only(tmp_path):
    data = tmp_path / "d.csv"
    make_rows().assign(label="same").to_csv(data, index=False)
    assert_user_error(run("train", data, "--model", tmp_path / "m.joblib"), "only one class")


def test_test_and_test_size_together(tmp_path, single_csv):
    assert_user_error(run("train", single_csv, "--test", single_csv, "--test-size", "0.3",
                          "--model", tmp_path / "m.joblib"), "--test and --test-size")


def test_unknown_option_is_a_one_line_error():
    assert_user_error(run("train", "--bogus"), "No such option: --bogus", "--help")


def test_bad_option_value_is_a_one_line_error(single_model):
    _, model = single_model
    assert_user_error(run("predict", "x", "--model", model, "--top-k", "many"), "--top-k")


def test_predict_without_a_model(tmp_path):
    assert_user_error(run("predict", "hello", "--model", tmp_path / "none.joblib"),
                      "No model file at", "classifier train")


def test_predict_with_a_file_that_is_not_a_model(tmp_path):
    fake = tmp_path / "fake.joblib"
    fake.write_text("text,label\n")
    assert_user_error(run("predict", "hello", "--model", fake), "not a readable model file")


def test_predict_needs_text_or_input(single_model):
    _, model = single_model
    assert_user_error(run("predict", "--model", model), "Nothing to predict", "--input")
    assert_user_error(run("predict", "x", "--input", "a.csv", "--model", model), "either TEXT")


def test_predict_refuses_to_overwrite_an_input_column(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["a"], "predicted_score": ["1"]}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert_user_error(run("predict", "--input", source, "--output", out, "--model", model), "'predicted_score'")
    assert not out.exists()


def test_latin1_input_names_the_encoding_option(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.csv"
    source.write_bytes("text\ncaf\xe9 police raid\n".encode("cp1252"))
    assert_user_error(run("predict", "--input", source, "--model", model), "--encoding")
    result = run("predict", "--input", source, "--model", model, "--encoding", "cp1252", "--quiet")
    assert result.exit_code == 0 and "café" in result.stdout


def test_evaluate_missing_label_column(tmp_path, single_model):
    _, model = single_model
    data = tmp_path / "d.csv"
    pd.DataFrame({"text": ["a"], "topic": ["x"]}).to_csv(data, index=False)
    assert_user_error(run("evaluate", data, "--model", model), "'text', 'topic'", "--label-col")


def test_info_on_missing_model(tmp_path):
    assert_user_error(run("info", "--model", tmp_path / "none.joblib"), "No model file at")


@pytest.mark.parametrize("frame, args, fragments", [
    (make_rows().assign(label="same"), [], ["only one class", "or check --label-col."]),
    (make_rows().rename(columns={"label": "topic"}), [], ["Pass --label-col with the name of the column"]),
    (make_rows(), ["--label-col", "topic"], ["Pass --label-col with one of those names."]),
    (make_rows(), ["--text-col", "label", "--label-col", "label"], ["Pass --text-col or --label-col."]),
    (make_rows(), ["--label-sep", ""], ["Pass --label-sep with a character"]),
])
def test_library_messages_name_the_options(tmp_path, frame, args, fragments):
    """The library names its parameters (`label_col`); the command line shows the options (--label-col)."""
    data = tmp_path / "d.csv"
    frame.to_csv(data, index=False)
    result = run("train", data, "--model", tmp_path / "m.joblib", *args)
    assert_user_error(result, *fragments)
    assert "`" not in result.stderr


def test_as_options_maps_parameters_and_leaves_commands_alone():
    assert as_options("Use `top_k` 1, `fmt` csv and `source` FILE; `output_dir` DIR.") == (
        "Use --top-k 1, --format csv and --input FILE; --output-dir DIR.")
    assert as_options("Train a model with `classifier train`.") == "Train a model with `classifier train`."


def test_the_regularisation_option_is_named_as_typed():
    result = runner.invoke(app, ["train", "--C", "-1", "--quiet"])
    assert result.exit_code == 1 and result.stderr.startswith("Error: --C must be a number above 0")
    assert as_options("`C` and `Cx`") == "--C and `Cx`"


def test_option_names_in_prediction_and_explanation_messages(tmp_path, single_model):
    _, model = single_model
    assert_user_error(run("explain", "police", "--model", model, "--top", "0"), "Error: --top must be 1 or more")
    assert_user_error(run("predict", "--input", tmp_path / "in.csv", "--model", model, "--engine", "dask",
                          "--output", tmp_path / "o.csv"),
                      "--engine dask writes one file per partition, not one --output file. Give --output-dir DIR")
    missing = run("predict", "hello", "--model", tmp_path / "none.joblib")
    assert_user_error(missing, "Train a model with `classifier train`, or pass --model with the path of one.")


# ---- the installed program ----------------------------------------------------------------


def _script() -> str:
    found = shutil.which("classifier") or str(Path(sys.executable).parent / "classifier")
    if not Path(found).exists():
        pytest.fail("the classifier console script is not installed; run pip install -e '.[test]'")
    return found


def test_installed_console_script_runs_end_to_end(tmp_path, single_csv):
    script = _script()
    model = tmp_path / "m.joblib"
    done = subprocess.run([script, "train", str(single_csv), "--model", str(model), "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([script, "predict", "police court raid", "--model", str(model), "--json"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["labels"] == ["crime"]


def test_installed_console_script_error_is_one_line(tmp_path):
    done = subprocess.run([_script(), "info", "--model", str(tmp_path / "none.joblib")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: No model file at") and done.stderr.count("\n") == 1
    assert done.stdout == ""


def test_python_dash_m(tmp_path):
    done = subprocess.run([sys.executable, "-m", "classifier", "--help"], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0 and "predict" in done.stdout


def test_version_mismatch_prints_a_warning_and_still_predicts(tmp_path, single_model):
    _, model = single_model
    older = altered_bundle(model, tmp_path / "older.joblib", old_sklearn)
    result = run("predict", "police raid", "--model", older, "--json")
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: ") and "scikit-learn 0.0.1" in result.stderr
    assert json.loads(result.stdout)[0]["labels"] == ["crime"]


def test_predict_explain_on_texts_and_files(tmp_path, single_model):
    _, model = single_model
    result = run("predict", "police raid court suspects", "--model", model, "--explain", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["terms"]
    source = tmp_path / "in.csv"
    make_rows(n_per_class=2, seed=3).to_csv(source, index=False)
    result = run("predict", "--input", source, "--model", model, "--explain", "--quiet")
    assert result.exit_code == 0, result.stderr
    back = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert len(back) == 6 and (back["predicted_terms"] != "").all()
