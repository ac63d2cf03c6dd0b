"""``classifier serve`` as a real process on 127.0.0.1: decisions equal to ``classifier predict --json``,
the token, SIGTERM with a request in flight, reload, workers, refusals before start, and a bounded load run
with malformed, oversized, unauthenticated and slow requests in the middle of it."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec

import pytest
from typer.testing import CliRunner

import classifier
from classifier.cli import app

from .conftest import assert_user_error

runner = CliRunner()
needs_serve = pytest.mark.skipif(find_spec("fastapi") is None or find_spec("uvicorn") is None,
                                 reason="the serve extra (fastapi, uvicorn) is not installed")
TOKEN = "token-for-the-serve-tests"
TEXTS = ["Police arrest three over Quetta bombing", "Budget raises defence spending",
         "Interpol issues red notice for former minister", "", "Parliament passes anti-terrorism bill"]
START_TIMEOUT = 60


class Server:
    """A ``classifier serve`` process on a free port of 127.0.0.1, its stderr collected."""

    def __init__(self, *args, env=None):
        self.process = subprocess.Popen([sys.executable, "-m", "classifier", "serve", "--port", "0", *map(str, args)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        self.port = None
        while time.monotonic() < deadline and self.process.poll() is None:
            found = re.search(r"http://127\.0\.0\.1:(\d+)", "".join(self.lines))
            if found and self._healthy(int(found.group(1))):
                self.port = int(found.group(1))
                return
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"the server did not start: {''.join(self.lines)}")

    def _collect(self):
        for line in self.process.stderr:
            self.lines.append(line)

    @staticmethod
    def _healthy(port) -> bool:
        try:
            return request(port, "GET", "/health")[0] == 200
        except OSError:
            return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(port, method, path, body=None, token=None, headers=None, timeout=15):
    """One request on a new connection: ``(status, parsed JSON body)``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def cli_json(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def served(news_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    server = Server("--model", news_model[1], "--token-file", token_file, "--body-timeout", "1")
    yield server, news_model
    server.stop()


@needs_serve
@pytest.mark.parametrize("options", [[], ["--top-k", "2"], ["--threshold", "0.3"], ["--explain"]])
def test_predict_over_http_equals_the_cli(served, options):
    server, (_, path) = served
    expected = cli_json("predict", *TEXTS, "--model", path, "--json", *options)
    body = {"texts": TEXTS}
    if options:
        name = options[0].lstrip("-").replace("-", "_")
        body[name] = True if len(options) == 1 else json.loads(options[1])
    status, answer = request(server.port, "POST", "/predict", body, token=TOKEN)
    assert status == 200, answer
    assert answer["results"] == expected
    assert json.dumps(answer["results"]) == json.dumps(expected)


@needs_serve
def test_health_info_and_the_token(served):
    server, (_, path) = served
    assert request(server.port, "GET", "/health") == (200, {"status": "ok"})
    for method, route in (("GET", "/info"), ("POST", "/predict"), ("POST", "/reload"), ("GET", "/docs")):
        status, answer = request(server.port, method, route, {"texts": ["a"]} if method == "POST" else None)
        assert (status, answer["error"]) == (401, "unauthorized"), route
        status, _ = request(server.port, method, route, {"texts": ["a"]} if method == "POST" else None,
                            token="wrong-token")
        assert status == 401
    assert request(server.port, "GET", "/info", token=TOKEN) == (200, cli_json("info", "--model", path, "--json"))


@needs_serve
def test_a_slow_partial_body_times_out_with_408(served):
    server, _ = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 100\r\n\r\n{\"texts\": [")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "request_timeout" in answer


def good_request(port, text):
    return request(port, "POST", "/predict", {"texts": [text]}, token=TOKEN)


def slow_body(port):
    """Half a body, then silence past the server's body timeout (1 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 50\r\n\r\n{\"te")
        return int(sock.recv(4096).split(b" ", 2)[1])


def oversized(port):
    """Headers announcing a 3 MB body: refused before the body is sent (as a client sending
    'Expect: 100-continue' would see it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 3000000\r\n\r\n")
        return int(sock.recv(4096).split(b" ", 2)[1])


FAULTS = [
    (lambda port: request(port, "POST", "/predict", b'{"texts": [', token=TOKEN)[0], 400),
    (lambda port: oversized(port), 413),
    (lambda port: request(port, "POST", "/predict", {"texts": ["a"] * 1001}, token=TOKEN)[0], 413),
    (lambda port: request(port, "POST", "/predict", {"texts": ["a"]})[0], 401),
    (lambda port: request(port, "POST", "/predict", {"texts": ["a"], "extra": 1}, token=TOKEN)[0], 422),
    (lambda port: request(port, "POST", "/predict", b"texts", token=TOKEN, headers={"Content-Type": "text/plain"})[0],
     415),
    (slow_body, 408),
]


@needs_serve
def test_load_with_faults_keeps_every_good_request(served):
    """300 good requests at concurrency 16 (bounded: 120 s), with every kind of bad request sent in the middle."""
    server, (model, _) = served
    texts = [f"{TEXTS[i % 5]} {i}" if TEXTS[i % 5] else "" for i in range(300)]
    expected = classifier.api.json_safe(classifier.predict(model, texts))
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        good = [pool.submit(good_request, server.port, text) for text in texts[:150]]
        bad = [pool.submit(fault, server.port) for fault, _ in FAULTS for _ in range(2)]
        good += [pool.submit(good_request, server.port, text) for text in texts[150:]]
        answers = [future.result(timeout=120) for future in good]
        statuses = [future.result(timeout=120) for future in bad]
    assert time.monotonic() - started < 120
    assert [status for status, _ in answers] == [200] * 300
    assert [answer["results"][0] for _, answer in answers] == expected
    assert statuses == [status for _, status in FAULTS for _ in range(2)]
    assert server.process.poll() is None
    assert request(server.port, "GET", "/health") == (200, {"status": "ok"})


def sigterm_with_a_request_in_flight(server, model):
    """Send half a request, SIGTERM the server, send the rest: the answer must come, then exit code 0."""
    body = json.dumps({"texts": ["army troops shelling the border"]}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:10])
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.process.poll() is None, "the server quit with a request in flight"
        sock.sendall(body[10:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer
    assert json.loads(payload)["results"] == classifier.predict(model, ["army troops shelling the border"])
    assert server.process.wait(30) == 0
    assert "Traceback" not in "".join(server.lines)


@needs_serve
def test_reload_then_sigterm_with_a_request_in_flight(tmp_path, single_model, multi_model):
    """Reload serves a new file and keeps the old model when the new file fails; SIGTERM lets the request
    in flight finish, then exits 0."""
    path = tmp_path / "served.joblib"
    shutil.copyfile(single_model[1], path)
    server = Server("--model", path, env={"CLASSIFIER_TOKEN": TOKEN})
    try:
        assert request(server.port, "POST", "/reload")[0] == 401
        old = request(server.port, "POST", "/predict", {"texts": TEXTS}, token=TOKEN)[1]
        shutil.copyfile(multi_model[1], path)
        assert request(server.port, "POST", "/predict", {"texts": TEXTS}, token=TOKEN)[1] == old
        status, answer = request(server.port, "POST", "/reload", token=TOKEN)
        assert (status, answer["status"]) == (200, "reloaded")
        new = request(server.port, "POST", "/predict", {"texts": TEXTS}, token=TOKEN)[1]
        assert new["results"] == classifier.predict(multi_model[0], TEXTS) and new["model"] != old["model"]
        path.write_bytes(b"\x00garbage")
        status, answer = request(server.port, "POST", "/reload", token=TOKEN)
        assert (status, answer["error"]) == (409, "reload_failed")
        assert request(server.port, "POST", "/predict", {"texts": TEXTS}, token=TOKEN)[1] == new
        sigterm_with_a_request_in_flight(server, multi_model[0])
    finally:
        server.stop()


@needs_serve
def test_two_workers_serve_and_stop_on_sigterm(single_model):
    """Two worker processes answer alike; SIGTERM stops both and the parent exits 0. (How a reload reaches
    every worker is tested in test_service.py: the parent is asked to replace its workers one by one.)"""
    server = Server("--model", single_model[1], "--workers", "2")
    try:
        expected = classifier.predict(single_model[0], TEXTS)
        for _ in range(6):
            assert request(server.port, "POST", "/predict", {"texts": TEXTS})[1]["results"] == expected
        deadline = time.monotonic() + 60  # the second worker may log its start after the first answered
        while len(workers := set(re.findall(r"Started server process \[(\d+)\]", "".join(server.lines)))) < 2:
            assert time.monotonic() < deadline, server.lines
            time.sleep(0.2)
        assert len(workers) == 2
    finally:
        server.stop()
    assert server.process.returncode == 0


@needs_serve
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1"])
def test_a_non_loopback_address_without_a_token_is_refused(single_model, host, monkeypatch):
    monkeypatch.delenv("CLASSIFIER_TOKEN", raising=False)
    result = runner.invoke(app, ["serve", "--model", str(single_model[1]), "--host", host])
    assert_user_error(result, f"Refusing to listen on {host} without a token", "--token-file", "--insecure")


@needs_serve
def test_serve_refuses_a_missing_model_a_missing_token_file_and_a_taken_port(tmp_path, single_model):
    result = runner.invoke(app, ["serve", "--model", str(tmp_path / "absent.skops")])
    assert_user_error(result, "absent.skops")
    result = runner.invoke(app, ["serve", "--model", str(single_model[1]), "--token-file", str(tmp_path / "none")])
    assert_user_error(result, "token file", "does not exist", "--token-file")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--model", str(single_model[1]), "--port", str(port)])
    assert_user_error(result, f"Port {port} on 127.0.0.1 is already in use", "--port")
    result = runner.invoke(app, ["serve", "--model", str(single_model[1]), "--workers", "0"])
    assert_user_error(result, "--workers must be 1 or more")


@pytest.mark.parametrize("missing", ["fastapi", "uvicorn"])
def test_serve_without_the_extra_names_it(single_model, monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)
    result = runner.invoke(app, ["serve", "--model", str(single_model[1])])
    assert_user_error(result, "pip install 'classifier[serve]'", missing)


def test_model_option_reads_classifier_model(single_model, tmp_path):
    result = runner.invoke(app, ["info", "--json"], env={"CLASSIFIER_MODEL": str(single_model[1])})
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["labels"] == single_model[0].labels
    result = runner.invoke(app, ["info"], env={"CLASSIFIER_MODEL": str(tmp_path / "elsewhere.skops")})
    assert_user_error(result, "elsewhere.skops")
    assert "CLASSIFIER_MODEL" in runner.invoke(app, ["predict", "--help"], env={"COLUMNS": "200"}).stdout


def test_shell_completion_is_offered_and_completes_commands():
    helped = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in helped.stdout and "--show-completion" in helped.stdout
    completed = subprocess.run([sys.executable, "-m", "classifier"], capture_output=True, text=True, timeout=60,
                               check=False, env={**os.environ, "_CLASSIFIER_COMPLETE": "complete_bash",
                                                 "COMP_WORDS": "classifier ser", "COMP_CWORD": "1"})
    assert completed.stdout.split() == ["serve"], completed
    shown = runner.invoke(app, ["--show-completion", "bash"])
    assert shown.exit_code == 0 and "_CLASSIFIER_COMPLETE" in shown.stdout


def test_serve_help_documents_the_options_and_ends_with_an_example():
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--token-file", "--insecure", "--max-body-bytes", "--max-texts",
                   "--max-chars", "CLASSIFIER_TOKEN", "CLASSIFIER_MODEL"):
        assert option in result.stdout, option
    assert "Example: classifier serve" in result.stdout
