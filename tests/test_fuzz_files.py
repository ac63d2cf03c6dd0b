"""Fuzz tests of crafted files through the command line: compressed tables (garbled or truncated gzip, gzip
bombs within small limits) and model files (random bytes, truncated ZIP, ZIP members with bogus sizes, a joblib
outer pickle of random opcodes). Every case works or ends in one ``Error:`` line with exit 1, never a
traceback, and a failed run leaves no output file behind.
"""

from __future__ import annotations

import gzip
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import classifier
from classifier import defaults
from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()
FUZZ = settings(deadline=None, max_examples=25,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def works_or_fails_cleanly(result, output) -> None:
    """Exit 0 with the output written, or one ``Error:`` line, exit 1, and no output file."""
    if result.exit_code == 0:
        assert output.exists()
        return
    assert_user_error(result)
    assert not output.exists()
    assert not list(output.parent.glob(f".{output.name}*")), "a temporary file was left behind"


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The bytes of one small labelled table in each compressed format."""
    folder = tmp_path_factory.mktemp("tables")
    frame = pd.DataFrame({"text": ["police raid in the city", "budget and taxes", "troops at the border"] * 5})
    frame.to_csv(folder / "t.csv", index=False)
    frame.to_json(folder / "t.jsonl", orient="records", lines=True)
    frame.to_parquet(folder / "t.parquet")
    return {suffix: gzip.compress((folder / f"t{suffix}").read_bytes())
            for suffix in (".csv", ".jsonl", ".parquet")}


@FUZZ
@given(suffix=st.sampled_from([".csv", ".jsonl", ".parquet"]), data=st.data())
def test_garbled_or_truncated_gzip_inputs_work_or_fail_cleanly(tmp_path, tables, single_model, suffix, data):
    raw = bytearray(tables[suffix])
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[:data.draw(st.integers(0, len(raw) - 1), label="length")]
    else:
        for _ in range(data.draw(st.integers(1, 4), label="flips")):
            raw[data.draw(st.integers(0, len(raw) - 1), label="at")] = data.draw(st.integers(0, 255), label="to")
    source, output = tmp_path / f"in{suffix}.gz", tmp_path / "out.csv"
    source.write_bytes(bytes(raw))
    output.unlink(missing_ok=True)
    _, model = single_model
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(output), "--model", str(model)])
    works_or_fails_cleanly(result, output)


@FUZZ
@given(cell=st.integers(0, 6_000), kind=st.sampled_from(["csv", "jsonl", "parquet"]),
       char=st.sampled_from(["x", "é", "\n", "police "]))
def test_gzip_bombs_within_small_limits_are_refused_or_read(tmp_path, single_model, monkeypatch, cell, kind, char):
    monkeypatch.setattr(defaults, "MAX_ROW_CHARS", 4_000)
    monkeypatch.setattr(defaults, "MAX_PARQUET_GZ_BYTES", 8_000)
    text = (char * cell)[:cell]
    frame = pd.DataFrame({"text": ["police raid", text]})
    plain = tmp_path / f"in.{kind}"
    if kind == "csv":
        frame.to_csv(plain, index=False)
    elif kind == "jsonl":
        frame.to_json(plain, orient="records", lines=True, force_ascii=False)
    else:
        frame.to_parquet(plain, compression=None)
    source, output = tmp_path / f"in.{kind}.gz", tmp_path / "out.jsonl"
    source.write_bytes(gzip.compress(plain.read_bytes()))
    output.unlink(missing_ok=True)
    _, model = single_model
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", str(output), "--model", str(model),
                                 "--max-chars", "100"])
    works_or_fails_cleanly(result, output)
    limit = defaults.MAX_PARQUET_GZ_BYTES if kind == "parquet" else defaults.MAX_ROW_CHARS
    size = plain.stat().st_size if kind == "parquet" else len(plain.read_text(encoding="utf-8"))
    if size < limit // 2:
        assert result.exit_code == 0, result.stderr
        back = pd.read_json(output, lines=True, dtype=False)
        assert back["text"].fillna("").tolist() == ["police raid", text]
    if size > limit:
        assert result.exit_code == 1


@pytest.fixture(scope="module")
def model_bytes(single_model, tmp_path_factory):
    """The bytes of one real model as .joblib and as .skops."""
    _, path = single_model
    skops = tmp_path_factory.mktemp("models") / "model.skops"
    classifier.convert(path, skops)
    return {".joblib": path.read_bytes(), ".skops": skops.read_bytes()}


def _predict_with(tmp_path, single_csv, model: bytes, suffix: str):
    path, output = tmp_path / f"crafted{suffix}", tmp_path / "out.csv"
    path.write_bytes(model)
    output.unlink(missing_ok=True)
    result = runner.invoke(app, ["predict", "--input", str(single_csv), "--output", str(output), "--model",
                                 str(path)])
    works_or_fails_cleanly(result, output)
    return result


@FUZZ
@given(content=st.binary(max_size=2_000), suffix=st.sampled_from([".joblib", ".skops"]),
       zip_magic=st.booleans())
def test_random_bytes_as_a_model_fail_cleanly(tmp_path, single_csv, content, suffix, zip_magic):
    result = _predict_with(tmp_path, single_csv, (b"PK\x03\x04" if zip_magic else b"") + content, suffix)
    assert result.exit_code == 1


@FUZZ
@given(suffix=st.sampled_from([".joblib", ".skops"]), data=st.data())
def test_truncated_models_fail_cleanly_or_load_intact(tmp_path, single_csv, model_bytes, suffix, data):
    """A .joblib cut inside the zlib stream's last bytes (its checksum) can still inflate whole; its payload's
    SHA-256 then matches and it loads, which is right. Anything else ends in an error."""
    raw = model_bytes[suffix]
    cut = data.draw(st.integers(0, len(raw) - 1))
    result = _predict_with(tmp_path, single_csv, raw[:cut], suffix)
    if cut < len(raw) - 16:
        assert result.exit_code == 1


def _header_offsets(raw: bytes) -> list[int]:
    """Where the size fields of every ZIP local header and central directory entry of ``raw`` start."""
    offsets, at = [], 0
    while (at := raw.find(b"PK", at)) != -1:
        if raw[at:at + 4] == b"PK\x03\x04":
            offsets.append(at + 18)  # compressed size, then uncompressed size
        elif raw[at:at + 4] == b"PK\x01\x02":
            offsets.append(at + 20)
        at += 2
    return offsets


@FUZZ
@given(data=st.data())
def test_skops_zip_members_with_bogus_sizes_fail_cleanly_or_load(tmp_path, single_csv, model_bytes, data):
    raw = bytearray(model_bytes[".skops"])
    offsets = _header_offsets(bytes(raw))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.sampled_from(offsets)) + data.draw(st.sampled_from([0, 4]))
        raw[at:at + 4] = data.draw(st.sampled_from([0, 1, 2**31 - 1, 2**32 - 1, 2**30])).to_bytes(4, "little")
    _predict_with(tmp_path, single_csv, bytes(raw), ".skops")


def test_the_zip_size_offsets_point_at_real_size_fields(model_bytes):
    raw = model_bytes[".skops"]
    with zipfile.ZipFile(__import__("io").BytesIO(raw)) as archive:
        sizes = {info.compress_size for info in archive.infolist()}
    found = {int.from_bytes(raw[at:at + 4], "little") for at in _header_offsets(raw)}
    assert sizes <= found


PICKLE_OPCODES = list(b"()*.0123BCFGIJKLMNPQRSTUVX]abcdeghijlmopqrstu}\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89"
                      b"\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98")


@FUZZ
@given(body=st.lists(st.one_of(st.sampled_from(PICKLE_OPCODES), st.integers(0, 255)), max_size=200))
def test_a_joblib_outer_of_random_pickle_opcodes_fails_cleanly(tmp_path, single_csv, body):
    result = _predict_with(tmp_path, single_csv, b"\x80\x04" + bytes(body) + b".", ".joblib")
    assert result.exit_code == 1
