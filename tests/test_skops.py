"""The .skops model format: round trips, the trusted-type list, and files that must be refused unloaded."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

import classifier
from classifier.io import model_file as bundle
from classifier.io import skops_format
from classifier.errors import ModelError

TEXTS = ["police raid court suspects", "budget loan taxes inflation", "army troops shelling border", "",
         "Karachi police arrested three members of a banned outfit", "قومی اسمبلی نے بجٹ منظور کر لیا 🙂"]

class Sneaky:
    """A type no classifier model holds: restoring it would create the file named by ``path``."""

    def __init__(self, path: str):
        self.path = path

    def __setstate__(self, state):
        Path(state["path"]).write_text("code ran")
        self.__dict__.update(state)


class Bomb:
    """Unpickling this creates the file named by ``path`` (what a malicious joblib model can do)."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (Path(self.path), "code ran"))


def skops_bundle(target: Path, card: dict, payload: bytes, **header) -> Path:
    """Write a skops model file with ``payload`` and ``card``, checksum right unless ``header`` overrides it."""
    head = {"format": bundle.FORMAT, "format_version": bundle.FORMAT_VERSION,
            "payload_sha256": hashlib.sha256(payload).hexdigest(), **header}
    target.write_bytes(skops_format.dump_outer(head, card, payload))
    return target


@pytest.mark.parametrize("fixture", ["single_model", "multi_model", "news_model"])
def test_default_pipeline_round_trips_through_skops(request, tmp_path, fixture):
    """Fails loudly when the default pipeline gains a type that TRUSTED_TYPES does not list."""
    model, _ = request.getfixturevalue(fixture)
    payload = sio.dumps(model.pipeline)
    missing = sorted(skops_format.object_types(payload, "pipeline") - skops_format.TRUSTED_TYPES)
    assert not missing, (f"the default pipeline now holds {missing}: if loading them cannot run code, add them to "
                         "TRUSTED_TYPES in classifier/skops_format.py")
    path = classifier.save(model, tmp_path / "model.skops")
    assert zipfile.is_zipfile(path)
    again = classifier.load(path)
    np.testing.assert_array_equal(model.predict_proba(TEXTS), again.predict_proba(TEXTS))
    assert again.card == json.loads(json.dumps(model.card))
    assert classifier.predict(again, TEXTS) == classifier.predict(model, TEXTS)


def test_skops_bundle_records_format_version_and_payload_checksum(tmp_path, single_model):
    model, _ = single_model
    path = classifier.save(model, tmp_path / "m.skops")
    raw = sio.load(path)
    assert set(raw) == {"format", "format_version", "card_json", "payload_sha256", "payload", "compact"}
    assert raw["format_version"] == bundle.FORMAT_VERSION
    assert raw["payload_sha256"] == hashlib.sha256(raw["payload"]).hexdigest()
    facts = bundle.describe_file(path)["file"]
    assert facts == {"path": str(path), "bytes": path.stat().st_size, "file_format": "skops",
                     "format_version": bundle.FORMAT_VERSION, "payload_sha256": raw["payload_sha256"]}
    joblib_facts = bundle.describe_file(classifier.save(model, tmp_path / "m.joblib"))["file"]
    assert joblib_facts["file_format"] == "joblib" and len(joblib_facts["payload_sha256"]) == 64


def test_payload_opens_with_skops_trusting_exactly_the_listed_types(tmp_path, single_model):
    model, _ = single_model
    raw = sio.load(classifier.save(model, tmp_path / "m.skops"))
    pipeline = sio.loads(raw["payload"], trusted=sorted(skops_format.TRUSTED_TYPES))
    assert isinstance(pipeline, Pipeline)


def test_pipeline_with_an_untrusted_type_is_refused_and_its_code_never_runs(tmp_path, single_model):
    model, _ = single_model
    marker = tmp_path / "ran.txt"
    sneaky = Pipeline([*model.pipeline.steps[:-1], ("extra", Sneaky(str(marker))), model.pipeline.steps[-1]])
    payload = sio.dumps(sneaky)
    path = skops_bundle(tmp_path / "sneaky.skops", model.card, payload)
    with pytest.raises(ModelError, match=r"does not trust, so it was not loaded: tests\.test_skops\.Sneaky\."):
        classifier.load(path)
    with pytest.raises(ModelError, match="tests.test_skops.Sneaky"):
        classifier.describe(path)
    assert not marker.exists()
    assert bundle.describe_file(path)["labels"] == model.labels  # the card alone is safe to read


def test_types_skops_trusts_by_default_are_refused_too(tmp_path, single_model):
    model, _ = single_model
    other = Pipeline([*model.pipeline.steps, ("judge", LogisticRegression())])
    path = skops_bundle(tmp_path / "other.skops", model.card, sio.dumps(other))
    with pytest.raises(ModelError, match="sklearn.linear_model._logistic.LogisticRegression"):
        classifier.load(path)


def test_untrusted_objects_in_the_outer_file_are_refused_before_the_card_is_read(tmp_path, single_model):
    model, _ = single_model
    marker = tmp_path / "ran.txt"
    payload = sio.dumps(model.pipeline)
    outer = {"format": bundle.FORMAT, "format_version": 1, "card_json": json.dumps(model.card),
             "payload_sha256": hashlib.sha256(payload).hexdigest(), "payload": payload,
             "extra": Sneaky(str(marker)), "call": os.system}
    path = tmp_path / "outer.skops"
    path.write_bytes(sio.dumps(outer))
    with pytest.raises(ModelError, match=r"not loaded: posix\.system, tests\.test_skops\.Sneaky\.") as error:
        bundle.describe_file(path)
    assert "builtins" not in str(error.value)
    assert not marker.exists()


def test_a_pickle_named_skops_is_never_unpickled(tmp_path):
    marker = tmp_path / "ran.txt"
    path = tmp_path / "evil.skops"
    joblib.dump(Bomb(str(marker)), path)
    with pytest.raises(ModelError, match="is not a skops model file"):
        classifier.load(path)
    with pytest.raises(ModelError, match="is not a skops model file"):
        classifier.describe(path)
    assert not marker.exists()
    path.write_bytes(pickle.dumps(Bomb(str(marker))))
    with pytest.raises(ModelError, match="is not a skops model file"):
        classifier.load(path)
    assert not marker.exists()


def test_a_skops_file_under_another_name_still_loads_the_safe_way(tmp_path, single_model):
    model, _ = single_model
    skops_file = classifier.save(model, tmp_path / "m.skops")
    renamed = tmp_path / "m.joblib"
    renamed.write_bytes(skops_file.read_bytes())
    assert bundle.describe_file(renamed)["file"]["file_format"] == "skops"
    np.testing.assert_array_equal(classifier.load(renamed).predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_truncated_tampered_and_newer_skops_files(tmp_path, single_model):
    model, _ = single_model
    good = classifier.save(model, tmp_path / "good.skops")
    data = good.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 30):
        cut = tmp_path / f"cut{size}.skops"
        cut.write_bytes(data[:size])
        with pytest.raises(ModelError):
            classifier.load(cut)
    payload = sio.dumps(model.pipeline)
    tampered = skops_bundle(tmp_path / "tampered.skops", model.card, payload, payload_sha256="0" * 64)
    with pytest.raises(ModelError, match="corrupted: its contents do not match their recorded checksum"):
        classifier.load(tampered)
    newer = skops_bundle(tmp_path / "newer.skops", model.card, payload, format_version=bundle.FORMAT_VERSION + 1)
    with pytest.raises(ModelError, match="newer than this version of classifier"):
        classifier.load(newer)
    not_ours = tmp_path / "not_ours.skops"
    not_ours.write_bytes(sio.dumps({"hello": "world"}))
    with pytest.raises(ModelError, match="not a classifier model file"):
        classifier.load(not_ours)


def test_bad_card_in_a_skops_file_is_corruption(tmp_path, single_model):
    model, _ = single_model
    payload = sio.dumps(model.pipeline)
    path = tmp_path / "card.skops"
    path.write_bytes(sio.dumps({"format": bundle.FORMAT, "format_version": 1, "card_json": "{not json",
                                "payload_sha256": hashlib.sha256(payload).hexdigest(), "payload": payload}))
    with pytest.raises(ModelError, match="corrupted: its model card cannot be read"):
        classifier.load(path)


def test_saving_a_pipeline_with_an_untrusted_type_as_skops_is_refused(tmp_path, single_model):
    model, _ = single_model
    odd = classifier.Model(Pipeline([*model.pipeline.steps, ("extra", Sneaky("x"))]), model.card)
    target = tmp_path / "odd.skops"
    with pytest.raises(ModelError, match=r"may not contain: tests\.test_skops\.Sneaky\. Save it as \.joblib"):
        classifier.save(odd, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("first, second", [(".joblib", ".skops"), (".skops", ".joblib")])
def test_convert_both_ways_keeps_card_and_predictions(tmp_path, multi_model, first, second):
    model, _ = multi_model
    source = classifier.save(model, tmp_path / f"a{first}")
    result = classifier.convert(source, tmp_path / "out" / f"b{second}")
    target = tmp_path / "out" / f"b{second}"
    assert result == {"source": str(source), "target": str(target), "from": first[1:], "to": second[1:],
                      "bytes": target.stat().st_size}
    back = classifier.convert(target, tmp_path / f"c{first}")
    assert back["from"] == second[1:] and back["to"] == first[1:]
    for path in (target, tmp_path / f"c{first}"):
        loaded = classifier.load(path)
        np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
        assert loaded.card == json.loads(json.dumps(model.card))


def test_convert_refuses_an_untrusted_skops_file_and_writes_nothing(tmp_path, single_model):
    model, _ = single_model
    marker = tmp_path / "ran.txt"
    path = skops_bundle(tmp_path / "sneaky.skops", model.card,
                        sio.dumps(Pipeline([("extra", Sneaky(str(marker))), *model.pipeline.steps])))
    with pytest.raises(ModelError, match="Sneaky"):
        classifier.convert(path, tmp_path / "out.joblib")
    assert not (tmp_path / "out.joblib").exists() and not marker.exists()


# Both model families save and load as .skops; whatever could stop the save is checked before training.

def _small_table(tmp_path, multi: bool) -> Path:
    from .conftest import make_multi_rows, make_rows

    path = tmp_path / ("multi.csv" if multi else "single.csv")
    (make_multi_rows(150, seed=6) if multi else make_rows(30, seed=6)).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("multi", [False, True], ids=["single_label", "multi_label"])
def test_an_in_memory_model_trains_saves_as_skops_and_loads_the_same(tmp_path, multi):
    model = classifier.train(_small_table(tmp_path, multi), out_of_core=False)
    again = classifier.load(classifier.save(model, tmp_path / "model.skops"))
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert again.card == json.loads(json.dumps(model.card))


@pytest.mark.parametrize("multi", [False, True], ids=["single_label", "multi_label"])
def test_an_out_of_core_model_trains_saves_as_skops_and_loads_the_same(tmp_path, multi):
    from classifier.estimators.hashed import HashedTfidf, IncrementalLinearSVC

    model = classifier.train(_small_table(tmp_path, multi), out_of_core=True)
    assert model.card["params"]["model"]["out_of_core"] is True
    path = classifier.save(model, tmp_path / "model.skops")
    found = skops_format.object_types(bundle.read_bundle(path)["payload"], path)
    assert found <= skops_format.TRUSTED_TYPES and "builtins.int" not in found
    again = classifier.load(path)
    assert isinstance(again.pipeline.steps[0][1], HashedTfidf)
    assert isinstance(again.pipeline.steps[-1][1], IncrementalLinearSVC)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))
    np.testing.assert_array_equal(again.pipeline.steps[0][1].get_feature_names_out(),
                                  model.pipeline.steps[0][1].get_feature_names_out())
    assert again.card == json.loads(json.dumps(model.card))


@pytest.mark.parametrize("out_of_core", [False, True], ids=["in_memory", "out_of_core"])
def test_check_savable_refuses_an_untrusted_family_before_training(tmp_path, monkeypatch, out_of_core):
    from classifier.training.savable import check_savable

    target = tmp_path / "out" / "model.skops"
    assert check_savable(target, out_of_core=out_of_core) == target
    name = ("classifier.estimators.hashed.IncrementalLinearSVC" if out_of_core
            else "classifier.estimators.svm.CalibratedLinearSVC")
    monkeypatch.setattr(skops_format, "TRUSTED_TYPES", skops_format.TRUSTED_TYPES - {name})
    with pytest.raises(ModelError, match=f"may not contain: {name}"):
        check_savable(target, out_of_core=out_of_core)
    assert check_savable(tmp_path / "model.joblib", out_of_core=out_of_core).suffix == ".joblib"
    assert not target.exists() and not (tmp_path / "model.joblib").exists()


def test_check_savable_picks_the_family_as_training_does_and_needs_skops(tmp_path, monkeypatch):
    import sys

    from classifier import defaults
    from classifier.training.savable import check_savable

    data = _small_table(tmp_path, False)
    monkeypatch.setattr(skops_format, "TRUSTED_TYPES",
                        skops_format.TRUSTED_TYPES - {"classifier.estimators.hashed.HashedTfidf"})
    check_savable(tmp_path / "m.skops", data)  # a small file trains in memory
    monkeypatch.setattr(defaults, "OUT_OF_CORE_BYTES", 10)
    with pytest.raises(ModelError, match="HashedTfidf"):
        check_savable(tmp_path / "m.skops", data)
    check_savable(tmp_path / "m.skops", data, out_of_core=False)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(ModelError, match="needs the skops package"):
        check_savable(tmp_path / "m.skops", data, out_of_core=False)
    check_savable(tmp_path / "m.joblib", data)
