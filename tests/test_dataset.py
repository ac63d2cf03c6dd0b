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


@pytest.fixture(scope="module")
def rows():
    with open(DATA, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["text", "labels"]
        return [(r["text"], r["labels"].split("|") if r["labels"] else []) for r in reader]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text.strip()) if s]


def test_size_and_labels_come_from_the_taxonomy(rows):
    assert len(rows) >= 1000
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
    assert multi >= 0.25
    assert 0.08 <= empty <= 0.12


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


def test_no_template_openings(rows):
    openings = Counter(" ".join(words(text)[:3]) for text, _ in rows)
    assert openings.most_common(1)[0][1] <= 10, openings.most_common(3)


def test_datasheet_counts_match_the_file(rows):
    """The datasheet's label-count table states the file's real counts."""
    sheet = DATASHEET.read_text(encoding="utf-8")
    counts = Counter(label for _, labels in rows for label in labels)
    for label in TAXONOMY:
        match = re.search(rf"^\| `{label}` \| [^|]+ \| (\d[\d,]*) \|", sheet, re.MULTILINE)
        assert match, f"the datasheet has no count row for {label}"
        assert int(match.group(1).replace(",", "")) == counts[label], label
    assert f"{len(rows):,} rows" in sheet
