"""Does ``classifier tune`` match or beat the default settings? Tune on each shared train split, score on its test split.

    python -m benchmarks.tune_vs_default --data-dir ../shared/data [--budget 5m] [--sets bbc_news ...] [--out DIR]

For each set, with the command line a user would type: ``classifier train TRAIN --test-size 0`` (the
default settings on every training row), ``classifier tune TRAIN --budget B`` (the search sees the
training rows only), then ``classifier compare TEST --model default --model tuned`` (the test split
only reports: paired bootstrap 95% interval of the difference, McNemar's test for single-label
sets). One set at a time, so each tune has the machine's cores to itself (other users' jobs aside).
Prints a Markdown table and writes each command's JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

SETS = {
    "bbc_news": ("train.csv", "accuracy"),
    "us_congress_bills_cap": ("train.csv", "accuracy"),
    "india_police_events": ("train.csv", "micro_f1"),
    "20newsgroups_bydate": ("train.csv.gz", "accuracy"),
}
"""Each set's training file and the metric reported (the one ``tune`` maximises: micro-F1, which is accuracy
for single-label sets)."""


def command(*args: str) -> dict:
    """Run ``classifier ARGS --json`` and return its JSON output (an error stops the benchmark)."""
    done = subprocess.run([sys.executable, "-m", "classifier", *args, "--json"], check=False,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"classifier {' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def run(name: str, data_dir: Path, out: Path, budget: str) -> dict:
    """Default and tuned model on one set, compared on its test split."""
    train_file, metric = SETS[name]
    train, test = data_dir / name / train_file, data_dir / name / "test.csv"
    default, tuned = out / f"{name}.default.skops", out / f"{name}.tuned.skops"
    began = time.monotonic()
    command("train", str(train), "--test-size", "0", "--model", str(default), "-q")
    trained = time.monotonic() - began
    search = command("tune", str(train), "--budget", budget, "--model", str(tuned), "-q")
    compared = command("compare", str(test), "--model", str(default), "--model", str(tuned), "-q")
    for kind, result in (("tune", search), ("compare", compared)):
        (out / f"{name}.{kind}.json").write_text(json.dumps(result, indent=1))
    scores = [m["metrics"][metric] for m in compared["models"]]
    diff = compared["differences"][0]
    rounds = sorted({t["round"] for t in search["trials"]})
    return {"name": name, "metric": metric, "default": scores[0], "tuned": scores[1],
            "difference": diff["metrics"][metric], "mcnemar": diff.get("mcnemar"), "train_seconds": trained,
            "elapsed": search["elapsed_seconds"], "stopped": search["stopped"], "trials": len(search["trials"]),
            "rounds": [(r, next(t["rows"] for t in search["trials"] if t["round"] == r)) for r in rounds],
            "winner": search["winner"], "check": search["check"], "chosen": search["best"]["settings"],
            "current": search["current"]}


def describe(result: dict) -> str:
    """What the search did, in a few words."""
    check, winner = result["check"], result["winner"]
    rows = ", ".join(f"{rows:,}" for _, rows in result["rounds"])
    did = f"{result['trials']} CVs on {rows} rows, {result['elapsed']:.0f}s, {result['stopped']}"
    if check is None:
        return f"{did}; the defaults won the last round"
    if check["gain"] is None:
        return f"{did}; {check['on']}: defaults kept"
    changed = ", ".join(f"{k}={v}" for k, v in winner["settings"].items()
                        if v != result["current"]["settings"].get(k))
    verdict = "replaced the defaults" if check["replace"] else "defaults kept"
    return f"{did}; winner ({changed}) {check['gain']:+.4f} ± {check['se']:.4f} on {check['on']}: {verdict}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--budget", default="5m")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--out", type=Path, default=Path("tune_vs_default"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["| set | metric | default | tuned | difference (95% CI) | McNemar p | what the search did |",
             "|---|---|---:|---:|---|---:|---|"]
    for name in args.sets:
        result = run(name, args.data_dir, args.out, args.budget)
        (args.out / f"{name}.summary.json").write_text(json.dumps(result, indent=1))
        d = result["difference"]
        p = f"{result['mcnemar']['p_value']:.3g}" if result["mcnemar"] else "-"
        lines.append(f"| {name} | {result['metric']} | {result['default']:.4f} | {result['tuned']:.4f} | "
                     f"{d['difference']:+.4f} ({d['low']:+.4f} to {d['high']:+.4f}) | {p} | {describe(result)} |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
