"""End-to-end runs on the real datasets in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import shared

runner = CliRunner()


def cli(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return result


def test_bbc_news_single_label_accuracy(tmp_path):
    folder = shared("bbc_news")
    model = tmp_path / "bbc.joblib"
    cli("train", folder / "train.csv", "--model", model, "--quiet")
    metrics = json.loads(cli("evaluate", folder / "test.csv", "--model", model, "--json").stdout)
    assert metrics["n"] == 445
    assert metrics["accuracy"] >= 0.97


def test_india_police_events_multi_label_end_to_end(tmp_path):
    folder = shared("india_police_events")
    model = tmp_path / "ipe.joblib"
    trained = json.loads(cli("train", folder / "train.csv", "--model", model, "--json", "--quiet").stdout)
    assert trained["task"] == "multi_label"
    assert trained["labels"] == ["ANY_ACTION", "ARREST", "FAIL", "FORCE", "KILL"]
    metrics = json.loads(cli("evaluate", folder / "test.csv", "--model", model, "--json").stdout)
    assert metrics["n"] == 252
    assert {"subset_accuracy", "hamming_loss", "micro_f1", "macro_f1", "per_label"} <= set(metrics)
    assert metrics["micro_f1"] > 0.5
    out = tmp_path / "pred.csv"
    cli("predict", "--input", folder / "test.csv", "--output", out, "--model", model, "--probs", "--quiet")
    pred = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert len(pred) == 252
    assert set("|".join(pred["predicted_label"]).split("|")) - {""} <= set(trained["labels"])


def test_ag_news_batch_prediction_keeps_all_rows_in_order(tmp_path, news_model):
    folder = shared("ag_news")
    _, model = news_model
    out = tmp_path / "out.csv"
    result = cli("predict", "--input", folder / "test.csv", "--output", out, "--model", model)
    assert "Read 7,600 rows, scored 7,600" in result.stderr
    source = pd.read_csv(folder / "test.csv", dtype=str, keep_default_na=False)
    pred = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(pred) == 7600
    assert pred[list(source.columns)].equals(source)
