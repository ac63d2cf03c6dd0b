"""Outputs that are not regular files: a device or FIFO is written into, never replaced; a symbolic link
is followed (its target is replaced atomically and the link stays)."""

from __future__ import annotations

import os
import stat
import threading

import pytest
from typer.testing import CliRunner

from classifier.cli import app

runner = CliRunner()


def test_a_character_device_is_written_into_not_replaced(tmp_path, single_csv, single_model):
    _, model = single_model
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private copy of /dev/null
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    for args in (["predict", "--input", str(single_csv), "--output", str(device), "--model", str(model), "--quiet"],
                 ["train", str(single_csv), "--model", str(device), "--quiet"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(os.stat(device).st_mode), "the device node was replaced by a file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_receives_the_rows_and_stays_a_fifo(tmp_path, single_csv, single_model):
    _, model = single_model
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = runner.invoke(app, ["predict", "--input", str(single_csv), "--output", str(fifo), "--model", str(model),
                                 "--quiet"])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    lines = received[0].splitlines()
    assert lines[0].endswith("predicted_label,predicted_score") and len(lines) == 1 + 60


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(tmp_path, single_csv, single_model):
    _, model = single_model
    (tmp_path / "real.csv").write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    result = runner.invoke(app, ["predict", "--input", str(single_csv), "--output", str(link), "--model", str(model),
                                 "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert (tmp_path / "real.csv").read_text().startswith("id,text,label,predicted_label")
