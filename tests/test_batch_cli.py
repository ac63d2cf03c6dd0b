"""``classifier predict --input`` at scale: --jobs, --output-dir, globs, engine options and their errors."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import make_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_jobs_and_chunk_size_keep_rows_in_order(tmp_path, single_model, monkeypatch):
    from classifier import defaults

    monkeypatch.setattr(defaults, "PARALLEL_MIN_ROWS", 0)
    _, model = single_model
    source = tmp_path / "in.csv"
    frame = make_rows(30, seed=9)
    frame.to_csv(source, index=False)
    out = tmp_path / "out.tsv"
    result = run("predict", "--input", source, "--output", out, "--model", model, "--jobs", 2, "--chunk-size", 8)
    assert result.exit_code == 0, result.stderr
    assert "Read 90 rows, scored 90, skipped 0 with empty text" in result.stderr
    back = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
    assert back[list(frame.columns)].equals(frame)


def test_glob_with_output_dir_writes_one_file_per_input(tmp_path, single_model):
    _, model = single_model
    (tmp_path / "in").mkdir()
    for i in range(2):
        make_rows(4, seed=i).to_csv(tmp_path / "in" / f"day{i}.csv", index=False)
    result = run("predict", "--input", tmp_path / "in" / "day*.csv", "--output-dir", tmp_path / "out",
                 "--model", model, "--format", "parquet")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["day0.parquet", "day1.parquet"]
    assert f"Read 24 rows, scored 24, skipped 0 with empty text; wrote 2 file(s) in {tmp_path / 'out'}" in result.stderr
    assert len(pd.read_parquet(tmp_path / "out" / "day1.parquet")) == 12


@pytest.mark.parametrize("extra, message", [
    (["--jobs", "0"], "Error: --jobs must be 1 or more, not 0. Leave it out to use every core."),
    (["--engine", "spark"], "Error: Unknown engine 'spark'. Use --engine local or --engine dask."),
    (["--scheduler", "tcp://127.0.0.1:1"], "Error: --scheduler only applies to --engine dask."),
    (["--output-dir", "d"], "Error: Give --output (one combined file) or --output-dir (one file per input), not both."),
])
def test_option_errors_are_one_line(tmp_path, single_csv, single_model, extra, message):
    _, model = single_model
    result = run("predict", "--input", single_csv, "--output", tmp_path / "o.csv", "--model", model, *extra)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_glob_without_match(tmp_path, single_model):
    _, model = single_model
    result = run("predict", "--input", tmp_path / "none*.csv", "--model", model)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: No file matches {tmp_path / 'none*.csv'}.")


def test_dask_engine_needs_output_dir(tmp_path, single_csv, single_model):
    _, model = single_model
    result = run("predict", "--input", single_csv, "--model", model, "--engine", "dask")
    assert result.exit_code == 1
    assert result.stderr == "Error: --engine dask needs --output-dir: it writes one file per partition. " \
                            "Add --output-dir DIR.\n"
