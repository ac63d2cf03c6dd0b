"""``classifier predict`` with the compact scorer (issue 14): the same labels and scores as the full pipeline,
``--explain`` served by the full pipeline, and a model file without a compact scorer still predicts."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

import classifier
from classifier.cli import app
from classifier.estimators.compact import CompactScorer
from classifier.io import model_file, skops_format
from classifier.model import Model

runner = CliRunner()
TEXTS = ["police arrested suspects after the raid", "budget inflation tariffs", "", "army shelling the border"]


def _predict(path, *extra):
    result = runner.invoke(app, ["predict", *TEXTS, "--model", str(path), "--json", *extra])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_predict_with_the_compact_scorer_gives_the_pipelines_labels_and_scores(tmp_path, multi_model):
    model, _ = multi_model
    path = classifier.save(model, tmp_path / "model.skops")
    assert isinstance(model_file.load(path, compact=True).pipeline, CompactScorer)
    fast = _predict(path)
    full = classifier.predict(model, TEXTS)
    assert [r["labels"] for r in fast] == [r["labels"] for r in full]
    for a, b in zip(fast, full):
        assert np.allclose(a["scores"], b["scores"], atol=1e-6, rtol=0)


def test_predict_explain_uses_the_full_pipeline(tmp_path, single_model):
    model, _ = single_model
    path = classifier.save(model, tmp_path / "model.skops")
    rows = _predict(path, "--explain")
    assert all("terms" in row for row in rows)
    assert rows[0]["terms"]  # explained from the pipeline's features


def test_a_model_file_without_a_compact_scorer_still_predicts(tmp_path, single_model):
    model, _ = single_model
    payload = skops_format.dump_pipeline(model.pipeline)
    import hashlib

    header = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
              "payload_sha256": hashlib.sha256(payload).hexdigest()}
    path = tmp_path / "old.skops"
    path.write_bytes(skops_format.dump_outer(header, model.card, payload))
    assert not isinstance(model_file.load(path, compact=True).pipeline, CompactScorer)
    assert _predict(path) == _predict(classifier.save(Model(model.pipeline, model.card), tmp_path / "new.skops"))


def test_a_missing_model_is_still_one_error_line(tmp_path):
    result = runner.invoke(app, ["predict", "text", "--model", str(tmp_path / "none.skops")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No model file at") and "Traceback" not in result.stderr
