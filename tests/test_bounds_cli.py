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


LONG = "budget inflation tariffs loan " + "police arrested suspects court raid detained " * 200


def test_predict_reports_texts_cut_in_its_summary_and_keeps_cells_whole(tmp_path, single_model):
    import pandas as pd

    _, path = single_model
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"text": [LONG, "police raid"]}).to_csv(source, index=False)
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(out), "--model", str(path),
                                 "--max-chars", "30"])
    assert result.exit_code == 0, result.stderr
    assert "scored 2 (1 on their first 30 characters)" in result.stderr
    assert pd.read_csv(out)["text"].tolist() == [LONG, "police raid"]


def test_predict_texts_warns_and_marks_cut_texts_in_json(single_model):
    import json

    _, path = single_model
    result = runner.invoke(app, ["predict", LONG, "short", "--model", str(path), "--max-chars", "30", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [row.get("cut", False) for row in json.loads(result.stdout)] == [True, False]
    assert "1 text longer than 30 characters was scored on its first 30 only (--max-chars)" in result.stderr


def test_evaluate_reports_texts_cut(tmp_path, single_csv, single_model):
    import json

    _, path = single_model
    result = runner.invoke(app, ["evaluate", str(single_csv), "--model", str(path), "--max-chars", "20", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["texts_cut"] > 0


@pytest.mark.parametrize("command", [["predict", "some text"], ["evaluate", "DATA"]])
def test_max_chars_below_one_is_refused(single_csv, single_model, command):
    _, path = single_model
    args = [str(single_csv) if a == "DATA" else a for a in command]
    assert_user_error(runner.invoke(app, [*args, "--model", str(path), "--max-chars", "0"]),
                      "--max-chars must be 1 or more, not 0")


def test_a_gzip_bomb_row_is_refused_and_nothing_is_written(tmp_path, single_model, monkeypatch):
    import gzip

    from classifier import defaults

    monkeypatch.setattr(defaults, "MAX_ROW_CHARS", 10_000)
    _, path = single_model
    source, out = tmp_path / "bomb.csv.gz", tmp_path / "out.csv"
    source.write_bytes(gzip.compress(b"text\nfine\n" + b"x" * 1_000_000 + b"\n"))
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(out), "--model", str(path)])
    assert_user_error(result, "bomb.csv.gz: the row starting on line 3 is longer than 10,000 characters")
    assert not out.exists()


def test_a_parquet_gz_past_the_cap_is_refused_with_the_fix(tmp_path, single_model, monkeypatch):
    import gzip

    import pandas as pd

    from classifier import defaults

    monkeypatch.setattr(defaults, "MAX_PARQUET_GZ_BYTES", 1_000)
    _, path = single_model
    plain, packed, out = tmp_path / "t.parquet", tmp_path / "t.parquet.gz", tmp_path / "out.csv"
    pd.DataFrame({"text": ["police raid"] * 500}).to_parquet(plain, compression=None)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    result = runner.invoke(app, ["predict", "--input", str(packed), "--output", str(out), "--model", str(path)])
    assert_user_error(result, "inflates to more than 1,000 bytes", "plain .parquet")
    assert not out.exists()
