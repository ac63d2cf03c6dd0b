"""Model files written before the package was laid out in layers name classes by their old modules
(``classifier.pipeline``, ``classifier.features``); they still load, in both formats."""

from __future__ import annotations

import contextlib
import io
import zipfile
import sys
import types

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import classifier
from classifier.estimators.pipeline import FEATURES, MODEL
from classifier.io.model_file import read_bundle

TEXTS = ["police arrested suspects after a raid", "army troops shelling the border", "budget taxes and loans"]


@contextlib.contextmanager
def old_module_names(pipeline):
    """Make the pipeline's classes claim their pre-layers modules while a file is written."""
    renamed = {type(pipeline.named_steps[FEATURES]): "classifier.features",
               type(pipeline.named_steps[MODEL]): "classifier.pipeline"}
    saved = {cls: cls.__module__ for cls in renamed}
    for cls, old in renamed.items():
        module = sys.modules.setdefault(old, types.ModuleType(old))
        setattr(module, cls.__name__, cls)
        cls.__module__ = old
    try:
        yield
    finally:
        for cls, old in renamed.items():
            cls.__module__ = saved[cls]
            sys.modules.pop(old, None)


@pytest.mark.parametrize("suffix", [".joblib", ".skops"])
def test_a_model_saved_under_the_old_module_names_loads(tmp_path, single_model, suffix):
    model, _ = single_model
    model = classifier.Model(Pipeline(model.pipeline.steps), model.card)  # earlier versions saved a plain Pipeline
    path = tmp_path / f"old{suffix}"
    with old_module_names(model.pipeline):
        classifier.save(model, path)
    payload = read_bundle(path)["payload"]
    if suffix == ".skops":
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            payload = archive.read("schema.json")
    assert b"classifier.pipeline" in payload and b"classifier.estimators" not in payload
    assert "classifier.pipeline" not in sys.modules
    loaded = classifier.load(path)
    assert type(loaded.pipeline.named_steps[MODEL]).__module__ == "classifier.estimators.svm"
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
