"""Memory bounded by the input's shape: long texts cut to `max_chars` and counted, over-long rows refused while
they are read, a ``.parquet.gz`` inflated to a capped temporary file."""

from __future__ import annotations

import gzip
import io
import json

import pandas as pd
import pytest

import classifier
from classifier import defaults
from classifier.errors import InputError, TableError
from classifier.io.labelled import read_labelled
from classifier.io.opening import BoundedLines
from classifier.io.tables import read_table
from classifier.text_limits import cut_note, cut_texts, text_limit


def test_cut_texts_cuts_only_the_long_ones_and_counts_them():
    texts, cut = cut_texts(["abcdef", "abc", "", "abcd"], 4)
    assert texts == ["abcd", "abc", "", "abcd"]
    assert cut == 1


def test_the_default_limit_comes_from_defaults(monkeypatch):
    monkeypatch.setattr(defaults, "MAX_TEXT_CHARS", 3)
    assert cut_texts(["abcdef"]) == (["abc"], 1)
    assert "longer than 3 characters" in cut_note(1)


@pytest.mark.parametrize("bad", [0, -5])
def test_a_limit_below_one_is_refused(bad):
    with pytest.raises(InputError, match="`max_chars` must be 1 or more"):
        text_limit(bad)


LONG = "budget inflation tariffs loan " + "police arrested suspects court raid detained " * 200
"""A text whose first 30 characters are about money and whose rest is mostly about something else."""


def test_predict_scores_a_long_text_on_its_first_characters(single_model):
    model, _ = single_model
    [whole, short] = classifier.predict(model, [LONG, LONG[:30]], max_chars=30)
    assert whole["cut"] is True and whole["text"] == LONG
    assert "cut" not in short
    assert whole["labels"] == short["labels"] and whole["scores"] == short["scores"]
    assert classifier.predict(model, [LONG])[0]["labels"] != whole["labels"]


def test_predict_table_counts_cut_texts_and_writes_their_cells_whole(tmp_path, single_model):
    model, _ = single_model
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": [LONG, LONG[:30], ""]}).to_csv(source, index=False)
    summary = classifier.predict_table(model, source, tmp_path / "out.csv", max_chars=30, probs=True)
    assert summary["texts_cut"] == 1 and summary["rows_read"] == 3
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert out["text"].tolist() == [LONG, LONG[:30], ""]
    probs = [c for c in out.columns if c.startswith("prob_")]
    assert out.loc[0, probs].tolist() == out.loc[1, probs].tolist()
    uncut = classifier.predict_table(model, source, tmp_path / "uncut.csv", probs=True)
    assert uncut["texts_cut"] == 0
    assert pd.read_csv(tmp_path / "uncut.csv").loc[0, probs].tolist() != out.loc[0, probs].tolist()


def test_predict_table_cuts_by_default_at_the_default_limit(tmp_path, single_model, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_TEXT_CHARS", 10)
    model, _ = single_model
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["x" * 11, "y" * 10]}).to_csv(source, index=False)
    assert classifier.predict_table(model, source, tmp_path / "out.csv")["texts_cut"] == 1


def test_read_labelled_and_evaluate_count_cut_texts(tmp_path, single_model, single_csv):
    model, _ = single_model
    frame = pd.read_csv(single_csv)
    frame.loc[0, "text"] = frame.loc[0, "text"] * 50
    frame.to_csv(tmp_path / "long.csv", index=False)
    labelled = read_labelled(tmp_path / "long.csv", max_chars=40)
    assert labelled.texts_cut == sum(len(t) > 40 for t in frame["text"])
    assert max(map(len, labelled.texts)) == 40
    assert classifier.evaluate(model, tmp_path / "long.csv", max_chars=40)["texts_cut"] == labelled.texts_cut


def test_bounded_lines_stop_reading_a_long_line_at_the_limit():
    stream = io.StringIO("short\n" + "x" * 100_000 + "\nnext\n")
    lines = BoundedLines(stream, "t.csv", limit=100)
    assert next(lines) == "short\n"
    lines.row_done()
    with pytest.raises(TableError, match="row starting on line 2 is longer than 100 characters"):
        next(lines)
    assert stream.tell() <= 6 + 101


def test_bounded_lines_count_a_row_over_several_lines():
    lines = BoundedLines(io.StringIO("a\n" * 100), "t.csv", limit=10)
    with pytest.raises(TableError, match="line 1 is longer than 10"):
        list(lines)


def _gz(path, text: str):
    path.write_bytes(gzip.compress(text.encode()))
    return path


@pytest.mark.parametrize("name, head, tail", [
    ("t.csv.gz", "text,label\n", "\n"),
    ("t.tsv.gz", "text\tlabel\n", "\n"),
    ("t.jsonl.gz", '{"text": "', '"}\n'),
])
def test_a_row_longer_than_the_limit_is_refused_naming_its_line(tmp_path, monkeypatch, name, head, tail):
    monkeypatch.setattr(defaults, "MAX_ROW_CHARS", 1_000)
    ok = "a,b" if "csv" in name else ("a\tb" if "tsv" in name else '{"text": "a"}')
    first = "" if "jsonl" in name else head
    path = _gz(tmp_path / name, first + ok + "\n" + (head if "jsonl" in name else "") + "x" * 5_000 + tail)
    with pytest.raises(TableError, match="row starting on line [23] is longer than 1,000 characters"):
        read_table(path)


def test_a_quoted_cell_over_many_lines_is_bounded_too(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_ROW_CHARS", 1_000)
    path = _gz(tmp_path / "t.csv.gz", 'text\n"' + "line\n" * 1_000 + '"\n')
    with pytest.raises(TableError, match="line 2 is longer than 1,000"):
        read_table(path)


def test_rows_within_the_limit_read_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_ROW_CHARS", 1_000)
    rows = [{"text": "y" * 900}, {"text": "z" * 10}]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert read_table(path)["text"].tolist() == ["y" * 900, "z" * 10]


def _parquet_gz(tmp_path, rows: int):
    plain = tmp_path / "t.parquet"
    pd.DataFrame({"text": [f"row {i} " * 20 for i in range(rows)]}).to_parquet(plain, compression=None)
    packed = tmp_path / "t.parquet.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    return plain, packed


def test_a_parquet_gz_inflating_past_the_limit_is_refused(tmp_path, monkeypatch):
    plain, packed = _parquet_gz(tmp_path, 500)
    monkeypatch.setattr(defaults, "MAX_PARQUET_GZ_BYTES", plain.stat().st_size - 1)
    with pytest.raises(TableError, match="inflates to more than .* bytes") as info:
        read_table(packed)
    assert "plain .parquet" in info.value.hint


def test_a_parquet_gz_within_the_limit_reads_exactly(tmp_path, monkeypatch):
    plain, packed = _parquet_gz(tmp_path, 500)
    monkeypatch.setattr(defaults, "MAX_PARQUET_GZ_BYTES", plain.stat().st_size)
    assert read_table(packed).equals(read_table(plain))


def test_a_bad_byte_after_a_long_line_is_placed_on_its_line(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"text\n" + b"a" * 3_000_000 + b"\nok\nbad \xff\n"))
    with pytest.raises(TableError, match="on line 4"):
        read_table(path)


def test_training_in_memory_counts_the_texts_it_cut(tmp_path, monkeypatch):
    """Issue 16, class 3: a text over the limit is trained on its first characters, and the card says how many."""
    import pandas as pd

    import classifier
    from classifier import defaults

    monkeypatch.setattr(defaults, "MAX_TEXT_CHARS", 60)
    rows = [{"text": f"police arrested suspects in raid number {i} " * (3 if i < 3 else 1), "label": "crime"}
            for i in range(12)]
    rows += [{"text": f"army troops shelled the border town {i}", "label": "war"} for i in range(12)]
    data = tmp_path / "t.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    notes = classifier.train(data).card["notes"]
    assert any(note.startswith("3 texts longer than 60 characters were trained on their first 60 only.")
               for note in notes), notes
