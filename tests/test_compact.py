"""The compact scorer (issue 14): a saved model's arrays, applied with NumPy alone, give the probabilities its
full pipeline gives (to 1e-6) on varied texts, single- and multi-label, with and without character n-grams;
a model file carries it, and loading falls back to the pipeline whenever it is missing, stale or unreadable."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import classifier
from classifier.estimators.compact import (
    CompactError,
    CompactScorer,
    compact_arrays,
    hash_table,
    lookup,
    to_bytes,
)
from classifier.estimators.pipeline import build_pipeline
from classifier.io import model_file, skops_format
from classifier.model import Model

from .conftest import FILLER, TOPICS, make_multi_rows, make_rows

CONFIGS = {
    "single, words": (False, {"char_ngrams": None}),
    "single, chars": (False, {"char_ngrams": (3, 5)}),
    "multi, words": (True, {"char_ngrams": None}),
    "multi, chars and prefixes": (True, {"char_ngrams": (2, 4), "prefix": 3, "word_ngrams": (1, 3)}),
    "single, arabic options": (False, {"char_ngrams": (4, 4), "strip_arabic_marks": True,
                                       "fold_arabic_letters": True, "sublinear_tf": False}),
}
WORDS = [w for words in TOPICS.values() for w in words] + FILLER + [
    "पुलिस", "गिरफ्तार", "警方逮捕", "東京", "کتاب", "كتاب", "مُحَمَّد", "می‌شود", "café", "Café", "ＡＢＣ", "ﬁnance",
    "ศาล", "naïve", "e\u0301", "🙂", "7", "2024", "O'Neil", "co-op", "_x_"]


def _pipeline(multi_label: bool, features: dict):
    frame = make_multi_rows(seed=3) if multi_label else make_rows(seed=3)
    texts = frame["text"].tolist()
    texts[0] += " पुलिस गिरफ्तार 警方逮捕 کتاب café ศาล"  # non-ASCII terms in the vocabulary
    labels = [tuple(c.split("|")) if c else () for c in frame["labels"].fillna("")] if multi_label \
        else frame["label"].tolist()
    return build_pipeline(features=features).fit(texts, labels)


@pytest.fixture(scope="module", params=list(CONFIGS))
def fitted(request):
    return _pipeline(*CONFIGS[request.param])


texts_strategy = st.lists(
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=30).map(" ".join),
    min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=texts_strategy)
def test_compact_probabilities_equal_the_pipelines(fitted, texts):
    scorer = CompactScorer.from_bytes(to_bytes(compact_arrays(fitted, "sha")))
    expected = fitted.predict_proba(texts)
    got = scorer.predict_proba(texts)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-6


def test_compact_scores_the_default_model_on_the_embedded_dataset_as_its_pipeline(news_model):
    model, _ = news_model
    texts = classifier.read_labelled(classifier.default_dataset()).texts[:1500] + ["", "  ", "x"]
    scorer = CompactScorer(compact_arrays(model.pipeline, "sha"))
    assert np.abs(scorer.predict_proba(texts) - model.predict_proba(texts)).max() <= 1e-6
    assert np.abs(scorer.decision_function(texts) - model.pipeline.decision_function(texts)).max() <= 1e-5


def test_compact_keeps_thresholds_and_classes(fitted):
    scorer = CompactScorer(compact_arrays(fitted, "sha"))
    final = fitted.named_steps["model"]
    assert scorer.classes_ == [str(c) for c in final.classes_]
    expected = final.thresholds_ if final.multi_label_ else None
    assert (scorer.thresholds_ is None) == (expected is None)
    if expected is not None:
        assert np.array_equal(scorer.named_steps["model"].thresholds_, expected)
    assert Model(pipeline=scorer, card={"labels": scorer.classes_, "task": "multi_label" if final.multi_label_
                                        else "single_label"}).thresholds is not None or expected is None


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_the_hash_table_finds_every_hash_and_nothing_else(n, seed):
    rng = np.random.default_rng(seed)
    hashes = np.unique(rng.integers(0, 2**64, size=2 * n + 2, dtype=np.uint64))
    inside, outside = hashes[: len(hashes) // 2], hashes[len(hashes) // 2:]
    table_hashes, table_columns = hash_table(inside)
    assert len(table_hashes) & (len(table_hashes) - 1) == 0 and len(table_hashes) > len(inside)
    assert np.array_equal(lookup(table_hashes, table_columns, inside), np.arange(len(inside)))
    assert (lookup(table_hashes, table_columns, outside) == -1).all()


def test_other_pipelines_have_no_compact_scorer():
    assert compact_arrays(object(), "sha") is None
    assert compact_arrays(build_pipeline(), "sha") is None  # not fitted


def test_arrays_that_do_not_make_a_scorer_are_refused(fitted):
    arrays = compact_arrays(fitted, "sha")
    with pytest.raises(CompactError, match="lacks idf"):
        CompactScorer({k: v for k, v in arrays.items() if k != "idf"})
    with pytest.raises(CompactError, match="shape"):
        CompactScorer({**arrays, "intercept": arrays["intercept"][:-1]})
    with pytest.raises(CompactError, match="version"):
        CompactScorer({**arrays, "format_version": np.array(99)})
    with pytest.raises(CompactError, match="holds"):
        CompactScorer({**arrays, "coef_t": arrays["coef_t"].astype(str)})
    objects = io.BytesIO()
    np.savez(objects, **{**arrays, "idf": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(CompactError, match="unreadable"):  # object arrays need pickle, which is never allowed
        CompactScorer.from_bytes(objects.getvalue())
    with pytest.raises(CompactError, match="unreadable"):
        CompactScorer.from_bytes(b"not an npz")


@pytest.mark.parametrize("suffix", [".skops", ".joblib"])
def test_a_saved_model_loads_its_compact_scorer(tmp_path, multi_model, suffix):
    model, _ = multi_model
    path = classifier.save(model, tmp_path / f"model{suffix}")
    fast = model_file.load(path, compact=True)
    full = model_file.load(path)
    assert isinstance(fast.pipeline, CompactScorer) and not isinstance(full.pipeline, CompactScorer)
    assert fast.card == full.card
    texts = ["police arrested suspects at the border", "budget talks", ""]
    assert np.abs(fast.predict_proba(texts) - full.predict_proba(texts)).max() <= 1e-6
    assert np.array_equal(fast.thresholds, full.thresholds)
    assert classifier.predict(path, texts) == classifier.predict(full, texts)


def _skops_with(tmp_path, model: Model, compact) -> Path:
    """A .skops model file of ``model`` whose compact member is ``compact(payload_sha256)`` (none for ``None``)."""
    import hashlib

    payload = skops_format.dump_pipeline(model.pipeline)
    sha = hashlib.sha256(payload).hexdigest()
    header = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION, "payload_sha256": sha}
    member = compact(sha)
    path = tmp_path / "crafted.skops"
    path.write_bytes(skops_format.dump_outer(header, model.card, payload, {} if member is None
                                             else {"compact": member}))
    return path


def test_loading_falls_back_to_the_pipeline(tmp_path, single_model, multi_model):
    model, _ = single_model
    other, _ = multi_model
    cases = {
        "none": lambda sha: None,
        "stale": lambda sha: to_bytes(compact_arrays(model.pipeline, "0" * 64)),
        "unreadable": lambda sha: b"PK\x03\x04 damaged",
        "other labels": lambda sha: to_bytes(compact_arrays(other.pipeline, sha)),
        "current": lambda sha: to_bytes(compact_arrays(model.pipeline, sha)),
    }
    for name, compact in cases.items():
        loaded = model_file.load(_skops_with(tmp_path, model, compact), compact=True)
        assert isinstance(loaded.pipeline, CompactScorer) == (name == "current"), name
        assert loaded.labels == model.labels


def test_the_plain_reader_reads_what_skops_reads(tmp_path, single_model):
    model, _ = single_model
    path = classifier.save(model, tmp_path / "model.skops")
    data = path.read_bytes()
    plain = skops_format.read_plain_outer(data, path)
    assert plain == skops_format.read_outer(data, path)
    assert isinstance(plain["compact"], bytes)


def test_the_plain_reader_gives_up_on_any_other_layout(tmp_path, single_model):
    model, _ = single_model
    data = classifier.save(model, tmp_path / "model.skops").read_bytes()

    def rewritten(change) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for item in source.infolist():
                body = source.read(item)
                if item.filename == "schema.json":
                    schema = json.loads(body)
                    change(schema)
                    body = json.dumps(schema).encode()
                target.writestr(item, body)
        return out.getvalue()

    def object_value(schema):
        schema["content"]["format"] = {"__class__": "Evil", "__module__": "os", "__loader__": "ObjectNode"}

    def list_outer(schema):
        schema["__loader__"] = "ListNode"

    for change in (object_value, list_outer):
        assert skops_format.read_plain_outer(rewritten(change), "m") is None
    assert skops_format.read_plain_outer(data[: len(data) // 2], "m") is None
    assert skops_format.read_plain_outer(rewritten(lambda s: None), "m") is not None


def test_a_model_with_other_library_versions_warns_on_the_compact_path_too(tmp_path, single_model):
    model, _ = single_model
    card = json.loads(json.dumps(model.card))
    card["library_versions"]["scikit-learn"] = "0.0.1"
    path = classifier.save(Model(pipeline=model.pipeline, card=card), tmp_path / "old.skops")
    with pytest.warns(model_file.VersionWarning, match="scikit-learn 0.0.1"):
        loaded = model_file.load(path, compact=True)
    assert isinstance(loaded.pipeline, CompactScorer)


def test_running_versions_match_the_imported_modules():
    import numpy
    import scipy
    import sklearn

    assert model_file.running_version("numpy") == numpy.__version__
    assert model_file.running_version("scipy") == scipy.__version__
    assert model_file.running_version("scikit-learn") == sklearn.__version__
    assert model_file.running_version("classifier") == classifier.__version__
