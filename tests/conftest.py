"""Shared fixtures: small labelled tables written on ``tmp_path`` and models trained on them."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import joblib
import pandas as pd
import pytest

import classifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

os.environ.setdefault("CLASSIFIER_KEY_FILE", str(Path(tempfile.mkdtemp(prefix="classifier-key-")) / "signing.key"))
"""Joblib models saved by the tests are signed with a key of their own, not the user's."""

TOPICS = {
    "crime": ["police", "arrested", "suspects", "court", "raid", "detained", "prosecutors", "charged"],
    "war": ["army", "troops", "shelling", "border", "soldiers", "artillery", "drone", "offensive"],
    "money": ["budget", "inflation", "tariffs", "loan", "exports", "taxes", "central", "bank"],
}
FILLER = ["on", "tuesday", "officials", "said", "the", "city", "after", "a", "week", "of", "talks", "in", "north"]


def make_rows(n_per_class: int = 20, seed: int = 0) -> pd.DataFrame:
    """A small single-label table whose classes are separable by their words."""
    rng = random.Random(seed)
    rows = []
    for label, words in TOPICS.items():
        for _ in range(n_per_class):
            text = " ".join(rng.choice(words) if rng.random() < 0.5 else rng.choice(FILLER) for _ in range(14))
            rows.append({"id": f"{label[:1]}{len(rows):04d}", "text": text, "label": label})
    rng.shuffle(rows)
    return pd.DataFrame(rows)


def make_multi_rows(n: int = 90, seed: int = 0) -> pd.DataFrame:
    """A small multi-label table: each row carries zero to two of the topics."""
    rng = random.Random(seed)
    rows = []
    names = list(TOPICS)
    for i in range(n):
        chosen = sorted(rng.sample(names, k=i % 3))
        words = [w for t in chosen for w in TOPICS[t]] or ["weather", "football", "concert", "festival"]
        text = " ".join(rng.choice(words) if rng.random() < 0.6 else rng.choice(FILLER) for _ in range(16))
        rows.append({"text": text, "labels": "|".join(chosen)})
    return pd.DataFrame(rows)


@pytest.fixture
def single_csv(tmp_path) -> Path:
    path = tmp_path / "single.csv"
    make_rows().to_csv(path, index=False)
    return path


@pytest.fixture
def multi_csv(tmp_path) -> Path:
    path = tmp_path / "multi.csv"
    make_multi_rows().to_csv(path, index=False)
    return path


def _trained(tmp_path_factory, name: str, frame: pd.DataFrame | None):
    """Train on ``frame`` (the embedded dataset if ``None``) and save; return the model and its file."""
    folder = tmp_path_factory.mktemp(name)
    data = None
    if frame is not None:
        data = folder / "train.csv"
        frame.to_csv(data, index=False)
    model = classifier.train(data)
    return model, classifier.save(model, folder / "model.joblib")


@pytest.fixture(scope="session")
def single_model(tmp_path_factory):
    """A single-label model trained on a small generated table, and its file."""
    return _trained(tmp_path_factory, "single_model", make_rows(seed=1))


@pytest.fixture(scope="session")
def multi_model(tmp_path_factory):
    """A multi-label model trained on a small generated table, and its file."""
    return _trained(tmp_path_factory, "multi_model", make_multi_rows(seed=1))


@pytest.fixture(scope="session")
def news_model(tmp_path_factory):
    """The default model: trained on the embedded dataset with default settings."""
    return _trained(tmp_path_factory, "news_model", None)


def altered_bundle(source: Path, target: Path, change) -> Path:
    """Copy the model file ``source`` to ``target`` after ``change(raw_bundle_dict)`` edits it."""
    raw = joblib.load(source)
    change(raw)
    joblib.dump(raw, target)
    return target


def old_sklearn(raw: dict) -> None:
    """An ``altered_bundle`` change: pretend the model was saved under scikit-learn 0.0.1."""
    raw["card"]["library_versions"]["scikit-learn"] = "0.0.1"


def shared(name: str) -> Path:
    """A folder of ../shared/data, or skip the test when the shared data is absent."""
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (shared benchmark data lives beside the checkout, not in it)")
    return folder


def assert_user_error(result, *fragments):
    """Exit code 1, one ``Error:`` line on stderr naming every fragment, and no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in result.stderr + result.stdout
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
