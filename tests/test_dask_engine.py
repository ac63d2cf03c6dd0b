"""``--engine dask``: a LocalCluster of 2 worker processes on 127.0.0.1 gives the local engine's output row for row,
and a malformed table fails with the local engine's error, since each task reads its file with the same reader."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.errors import ClassifierError, InputError, OutputError
from classifier.io.tables import TableWriter
from classifier.prediction import batch, scoring

from .conftest import make_rows

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def threads():
    """A cluster in this process: quick to start, and it shares the memory:// file system with the test."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as local:
        yield local


@pytest.fixture
def table(tmp_path):
    frame = make_rows(60, seed=3)
    frame.loc[[5, 100], "text"] = ""
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return path


def _parts(summary, reader):
    return pd.concat([reader(path) for path in summary["outputs"]], ignore_index=True)


def _csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fixture", ["single_model", "multi_model"])
def test_dask_parts_equal_local_output_row_for_row(tmp_path, cluster, request, fixture):
    from classifier.prediction import dask_engine

    model, _ = request.getfixturevalue(fixture)
    (tmp_path / "in").mkdir()
    for i in range(3):
        frame = make_rows(20, seed=i)
        frame.loc[[5], "text"] = ""
        frame.loc[[6], "text"] = 'a "quoted", multi-line\ncell'
        frame.to_csv(tmp_path / "in" / f"day{i}.csv", index=False)
    local = tmp_path / "local.csv"
    batch.predict_table(model, tmp_path / "in", local, probs=True, jobs=1, chunk_size=7)
    decision = scoring.Decision.for_model(model, probs=True)
    summary = dask_engine.predict_table(model, tmp_path / "in", tmp_path / "dask", decision=decision,
                                        scheduler=cluster.scheduler_address, chunk_size=7)
    assert [p.rsplit("/", 1)[1] for p in summary["outputs"]] == [f"part-0000{i}.csv" for i in range(3)]
    assert (summary["rows_read"], summary["rows_scored"], summary["rows_skipped"]) == (180, 177, 3)
    assert _parts(summary, _csv).equals(_csv(local))


def test_dask_parquet_glob_to_parquet(tmp_path, cluster, single_model):
    model, _ = single_model
    (tmp_path / "in").mkdir()
    frames = [make_rows(5, seed=i) for i in range(3)]
    for i, frame in enumerate(frames):
        frame.to_parquet(tmp_path / "in" / f"p{i}.parquet", index=False)
    local = tmp_path / "local.parquet"
    batch.predict_table(model, str(tmp_path / "in" / "*.parquet"), local)
    summary = batch.predict_table(model, str(tmp_path / "in" / "*.parquet"), None, output_dir=tmp_path / "out",
                                  engine="dask", scheduler=cluster.scheduler_address)
    assert [p.rsplit("/", 1)[1] for p in summary["outputs"]] == [f"part-0000{i}.parquet" for i in range(3)]
    assert _parts(summary, pd.read_parquet).equals(pd.read_parquet(local))


def test_cli_dask_engine_against_a_scheduler(tmp_path, cluster, table, single_model):
    _, model_path = single_model
    result = runner.invoke(app, ["predict", "--input", str(table), "--output-dir", str(tmp_path / "out"),
                                 "--model", str(model_path), "--engine", "dask", "--scheduler",
                                 cluster.scheduler_address])
    assert result.exit_code == 0, result.stderr
    assert "Read 180 rows, scored 178, skipped 2 with empty text; wrote 1 file(s) in" in result.stderr
    local = runner.invoke(app, ["predict", "--input", str(table), "--model", str(model_path), "--quiet"])
    assert _csv(tmp_path / "out" / "part-00000.csv").equals(pd.read_csv(
        __import__("io").StringIO(local.stdout), dtype=str, keep_default_na=False))


def test_url_glob_in_and_url_folder_out(tmp_path, threads, single_model):
    fsspec = pytest.importorskip("fsspec")
    model, _ = single_model
    base = f"memory://{tmp_path.name}"
    for i in range(2):
        with fsspec.open(f"{base}/in/day{i}.jsonl.gz", "wb", compression="gzip") as handle:
            handle.write(make_rows(4, seed=i).to_json(orient="records", lines=True).encode())
    (tmp_path / "in").mkdir()
    local = tmp_path / "local.jsonl"
    for i in range(2):
        with fsspec.open(f"{base}/in/day{i}.jsonl.gz", "rb") as remote:
            (tmp_path / "in" / f"day{i}.jsonl.gz").write_bytes(remote.read())
    batch.predict_table(model, tmp_path / "in", local, fmt="jsonl")
    summary = batch.predict_table(model, f"{base}/in/*.jsonl.gz", None, output_dir=f"{base}/out/",
                                  engine="dask", scheduler=threads.scheduler_address)
    assert summary["outputs"] == [f"{base}/out/part-0000{i}.jsonl.gz" for i in range(2)]
    parts = b"".join(fsspec.open(url, "rb", compression="gzip").open().read() for url in summary["outputs"])
    assert parts == local.read_bytes()
    fsspec.filesystem("memory").rm(f"/{tmp_path.name}", recursive=True)


def test_output_dir_with_earlier_parts_is_refused(tmp_path, table, single_model):
    model, _ = single_model
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "part-00000.csv").write_text("old\n")
    with pytest.raises(OutputError, match="already holds part-\\* files"):
        batch.predict_table(model, table, None, output_dir=tmp_path / "out", engine="dask")


def test_unreachable_scheduler_is_one_line(tmp_path, table, single_model, monkeypatch):
    from classifier import defaults

    monkeypatch.setattr(defaults, "DASK_CONNECT_TIMEOUT", "1s")
    _, model_path = single_model
    result = runner.invoke(app, ["predict", "--input", str(table), "--output-dir", str(tmp_path / "out"),
                                 "--model", str(model_path), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert result.stderr.count("\n") == 1


def test_missing_dask_names_the_extra(tmp_path, table, single_model, monkeypatch):
    model, _ = single_model
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError) as caught:
        batch.predict_table(model, table, None, output_dir=tmp_path / "out", engine="dask")
    assert str(caught.value) == ("`engine` dask needs Dask, which is not installed (distributed is missing). "
                                 "Install the extra: pip install 'classifier[dask]'.")


MALFORMED = [
    ("quote.csv", b'id,text\n1,"police raid\n2,more\n', "quoted field that starts on line 2 is never closed"),
    ("long.csv", b"id,text\n1,police raid\n2,army,shelling\n", "line 3 has 3 fields, but the header has 2"),
    ("after.tsv", b'id\ttext\n1\t"police" raid\n', "a closing quote is followed by more text"),
    ("latin.csv", "id,text\n1,café raid\n".encode("cp1252"), "not valid utf-8 text: the byte 0xe9 on line 2"),
    ("dups.csv", b"id,text,id\n1,police,2\n", "duplicate column names: 'id'"),
    ("headline.csv", b"id,headline\n1,police raid\n", "has no column 'text'"),
    ("broken.jsonl", b'{"text": "police"}\n{"text": \n', "not valid JSON Lines: line 2"),
    ("zipped.csv", __import__("gzip").compress(b"text\npolice\n"), "is gzip-compressed"),
]


def _failure(call) -> ClassifierError:
    with pytest.raises(ClassifierError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("name, content, message", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_table_fails_on_dask_as_on_one_machine(tmp_path, monkeypatch, cluster, single_model,
                                                         name, content, message):
    model, _ = single_model
    monkeypatch.chdir(tmp_path)  # relative paths: the workers' messages name the file as given, too
    (tmp_path / "in").mkdir()
    with TableWriter(tmp_path / "in" / ("a-good" + name[name.index("."):])) as writer:
        writer.write(make_rows(3))  # read first and fine: the error is the second file's
    (tmp_path / "in" / name).write_bytes(content)
    local = _failure(lambda: batch.predict_table(model, "in", None, output_dir="local"))
    on_dask = _failure(lambda: batch.predict_table(model, "in", None, output_dir="dask", engine="dask",
                                                   scheduler=cluster.scheduler_address))
    assert message in str(local) and f"in/{name}" in str(local)
    assert (type(on_dask), str(on_dask)) == (type(local), str(local))
    assert not list(tmp_path.glob("dask/part-*"))


def test_malformed_table_is_the_same_cli_error_on_a_local_dask_cluster(tmp_path, threads, single_model):
    _, model_path = single_model
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'text,label\n"police raid,crime\nmore,war\n')
    args = ["predict", "--input", str(bad), "--model", str(model_path)]
    local = runner.invoke(app, [*args, "--output-dir", str(tmp_path / "local")])
    on_dask = runner.invoke(app, [*args, "--output-dir", str(tmp_path / "dask"), "--engine", "dask",
                                  "--scheduler", threads.scheduler_address])
    assert local.exit_code == on_dask.exit_code == 1
    assert local.stderr == on_dask.stderr
    assert "the quoted field that starts on line 2 is never closed" in on_dask.stderr
