"""Property-based and fuzz tests: table readers, prediction over any text, model round trips.

The readers either return a table or raise a :class:`ClassifierError`, never
anything else; prediction returns one row per input row, in order; a saved and
loaded model (joblib or skops) predicts exactly as before.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import classifier
from classifier.errors import ClassifierError
from classifier.io.tables import TableWriter, encode_rows, read_table

from .conftest import shared

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
names = st.lists(text.filter(lambda s: s.strip() != ""), min_size=1, max_size=4, unique=True)


@FUZZ
@given(data=st.data(), header=names, kind=st.sampled_from(["csv", "tsv"]), compressed=st.booleans(),
       bom=st.booleans(), crlf=st.booleans())
def test_any_well_formed_delimited_table_reads_back_exactly(tmp_path, data, header, kind, compressed, bom, crlf):
    rows = data.draw(st.lists(st.lists(text, min_size=len(header), max_size=len(header)), max_size=12))
    buffer = io.StringIO(newline="")
    bare_cr = any("\r" in cell for row in [header, *rows] for cell in row)
    writer = csv.writer(buffer, delimiter="\t" if kind == "tsv" else ",", lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_ALL if bare_cr else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    raw = (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")
    path = tmp_path / f"t.{kind}{'.gz' if compressed else ''}"
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    back = read_table(path)
    assert list(back.columns) == header
    assert back.values.tolist() == rows


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".csv.gz", ".parquet"]))
def test_any_bytes_give_a_table_or_a_classifier_error(tmp_path, content, suffix):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(content)
    try:
        back = read_table(path)
    except ClassifierError:
        return
    assert len(set(back.columns)) == len(back.columns)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)


@FUZZ
@given(keys=names, data=st.data())
def test_json_lines_values_survive_reading_and_writing_exactly(tmp_path, keys, data):
    rows = data.draw(st.lists(st.fixed_dictionaries({k: json_values for k in keys}), min_size=1, max_size=8))
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=bool(len(rows) % 2)) + "\n" for row in rows),
                    encoding="utf-8")
    back = read_table(path)
    assert list(back.columns) == list(rows[0])
    written = [json.loads(line) for line in encode_rows(back, "jsonl", header=True).split("\n")[:-1]]
    assert written == rows


@FUZZ
@given(texts=st.lists(st.one_of(text, st.text(max_size=300), st.sampled_from(["", " ", "\t\n", "police raid"])),
                      min_size=1, max_size=25),
       fmt=st.sampled_from(["csv", "tsv", "jsonl", "parquet"]), chunk=st.integers(1, 9))
def test_predicting_any_unicode_table_keeps_every_row_in_order(tmp_path, single_model, texts, fmt, chunk):
    model, _ = single_model
    ids = [f"{i:03d}" for i in range(len(texts))]
    source, out = tmp_path / f"in.{fmt}", tmp_path / f"out.{fmt}"
    import pandas as pd

    with TableWriter(source) as writer:
        writer.write(pd.DataFrame({"id": ids, "text": texts}))
    summary = classifier.predict_table(model, source, out, chunk_size=chunk)
    back = read_table(out)
    assert back["id"].astype(str).tolist() == ids and back["text"].tolist() == texts
    empty = [not t.strip() for t in texts]
    assert (summary["rows_read"], summary["rows_skipped"]) == (len(texts), sum(empty))
    labels = back["predicted_label"].fillna("").astype(str).tolist()
    assert [label == "" for label in labels] == empty
    assert set(labels) - {""} <= set(model.labels)


@pytest.fixture(scope="module")
def reloaded(tmp_path_factory, multi_model):
    """The multi-label model, and the same model saved and loaded in each format."""
    model, _ = multi_model
    folder = tmp_path_factory.mktemp("round_trip")
    return model, {suffix: classifier.load(classifier.save(model, folder / f"m{suffix}"))
                   for suffix in (".joblib", ".skops")}


@FUZZ
@given(texts=st.lists(st.text(max_size=200), min_size=1, max_size=10), top_k=st.integers(1, 3),
       threshold=st.floats(0, 1))
def test_saved_and_loaded_models_predict_exactly_as_before(reloaded, texts, top_k, threshold):
    model, copies = reloaded
    expected = classifier.predict(model, texts, top_k=top_k, threshold=threshold)
    for copy in copies.values():
        np.testing.assert_array_equal(copy.predict_proba(texts), model.predict_proba(texts))
        assert classifier.predict(copy, texts, top_k=top_k, threshold=threshold) == expected


MUTATIONS = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]),
                               st.floats(0, 1, exclude_max=True),
                               st.sampled_from([b'"', b",", b"\n", b"\r", b"\t", b"\x00", b"\xff", b'""', b"\xc3",
                                                b"\xef\xbb\xbf", b'\n"', b",,,,"])),
                     min_size=1, max_size=4)


def mutate(data: bytes, steps) -> bytes:
    for op, where, chunk in steps:
        at = int(where * len(data)) if data else 0
        if op == "flip" and data:
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        elif op == "insert":
            data = data[:at] + chunk + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + 1 + len(chunk) * 7:]
        elif op == "truncate":
            data = data[:at]
        else:
            line_end = data.find(b"\n", at)
            data = data[:line_end + 1] + data[at:line_end + 1] + data[line_end + 1:] if line_end >= 0 else data
    return data


@pytest.fixture(scope="module")
def real_heads():
    """The first 40 KB of each real CSV file in ../shared/data (cut at a line end)."""
    heads = []
    for name in ("bbc_news", "ag_news", "india_police_events", "us_congress_bills_cap", "20newsgroups_bydate"):
        path = shared(name) / "test.csv"
        data = path.read_bytes()[:40_000]
        heads.append(data[: data.rfind(b"\n") + 1])
    return heads


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 4), steps=MUTATIONS)
def test_mutated_real_csv_files_give_a_table_or_a_classifier_error(tmp_path, real_heads, which, steps):
    data = mutate(real_heads[which], steps)
    assume(data != real_heads[which])
    path = tmp_path / "mutant.csv"
    path.write_bytes(data)
    try:
        back = read_table(path)
    except ClassifierError as error:
        assert str(error).strip() and "\n" not in error.message
        return
    assert len(set(back.columns)) == len(back.columns)
    assert all(isinstance(cell, str) for cell in back.to_numpy().ravel())


def test_real_files_read_exactly_as_pandas_reads_them():
    import pandas as pd

    for name in ("bbc_news", "ag_news", "india_police_events", "us_congress_bills_cap"):
        path = shared(name) / "test.csv"
        ours = read_table(path)
        theirs = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert ours.values.tolist() == theirs.values.tolist() and list(ours.columns) == list(theirs.columns)


def test_mutation_helper_changes_files():
    rng = random.Random(0)
    sample = b"text,label\nhello world,a\nsecond row,b\n"
    changed = {mutate(sample, [(op, rng.random(), b'"')]) for op in ("flip", "insert", "delete", "truncate", "repeat")}
    assert sample not in changed and len(changed) == 5
