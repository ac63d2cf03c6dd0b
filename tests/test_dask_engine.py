"""``--engine dask``: a LocalCluster of 2 worker processes on 127.0.0.1 gives the local engine's output row for row."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.prediction import batch, scoring
from classifier.cli import app
from classifier.errors import InputError, OutputError

from .conftest import make_rows

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
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
def test_dask_partitions_equal_local_output_row_for_row(tmp_path, cluster, table, request, fixture):
    from classifier.prediction import dask_engine

    model, _ = request.getfixturevalue(fixture)
    local = tmp_path / "local.csv"
    batch.predict_table(model, table, local, probs=True, jobs=1)
    decision = scoring.Decision.for_model(model, probs=True)
    summary = dask_engine.predict_table(model, table, tmp_path / "dask", decision=decision,
                                        scheduler=cluster.scheduler_address, blocksize=4000)
    assert len(summary["outputs"]) > 2
    assert (summary["rows_read"], summary["rows_scored"], summary["rows_skipped"]) == (180, 178, 2)
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
    assert str(caught.value) == ("--engine dask needs Dask, which is not installed (distributed is missing). "
                                 "Install the extra: pip install 'classifier[dask]'.")
