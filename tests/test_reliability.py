"""Bad input, interruptions and concurrent use, through the library: a clear error or a counted recovery.

The command-line side of the same cases (exit code 1 and the one-line message)
is in ``test_reliability_cli.py``.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import classifier
from classifier import files
from classifier.io import jsonl, tables
from classifier.errors import ColumnError, InputError, LabelError, ModelError, OutputError, TableError
from classifier.io.tables import TableWriter, iter_table, read_table

from .conftest import ROOT, altered_bundle, make_multi_rows, make_rows

MIXED = ["پولیس نے کراچی میں کالعدم تنظیم کے تین ارکان کو گرفتار کر لیا",  # Urdu
         "اعتقلت الشرطة ثلاثة مشتبه بهم في بغداد",  # Arabic
         "警方在北京逮捕了三名嫌疑人",  # Chinese
         "Police arrest 3 suspects 🚔🔥 in Quetta",
         "Полиция задержала трёх подозреваемых"]


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in ``folder`` by an atomic write."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ---- paths ---------------------------------------------------------------------------------


def test_missing_file_folder_and_unreadable_file(tmp_path, monkeypatch, single_model):
    model, _ = single_model
    with pytest.raises(InputError, match="Table not found"):
        classifier.train(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder, not a table"):
        classifier.evaluate(model, tmp_path)
    with pytest.raises(InputError, match="holds no table files"):
        classifier.predict_table(model, tmp_path, tmp_path / "out.csv")
    data = write(tmp_path / "d.csv", "text,label\na,b\n")
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match=r"Cannot read .*d\.csv: permission denied"):
        classifier.evaluate(model, data)
    with pytest.raises(InputError, match="permission denied"):
        classifier.load(classifier.save(model, tmp_path / "m.joblib"))


def test_output_folder_is_created(tmp_path, single_model):
    model, _ = single_model
    source = write(tmp_path / "in.csv", "text\npolice raid\n")
    out = tmp_path / "a" / "b" / "out.csv"
    classifier.predict_table(model, source, out)
    assert out.is_file()
    assert classifier.save(model, tmp_path / "c" / "d" / "m.skops").is_file()
    assert files.check_writable(tmp_path / "e" / "m.joblib") == tmp_path / "e" / "m.joblib"
    assert (tmp_path / "e").is_dir() and list((tmp_path / "e").iterdir()) == []


def test_output_that_cannot_be_written(tmp_path, monkeypatch, single_model):
    model, _ = single_model
    blocker = write(tmp_path / "file.txt", "x")
    source = write(tmp_path / "in.csv", "text\npolice raid\n")
    with pytest.raises(OutputError, match=r"file\.txt is a file, not a folder"):
        classifier.predict_table(model, source, blocker / "out.csv")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        classifier.save(model, blocker / "deeper" / "m.joblib")
    with pytest.raises(OutputError, match="is a folder"):
        classifier.save(model, tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"Cannot write to the folder .*: Permission denied"):
        files.check_writable(tmp_path / "m.joblib")
    with pytest.raises(OutputError, match="Permission denied"):
        classifier.predict_table(model, source, tmp_path / "out.csv")


# ---- tables --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, error, message",
    [
        ("empty.csv", b"", TableError, "is empty"),
        ("blank.csv", b"\n \n\n", TableError, "is empty"),
        ("empty.jsonl", b"\n\n", TableError, "is empty"),
        ("data.xlsx", b"PK\x03\x04", TableError, r"Cannot tell the format .*\(\.xlsx\).*\.csv, \.tsv, \.jsonl"),
        ("noext", b"text\n", TableError, r"\(no extension\)"),
        ("quote.csv", b'text,label\n"police raid,a\nmore,b\n', TableError,
         "quoted field that starts on line 2 is never closed"),
        ("after.csv", b'text,label\n"police" raid,a\n', TableError, "line 2 a closing quote is followed by more text"),
        ("long.csv", b"text,label\na,b\nc,d,e\n", TableError, "line 3 has 3 fields, but the header has 2"),
        ("short.csv", b"text,label\na,b\nc\n", TableError, "line 3 has 1 field, but the header has 2"),
        ("short.tsv", b"text\tlabel\na\n", TableError, r"TSV table: line 2 has 1 field.*tab"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", TableError, "looks like a binary file"),
        ("zipped.csv", gzip.compress(b"text\na\n"), TableError, "is gzip-compressed.*.gz suffix"),
        ("book.csv", b"PK\x03\x04\x14\x00\x06\x00", TableError, "ZIP archive .*Excel.*CSV UTF-8"),
        ("table.csv", b"PAR1\x15\x04", TableError, "is a Parquet file"),
        ("wide.csv", "text,label\na,b\n".encode("utf-16"), TableError, "is UTF-16 text.*`encoding` utf-16"),
        ("dups.csv", b"text,label,text\na,b,c\n", ColumnError, "duplicate column names: 'text'"),
        ("dups.jsonl", b'{"text": "a"}\n{"text": "b", "text": "c"}\n', ColumnError, "line 2 gives the key 'text' twice"),
        ("list.jsonl", b'{"text": "a"}\n["b"]\n', TableError, "line 2 holds an array, not an object"),
        ("broken.jsonl", b'{"text": "a"}\n{"text": \n', TableError, "line 2: Expecting value"),
        ("bad.csv.gz", b"not gzip at all", TableError, "not a valid gzip file"),
        ("cut.csv.gz", gzip.compress(b"text\n" + b"police raid\n" * 1000)[:-20], TableError, "not a valid gzip"),
        ("bad.parquet", b"PAR1 not really", TableError, "not a readable Parquet file"),
    ],
)
def test_malformed_tables_are_errors_naming_the_problem(tmp_path, name, content, error, message):
    path = write(tmp_path / name, content)
    with pytest.raises(error, match=message):
        read_table(path)


def test_truncated_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"text": [f"row {i} " * 20 for i in range(2000)]}))
    data = path.read_bytes()
    write(path, data[: len(data) // 2])
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_table(path)


def test_missing_columns_are_named_with_the_option(tmp_path, single_model):
    model, _ = single_model
    data = write(tmp_path / "d.csv", "headline,topic\na,b\n")
    with pytest.raises(ColumnError, match=r"no column 'text' \(its columns: 'headline', 'topic'\)\. Pass `text_col`"):
        classifier.predict_table(model, data, tmp_path / "o.csv")
    with pytest.raises(ColumnError, match=r"no 'label' or 'labels' column \(its columns: 'headline', 'topic'\)"):
        classifier.train(data, text_col="headline")
    with pytest.raises(ColumnError, match=r"no label column 'kind' \(its columns"):
        classifier.evaluate(model, data, text_col="headline", label_col="kind")


def test_a_semicolon_separated_file_gets_a_hint(tmp_path, single_model):
    model, _ = single_model
    data = write(tmp_path / "d.csv", "text;label\npolice;crime\n")
    with pytest.raises(ColumnError, match="looks separated by semicolons"):
        classifier.predict_table(model, data, tmp_path / "o.csv")
    tabbed = write(tmp_path / "d2.csv", "text\tlabel\npolice\tcrime\n")
    with pytest.raises(ColumnError, match="looks separated by tabs: name the file .tsv"):
        classifier.train(tabbed)


def test_header_only_tables(tmp_path, single_model):
    model, _ = single_model
    data = write(tmp_path / "head.csv", "id,text,label\n")
    with pytest.raises(LabelError, match="has a header but no rows"):
        classifier.train(data)
    out = tmp_path / "out.csv"
    summary = classifier.predict_table(model, data, out)
    assert (summary["rows_read"], summary["rows_scored"], summary["rows_skipped"]) == (0, 0, 0)
    assert out.read_text() == "id,text,label,predicted_label,predicted_score\n"


def test_trailing_empty_fields_and_blank_lines_are_tolerated(tmp_path):
    data = write(tmp_path / "d.csv", "text,label\r\n\r\npolice raid,a,\r\nbudget,b,,\r\n\r\n")
    assert read_table(data).values.tolist() == [["police raid", "a"], ["budget", "b"]]


# ---- encodings -----------------------------------------------------------------------------


def test_bom_and_crlf_are_read(tmp_path):
    data = write(tmp_path / "d.csv", "\ufefftext,label\r\npolice raid,a\r\n")
    assert read_table(data).to_dict("records") == [{"text": "police raid", "label": "a"}]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_bytes_need_the_encoding_option(tmp_path, encoding, single_model):
    model, _ = single_model
    data = write(tmp_path / "d.csv", "text,label\npolice raid,a\ncafé bombing – “suspects” held,b\n".encode("cp1252")
                 if encoding == "cp1252" else "text,label\npolice raid,a\ncafé ½,b\n".encode("latin-1"))
    with pytest.raises(TableError, match=r"not valid utf-8 text: the byte 0x.. on line 3 cannot be decoded\. "
                                         r"If it was saved by Excel .* `encoding` cp1252"):
        classifier.predict_table(model, data, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
    assert read_table(data, encoding=encoding)["text"].str.startswith("caf").sum() == 1
    with pytest.raises(InputError, match="Unknown encoding 'klingon'"):
        read_table(data, encoding="klingon")


def test_mixed_scripts_simply_work(tmp_path):
    rows = make_rows()
    rows.loc[: len(MIXED) - 1, "text"] = MIXED
    data = tmp_path / "mixed.csv"
    rows.to_csv(data, index=False)
    model = classifier.train(data)
    assert model.card["training_data"]["rows_used"] == len(rows)
    source = tmp_path / "in.jsonl"
    with TableWriter(source) as writer:
        writer.write(pd.DataFrame({"text": MIXED}))
    out = tmp_path / "out.jsonl"
    assert classifier.predict_table(model, source, out)["rows_scored"] == len(MIXED)
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["text"] for row in back] == MIXED
    assert all(row["predicted_label"] in model.labels for row in back)


# ---- values --------------------------------------------------------------------------------


def test_empty_whitespace_and_missing_texts(tmp_path, single_model):
    model, _ = single_model
    source = write(tmp_path / "in.jsonl", '{"id": 1, "text": "police raid"}\n{"id": 2, "text": ""}\n'
                                          '{"id": 3, "text": "   \\t "}\n{"id": 4, "text": null}\n{"id": 5}\n'
                                          '{"id": 6, "text": "budget loan"}\n')
    out = tmp_path / "out.jsonl"
    summary = classifier.predict_table(model, source, out)
    assert (summary["rows_read"], summary["rows_scored"], summary["rows_skipped"]) == (6, 2, 4)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["predicted_label"] for r in rows] == ["crime", "", "", "", "", "money"]
    assert [r["predicted_score"] is None for r in rows] == [False, True, True, True, True, False]
    data = make_rows()
    data.loc[0, "text"], data.loc[1, "text"], data.loc[2, "text"] = "", "  ", None
    path = tmp_path / "train.csv"
    data.to_csv(path, index=False)
    card = classifier.train(path).card
    assert card["training_data"]["rows_skipped"] == {"empty_text": 3, "missing_label": 0}
    assert card["training_data"]["rows_used"] == len(data) - 3


def test_numeric_labels_from_json_and_labels_with_commas_or_the_separator(tmp_path):
    frame = make_rows()
    numeric = tmp_path / "n.jsonl"
    with TableWriter(numeric) as writer:
        writer.write(frame.assign(label=frame["label"].map({"crime": 1, "war": 2, "money": 3}).astype(object)))
    assert classifier.train(numeric).labels == ["1", "2", "3"]
    odd = tmp_path / "odd.csv"
    frame.assign(label=frame["label"].map({"crime": "law, order", "war": "war|peace", "money": "money"})).to_csv(
        odd, index=False)
    model = classifier.train(odd, multi_label=False)
    assert model.labels == ["law, order", "money", "war|peace"]
    assert classifier.predict(model, ["army troops shelling"])[0]["labels"] == ["war|peace"]
    assert classifier.train(odd).multi_label  # without --single-label the separator makes it multi-label


def test_one_class_single_example_and_no_labels(tmp_path):
    frame = make_rows()
    one = tmp_path / "one.csv"
    frame.assign(label="same").to_csv(one, index=False)
    with pytest.raises(LabelError, match="only one class"):
        classifier.train(one)
    lonely = tmp_path / "lonely.csv"
    frame.assign(label=["rare"] + list(frame["label"][1:])).to_csv(lonely, index=False)
    assert "rare" in classifier.train(lonely, test_size=0.3).labels
    none = tmp_path / "none.csv"
    make_multi_rows().assign(labels="").to_csv(none, index=False)
    with pytest.raises(LabelError, match="No row of .* has a label in column 'labels'"):
        classifier.train(none)


def test_a_single_text_of_ten_megabytes(tmp_path, single_model):
    model, _ = single_model
    words = np.random.default_rng(0).choice(["police", "raid", "court", "budget", "army", "the", "said"], 2_000_000)
    huge = " ".join(words)[: 10 * 2**20]
    assert len(huge) == 10 * 2**20
    source = tmp_path / "huge.csv"
    pd.DataFrame({"id": ["a", "b"], "text": [huge, "budget loan"]}).to_csv(source, index=False)
    assert source.stat().st_size > 10 * 2**20
    out = tmp_path / "out.csv"
    summary = classifier.predict_table(model, source, out)
    assert summary["rows_scored"] == 2
    back = read_table(out)
    assert back["id"].tolist() == ["a", "b"] and len(back.loc[0, "text"]) == len(huge)
    frame = make_rows()
    frame.loc[0, "text"] = huge
    data = tmp_path / "train.csv"
    frame.to_csv(data, index=False)
    assert classifier.train(data, test_size=0).card["training_data"]["rows_used"] == len(frame)


def test_jsonl_values_are_kept_exactly(tmp_path, single_model):
    model, _ = single_model
    lines = ['{"id": "007", "n": 3.141592653589793, "big": 123456789012345678901234567890, "when": "2024-01-02", '
             '"tags": ["a", "b"], "text": "police raid"}',
             '{"id": 8, "n": 0.1, "big": 1, "when": "01/02/2024", "tags": [], "text": "budget"}']
    source = write(tmp_path / "in.jsonl", "\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    classifier.predict_table(model, source, out)
    back = [json.loads(line) for line in out.read_text().splitlines()]
    for given, got in zip(lines, back):
        original = json.loads(given)
        assert {k: got[k] for k in original} == original
    assert '"n": 3.141592653589793' in out.read_text()


def test_jsonl_keys_that_appear_late_become_columns_of_every_chunk(tmp_path, monkeypatch):
    source = write(tmp_path / "in.jsonl", "".join(f'{{"text": "row {i}"}}\n' for i in range(5))
                   + '{"text": "row 5", "extra": "x"}\n')
    chunks = list(iter_table(source, chunk_size=2))
    assert [list(c.columns) for c in chunks] == [["text", "extra"]] * 3
    assert pd.concat(chunks)["extra"].isna().sum() == 5
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes())))
    with pytest.raises(ColumnError, match="line 6 has the key 'extra', which none of the first 2 rows has"):
        list(jsonl.iter_jsonl("-", tables.TableFormat("jsonl"), 2, "utf-8"))  # a stream cannot be read twice


def test_parquet_output_of_mixed_json_values_is_a_clear_error(tmp_path, single_model):
    model, _ = single_model
    source = write(tmp_path / "in.jsonl", '{"id": 1, "text": "police"}\n{"id": "b", "text": "budget"}\n')
    out = tmp_path / "out.parquet"
    with pytest.raises(TableError, match="Cannot write Parquet.*write CSV or JSON Lines instead"):
        classifier.predict_table(model, source, out)
    assert not out.exists() and leftovers(tmp_path) == []


# ---- models --------------------------------------------------------------------------------


def test_model_files_that_are_not_models_or_are_damaged(tmp_path, single_model):
    model, path = single_model
    for name, content in [("text.joblib", b"text,label\n"), ("empty.joblib", b""), ("zeros.joblib", bytes(500))]:
        with pytest.raises(ModelError, match="not a readable model file"):
            classifier.load(write(tmp_path / name, content))
    data = path.read_bytes()
    for size in (1, 100, len(data) // 2, len(data) - 100):
        with pytest.raises(ModelError):
            classifier.load(write(tmp_path / f"cut{size}.joblib", data[:size]))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    with pytest.raises(ModelError):
        classifier.load(write(tmp_path / "flipped.joblib", bytes(flipped)))
    newer = altered_bundle(path, tmp_path / "newer.joblib", lambda raw: raw.update(format_version=99))
    with pytest.raises(ModelError, match="model format 99, newer than this version of classifier reads"):
        classifier.describe(newer)
    bad_version = altered_bundle(path, tmp_path / "v.joblib", lambda raw: raw.update(format_version="1"))
    with pytest.raises(ModelError, match="format version '1' is not valid"):
        classifier.load(bad_version)


def test_a_model_put_together_with_a_different_label_layout(tmp_path, single_model, multi_model):
    single, path = single_model
    fewer = altered_bundle(path, tmp_path / "fewer.joblib",
                           lambda raw: raw["card"].update(labels=["crime", "money"]))
    with pytest.raises(ModelError, match="different label layout: its card lists 2 labels .* scores 3"):
        classifier.load(fewer)
    swapped = altered_bundle(path, tmp_path / "swapped.joblib",
                             lambda raw: raw["card"].update(labels=["money", "crime", "war"]))
    with pytest.raises(ModelError, match="scores 3 in another order"):
        classifier.load(swapped)
    no_task = altered_bundle(path, tmp_path / "task.joblib", lambda raw: raw["card"].pop("task"))
    with pytest.raises(ModelError, match="without a valid label list and task"):
        classifier.load(no_task)
    mixed = tmp_path / "mixed.skops"
    classifier.save(classifier.Model(multi_model[0].pipeline, single.card), mixed)
    with pytest.raises(ModelError, match="different label layout"):
        classifier.load(mixed)


def test_evaluating_on_a_table_labelled_for_another_model(tmp_path, single_model):
    model, _ = single_model
    other = tmp_path / "other.csv"
    make_rows().assign(label=lambda d: d["label"].map({"crime": "A", "war": "B", "money": "C"})).to_csv(
        other, index=False)
    with pytest.raises(LabelError, match=r"None of the labels in column 'label' .*\('A', 'B', 'C'\) is a label of the "
                                         r"model \('crime', 'money', 'war'\): .*different label layout"):
        classifier.evaluate(model, other)
    multi = tmp_path / "multi.csv"
    make_rows().assign(label=lambda d: d["label"] + "|war").to_csv(multi, index=False)
    with pytest.raises(LabelError, match="model is single-label, but column 'label' .* join several labels with '\\|'"):
        classifier.evaluate(model, multi)
    partly = tmp_path / "partly.csv"
    make_rows(n_per_class=4).assign(label=["crime", "sport", "war", "money"] * 3).to_csv(partly, index=False)
    assert classifier.evaluate(model, partly)["n"] == 12


# ---- nothing half-written ------------------------------------------------------------------


def test_interrupted_batch_prediction_keeps_the_previous_output(tmp_path, single_model):
    model, _ = single_model
    source = tmp_path / "in.csv"
    make_rows(n_per_class=10).to_csv(source, index=False)
    out = write(tmp_path / "out.csv", "previous\n")
    calls = []

    def interrupt(stage, done=None, total=None, **details):
        calls.append(done)
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        classifier.predict_table(model, source, out, chunk_size=5, progress=interrupt)
    assert calls[-1] == 5
    assert out.read_text() == "previous\n" and leftovers(tmp_path) == []


def test_interrupted_save_keeps_the_previous_model(tmp_path, single_model, monkeypatch):
    model, _ = single_model
    target = classifier.save(model, tmp_path / "m.skops")
    before = target.read_bytes()

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        classifier.save(model, target)
    assert target.read_bytes() == before and leftovers(tmp_path) == []


# ---- concurrent use ------------------------------------------------------------------------

SAVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import classifier
    first, second, target, stop = sys.argv[1:]
    models = [classifier.load(first), classifier.load(second)]
    saves = 0
    Path(target + ".ready").write_text("ready")
    while not Path(stop).exists() and saves < 2000:
        classifier.save(models[saves % 2], target)
        saves += 1
    print(saves)
""")


@pytest.mark.parametrize("suffix", [".joblib", ".skops"])
def test_loading_while_another_process_retrains_sees_old_or_new_never_partial(tmp_path, single_model, suffix):
    model, _ = single_model
    first = classifier.save(classifier.Model(model.pipeline, {**model.card, "notes": ["first"]}),
                            tmp_path / f"first{suffix}")
    second = classifier.save(classifier.Model(model.pipeline, {**model.card, "notes": ["second"]}),
                             tmp_path / f"second{suffix}")
    target = tmp_path / f"model{suffix}"
    target.write_bytes(first.read_bytes())
    stop = tmp_path / "stop"
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(first), str(second), str(target), str(stop)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not Path(str(target) + ".ready").exists():
            assert saver.poll() is None and time.monotonic() < deadline, saver.stderr.read() if saver.poll() else ""
            time.sleep(0.05)
        seen = []
        until = time.monotonic() + (1.5 if suffix == ".joblib" else 3)
        while time.monotonic() < until:
            loaded = classifier.load(target)
            seen.append(loaded.card["notes"][0])
            assert classifier.predict(loaded, ["police raid court"])[0]["labels"] == ["crime"]
    finally:
        stop.write_text("stop")
        out, err = saver.communicate(timeout=60)
    assert saver.returncode == 0, err
    assert int(out) >= 2, "the saver process never replaced the model while it was being read"
    assert set(seen) <= {"first", "second"} and len(seen) >= 3
    assert leftovers(tmp_path) == []


def test_two_processes_predict_with_one_model_at_once(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.csv"
    make_rows(n_per_class=200, seed=3).to_csv(source, index=False)
    script = "import sys, classifier; m = classifier.load(sys.argv[1]); " \
             "print(classifier.predict_table(m, sys.argv[2], sys.argv[3], chunk_size=50)['rows_scored'])"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(model), str(source), str(tmp_path / f"out{i}.csv")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for i in range(2)]
    results = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    assert [int(out) for out, _ in results] == [600, 600]
    assert (tmp_path / "out0.csv").read_bytes() == (tmp_path / "out1.csv").read_bytes()
