"""Whole-process batch prediction throughput and memory on large files of news snippets.

    python -m benchmarks.scale --rows 1000000 [--big-rows 20000000] [--work DIR] [--data-dir ../shared/data]

Builds ``news_<rows>.csv`` (columns ``id,text``) by repeating the AG News
snippets of the shared data, trains the default model and the sklearn-tuned
pipeline (``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
min_df=2)`` + ``LinearSVC(C=0.5)``, see :mod:`benchmarks.sklearn_script`) on
the AG News table, then times, each in its own process and one after
another:

- ``classifier predict --input FILE --output OUT --jobs 1`` and ``--jobs 2``;
- ``pandas.read_csv`` + the sklearn pipeline's ``predict`` + ``to_csv`` on
  the same file.

Times are whole-process wall seconds (start-up, model load, reading,
scoring, writing). Peak memory is the largest sum of the resident memory of
the process and its children (the worker processes), sampled every 0.1 s from
``/proc``. With ``--big-rows``, a second, larger file is built and
``classifier predict`` (default jobs) is measured on it for peak memory.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def build_csv(path: Path, rows: int, data_dir: Path) -> Path:
    """Write ``rows`` news snippets (AG News test texts, repeated) with an ``id`` column."""
    if path.exists():
        return path
    texts = pd.read_csv(data_dir / "ag_news" / "test.csv", dtype=str, keep_default_na=False)["text"]
    block = 500_000
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            ids = range(start, start + n)
            frame = pd.DataFrame({"id": [f"n{i:09d}" for i in ids],
                                  "text": [texts.iat[i % len(texts)] for i in ids]})
            frame.to_csv(handle, index=False, header=start == 0)
    tmp.replace(path)
    return path


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def timed(command: list[str]) -> dict:
    """Run ``command``; return wall seconds and the peak resident memory of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(process.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')}")
    return {"seconds": seconds, "peak_mb": peak / 2**20}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=0, help="also measure peak memory on a file this long")
    parser.add_argument("--work", type=Path, default=Path("/tmp/classifier-scale"))
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--keep", action="store_true", help="keep the outputs (they are deleted by default)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    classifier_cmd = [python, "-m", "classifier"]
    train_csv = args.data_dir / "ag_news" / "test.csv"
    model = args.work / "model.joblib"
    baseline = args.work / "sklearn.joblib"
    subprocess.run([*classifier_cmd, "train", str(train_csv), "--model", str(model), "--quiet", "--json"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([python, "-m", "benchmarks.sklearn_script", "train", str(train_csv), str(baseline)],
                   check=True, cwd=ROOT)
    data = build_csv(args.work / f"news_{args.rows}.csv", args.rows, args.data_dir)
    size_mb = data.stat().st_size / 2**20
    out = args.work / "out.csv"
    runs = []
    for jobs in (1, 2):
        result = timed([*classifier_cmd, "predict", "--input", str(data), "--output", str(out), "--model",
                        str(model), "--jobs", str(jobs), "--quiet"])
        runs.append((f"classifier predict --jobs {jobs}", args.rows, size_mb, result))
    result = timed([python, "-m", "benchmarks.sklearn_script", "predict", str(baseline), str(data), str(out)])
    runs.append(("pandas.read_csv + sklearn pipeline predict + to_csv", args.rows, size_mb, result))
    if args.big_rows:
        big = build_csv(args.work / f"news_{args.big_rows}.csv", args.big_rows, args.data_dir)
        result = timed([*classifier_cmd, "predict", "--input", str(big), "--output", str(out), "--model",
                        str(model), "--quiet"])
        runs.append(("classifier predict (default jobs), big file", args.big_rows, big.stat().st_size / 2**20, result))
    if not args.keep:
        out.unlink(missing_ok=True)
    print(f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}\n")
    print("| run | rows | input MB | seconds | rows/s | peak RSS MB (process + workers) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows, mb, r in runs:
        print(f"| {name} | {rows:,} | {mb:,.0f} | {r['seconds']:.1f} | {rows / r['seconds']:,.0f} | "
              f"{r['peak_mb']:,.0f} |")
    one, two, base = (runs[i][3]["seconds"] for i in range(3))
    print(f"\n2 jobs vs 1 job: {one / two:.2f}x; 2 jobs vs pandas + sklearn: {base / two:.2f}x")


if __name__ == "__main__":
    main()
