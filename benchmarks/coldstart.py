"""Speed a user feels (issue 14): cold start of the command line, and whole-process prediction of a file.

    python -m benchmarks --data-dir ../shared/data --only coldstart --out DIR
    python -m benchmarks.coldstart [--data-dir ../shared/data] [--runs 5]   # prints the tables and the JSON

Cold start: the median wall time of ``--runs`` runs (default 5) of ``classifier --help``,
``classifier predict "one sentence"`` with the default model (``classifier train`` on the embedded
dataset, saved as ``.skops``), and, for reference, ``python -c "import sklearn"`` and a bare
``python -c pass``. Each is a new process, as a user runs it.

Whole process: ``classifier predict --input TEST --output OUT`` against a script that does the same with
the scikit-learn-tuned pipeline (``pandas.read_csv``, ``predict``, ``to_csv``: ``benchmarks.sklearn_script``)
and, when fastText is installed, one with fastText's ``predict`` (``benchmarks.fasttext_script``), on the
20 Newsgroups and US Congress test files and on the embedded dataset's texts; median of ``--runs`` runs
each (default 3), Python start-up and model loading included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SENTENCE = "Counter-terrorism police arrested three members of a banned outfit in Quetta on Monday"


def classifier_command() -> list[str]:
    """The installed ``classifier`` console script beside this Python, else ``python -m classifier``."""
    script = Path(sys.executable).with_name("classifier")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "classifier"]


def median_seconds(command: list[str], runs: int, cwd: Path = ROOT) -> float:
    """The median wall time of ``runs`` runs of ``command`` (each must succeed), one after another."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start(runs: int = 5) -> dict:
    """Median wall seconds of the commands a user types first, with the default model."""
    cli = classifier_command()
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model.skops"
        subprocess.run([*cli, "train", "--model", str(model), "--quiet"], check=True, capture_output=True, cwd=ROOT)
        seconds = {
            "classifier --help": median_seconds([*cli, "--help"], runs),
            'classifier predict "one sentence"': median_seconds([*cli, "predict", SENTENCE, "--model", str(model)],
                                                                runs),
            'classifier predict "one sentence" --explain (full pipeline)':
                median_seconds([*cli, "predict", SENTENCE, "--model", str(model), "--explain"], runs),
            'python -c "import sklearn"': median_seconds([sys.executable, "-c", "import sklearn"], runs),
            'python -c "pass"': median_seconds([sys.executable, "-c", "pass"], runs),
        }
        model_mb = model.stat().st_size / 1e6
    return {"runs": runs, "seconds": seconds, "model_mb": model_mb, "command": " ".join(Path(c).name for c in cli)}


def _split(folder: Path, name: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        if (folder / (name + suffix)).is_file():
            return folder / (name + suffix)
    return None


def whole_process(data_dir: Path, runs: int = 3) -> list[dict]:
    """Per dataset: median wall seconds of predicting its test file with each system, start-up included."""
    cases = [(name, _split(data_dir / name, "train"), _split(data_dir / name, "test"))
             for name in ("20newsgroups_bydate", "us_congress_bills_cap")]
    embedded = ROOT / "data" / "security_policy_news.csv"
    cases.append(("embedded dataset (its own texts)", embedded, embedded))
    fasttext = _fasttext_available()
    cli = classifier_command()
    rows = []
    for name, train, test in cases:
        if train is None or test is None:
            continue
        print(f"== whole process: {name}", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            label = _label_column(test)
            ours, sk, ft = tmp / "ours.skops", tmp / "sk.joblib", tmp / "ft.bin"
            subprocess.run([*cli, "train", str(train), "--model", str(ours), "--quiet"], check=True,
                           capture_output=True, cwd=ROOT)
            subprocess.run([sys.executable, "-m", "benchmarks.sklearn_script", "train", str(train), str(sk), label],
                           check=True, capture_output=True, cwd=ROOT)
            commands = {
                "classifier": [*cli, "predict", "--input", str(test), "--output", str(tmp / "ours.csv"), "--model",
                               str(ours), "--quiet"],
                "sklearn-tuned": [sys.executable, "-m", "benchmarks.sklearn_script", "predict", str(sk), str(test),
                                  str(tmp / "sk.csv")],
            }
            if fasttext:
                subprocess.run([sys.executable, "-m", "benchmarks.fasttext_script", "train", str(train), str(ft),
                                label], check=True, capture_output=True, cwd=ROOT)
                commands["fastText"] = [sys.executable, "-m", "benchmarks.fasttext_script", "predict", str(ft),
                                        str(test), str(tmp / "ft.csv")]
            seconds = {system: median_seconds(command, runs) for system, command in commands.items()}
        rows.append({"dataset": name, "file": test.name, "runs": runs, "seconds": seconds,
                     "ratios": {peer: seconds[peer] / seconds["classifier"] for peer in seconds if peer != "classifier"}})
    return rows


def _label_column(path: Path) -> str:
    import pandas as pd

    columns = pd.read_csv(path, nrows=0).columns
    return "label" if "label" in columns else "labels"


def _fasttext_available() -> bool:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False
    return True


def markdown_coldstart(result: dict) -> str:
    lines = ["### Cold start", "",
             f"Median wall time of {result['runs']} runs of each command, each a new process "
             f"(`{result['command']}`; the default model, trained on the embedded dataset, saved as .skops: "
             f"{result['model_mb']:.1f} MB).", "",
             "| command | seconds |", "|---|---|"]
    lines += [f"| `{name}` | {seconds:.3f} |" for name, seconds in result["seconds"].items()]
    return "\n".join(lines) + "\n"


def markdown_whole(rows: list[dict]) -> str:
    peers = sorted({peer for row in rows for peer in row["ratios"]})
    lines = ["### Whole process: predict a file", "",
             "`classifier predict --input TEST --output OUT` against scripts doing `pandas.read_csv`, the peer's "
             "`predict` and `to_csv` (`benchmarks/sklearn_script.py`, `benchmarks/fasttext_script.py`); median of "
             f"{rows[0]['runs'] if rows else 3} runs, Python start-up and model loading included. Ratio: the peer's "
             "seconds divided by ours (above 1: ours is faster).", "",
             "| dataset (file) | classifier s | " + " | ".join(f"{p} s | {p} / ours" for p in peers) + " |",
             "|---|---|" + "---|---|" * len(peers)]
    for row in rows:
        cells = [f"{row['dataset']} ({row['file']})", f"{row['seconds']['classifier']:.2f}"]
        for peer in peers:
            if peer in row["ratios"]:
                cells += [f"{row['seconds'][peer]:.2f}", f"{row['ratios'][peer]:.2f}x"]
            else:
                cells += ["-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coldstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=5, help="runs per cold-start command (median)")
    parser.add_argument("--whole-runs", type=int, default=3, help="runs per whole-process command (median)")
    parser.add_argument("--skip-whole-process", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("classifier") is None and not Path(sys.executable).with_name("classifier").is_file():
        print("Note: no classifier console script; timing python -m classifier.", file=sys.stderr)
    report = {"cold_start": cold_start(args.runs)}
    print(markdown_coldstart(report["cold_start"]))
    if not args.skip_whole_process and args.data_dir.is_dir():
        report["whole_process_files"] = whole_process(args.data_dir, args.whole_runs)
        print(markdown_whole(report["whole_process_files"]))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
