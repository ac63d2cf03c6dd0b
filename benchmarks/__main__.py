"""Accuracy and speed of this project's defaults against fastText and a tuned scikit-learn pipeline.

    python -m benchmarks --data-dir ../shared/data [--only NAME ...] [--out benchmarks]

For every dataset folder holding ``train.csv[.gz]`` and ``test.csv[.gz]``
(single-label column ``label`` or multi-label column ``labels``), one child
process trains, saves, loads and scores every system on the same machine, one
after another. Figures per system: accuracy and macro-F1 (multi-label: micro-
and macro-F1), training wall seconds, prediction throughput in documents per
second with the model already loaded, peak resident memory while training,
model size on disk, and load time; then our ratios against each peer. Then the
section ``coldstart`` (:mod:`benchmarks.coldstart`, issue 14): the median wall time
of ``classifier --help`` and ``classifier predict "one sentence"``, and
whole-process figures: ``classifier predict --input TEST --output OUT`` against
scripts doing the same with the sklearn-tuned pipeline and fastText, on 20
Newsgroups, US Congress and the embedded dataset. ``--only coldstart`` runs that
section alone (about a minute and a half).

Writes ``RESULTS.md`` (Markdown tables, with the machine's core count) and
``results.json`` to ``--out``. The peers need the ``bench`` extra:
``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def datasets(data_dir: Path) -> list[Path]:
    """Folders of ``data_dir`` with both a train and a test file."""
    found = []
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        if _split(folder, "train") and _split(folder, "test"):
            found.append(folder)
    return found


def _split(folder: Path, name: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        if (folder / (name + suffix)).is_file():
            return folder / (name + suffix)
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", nargs="*", help="dataset folder names to run, and/or coldstart (default: all)")
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--skip-whole-process", action="store_true")
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"Error: no data folder at {args.data_dir}. Pass --data-dir.", file=sys.stderr)
        return 1
    results = []
    for folder in datasets(args.data_dir):
        if args.only and folder.name not in args.only:
            continue
        print(f"== {folder.name}", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, "-m", "benchmarks.run_dataset", str(folder)],
                              capture_output=True, text=True, cwd=HERE.parent)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout))
        print(markdown_dataset(results[-1]), file=sys.stderr, flush=True)
    real = None
    if (args.data_dir / "real_news_eval" / "dev.csv").is_file() and (not args.only or "real_news_eval" in args.only):
        print("== real_news_eval", file=sys.stderr, flush=True)
        real = real_news(args.data_dir / "real_news_eval" / "dev.csv")
        print(markdown_real_news(real), file=sys.stderr, flush=True)
    cold, whole = None, None
    if not args.only or "coldstart" in args.only:
        from benchmarks import coldstart

        print("== coldstart", file=sys.stderr, flush=True)
        cold = coldstart.cold_start()
        print(coldstart.markdown_coldstart(cold), file=sys.stderr, flush=True)
        if not args.skip_whole_process:
            whole = coldstart.whole_process(args.data_dir)
            print(coldstart.markdown_whole(whole), file=sys.stderr, flush=True)
    report = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "datasets": results,
        "real_news": real,
        "cold_start": cold,
        "whole_process_files": whole,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "RESULTS.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def real_news(dev: Path) -> dict:
    """The default model (``classifier train`` with no options, on the embedded dataset) on real news:
    its held-out slice scores beside its scores on ``real_news_eval/dev.csv``, per label too."""
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "default.joblib"
        trained = subprocess.run([sys.executable, "-m", "classifier", "train", "--model", str(model), "--quiet",
                                  "--json"], check=True, capture_output=True, text=True, cwd=HERE.parent)
        scored = subprocess.run([sys.executable, "-m", "classifier", "evaluate", str(dev), "--model", str(model),
                                 "--json"], check=True, capture_output=True, text=True, cwd=HERE.parent)
    slice_metrics, dev_metrics = json.loads(trained.stdout)["metrics"], json.loads(scored.stdout)
    return {"file": f"{dev.parent.name}/{dev.name}", "rows": dev_metrics["n"],
            "held_out_slice": {k: slice_metrics[k] for k in ("micro_f1", "macro_f1", "n")},
            "dev": {k: dev_metrics[k] for k in ("micro_f1", "macro_f1", "subset_accuracy", "ece")},
            "per_label": dev_metrics["per_label"]}


def markdown_real_news(real: dict) -> str:
    dev, held = real["dev"], real["held_out_slice"]
    lines = [f"### Real news: the default model on {real['file']} ({real['rows']} rows)", "",
             "`classifier train` with no options (the embedded dataset), then `classifier evaluate` on real news "
             "written by journalists and labelled in the project's taxonomy (evaluation only).", "",
             "| scored on | micro-F1 | macro-F1 |", "|---|---|---|",
             f"| held-out slice of the embedded dataset ({held['n']} rows) | {held['micro_f1']:.3f} "
             f"| {held['macro_f1']:.3f} |",
             f"| {real['file']} | {dev['micro_f1']:.3f} | {dev['macro_f1']:.3f} |", "",
             "| label | precision | recall | F1 | rows |", "|---|---|---|---|---|"]
    for label, row in real["per_label"].items():
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
    return "\n".join(lines) + "\n"


def _fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_dataset(result: dict) -> str:
    multi = result["task"] == "multi_label"
    quality = ("micro-F1", "macro-F1") if multi else ("accuracy", "macro-F1")
    keys = ("micro_f1", "macro_f1") if multi else ("accuracy", "macro_f1")
    lines = [f"### {result['dataset']} ({'multi-label' if multi else 'single-label'}; "
             f"{result['rows_train']:,} train / {result['rows_test']:,} test rows)", "",
             f"| system | {quality[0]} | {quality[1]} | train s | predict docs/s | peak train RSS MB "
             "| model MB | load s |", "|---|---|---|---|---|---|---|---|"]
    for system in result["systems"]:
        lines.append(
            f"| {system['name']} | {_fmt(system[keys[0]])} | {_fmt(system[keys[1]])} | {_fmt(system['train_s'], 1)} "
            f"| {system['predict_docs_per_s']:,.0f} | {system['peak_train_rss_mb']:,.0f} | {_fmt(system['model_mb'], 1)} "
            f"| {_fmt(system['load_s'], 2)} |")
    lines += ["", "| ours vs | quality (" + quality[0] + ") | " + quality[1]
              + " | train time (ours / peer) | predict throughput (ours / peer) |", "|---|---|---|---|---|"]
    for peer, ratio in result["ratios"].items():
        lines.append(f"| {peer} | {ratio[keys[0]]:+.3f} | {ratio[keys[1]]:+.3f} | {ratio['train_time']:.2f}x "
                     f"| {ratio['throughput']:.2f}x |")
    return "\n".join(lines) + "\n"


def markdown(report: dict) -> str:
    machine = report["machine"]
    parts = ["# Benchmark results", "",
             f"Run {report['created']} on {machine['cores']} cores, Python {machine['python']} "
             f"({machine['platform']}). Produced by `python -m benchmarks --data-dir ../shared/data`; "
             "every system ran in the same process per dataset, one after another, on the test splits.",
             "Quality differences are ours minus the peer; time ratios are ours divided by the peer's "
             "(train: lower is better) and the peer's time divided by ours for throughput (higher is better).", ""]
    for result in report["datasets"]:
        parts.append(markdown_dataset(result))
    if report.get("real_news"):
        parts.append(markdown_real_news(report["real_news"]))
    from benchmarks import coldstart

    if report.get("cold_start"):
        parts.append(coldstart.markdown_coldstart(report["cold_start"]))
    if report.get("whole_process_files"):
        parts.append(coldstart.markdown_whole(report["whole_process_files"]))
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
