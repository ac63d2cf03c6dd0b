"""A full disk (ENOSPC) ends in one ``Error:`` line and exit 1, keeps the previous file, and leaves no
partial file, whether the output is a file or standard output redirected to the full device.

Needs a small tmpfs, which only root may mount; skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import ROOT, assert_user_error

runner = CliRunner()


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs holding a 16 KiB file that stands for a previous output."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


@pytest.fixture
def big_table(tmp_path):
    path = tmp_path / "big.csv"
    pd.DataFrame({"text": [f"police arrested suspects in raid number {i} after talks" for i in range(3000)]}).to_csv(
        path, index=False)
    return path


def test_predict_into_a_full_disk_keeps_the_old_file(full_disk, big_table, single_model):
    _, model = single_model
    out = full_disk / "labelled.csv"
    out.write_text("old,output\n" * 1400)
    before = out.read_bytes()
    result = runner.invoke(app, ["predict", "--input", str(big_table), "--output", str(out), "--model", str(model),
                                 "--quiet"])
    assert_user_error(result, "no space left on the device")
    assert out.read_bytes() == before
    assert sorted(p.name for p in full_disk.iterdir()) == ["labelled.csv"]


def test_standard_output_on_a_full_disk_is_an_error_not_a_silent_cut(full_disk, big_table, single_model):
    _, model = single_model
    target = full_disk / "stdout.csv"
    with open(target, "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "classifier", "predict", "--input", str(big_table), "--model",
                               str(model), "--quiet"], stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: There is no space left on the device"), done.stderr


def test_training_into_a_full_disk_keeps_the_old_model(full_disk, tmp_path):
    from .conftest import make_rows

    data = tmp_path / "train.csv"
    make_rows(n_per_class=400).to_csv(data, index=False)
    model = full_disk / "model.joblib"
    model.write_bytes(b"previous model" * 4000)
    result = runner.invoke(app, ["train", str(data), "--model", str(model), "--quiet"])
    assert_user_error(result, "no space left on the device")
    assert model.read_bytes() == b"previous model" * 4000
    assert [p.name for p in Path(full_disk).iterdir()] == ["model.joblib"]


def test_suggested_tasks_on_standard_output_on_a_full_disk_are_an_error(full_disk, big_table, single_model):
    """suggest writes its Prodigy or Label Studio tasks through the same standard-output path as predict."""
    _, model = single_model
    target = full_disk / "tasks.jsonl"
    with open(target, "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "classifier", "suggest", str(big_table), "--model", str(model),
                               "--n", "1000", "--format", "prodigy", "--output", "-", "--quiet"], stdout=stdout,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: There is no space left on the device"), done.stderr


@pytest.mark.parametrize("args", [["info", "--json"], ["info"], ["predict", "police raid", "--json"],
                                  ["explain", "police raid"], ["card", "--output", "-"], ["--help"]],
                         ids=["info-json", "info-table", "predict-json", "explain", "card", "help"])
def test_any_command_printing_to_a_full_standard_output_ends_in_one_error_line(args, single_model):
    """Tables and JSON printed by rich or print_json (outside the library's writers) hit a full device too."""
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    _, model = single_model
    command = [*args, "--model", str(model)] if args != ["--help"] else args
    with open("/dev/full", "wb") as stdout:
        done = subprocess.run([sys.executable, "-m", "classifier", *command], stdout=stdout, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: There is no space left on the device"), done.stderr
