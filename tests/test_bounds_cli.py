"""Out-of-range numbers on the command line end in one ``Error:`` line, not a traceback, and write nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()


@pytest.mark.parametrize("args, fragment", [
    (["--seed", "-1"], "--seed must be a whole number from 0 to 4294967295, not -1"),
    (["--seed", "4294967296"], "--seed must be a whole number from 0 to 4294967295, not 4294967296"),
    (["--test-size", "0.999"], "too few rows to hold some out"),
])
def test_train_refuses_seeds_and_slices_out_of_range(tmp_path, single_csv, args, fragment):
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(single_csv), "--model", str(model), "--quiet", *args])
    assert_user_error(result, fragment)
    assert not model.exists()


def test_audit_refuses_a_negative_seed(single_csv):
    assert_user_error(runner.invoke(app, ["audit", str(single_csv), "--seed", "-5", "--quiet"]),
                      "--seed must be a whole number")


def test_info_refuses_a_negative_top(single_model):
    _, path = single_model
    assert_user_error(runner.invoke(app, ["info", "--model", str(path), "--top", "-1"]), "--top must be 0 or more")


def test_jobs_above_the_cores_are_capped_with_a_note(tmp_path, single_csv, single_model):
    import classifier
    from classifier.cores import default_jobs

    model, path = single_model
    summary = classifier.predict_table(model, single_csv, tmp_path / "lib.csv", jobs=999)
    assert summary["notes"] == [f"`jobs` 999 is more than the {default_jobs()} cores this process may use: "
                                f"used {default_jobs()}."]
    out = tmp_path / "cli.csv"
    result = runner.invoke(app, ["predict", "--input", str(single_csv), "--output", str(out), "--model", str(path),
                                 "--jobs", "999"])
    assert result.exit_code == 0, result.stderr
    assert f"Warning: --jobs 999 is more than the {default_jobs()} cores" in result.stderr
    assert out.read_text() == (tmp_path / "lib.csv").read_text()
