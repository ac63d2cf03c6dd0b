"""Cold start (issue 14): importing the package, its api and its command line pulls in none of the heavy
libraries a command may need later (scikit-learn, SciPy, pandas, matplotlib, rich tables, the domain
modules); each is imported by the function that uses it. Checked in a fresh interpreter by what lands in
``sys.modules``, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "pyarrow", "joblib", "skops", "rich.table", "rich.progress",
         "classifier.training", "classifier.prediction", "classifier.insight", "classifier.audit",
         "classifier.estimators", "classifier.explain", "classifier.io.model_file", "classifier.io.tables")


def loaded_after(statement: str) -> list[str]:
    """The heavy modules present in ``sys.modules`` after running ``statement`` in a new interpreter."""
    code = (f"{statement}\nimport json, sys\n"
            f"heavy = {HEAVY!r}\n"
            "print(json.dumps(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))))")
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("statement", ["import classifier", "import classifier.api", "import classifier.cli",
                                       "import classifier.__main__"])
def test_importing_the_package_and_its_command_line_imports_nothing_heavy(statement):
    assert loaded_after(statement) == []


def test_help_imports_nothing_heavy():
    statement = ("import contextlib, io, classifier.cli\n"
                 "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
                 "    classifier.cli.app(['--help'])")
    assert [m for m in loaded_after(statement) if not m.startswith("rich.")] == []  # typer draws help with rich


def test_the_checker_sees_a_heavy_import():
    assert "sklearn" in loaded_after("import sklearn")


def test_the_package_still_offers_the_api_names():
    import classifier
    from classifier import api

    for name in classifier.__all__:
        assert getattr(classifier, name) is not None
    assert classifier.train is api.train and classifier.Model is api.Model
    assert "Model" in dir(classifier)
    with pytest.raises(AttributeError):
        classifier.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018


def test_predicting_a_sentence_with_a_compact_model_imports_no_scikit_learn(tmp_path, single_model):
    import classifier

    model, _ = single_model
    path = classifier.save(model, tmp_path / "model.skops")
    statement = ("import contextlib, io, classifier.cli\n"
                 "with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):\n"
                 f"    classifier.cli.app(['predict', 'police arrested suspects', '--model', {str(path)!r}, '--json'])\n"
                 "assert 'crime' in out.getvalue(), out.getvalue()")
    assert [m for m in loaded_after(statement) if not m.startswith("classifier.")] == []
    explained = statement.replace("'--json'", "'--json', '--explain'")
    assert "sklearn" in loaded_after(explained)  # explaining needs the full pipeline
