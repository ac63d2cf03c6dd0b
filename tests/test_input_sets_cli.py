"""Several inputs: outputs that would collide are refused, and a file reached twice is read once."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()


def test_two_inputs_bound_for_one_output_file_are_refused(tmp_path, single_model):
    _, model = single_model
    folder = tmp_path / "in"
    folder.mkdir()
    pd.DataFrame({"text": ["police raid"]}).to_csv(folder / "a.csv", index=False)
    pd.DataFrame({"text": ["army shelling"]}).to_csv(folder / "a.tsv", index=False, sep="\t")
    out = tmp_path / "out"
    result = runner.invoke(app, ["predict", "--input", str(folder), "--output-dir", str(out), "--format", "parquet",
                                 "--model", str(model)])
    assert_user_error(result, "would both be written to", "a.parquet", "--format")
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_a_symlink_loop_does_not_read_files_twice(tmp_path, single_model):
    _, model = single_model
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    pd.DataFrame({"text": ["police raid", "army shelling"]}).to_csv(folder / "sub" / "a.csv", index=False)
    os.symlink(folder, folder / "sub" / "loop")
    out = tmp_path / "all.csv"
    for source in (str(folder), str(folder / "**" / "*.csv")):
        result = runner.invoke(app, ["predict", "--input", source, "--output", str(out), "--model", str(model)])
        assert result.exit_code == 0, result.stderr
        assert len(pd.read_csv(out)) == 2, source
