"""Load on ``classifier serve``: throughput, latency, errors and the server's peak memory, on loopback.

    python -m benchmarks.serve --model M [--requests 5000] [--concurrency 32] [--batch 32] [--workers 1]

Starts ``classifier serve --model M --port 0`` (no token, access log off) and waits for ``/health``, then
sends, from ``--concurrency`` keep-alive connections of one asyncio client, ``--requests`` ``POST /predict``
requests of one text each (the embedded dataset's snippets, in turn), then ``--requests`` requests of
``--batch`` texts each; before each scenario, 200 requests warm the server up unmeasured. Also
``--requests``/5 single-text requests from one connection (latency without queueing). Latency is measured
by the client, from writing the request to reading the whole response; an error is any status but 200, or
a response whose number of results is wrong. Peak memory is the largest resident set of the server and
its worker processes, sampled every 0.1 s from ``/proc``. Then, in this process, ``classifier.api.predict``
on the same texts (one call per text, one per batch) gives the in-process throughput the server is
compared with. Prints a Markdown table; ``--json FILE`` also writes the figures.

The client runs on the same machine and shares its cores with the server: the figures are a lower bound
of what a server on its own machine does.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "security_policy_news.csv"
WARMUP = 200


def texts() -> list[str]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children, in KiB (0 once it has gone)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            found = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text())
            total += int(found.group(1)) if found else 0
        except OSError:
            pass
    return total


class Server:
    def __init__(self, model: str, workers: int):
        self.process = subprocess.Popen([sys.executable, "-m", "classifier", "serve", "--model", model, "--port", "0",
                                         "--workers", str(workers)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log: list[str] = []
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()
        self.peak_kib = 0
        self._sampling = True
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the server did not start:\n" + "".join(self.log))
            found = re.search(r"http://127\.0\.0\.1:(\d+)", "".join(self.log))
            if found and "startup complete" in "".join(self.log):
                self.port = int(found.group(1))
                return
            time.sleep(0.1)
        raise SystemExit("the server did not start within 120 s")

    def _sample(self):
        while self._sampling and self.process.poll() is None:
            self.peak_kib = max(self.peak_kib, rss_kib(self.process.pid))
            time.sleep(0.1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self._sampling = False
        return code


async def one_connection(port: int, bodies: list[bytes], counter: list[int], expect: int, latencies: list[float],
                         errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while counter[0] < len(bodies):
            body = bodies[counter[0]]
            counter[0] += 1
            head = (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            started = time.perf_counter()
            writer.write(head + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            payload = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = status_line.split(b" ", 2)[1] if status_line else b"closed"
            if status != b"200":
                errors.append(f"status {status.decode()}: {payload[:200]!r}")
            elif payload.count(b'"labels"') != expect:
                errors.append("wrong number of results")
    finally:
        writer.close()


async def load(port: int, bodies: list[bytes], concurrency: int, expect: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    counter = [0]
    started = time.perf_counter()
    await asyncio.gather(*(one_connection(port, bodies, counter, expect, latencies, errors)
                           for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "seconds": round(elapsed, 2), "requests_per_s": round(len(latencies) / elapsed, 1),
            "texts_per_s": round(len(latencies) * expect / elapsed, 1), "p50_ms": round(q[49] * 1000, 2),
            "p95_ms": round(q[94] * 1000, 2), "p99_ms": round(q[98] * 1000, 2), "errors": len(errors),
            "first_errors": errors[:3]}


def scenario(port: int, pool: list[str], requests: int, size: int, concurrency: int) -> dict:
    def bodies(n, offset):
        return [json.dumps({"texts": [pool[(offset + i * size + j) % len(pool)] for j in range(size)]}).encode()
                for i in range(n)]

    asyncio.run(load(port, bodies(WARMUP, 7), concurrency, size))
    return asyncio.run(load(port, bodies(requests, 0), concurrency, size))


def in_process(model_path: str, pool: list[str], requests: int, size: int) -> float:
    """Texts per second of ``classifier.api.predict`` on the same texts, one call per request."""
    from classifier import api

    model = api.load(model_path)
    batches = [[pool[(i * size + j) % len(pool)] for j in range(size)] for i in range(requests)]
    for batch in batches[:WARMUP]:
        api.predict(model, batch)
    started = time.perf_counter()
    for batch in batches:
        api.predict(model, batch)
    return len(batches) * size / (time.perf_counter() - started)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    pool = texts()
    server = Server(args.model, args.workers)
    rows = {}
    try:
        idle_kib = rss_kib(server.process.pid)
        rows["single, concurrency 1"] = scenario(server.port, pool, max(args.requests // 5, 200), 1, 1)
        rows[f"single, concurrency {args.concurrency}"] = scenario(server.port, pool, args.requests, 1,
                                                                   args.concurrency)
        rows[f"batch of {args.batch}, concurrency {args.concurrency}"] = scenario(server.port, pool, args.requests,
                                                                                  args.batch, args.concurrency)
    finally:
        exit_code = server.stop()
    local = {"single": in_process(args.model, pool, args.requests, 1),
             "batch": in_process(args.model, pool, max(args.requests // 4, 500), args.batch)}
    for name, row in rows.items():
        row["in_process_texts_per_s"] = round(local["batch" if name.startswith("batch") else "single"], 1)
        row["ratio"] = round(row["texts_per_s"] / row["in_process_texts_per_s"], 3)
    figures = {"model": args.model, "workers": args.workers, "cores": os.cpu_count(),
               "server_rss_idle_mib": round(idle_kib / 1024, 1), "server_rss_peak_mib": round(server.peak_kib / 1024, 1),
               "server_exit_code": exit_code, "scenarios": rows}
    print(f"classifier serve, {args.workers} worker(s), {os.cpu_count()} cores shared with the client; model "
          f"{args.model}; server RSS {figures['server_rss_idle_mib']} MiB idle, peak "
          f"{figures['server_rss_peak_mib']} MiB; exit code after SIGTERM {exit_code}\n")
    print("| scenario | requests | req/s | texts/s | p50 ms | p95 ms | p99 ms | errors | in-process texts/s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(f"| {name} | {r['requests']:,} | {r['requests_per_s']:,.0f} | {r['texts_per_s']:,.0f} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} | {r['in_process_texts_per_s']:,.0f} | {r['ratio']} |")
    for name, r in rows.items():
        for error in r["first_errors"]:
            print(f"{name}: {error}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
