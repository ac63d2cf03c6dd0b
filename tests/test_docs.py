"""The README's quick start is what CI runs, and its examples use real commands and options."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from classifier.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_two_commands_that_ci_runs():
    commands = quick_start()
    assert len(commands) == 2
    assert "classifier train" in commands[0] and "classifier predict" in commands[0]
    assert "pytest" in commands[1]
    ci_lines = [line.strip() for line in CI.splitlines()]
    for command in commands:
        assert command.strip() in ci_lines, f"CI does not run the README command: {command}"


def test_readme_options_exist():
    """Every ``classifier COMMAND ... --option`` shown in the README is an option of that command."""
    runner = CliRunner()
    helps = {}
    for command, rest in re.findall(r"classifier (train|predict|evaluate|info|explain|audit|convert|cv|tune|compare|suggest|card|serve)\b([^\n`]*)", README):
        if command not in helps:
            helps[command] = runner.invoke(app, [command, "--help"], env={"COLUMNS": "300"}).stdout
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", rest):
            assert option in helps[command], f"README shows {command} {option}, which does not exist"
