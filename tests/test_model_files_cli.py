"""A model path never runs a pickle by default and never takes unbounded memory (issue 16, classes 2 and 3).

The default model is ``models/model.skops``, so running the tool inside a folder someone else
prepared loads no pickle; a path that is not a regular file, or a file or ZIP archive larger than a
model can be, is refused before it is read."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import zipfile

import pytest
from typer.testing import CliRunner

from classifier import defaults
from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()


class _Marker:
    """Unpickling this writes a file: the proof that a pickle ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_default_model_path_is_a_skops_file():
    assert defaults.MODEL_PATH.suffix == ".skops"


def test_a_joblib_model_in_the_working_folder_is_not_loaded_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pickle_ran"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model.joblib").write_bytes(pickle.dumps(_Marker(str(marker))))
    result = runner.invoke(app, ["predict", "Police arrest suspects"])
    assert_user_error(result, "No model file at models/model.skops")
    assert "older joblib model" in result.stderr and "classifier convert models/model.joblib" in result.stderr
    assert "--trust" in result.stderr
    assert not marker.exists()


def test_the_default_model_trains_and_loads_as_skops(tmp_path, monkeypatch, single_csv):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["train", str(single_csv), "--quiet"]).exit_code == 0
    assert (tmp_path / "models" / "model.skops").is_file()
    assert zipfile.is_zipfile(tmp_path / "models" / "model.skops")
    result = runner.invoke(app, ["predict", "police arrested suspects in a raid"])
    assert result.exit_code == 0 and "crime" in result.stdout


def test_a_fifo_as_model_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.skops"
    os.mkfifo(fifo)
    assert_user_error(runner.invoke(app, ["predict", "text", "--model", str(fifo)]), "is not a regular file")


def test_a_symlink_to_an_endless_device_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("this system has no /dev/zero")
    link = tmp_path / "model.skops"
    link.symlink_to("/dev/zero")
    assert_user_error(runner.invoke(app, ["info", "--model", str(link)]), "is not a regular file")


def test_a_model_file_larger_than_any_model_is_refused(tmp_path, monkeypatch, single_model):
    _, path = single_model
    monkeypatch.setattr(defaults, "MAX_MODEL_BYTES", path.stat().st_size - 1)
    assert_user_error(runner.invoke(app, ["info", "--model", str(path)]), "larger than any model file")


def test_a_skops_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, single_model, monkeypatch):
    monkeypatch.setattr(defaults, "MAX_SKOPS_SCHEMA_BYTES", 10 * 1024**2)
    model, _ = single_model
    good = tmp_path / "good.skops"
    from classifier import api

    api.save(model, good)
    bomb = tmp_path / "bomb.skops"
    out = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "schema.json":
                body = body[:-1] + b" " * (20 * 1024**2) + body[-1:]
            target.writestr(item.filename, body)
    bomb.write_bytes(out.getvalue())
    assert bomb.stat().st_size < 2 * good.stat().st_size
    result = runner.invoke(app, ["predict", "text", "--model", str(bomb)])
    assert_user_error(result, "would unpack to")
    assert "crafted to exhaust memory" in result.stderr
    shutil.copy(good, tmp_path / "copy.skops")
    assert runner.invoke(app, ["predict", "text", "--model", str(tmp_path / "copy.skops")]).exit_code == 0


def _foreign_pickle(path, marker) -> None:
    """A joblib model file as someone else would send it: a valid bundle whose payload runs code."""
    import hashlib

    import joblib

    payload = pickle.dumps(_Marker(str(marker)))
    joblib.dump({"format": "classifier-model", "format_version": 1, "card": {"labels": ["a", "b"],
                 "task": "single_label"}, "payload_sha256": hashlib.sha256(payload).hexdigest(),
                 "payload": payload}, path, compress=("zlib", 3))


def test_a_joblib_model_saved_by_someone_else_is_not_unpickled(tmp_path):
    marker = tmp_path / "pickle_ran"
    model = tmp_path / "received.joblib"
    _foreign_pickle(model, marker)
    for command in (["predict", "text", "--model", str(model)], ["info", "--model", str(model)],
                    ["convert", str(model), str(tmp_path / "out.skops")]):
        result = runner.invoke(app, command)
        assert_user_error(result, "not saved by this user on this machine")
        assert "--trust" in result.stderr
    assert not marker.exists() and not (tmp_path / "out.skops").exists()


def test_a_joblib_model_signed_with_another_key_is_refused(tmp_path, single_csv, monkeypatch):
    model = tmp_path / "theirs.joblib"
    monkeypatch.setenv("CLASSIFIER_KEY_FILE", str(tmp_path / "their.key"))
    assert runner.invoke(app, ["train", str(single_csv), "--model", str(model), "--quiet"]).exit_code == 0
    assert runner.invoke(app, ["predict", "police raid", "--model", str(model)]).exit_code == 0
    monkeypatch.setenv("CLASSIFIER_KEY_FILE", str(tmp_path / "my.key"))
    assert_user_error(runner.invoke(app, ["predict", "police raid", "--model", str(model)]),
                      "not saved by this user on this machine")
    converted = tmp_path / "theirs.skops"
    result = runner.invoke(app, ["convert", str(model), str(converted), "--trust"])
    assert result.exit_code == 0, result.stderr
    assert runner.invoke(app, ["predict", "police raid", "--model", str(converted)]).exit_code == 0


def test_a_joblib_bundle_that_names_code_outside_its_payload_is_refused_even_when_trusted(tmp_path):
    import joblib

    marker = tmp_path / "pickle_ran"
    model = tmp_path / "outer.joblib"
    joblib.dump({"format": "classifier-model", "format_version": 1, "card": _Marker(str(marker))}, model)
    result = runner.invoke(app, ["convert", str(model), str(tmp_path / "out.skops"), "--trust"])
    assert_user_error(result, "not a readable model file")
    assert not marker.exists()


def test_the_signing_key_is_created_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    from classifier.io import signing

    key = tmp_path / "conf" / "key"
    monkeypatch.setenv("CLASSIFIER_KEY_FILE", str(key))
    signature = signing.sign(b"payload")
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert signing.verify(b"payload", signature) and not signing.verify(b"payload!", signature)
    assert signing.sign(b"payload") == signature
    key.write_bytes(b"short")
    with pytest.raises(Exception, match="damaged"):
        signing.verify(b"payload", signature)
