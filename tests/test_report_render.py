"""The evaluation report opened in headless Chromium: its plots and tables render.

Skipped where Debian's ``chromium`` package is not installed (``.ci/run`` installs it when it can).
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import classifier

from .conftest import make_multi_rows, make_rows

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)")

DARK_BLUE = (8, 48, 107)      # the darkest colour of matplotlib's "Blues": well-predicted confusion cells
DARK_PURPLE = (63, 0, 125)    # the darkest of "Purples": the co-occurrence diagonal
ORANGE = (230, 85, 13)        # COLORS["reliability"]: observed-frequency bars
GREEN = (27, 158, 119)        # COLORS["precision"] bars
TABLE_HEAD = (244, 244, 244)  # the report's table header background


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--hide-scrollbars", "--force-device-scale-factor=1", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def screenshot(tmp_path: Path, page: Path) -> np.ndarray:
    shot = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, "--window-size=1280,3600", f"--screenshot={shot}", page.as_uri())
    return np.asarray(Image.open(shot).convert("RGB")).astype(int)


def pixels_like(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 6) -> int:
    return int((np.abs(image - np.array(colour)) <= tolerance).all(axis=2).sum())


class Page(HTMLParser):
    """What the rendered DOM holds: sections, images with data, and rows of each table."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tables, self._table = [], [], {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        elif tag == "img":
            self.images.append(attrs.get("src", ""))
        elif tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = 0
        elif tag == "tr" and self._table is not None:
            self.tables[self._table] += 1


def rendered_dom(tmp_path: Path, page: Path) -> Page:
    parsed = Page()
    parsed.feed(chromium(tmp_path, "--dump-dom", page.as_uri()).stdout)
    return parsed


def test_single_label_report_renders_heatmap_reliability_and_tables(tmp_path, single_model):
    model, _ = single_model
    data = tmp_path / "eval.csv"
    make_rows(n_per_class=10, seed=7).to_csv(data, index=False)
    page = tmp_path / "report.html"
    metrics = classifier.evaluate(model, data, report=page)

    dom = rendered_dom(tmp_path, page)
    assert {"headline", "confusion", "calibration", "per-label", "top-terms", "mistakes"} <= set(dom.sections)
    assert len(dom.images) == 2 and all(src.startswith("data:image/png;base64,") for src in dom.images)
    assert dom.tables["per-label-table"] == 1 + 3
    assert dom.tables["top-terms-table"] == 1 + 3
    assert dom.tables["reliability-table"] == 1 + metrics["ece_bins"]

    image = screenshot(tmp_path, page)
    assert pixels_like(image, DARK_BLUE) > 2000, "the confusion-matrix heatmap did not render"
    assert pixels_like(image, ORANGE) > 1000, "the reliability diagram did not render"
    assert pixels_like(image, TABLE_HEAD, 1) > 2000, "the tables did not render"

    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text(encoding="utf-8").replace("data:image/png;base64,", "data:image/png;base64,x"),
                      encoding="utf-8")
    image = screenshot(tmp_path, broken)
    assert pixels_like(image, DARK_BLUE) < 50 and pixels_like(image, ORANGE) < 50, "the check cannot tell"


def test_multi_label_report_renders_bars_and_cooccurrence(tmp_path, multi_model):
    model, _ = multi_model
    data = tmp_path / "eval.csv"
    make_multi_rows(n=40, seed=5).to_csv(data, index=False)
    page = tmp_path / "report.html"
    classifier.evaluate(model, data, report=page)

    dom = rendered_dom(tmp_path, page)
    assert {"per-label-plot", "cooccurrence", "calibration", "per-label", "top-terms", "mistakes"} <= set(dom.sections)
    assert len(dom.images) == 3
    assert dom.tables["per-label-table"] == 1 + 3

    image = screenshot(tmp_path, page)
    assert pixels_like(image, GREEN) > 1000, "the precision/recall/F1 bars did not render"
    assert pixels_like(image, DARK_PURPLE) > 1000, "the co-occurrence heatmap did not render"
    assert pixels_like(image, ORANGE) > 500, "the reliability diagram did not render"


def test_right_to_left_text_renders_right_to_left(tmp_path):
    """Urdu mistakes in the report read right to left; the numbers beside them stay left to right."""
    from .test_scripts_cli import labelled

    frame = labelled("urdu")
    data = tmp_path / "urdu.csv"
    frame.to_csv(data, index=False, encoding="utf-8")
    model = classifier.train(data, test_size=0)
    wrong = tmp_path / "wrong.csv"
    frame.assign(label=frame["label"].map({"police": "army", "army": "economy", "economy": "police"})).to_csv(
        wrong, index=False, encoding="utf-8")
    page = tmp_path / "report.html"
    classifier.evaluate(model, wrong, report=page)
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", "<script>document.querySelectorAll('#mistakes td').forEach(td => "
        "td.setAttribute('data-direction', getComputedStyle(td).direction));</script></body>"), encoding="utf-8")
    dumped = chromium(tmp_path, "--dump-dom", probe.as_uri()).stdout
    cells = re.findall(r'<td[^>]*data-direction="(\w+)"[^>]*>([^<]*)</td>', dumped)
    urdu = [direction for direction, text in cells if text in set(frame["text"])]
    numbers = [direction for direction, text in cells if re.fullmatch(r"[\d.]+", text.strip())]
    assert urdu and set(urdu) == {"rtl"}, cells[:6]
    assert numbers and set(numbers) == {"ltr"}, cells[:6]
