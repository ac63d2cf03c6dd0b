"""``classifier train`` with setting options and ``--config``: used, recorded, and bad values refused in one line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()


def test_help_lists_the_settings():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--config", "--C", "--word-ngrams", "--char-ngrams", "--min-df", "--max-df", "--class-weight",
                   "--no-nb", "--thresholds"):
        assert option in result.stdout, option


def test_options_override_the_file_and_are_recorded(tmp_path, single_csv):
    config = tmp_path / "settings.toml"
    config.write_text('C = 4\nword_ngrams = "1-1"\nclass_weight = "balanced"\n', encoding="utf-8")
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", str(single_csv), "--model", str(model), "--config", str(config),
                                 "--C", "0.25", "--no-nb", "--char-ngrams", "3-5", "--test-size", "0", "-q"])
    assert result.exit_code == 0, result.stderr
    info = runner.invoke(app, ["info", "--model", str(model), "--json"])
    card = json.loads(info.stdout)
    assert card["settings"]["C"] == 0.25 and card["settings"]["word_ngrams"] == "1-1"
    assert card["settings"]["class_weight"] == "balanced" and card["settings"]["nb"] is False
    assert card["settings"]["char_ngrams"] == "3-5" and card["params"]["features"]["char_ngrams"] == [3, 5]


@pytest.mark.parametrize("args, fragments", [
    (["--C", "-1"], ["--C must be a number above 0"]),
    (["--word-ngrams", "3-1"], ["--word-ngrams must be a range"]),
    (["--char-ngrams", "lots"], ["--char-ngrams must be an n-gram range"]),
    (["--min-df", "0"], ["--min-df must be 'auto'"]),
    (["--max-df", "2.5"], ["--max-df must be a share"]),
    (["--class-weight", "heavy"], ["--class-weight must be 'balanced' or 'none'"]),
    (["--thresholds", "best"], ["--thresholds must be f1"]),
    (["--min-df", "100000", "--test-size", "0"], ["Lower --min-df"]),
])
def test_bad_settings_are_one_line_errors(tmp_path, single_csv, args, fragments):
    result = runner.invoke(app, ["train", str(single_csv), "--model", str(tmp_path / "m.joblib"), *args])
    assert_user_error(result, *fragments)
    assert not (tmp_path / "m.joblib").exists()


def test_config_errors(tmp_path, single_csv):
    bad = tmp_path / "bad.toml"
    bad.write_text("C = 1\nalpha = 0.1\n", encoding="utf-8")
    result = runner.invoke(app, ["train", str(single_csv), "--model", str(tmp_path / "m.joblib"), "--config", str(bad)])
    assert_user_error(result, "Unknown setting 'alpha'", "Known settings: C, word_ngrams, char_ngrams")
    result = runner.invoke(app, ["train", str(single_csv), "--model", str(tmp_path / "m.joblib"),
                                 "--config", str(tmp_path / "none.toml")])
    assert_user_error(result, "does not exist", "--config")
