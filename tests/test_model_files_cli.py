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
    assert "--model models/model.joblib" in result.stderr
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
