"""Text that cannot be written as UTF-8, codecs that are not text encodings, and classes of one row."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from classifier.cli import app
from classifier.unicode_text import cleaned, without_lone_surrogates

from .conftest import assert_user_error

runner = CliRunner()


def test_lone_surrogates_become_the_replacement_character():
    assert without_lone_surrogates("police \ud800 raid") == "police \ufffd raid"
    assert without_lone_surrogates("ok \U0001F600") == "ok \U0001F600"
    assert cleaned({"a\udc80": ["x\ud800", 1]}) == {"a\ufffd": ["x\ufffd", 1]}


def test_json_lines_with_a_lone_surrogate_is_predicted_whole(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "police \\ud800 raid", "id": 1}\n{"text": "army shelling", "id": 2}\n', encoding="utf-8")
    for suffix in (".csv", ".jsonl", ".parquet"):
        out = tmp_path / f"out{suffix}"
        result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(out), "--model", str(model),
                                     "--quiet"])
        assert result.exit_code == 0, result.stderr
        table = (pd.read_parquet(out) if suffix == ".parquet" else
                 pd.read_json(out, lines=True) if suffix == ".jsonl" else pd.read_csv(out))
        assert table["text"].tolist() == ["police \ufffd raid", "army shelling"]


def test_a_command_line_text_that_is_not_utf8_is_predicted(single_model):
    _, model = single_model
    result = runner.invoke(app, ["predict", "police \udcff raid", "--model", str(model), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["text"] == "police \ufffd raid"


def test_a_codec_that_is_not_a_text_encoding_is_refused(tmp_path, single_csv, single_model):
    _, model = single_model
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["predict", "--input", str(single_csv), "--output", str(out), "--model", str(model),
                                 "--encoding", "base64"])
    assert_user_error(result, "'base64' is not a text encoding", "--encoding utf-8")
    assert not out.exists()


def test_a_table_whose_every_class_has_one_row_trains(tmp_path):
    table = tmp_path / "one.csv"
    table.write_text("text,label\npolice raid,a\narmy shelling,b\nbudget tax,c\n", encoding="utf-8")
    for extra in ([], ["--test-size", "0"]):
        model = tmp_path / "m.joblib"
        result = runner.invoke(app, ["train", str(table), "--model", str(model), "--quiet", *extra])
        assert result.exit_code == 0, result.stderr
        assert model.exists()
        model.unlink()


def test_label_names_with_dollar_signs_do_not_break_the_report(tmp_path):
    """matplotlib reads $...$ as mathematics; a label like $a^^b$ must be drawn as text, not crash."""
    table = tmp_path / "dollar.csv"
    rows = [("police raid arrest", "$a^^b$"), ("army shelling troops", "b$x$"), ("budget tax loan", "c")] * 4
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(table, index=False)
    model, report = tmp_path / "m.joblib", tmp_path / "report.html"
    assert runner.invoke(app, ["train", str(table), "--model", str(model), "--quiet", "--test-size", "0"]).exit_code == 0
    result = runner.invoke(app, ["evaluate", str(table), "--model", str(model), "--report", str(report), "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert "$a^^b$" in report.read_text(encoding="utf-8")


def test_control_characters_from_data_are_printed_visibly(tmp_path):
    """A text cannot clear the screen or set the window title of the terminal it is printed to."""
    table = tmp_path / "esc.csv"
    rows = [("evil \x1b[2J\x1b]0;pwned\x07 police raid", "a"), ("police arrest", "a"),
            ("army shelling", "b"), ("army troops", "b")] * 3
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(table, index=False)
    model = tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", str(table), "--model", str(model), "--quiet", "--test-size", "0"]).exit_code == 0
    for args in (["predict", "evil \x1b]0;title\x07 police raid", "--model", str(model)],
                 ["info", "--model", str(model)],
                 ["explain", "police raid", "--model", str(model)],
                 ["evaluate", str(table), "--model", str(model)],
                 ["audit", str(table), "--quiet", "--top", "20"]):
        result = runner.invoke(app, args, env={"COLUMNS": "250"})
        assert result.exit_code == 0, (args, result.stderr)
        assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout, args
    predicted = runner.invoke(app, ["predict", "evil \x1b]0;title\x07 police raid", "--model", str(model)],
                              env={"COLUMNS": "250"})
    assert "\\x1b]0;title\\x07" in predicted.stdout


def test_unsafe_label_names_are_refused_at_training_and_at_load(tmp_path, single_model):
    from .conftest import altered_bundle

    for label, reason in (("a\x1b[31m", "holds a control character"),
                          ('=HYPERLINK("http://x")', "starts with '=', which spreadsheets read as a formula"),
                          ("@cmd", "starts with '@'"), ("-x", "starts with '-'")):
        table = tmp_path / "labels.csv"
        pd.DataFrame([("police raid", label), ("army shelling", "b")] * 3, columns=["text", "label"]).to_csv(
            table, index=False)
        model = tmp_path / "m.joblib"
        result = runner.invoke(app, ["train", str(table), "--model", str(model), "--quiet", "--test-size", "0"])
        assert_user_error(result, reason)
        assert "\x1b" not in result.stderr and not model.exists()
    numbers = tmp_path / "numbers.csv"
    pd.DataFrame([("police raid", "-1"), ("army shelling", "+2.5")] * 3, columns=["text", "label"]).to_csv(
        numbers, index=False)
    assert runner.invoke(app, ["train", str(numbers), "--model", str(tmp_path / "n.joblib"), "--quiet",
                               "--test-size", "0"]).exit_code == 0
    _, path = single_model
    shared = altered_bundle(path, tmp_path / "shared.joblib",
                            lambda raw: raw["card"].update(labels=["=cmd()", *raw["card"]["labels"][1:]]))
    assert_user_error(runner.invoke(app, ["info", "--model", str(shared)]), "cannot be shown or written safely")


def test_a_label_or_text_typed_composed_or_decomposed_is_one(tmp_path):
    import unicodedata

    import classifier

    composed = "Caf\u00e9"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    table = tmp_path / "forms.csv"
    rows = [("police raid " + composed, composed), ("police arrest", decomposed), ("army shelling", "war"),
            ("army troops", "war")] * 4
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(table, index=False)
    model = tmp_path / "m.joblib"
    assert runner.invoke(app, ["train", str(table), "--model", str(model), "--quiet", "--test-size", "0"]).exit_code == 0
    loaded = classifier.load(model)
    assert loaded.labels == [composed, "war"]
    assert (loaded.predict_proba(["raid " + composed]) == loaded.predict_proba(["raid " + decomposed])).all()
    gold = tmp_path / "gold.csv"
    pd.DataFrame([("police raid", decomposed), ("army shelling", "war")], columns=["text", "label"]).to_csv(gold,
                                                                                                         index=False)
    assert classifier.evaluate(loaded, gold)["accuracy"] == 1.0


def test_safe_csv_neutralises_formulas_and_only_when_asked(tmp_path, single_model):
    _, model = single_model
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["police raid", "army shelling", "@cmd police"],
                  "note": ['=HYPERLINK("http://x")', "-2", "+x"]}).to_csv(source, index=False)
    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    for out, extra in ((plain, []), (safe, ["--safe-csv"])):
        result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(out), "--model", str(model),
                                     "--quiet", *extra])
        assert result.exit_code == 0, result.stderr
    as_text = dict(dtype=str, keep_default_na=False)
    assert pd.read_csv(plain, **as_text)["note"].tolist() == ['=HYPERLINK("http://x")', "-2", "+x"]
    got = pd.read_csv(safe, **as_text)
    assert got["note"].tolist() == ['\'=HYPERLINK("http://x")', "-2", "'+x"]
    assert got["text"].tolist() == ["police raid", "army shelling", "'@cmd police"]
    assert got["predicted_label"].tolist() == pd.read_csv(plain, **as_text)["predicted_label"].tolist()


def test_top_k_refuses_single_label_names_holding_the_separator(tmp_path):
    """Issue 16, class 9: labels 'a|b' and 'c' joined with '|' in one cell could not be split back."""
    import pandas as pd

    rows = [{"text": f"alpha beta story number {i}", "label": "war|peace"} for i in range(12)]
    rows += [{"text": f"gamma delta report number {i}", "label": "trade"} for i in range(12)]
    data, model = tmp_path / "t.csv", tmp_path / "m.skops"
    pd.DataFrame(rows).to_csv(data, index=False)
    trained = runner.invoke(app, ["train", str(data), "--model", str(model), "--quiet", "--single-label"])
    assert trained.exit_code == 0, trained.stderr
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["alpha beta", "gamma delta"]}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["predict", "--model", str(model), "--input", str(source), "--output", str(out),
                                 "--top-k", "2"])
    assert_user_error(result, "holds the separator '|'", "--top-k 1")
    assert not out.exists()
    ok = runner.invoke(app, ["predict", "--model", str(model), "--input", str(source), "--output", str(out)])
    assert ok.exit_code == 0 and pd.read_csv(out)["predicted_label"].tolist() == ["war|peace", "trade"]
