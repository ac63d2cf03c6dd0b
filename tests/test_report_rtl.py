"""The evaluation report shows Urdu (right-to-left) and Hindi texts whole, each cell in its own direction."""

from __future__ import annotations

import re

import classifier

from .test_scripts_cli import labelled


def test_report_cells_take_their_direction_from_their_text(tmp_path):
    frame = labelled("urdu")
    data = tmp_path / "urdu.csv"
    frame.to_csv(data, index=False, encoding="utf-8")
    model = classifier.train(data, test_size=0)
    wrong = frame.assign(label=frame["label"].map({"police": "army", "army": "economy", "economy": "police"}))
    mistakes = tmp_path / "wrong.csv"
    wrong.to_csv(mistakes, index=False, encoding="utf-8")
    page = tmp_path / "report.html"
    classifier.evaluate(model, mistakes, report=page)
    html = page.read_text(encoding="utf-8")
    section = html[html.index('id="mistakes"'):]
    cells = re.findall(r'<td dir="auto">([^<]*)</td>', section)
    assert any(text in cells for text in frame["text"]), "no mistaken Urdu text shown whole in its own cell"
    assert '<td class="num">' in section  # numbers keep their own alignment
