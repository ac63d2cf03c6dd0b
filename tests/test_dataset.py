"""The embedded dataset (data/security_policy_news.csv) stays as its datasheet describes it."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from itertools import combinations

import pytest

from .conftest import ROOT

DATA = ROOT / "data" / "security_policy_news.csv"
DATASHEET = ROOT / "data" / "README.md"
TAXONOMY = ["terrorism", "law_enforcement", "military", "governance", "legislation", "diplomacy", "economy",
            "human_rights"]


LICENCES = ("public domain (US federal government work)", "CC BY 2.5 (Wikinews contributors)",
            "public domain (US federal government work: Voice of America)")
WRITTEN = "written for this project"


@pytest.fixture(scope="module")
def records():
    with open(DATA, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "labels", "source"]
        return list(reader)


@pytest.fixture(scope="module")
def rows(records):
    return [(r["text"], r["labels"].split("|") if r["labels"] else []) for r in records]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text.strip()) if s]


def test_size_and_labels_come_from_the_taxonomy(rows):
    assert len(rows) >= 4000
    for text, labels in rows:
        assert labels == sorted(set(labels)), (text, labels)
        assert set(labels) <= set(TAXONOMY), labels


def test_every_label_has_at_least_80_rows(rows):
    counts = Counter(label for _, labels in rows for label in labels)
    for label in TAXONOMY:
        assert counts[label] >= 80, (label, counts[label])


def test_shares_of_multi_label_and_off_topic_rows(rows):
    multi = sum(len(labels) >= 2 for _, labels in rows) / len(rows)
    empty = sum(not labels for _, labels in rows) / len(rows)
    assert multi >= 0.40
    assert 0.15 <= empty <= 0.25


def test_lengths(rows):
    for text, _ in rows:
        assert 25 <= len(text.split()) <= 120, text
        assert 1 <= len(sentences(text)) <= 4, text


def test_no_exact_duplicates(rows):
    texts = [" ".join(words(text)) for text, _ in rows]
    assert len(set(texts)) == len(texts)


def test_no_near_duplicates(rows):
    """No pair of rows shares more than half of the word 5-grams of the shorter one."""
    grams = [{tuple(w[i:i + 5]) for i in range(len(w) - 4)} for w in (words(t) for t, _ in rows)]
    index = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    shared = Counter()
    for members in index.values():
        for a, b in combinations(members, 2):
            shared[a, b] += 1
    near = [(rows[a][0][:60], rows[b][0][:60]) for (a, b), n in shared.items()
            if n > 0.5 * min(len(grams[a]), len(grams[b]))]
    assert near == []


def test_no_template_openings(records):
    """Written rows vary their openings (real releases may share a formula such as "The United States")."""
    openings = Counter(" ".join(words(r["text"])[:3]) for r in records if r["source"].startswith(WRITTEN))
    assert openings.most_common(1)[0][1] <= 10, openings.most_common(3)


def test_every_row_names_its_source_and_real_text_its_licence(records):
    """A row is written for this project, or real text whose licence allows shipping it, with its address."""
    for r in records:
        if r["source"].startswith(WRITTEN):
            continue
        licence = re.search(r"\[([^\]]+)\]$", r["source"])
        assert licence and licence.group(1) in LICENCES, r["source"]
        assert "https://" in r["source"], r["source"]


def test_datasheet_counts_the_sources(records):
    sheet = DATASHEET.read_text(encoding="utf-8")
    written = sum(r["source"].startswith(WRITTEN) for r in records)
    real = len(records) - written
    assert f"{written:,} rows written for this project" in sheet
    assert f"{real:,} rows of real text" in sheet


def test_datasheet_counts_match_the_file(rows):
    """The datasheet's label-count table states the file's real counts."""
    sheet = DATASHEET.read_text(encoding="utf-8")
    counts = Counter(label for _, labels in rows for label in labels)
    for label in TAXONOMY:
        match = re.search(rf"^\| `{label}` \| [^|]+ \| (\d[\d,]*) \|", sheet, re.MULTILINE)
        assert match, f"the datasheet has no count row for {label}"
        assert int(match.group(1).replace(",", "")) == counts[label], label
    assert f"{len(rows):,} rows" in sheet
