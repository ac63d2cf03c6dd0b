"""Ranking the rows to review: each row's issues, its place in the list, and the counts of each issue.

A row is placed by its first issue in :data:`ISSUES`, then by ``error_score`` (most likely
wrong first), then by its row number; each row to review is a dictionary with the keys of
:data:`COLUMNS`.
"""

from __future__ import annotations

import math

import numpy as np

from classifier.audit.duplicates import Duplicates
from classifier.audit.label_issues import LabelIssues
from classifier.audit.table import WORD, AuditTable

ISSUES = ("label_error", "label_doubt", "conflicting_labels", "test_overlap", "exact_duplicate", "near_duplicate",
          "empty_text", "missing_label", "short_text", "rare_label")
"""Kinds of problem, in the order rows are ranked: a row is placed by its first issue in this list."""

COLUMNS = ["rank", "row", "issues", "label", "error_score", "suggested_label", "suggested_score",
           "duplicate_group", "group_size", "similarity", "test_rows", "test_similarity", "text"]
"""Columns of the table of rows to review."""

_TEST_ROWS_SHOWN = 5
"""Test rows listed in a row's ``test_rows`` cell."""


def rank(table: AuditTable, dup: Duplicates, errors: LabelIssues, with_test: bool, min_label_rows: int,
         short_words: int) -> tuple[dict, list[dict]]:
    """Counts of each issue and the rows to review, ranked by their first issue then by ``error_score``."""
    n = table.n
    issues: list[list[str]] = [[] for _ in range(n)]
    key_id = dup.key_id
    has_key = key_id >= 0
    rows_of_key = dup.key_rows[np.where(has_key, key_id, 0)] * has_key
    component = np.where(has_key, dup.component[np.where(has_key, key_id, 0)], -1)
    numbers = np.arange(1, n + 1)

    group_rows: dict[int, list[int]] = {}
    for i in np.flatnonzero(has_key):
        group_rows.setdefault(int(component[i]), []).append(i)
    distinct_in_group = {c: len({int(key_id[i]) for i in members}) for c, members in group_rows.items()}
    group_first = {c: int(numbers[members[0]]) for c, members in group_rows.items()}

    exact = has_key & (rows_of_key > 1)
    near = np.array([has_key[i] and distinct_in_group[int(component[i])] > 1 for i in range(n)], dtype=bool)
    conflicting_groups = set()
    for c, members in group_rows.items():
        if len(members) < 2:
            continue
        found = {table.labels[i] for i in members if table.has_label[i]}
        if len(found) > 1:
            conflicting_groups.add(c)
    conflicting = np.array([has_key[i] and int(component[i]) in conflicting_groups for i in range(n)], dtype=bool)
    overlap = np.array([has_key[i] and bool(dup.test_rows[key_id[i]]) for i in range(n)], dtype=bool)
    overlap_exact = np.array([has_key[i] and bool(dup.test_exact[key_id[i]]) for i in range(n)], dtype=bool)

    counts_by_label = table.label_counts
    rare = {label: count for label, count in counts_by_label.items() if count < min_label_rows}
    if table.multi_label:
        has_rare = np.array([any(label in rare for label in row) for row in table.labels]) & table.has_text
    else:
        has_rare = np.array([label in rare for label in table.labels]) & table.has_text
    words = np.array([len(WORD.findall(t)) if ok else 0 for t, ok in zip(table.texts, table.has_text)])
    short = table.has_text & (words < short_words)
    empty = ~table.has_text
    missing = table.has_text & ~table.has_label

    marks = {"label_error": errors.flagged, "label_doubt": errors.doubted, "conflicting_labels": conflicting,
             "test_overlap": overlap, "exact_duplicate": exact, "near_duplicate": near, "empty_text": empty,
             "missing_label": missing, "short_text": short, "rare_label": has_rare}
    for name in ISSUES:
        for i in np.flatnonzero(marks[name]):
            issues[i].append(name)

    tier = {name: t for t, name in enumerate(ISSUES)}
    flagged = [i for i in range(n) if issues[i]]
    flagged.sort(key=lambda i: (tier[issues[i][0]], -np.nan_to_num(errors.score[i], nan=-1.0), i))
    rows = []
    for rank, i in enumerate(flagged, start=1):
        k = int(key_id[i])
        grouped = has_key[i] and len(group_rows[int(component[i])]) > 1
        suggested = errors.suggested[i]
        if isinstance(suggested, tuple):
            suggested = table.sep.join(suggested)
        rows.append({
            "rank": rank,
            "row": int(numbers[i]),
            "issues": ";".join(issues[i]),
            "label": table.label_cell(i),
            "error_score": _rounded(errors.score[i]),
            "suggested_label": "" if suggested is None else suggested,
            "suggested_score": _rounded(errors.suggested_score[i]) if suggested is not None else None,
            "duplicate_group": group_first[int(component[i])] if grouped else None,
            "group_size": len(group_rows[int(component[i])]) if grouped else None,
            "similarity": (_rounded(dup.near_similarity[k]) if near[i] else 1.0) if grouped else None,
            "test_rows": ";".join(map(str, dup.test_rows[k][:_TEST_ROWS_SHOWN])) if overlap[i] else "",
            "test_similarity": _rounded(dup.test_similarity[k]) if overlap[i] else None,
            "text": table.texts[i],
        })

    counts = {
        "label_errors": int(errors.flagged.sum()),
        "label_doubts": int(errors.doubted.sum()),
        "conflicting_labels": {"groups": len(conflicting_groups), "rows": int(conflicting.sum())},
        "test_overlap": ({"rows": int(overlap.sum()), "exact": int(overlap_exact.sum()),
                          "near": int((overlap & ~overlap_exact).sum()),
                          "test_rows": len({r for i in np.flatnonzero(overlap) for r in dup.test_rows[key_id[i]]})}
                         if with_test else None),
        "exact_duplicates": {"groups": int(len({int(key_id[i]) for i in np.flatnonzero(exact)})),
                             "rows": int(exact.sum())},
        "near_duplicates": {"groups": int(len({int(component[i]) for i in np.flatnonzero(near)})),
                            "rows": int(near.sum())},
        "empty_text": int(empty.sum()),
        "missing_label": int(missing.sum()),
        "short_text": int(short.sum()),
        "rare_labels": rare,
    }
    return counts, rows


def _rounded(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)
