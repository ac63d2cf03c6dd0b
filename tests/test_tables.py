"""Reading and writing tables in every supported format."""

from __future__ import annotations

import gzip
import io
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.errors import ColumnError, InputError, OutputError, TableError
from classifier.io.tables import TableWriter, iter_table, read_table, require_column, table_format

FRAME = pd.DataFrame({"id": ["007", "010", "1e5"], "date": ["2024-01-02", "", "NA"],
                      "text": ["Police arrest, 3 \"suspects\"", "Línea\nnueva 日本 🙂", ""]})


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.jsonl", "t.parquet", "t.csv.gz", "t.tsv.gz",
                                  "t.jsonl.gz", "t.parquet.gz"])
def test_write_then_read_keeps_every_cell(tmp_path, name):
    path = tmp_path / name
    with TableWriter(path) as writer:
        writer.write(FRAME.iloc[:2])
        writer.write(FRAME.iloc[2:])
    back = read_table(path)
    assert list(back.columns) == list(FRAME.columns)
    assert back.astype(str).values.tolist() == FRAME.values.tolist()


def test_csv_cells_keep_their_text_form(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,when,text\n007,01/02/2024,hello\n1e5,NA,\n", encoding="utf-8")
    df = read_table(path)
    assert df["id"].tolist() == ["007", "1e5"]
    assert df["when"].tolist() == ["01/02/2024", "NA"]
    assert df["text"].tolist() == ["hello", ""]


def test_chunks_cover_the_table_in_order(tmp_path):
    path = tmp_path / "big.csv"
    pd.DataFrame({"text": [f"row {i}" for i in range(25)]}).to_csv(path, index=False)
    chunks = list(iter_table(path, chunk_size=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert pd.concat(chunks)["text"].tolist() == [f"row {i}" for i in range(25)]


def test_utf8_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftext,label\nhello,a\n".encode("utf-8"))
    assert list(read_table(path).columns) == ["text", "label"]


def test_latin1_needs_encoding_option(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncaf\xe9 attack,a\n".encode("cp1252"))
    with pytest.raises(TableError, match="`encoding` cp1252"):
        read_table(path)
    assert read_table(path, encoding="cp1252")["text"].tolist() == ["café attack"]


def test_header_only_gives_empty_frame_with_columns(tmp_path):
    path = tmp_path / "head.csv"
    path.write_text("text,label\n")
    df = read_table(path)
    assert len(df) == 0 and list(df.columns) == ["text", "label"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"text,label\n\"unclosed,a\nmore,b\n", "not a well-formed CSV"),
        (b"text,label\na,b,c\n", "not a well-formed CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"text,text\na,b\n", "duplicate column names: 'text'"),
    ],
)
def test_bad_csv_raises_table_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message):
        read_table(path)


def test_unknown_extension(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"whatever")
    with pytest.raises(TableError, match=r"\.csv, \.tsv, \.jsonl or \.parquet"):
        read_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path)


def test_bad_jsonl_and_parquet(tmp_path):
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"text": "a"}\n{"text": \n')
    with pytest.raises(TableError, match="not valid JSON Lines"):
        read_table(bad_json)
    bad_parquet = tmp_path / "bad.parquet"
    bad_parquet.write_bytes(b"not parquet at all")
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_table(bad_parquet)
    bad_gzip = tmp_path / "bad.csv.gz"
    bad_gzip.write_bytes(b"plain text")
    with pytest.raises(TableError, match="not a valid gzip file"):
        read_table(bad_gzip)


def test_stdin_reads_csv(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"text,label\nhello,a\n")))
    assert read_table("-").values.tolist() == [["hello", "a"]]


@pytest.mark.parametrize("parameter", ["text_col", "`text_col`", "--text-col"])
def test_require_column_names_existing_columns_and_the_parameter(parameter):
    with pytest.raises(ColumnError, match=r"no column 'body' \(its columns: 'id', 'date', 'text'\)\. "
                                          r"Pass `text_col` with one of those names\.$"):
        require_column(FRAME, "body", parameter, "x.csv")


@pytest.mark.parametrize("name", ["t.csv", "t.tsv.gz", "t.jsonl", "t.parquet", "t.parquet.gz"])
def test_urls_are_written_and_read_like_files(tmp_path, name):
    fsspec = pytest.importorskip("fsspec")
    url = f"memory://{tmp_path.name}/{name}"
    with TableWriter(url) as writer:
        writer.write(FRAME.iloc[:2])
        writer.write(FRAME.iloc[2:])
    back = pd.concat(list(iter_table(url, chunk_size=2)), ignore_index=True)
    assert back.astype(str).values.tolist() == FRAME.values.tolist()
    fsspec.filesystem("memory").rm(f"/{tmp_path.name}", recursive=True)


def test_a_malformed_url_fails_as_the_same_file_does(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    content = b'text,label\na,b\n"unclosed,a\nmore,b\n'
    (tmp_path / "bad.csv").write_bytes(content)
    url = f"memory://{tmp_path.name}/bad.csv"
    with fsspec.open(url, "wb") as handle:
        handle.write(content)
    errors = []
    for source in (tmp_path / "bad.csv", url):
        with pytest.raises(TableError) as caught:
            read_table(source)
        errors.append(str(caught.value).replace(str(source), "SOURCE"))
    assert errors[0] == errors[1]
    assert errors[0].startswith("SOURCE is not a well-formed CSV table: the quoted field that starts on line 3 is")


def test_located_path_is_named_as_given_and_opened_from_anywhere(tmp_path, monkeypatch):
    from classifier.io.paths import LocatedPath

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text('text\n"open\n')
    located = LocatedPath("in.csv")
    monkeypatch.chdir("/")
    with pytest.raises(TableError, match="^in.csv is not a well-formed CSV table"):
        read_table(located)


def test_format_option_overrides_name(tmp_path):
    assert table_format("out.txt", "jsonl").kind == "jsonl"
    with pytest.raises(InputError, match="Unknown format"):
        table_format("out.csv", "xml")


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError):
        with TableWriter(path) as writer:
            writer.write(FRAME)
            raise RuntimeError("boom")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_writer_creates_missing_folder(tmp_path):
    path = tmp_path / "new" / "deeper" / "out.jsonl"
    with TableWriter(path) as writer:
        writer.write(FRAME)
    assert len(read_table(path)) == 3


def test_parquet_to_stdout_is_refused():
    with pytest.raises(OutputError, match="standard output"):
        TableWriter("-", "parquet")


def test_gzip_output_is_gzip(tmp_path):
    path = tmp_path / "out.csv.gz"
    with TableWriter(path) as writer:
        writer.write(FRAME)
    assert gzip.open(path).read().startswith(b"id,date,text")


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cells, cells), min_size=1, max_size=20),
       fmt=st.sampled_from(["csv", "tsv", "jsonl", "parquet"]), chunk=st.integers(1, 7))
def test_round_trip_any_text(tmp_path, rows, fmt, chunk):
    df = pd.DataFrame(rows, columns=["a", "text"])
    path = tmp_path / f"rt.{fmt}"
    with TableWriter(path) as writer:
        for start in range(0, len(df), chunk):
            writer.write(df.iloc[start:start + chunk])
    back = pd.concat(list(iter_table(path, chunk_size=chunk)), ignore_index=True)
    assert back.values.tolist() == df.values.tolist()
