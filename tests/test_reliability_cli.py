"""Bad input, interruptions and models from elsewhere, through the command line.

Every user error: exit code 1 and one line ``Error: ...`` on stderr naming the
problem (and no traceback). Interruptions: exit code 130, one line, the previous
file intact and no temporary file left.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import files
from classifier.cli import app

from .conftest import assert_user_error, ROOT, altered_bundle, make_multi_rows, make_rows

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input, env={"COLUMNS": "200"})


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def command_line(kind: str, data: Path, model: Path, tmp_path: Path) -> list:
    """The arguments of ``kind`` (train, predict, evaluate) run on the table ``data``."""
    if kind == "train":
        return ["train", data, "--model", tmp_path / "new.joblib", "--quiet"]
    if kind == "predict":
        return ["predict", "--input", data, "--output", tmp_path / "out.csv", "--model", model]
    return ["evaluate", data, "--model", model]


KINDS = ["train", "predict", "evaluate"]

# ---- paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_missing_folder_and_unreadable_table(tmp_path, monkeypatch, single_model, kind):
    _, model = single_model
    assert_user_error(run(*command_line(kind, tmp_path / "nope.csv", model, tmp_path)), "not found", "nope.csv")
    data = write(tmp_path / "d.csv", "text,label\npolice,crime\n")
    if kind != "predict":
        assert_user_error(run(*command_line(kind, tmp_path, model, tmp_path)), "is a folder")
    monkeypatch.setattr(files.os, "access", lambda path, mode: not str(path).endswith("d.csv"))
    assert_unreadable(run(*command_line(kind, data, model, tmp_path)), data)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "new.joblib").exists()


def test_unreadable_model(tmp_path, monkeypatch, single_model):
    _, model = single_model
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    for args in (["info"], ["predict", "police"], ["evaluate", "whatever.csv"], ["convert"]):
        assert_unreadable(run(*args, model, tmp_path / "m.skops") if args == ["convert"] else
                          run(*args, "--model", model), model)


def assert_unreadable(result, path):
    """A one-line error naming ``path`` as unreadable (typer's own check of path options may come first)."""
    assert_user_error(result, str(path))
    assert "permission denied" in result.stderr or "is not readable" in result.stderr, result.stderr


def test_output_folders_are_created(tmp_path, single_csv, single_model):
    _, model = single_model
    trained = tmp_path / "new" / "models" / "m.joblib"
    assert run("train", single_csv, "--model", trained, "--quiet").exit_code == 0
    out = tmp_path / "deep" / "er" / "out.csv"
    result = run("predict", "--input", single_csv, "--output", out, "--model", model)
    assert result.exit_code == 0 and trained.is_file() and out.is_file()


def test_an_output_that_cannot_be_written_fails_before_the_work(tmp_path, single_csv, single_model):
    _, model = single_model
    blocker = write(tmp_path / "file.txt", "x")
    started = time.monotonic()
    assert_user_error(run("train", "--model", blocker / "m.joblib"), "file.txt is a file, not a folder")
    assert time.monotonic() - started < 5, "the destination must be checked before training on the embedded data"
    assert_user_error(run("predict", "--input", single_csv, "--output", blocker / "o.csv", "--model", model),
                      "is a file, not a folder")
    assert_user_error(run("train", single_csv, "--model", tmp_path), "is a folder", "file name")
    assert_user_error(run("convert", model, blocker / "m.skops"), "is a file, not a folder")


# ---- tables --------------------------------------------------------------------------------

BAD_TABLES = [
    ("empty.csv", b"", "is empty"),
    ("head.jsonl", b"\n", "is empty"),
    ("data.xlsx", b"PK\x03\x04\x14\x00", "Cannot tell the format"),
    ("quote.csv", b'text,label\n"police raid,crime\nbudget,money\n', "quoted field that starts on line 2 is never closed"),
    ("ragged.csv", b"text,label\npolice,crime\nbudget,money,extra\n", "line 3 has 3 fields, but the header has 2"),
    ("short.csv", b"text,label\npolice\n", "line 2 has 1 field, but the header has 2"),
    ("binary.csv", bytes(range(256)) * 4, "looks like a binary file"),
    ("packed.csv", gzip.compress(b"text,label\na,b\n"), "is gzip-compressed"),
    ("dups.csv", b"text,label,label\na,b,c\n", "duplicate column names: 'label'"),
    ("nottext.csv", b"body,label\npolice,crime\n", "no column 'text' (its columns: 'body', 'label')"),
    ("semi.csv", b"text;label\npolice;crime\n", "looks separated by semicolons"),
    ("latin.csv", "text,label\npolice raid,crime\ncafé bombing,war\n".encode("cp1252"), "--encoding cp1252"),
    ("bad.jsonl", b'{"text": "police", "label": "crime"}\n{"text": }\n', "not valid JSON Lines: line 2"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, content, message", BAD_TABLES, ids=[t[0] for t in BAD_TABLES])
def test_bad_tables_are_one_line_errors(tmp_path, single_model, kind, name, content, message):
    _, model = single_model
    data = write(tmp_path / name, content)
    assert_user_error(run(*command_line(kind, data, model, tmp_path)), message)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "new.joblib").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["train", "evaluate"])
def test_header_only_and_missing_label_column(tmp_path, single_model, kind):
    _, model = single_model
    assert_user_error(run(*command_line(kind, write(tmp_path / "h.csv", "text,label\n"), model, tmp_path)),
                      "header but no rows")
    no_label = write(tmp_path / "n.csv", "text,topic\npolice,crime\n")
    assert_user_error(run(*command_line(kind, no_label, model, tmp_path)), "'text', 'topic'", "--label-col")


def test_predict_on_a_header_only_table_writes_the_header(tmp_path, single_model):
    _, model = single_model
    result = run("predict", "--input", write(tmp_path / "h.csv", "id,text\n"), "--model", model)
    assert result.exit_code == 0
    assert result.stdout == "id,text,predicted_label,predicted_score\n"
    assert result.stderr == "Read 0 rows, scored 0, skipped 0 with empty text; wrote stdout.\n"


# ---- encodings -----------------------------------------------------------------------------


def test_encoding_option_bom_and_mixed_scripts(tmp_path, single_model):
    _, model = single_model
    latin = write(tmp_path / "latin.csv", "text\ncafé police raid\n".encode("cp1252"))
    assert_user_error(run("predict", "--input", latin, "--model", model),
                      "not valid utf-8 text", "line 2", "--encoding cp1252")
    result = run("predict", "--input", latin, "--model", model, "--encoding", "cp1252", "--quiet")
    assert result.exit_code == 0 and "café police raid,crime" in result.stdout
    assert_user_error(run("predict", "--input", latin, "--model", model, "--encoding", "nope"),
                      "Unknown encoding 'nope'")
    bom = write(tmp_path / "bom.csv", "\ufefftext\r\npolice raid\r\n")
    result = run("predict", "--input", bom, "--model", model, "--quiet")
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "text,predicted_label,predicted_score"
    mixed = ["پولیس نے تین افراد گرفتار کیے", "اعتقلت الشرطة ثلاثة", "警方逮捕了三人", "🚔🔥👮", "police raid"]
    result = run("predict", *mixed, "--model", model, "--json")
    assert result.exit_code == 0 and [r["text"] for r in json.loads(result.stdout)] == mixed


# ---- values --------------------------------------------------------------------------------


def test_predict_keeps_empty_rows_and_counts_them(tmp_path, single_model):
    _, model = single_model
    source = write(tmp_path / "in.csv", 'id,text\n001,police raid court\n002,\n003,"   "\n004,budget loan\n005,""\n')
    out = tmp_path / "out.csv"
    result = run("predict", "--input", source, "--output", out, "--model", model, "--chunk-size", "2")
    assert result.exit_code == 0
    assert result.stderr == f"Read 5 rows, scored 2, skipped 3 with empty text; wrote {out}.\n"
    back = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert back["id"].tolist() == ["001", "002", "003", "004", "005"]
    assert back["predicted_label"].tolist() == ["crime", "", "", "money", ""]
    assert back["predicted_score"].tolist()[1:3] == ["", ""]


def test_train_counts_skipped_rows_and_refuses_untrainable_labels(tmp_path):
    frame = make_rows()
    frame.loc[0, "text"], frame.loc[1, "label"] = " ", ""
    gaps = tmp_path / "gaps.csv"
    frame.to_csv(gaps, index=False)
    result = run("train", gaps, "--model", tmp_path / "m.joblib")
    assert result.exit_code == 0
    assert "Warning: skipped 2 rows without text or label: {'empty_text': 1, 'missing_label': 1}" in result.stderr
    one = tmp_path / "one.csv"
    make_rows().assign(label="x").to_csv(one, index=False)
    assert_user_error(run("train", one, "--model", tmp_path / "m2.joblib"), "only one class")
    none = tmp_path / "none.csv"
    make_multi_rows().assign(labels="").to_csv(none, index=False)
    assert_user_error(run("train", none, "--model", tmp_path / "m3.joblib"), "No row of", "has a label")
    assert not (tmp_path / "m2.joblib").exists() and not (tmp_path / "m3.joblib").exists()


def test_labels_with_commas_the_separator_and_a_single_example(tmp_path):
    frame = make_rows()
    frame["label"] = frame["label"].map({"crime": "law, order", "war": "war|peace", "money": "money"})
    frame.loc[0, "label"] = "lonely"
    data = tmp_path / "odd.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m.joblib"
    result = run("train", data, "--single-label", "--model", model, "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["labels"] == ["law, order", "lonely", "money", "war|peace"]
    result = run("predict", "army troops shelling border", "--model", model, "--json")
    assert json.loads(result.stdout)[0]["labels"] == ["war|peace"]


# ---- models --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["info"], ["predict", "police"], ["evaluate", "d.csv"], ["convert"]])
def test_bad_model_files(tmp_path, single_model, command):
    _, model = single_model
    write(tmp_path / "d.csv", "text,label\npolice,crime\n")
    data = model.read_bytes()
    cases = {
        "notmodel.joblib": (write(tmp_path / "notmodel.joblib", "text,label\n"), "not a readable model file"),
        "cut.joblib": (write(tmp_path / "cut.joblib", data[: len(data) // 2]), "not a readable model file"),
        "tampered.joblib": (altered_bundle(model, tmp_path / "tampered.joblib",
                                           lambda raw: raw.update(payload=raw["payload"][:-4] + b"abcd")),
                            "is corrupted"),
        "newer.joblib": (altered_bundle(model, tmp_path / "newer.joblib", lambda raw: raw.update(format_version=7)),
                         "model format 7, newer than this version"),
        "layout.joblib": (altered_bundle(model, tmp_path / "layout.joblib",
                                         lambda raw: raw["card"].update(labels=["a", "b", "c", "d"])),
                          "different label layout"),
        "missing.joblib": (tmp_path / "missing.joblib", "No model file at"),
    }
    for path, message in cases.values():
        if command == ["convert"]:
            args = ["convert", path, tmp_path / "out.skops"]
        else:
            args = [*command, "--model", path]
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            assert_user_error(run(*args), message)
    assert not (tmp_path / "out.skops").exists()


def test_evaluate_on_a_table_labelled_for_another_model(tmp_path, single_model):
    _, model = single_model
    other = tmp_path / "other.csv"
    make_rows().assign(label="x" + make_rows()["label"]).to_csv(other, index=False)
    assert_user_error(run("evaluate", other, "--model", model), "None of the labels in column 'label'",
                      "different label layout")
    joined = tmp_path / "joined.csv"
    make_rows().assign(label=lambda d: d["label"] + "|war").to_csv(joined, index=False)
    assert_user_error(run("evaluate", joined, "--model", model), "model is single-label")


# ---- security: --help and the skops format ---------------------------------------------------


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "info", "explain"])
def test_help_says_joblib_models_are_pickles(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "a Python pickle: loading one can run arbitrary code" in flat and ".skops" in flat


def test_top_level_help_and_convert_help():
    flat = " ".join(run("--help").stdout.split())
    assert "a .joblib model file is a Python pickle, and loading one can run arbitrary code" in flat
    assert "convert" in flat
    result = run("convert", "--help")
    assert result.exit_code == 0 and "Example" in result.stdout and "runs pickle" in " ".join(result.stdout.split())


def test_convert_then_use_the_skops_model_everywhere(tmp_path, single_model):
    _, model = single_model
    target = tmp_path / "shared" / "m.skops"
    result = run("convert", model, target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Converted {model} (joblib) to {target} (skops, ")
    info = json.loads(run("info", "--model", target, "--json").stdout)
    assert info["file"]["file_format"] == "skops" and len(info["file"]["payload_sha256"]) == 64
    assert "skops format, bundle format 1, payload sha256" in " ".join(run("info", "--model", target).stdout.split())
    assert json.loads(run("predict", "police raid court", "--model", target, "--json").stdout)[0]["labels"] == ["crime"]
    back = json.loads(run("convert", target, tmp_path / "back.joblib", "--json").stdout)
    assert (back["from"], back["to"]) == ("skops", "joblib")


def test_info_on_a_skops_file_with_foreign_types_runs_no_code(tmp_path, single_model):
    import hashlib

    import skops.io as sio
    from sklearn.pipeline import Pipeline

    from classifier.io import model_file as bundle
    from classifier.io import skops_format

    from .test_skops import Sneaky

    model, _ = single_model
    marker = tmp_path / "ran.txt"
    payload = sio.dumps(Pipeline([("extra", Sneaky(str(marker))), *model.pipeline.steps]))
    head = {"format": bundle.FORMAT, "format_version": 1, "payload_sha256": hashlib.sha256(payload).hexdigest()}
    path = write(tmp_path / "foreign.skops", skops_format.dump_outer(head, model.card, payload))
    for args in (["info", "--model", path], ["predict", "police", "--model", path], ["convert", path, "x.joblib"]):
        assert_user_error(run(*args), "does not trust, so it was not loaded: tests.test_skops.Sneaky")
    assert not marker.exists()


# ---- interruptions ---------------------------------------------------------------------------

def _interruptible() -> None:
    """In the child: take Ctrl-C as usual even if this suite runs where SIGINT is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


HOOK = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    import classifier.api, classifier.cli
    marker, stage = Path(sys.argv[1]), sys.argv[2]
    # A shell without job control starts background commands with Ctrl-C ignored (as a CI
    # runner may run this suite); the test is about a program the user can interrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def pause(*args, **kwargs):
        marker.write_text(stage)
        time.sleep(120)

    if stage == "fit":
        import classifier.training.in_memory as in_memory

        fit = in_memory.fit_pipeline
        in_memory.fit_pipeline = lambda *a, **k: (pause(), fit(*a, **k))[1]
    else:
        os.fsync = pause
    sys.argv = ["classifier", *sys.argv[3:]]
    classifier.cli.main()
""")


def wait_for(condition, process, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the process ended early ({process.returncode}): {process.stderr.read()}")
        assert time.monotonic() < deadline, "the process never reached the point to interrupt"
        time.sleep(0.05)


def assert_interrupted(process, folder: Path, target: Path, before: bytes):
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "Error: Interrupted; no partial file was left behind.\n"
    assert target.read_bytes() == before
    assert leftovers(folder) == []


@pytest.mark.parametrize("stage, signum", [("fit", signal.SIGINT), ("save", signal.SIGTERM)])
def test_interrupting_train_keeps_the_previous_model(tmp_path, single_csv, single_model, stage, signum):
    _, model = single_model
    target = tmp_path / "models" / "m.joblib"
    target.parent.mkdir()
    target.write_bytes(model.read_bytes())
    marker = tmp_path / "reached"
    process = subprocess.Popen([sys.executable, "-c", HOOK, str(marker), stage, "train", str(single_csv),
                                "--model", str(target), "--quiet"], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(marker.exists, process)
    if stage == "save":
        assert len(leftovers(target.parent)) == 1  # the complete new model, not yet moved into place
    process.send_signal(signum)
    assert_interrupted(process, target.parent, target, model.read_bytes())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_batch_prediction_keeps_the_previous_output(tmp_path, single_model, signum):
    _, model = single_model
    out = write(tmp_path / "out.csv", "previous output\n")
    process = subprocess.Popen([sys.executable, "-m", "classifier", "predict", "--input", "-", "--output", str(out),
                                "--model", str(model), "--chunk-size", "1"], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_interruptible)
    process.stdin.write("id,text\n1,police raid\n2,budget loan\n3,army troops\n")
    process.stdin.flush()
    wait_for(lambda: leftovers(tmp_path), process)  # rows are being written to the temporary file
    process.send_signal(signum)
    assert_interrupted(process, tmp_path, out, b"previous output\n")
