"""The HTML evaluation report, built by the library: its sections, embedded plots and mistakes."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image

import classifier
from classifier.errors import OutputError
from classifier.insight.report import build_report, confident_mistakes

from .conftest import make_multi_rows, make_rows


def images(document: str) -> list[Image.Image]:
    """Every embedded PNG of the report, decoded."""
    found = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', document)
    return [Image.open(io.BytesIO(base64.b64decode(data))) for data in found]


def table_rows(document: str, table_id: str) -> int:
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', document, re.DOTALL).group(1)
    return table.count("<tr>") - 1


@pytest.fixture
def single_report(tmp_path, single_model):
    model, _ = single_model
    frame = make_rows(n_per_class=10, seed=7)
    frame.loc[0, "text"] = "<script>alert(1)</script> police raid & court"
    frame.loc[0, "label"] = "money"
    data = tmp_path / "eval.csv"
    frame.to_csv(data, index=False)
    metrics = classifier.evaluate(model, data, report=tmp_path / "out" / "report.html")
    return metrics, (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_single_label_report_has_every_section(single_report):
    metrics, document = single_report
    for section in ("headline", "confusion", "calibration", "per-label", "top-terms", "mistakes"):
        assert f'<section id="{section}">' in document
    assert 'id="cooccurrence"' not in document
    assert f"{metrics['accuracy']:.3f}" in document and f"{metrics['ece']:.3f}" in document
    assert table_rows(document, "per-label-table") == 3
    assert table_rows(document, "top-terms-table") == 3
    assert table_rows(document, "reliability-table") == metrics["ece_bins"]
    plots = images(document)
    assert len(plots) == 2
    for plot in plots:
        assert plot.format == "PNG" and plot.width > 300 and plot.height > 250
        pixels = np.asarray(plot.convert("RGB"))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20


def test_report_is_self_contained_and_escapes_text(single_report):
    metrics, document = single_report
    assert metrics["report"].endswith("report.html")
    assert not re.search(r'(src|href)="(?!data:)', document)
    assert "http://" not in document and "https://" not in document
    assert "<script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt; police raid &amp; court" in document


def test_mistakes_are_listed_most_confident_first(single_report, single_model):
    model, _ = single_model
    metrics, document = single_report
    wrong = metrics["n"] - round(metrics["accuracy"] * metrics["n"])
    assert table_rows(document, "mistakes-table") == wrong >= 1
    frame = make_rows(n_per_class=10, seed=7)
    gold = frame["label"].tolist()
    gold[0] = "money"
    probs = model.predict_proba(frame["text"])
    found = confident_mistakes(model, frame["text"].tolist(), gold, probs)
    assert [m["confidence"] for m in found] == sorted((m["confidence"] for m in found), reverse=True)
    assert all(m["predicted"][0] != m["true"][0] for m in found)
    assert confident_mistakes(model, frame["text"].tolist(), gold, probs, limit=1) == found[:1]


def test_multi_label_report_has_bars_and_cooccurrence(tmp_path, multi_model):
    model, _ = multi_model
    frame = make_multi_rows(n=40, seed=5)
    data = tmp_path / "eval.csv"
    frame.to_csv(data, index=False)
    metrics = classifier.evaluate(model, data, report=tmp_path / "report.html")
    document = (tmp_path / "report.html").read_text(encoding="utf-8")
    for section in ("per-label-plot", "cooccurrence", "calibration", "per-label", "top-terms", "mistakes"):
        assert f'<section id="{section}">' in document
    assert 'id="confusion"' not in document
    assert len(images(document)) == 3
    assert "subset accuracy" in document and f"{metrics['hamming_loss']:.3f}" in document


def test_multi_label_mistakes_rank_rows_by_their_worst_label(multi_model):
    model, _ = multi_model
    texts = ["police arrested suspects in court", "army troops shelling the border", "budget taxes loan"]
    gold = [("crime",), ("money",), ("money",)]
    probs = np.array([[0.9, 0.1, 0.2], [0.1, 0.3, 0.95], [0.1, 0.6, 0.1]])
    found = confident_mistakes(model, texts, gold, probs)
    assert [m["index"] for m in found] == [1]
    assert found[0]["confidence"] == pytest.approx(0.95)
    assert {w["label"]: w["error"] for w in found[0]["wrong"]} == {"money": "true, not given",
                                                                    "war": "given, not true"}


def test_build_report_returns_the_document(tmp_path, single_model):
    model, _ = single_model
    frame = make_rows(n_per_class=3, seed=2)
    data = tmp_path / "eval.csv"
    frame.to_csv(data, index=False)
    metrics = classifier.evaluate(model, data)
    probs = model.predict_proba(frame["text"])
    document = build_report(model, frame["text"].tolist(), frame["label"].tolist(), probs, metrics, mistakes=0)
    assert document.startswith("<!DOCTYPE html>") and document.rstrip().endswith("</html>")
    assert "<p>No mistakes.</p>" in document and 'id="mistakes-table"' not in document
    assert not list(tmp_path.glob("*.html"))


def test_report_path_that_is_a_folder_is_refused_before_scoring(tmp_path, single_model, single_csv):
    model, _ = single_model
    with pytest.raises(OutputError, match="is a folder"):
        classifier.evaluate(model, single_csv, report=tmp_path)
