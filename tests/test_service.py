"""The HTTP service as a library: the app (FastAPI's TestClient), its guard, token, limits, reload and
the batching of concurrent requests. The real server process is tested in test_serve_cli.py."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal

import pytest
from typer.testing import CliRunner

import classifier
from classifier.cli import app as cli_app
from classifier.errors import InputError, ModelError

pytest.importorskip("fastapi", reason="the serve extra (fastapi) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
pytest.importorskip("httpx", reason="httpx (FastAPI's TestClient) is not installed")

from fastapi.testclient import TestClient

from classifier.service import auth, batching, models
from classifier.service.app import create_app
from classifier.service.settings import Settings, from_environment

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "s3cret-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TEXTS = ["police arrested suspects after a raid", "army troops shelling the border", "budget inflation taxes",
         "", "officials said on tuesday"]


def client(model_file, token=TOKEN, **limits):
    settings = Settings(model=model_file, **limits)
    return TestClient(create_app(settings, token, models.load(model_file)))


@pytest.fixture(scope="module")
def single(single_model):
    with client(single_model[1]) as c:
        yield c


@pytest.fixture(scope="module")
def multi(multi_model):
    with client(multi_model[1], token=None) as c:
        yield c


def test_health_needs_no_token(single):
    response = single.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("options", [{}, {"top_k": 2}, {"threshold": 0.6}, {"top_k": 3, "threshold": 0.1},
                                     {"explain": True}])
@pytest.mark.parametrize("which", ["single_model", "multi_model"])
def test_predict_gives_what_api_predict_gives(request, which, options):
    model, path = request.getfixturevalue(which)
    with client(path, token=None) as c:
        response = c.post("/predict", json={"texts": TEXTS, **options})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["results"] == classifier.api.json_safe(classifier.predict(model, TEXTS, **options))
    assert body["model"] == models.load(path).sha256


def test_info_is_the_card_info_json_shows(single, single_model):
    shown = CliRunner().invoke(cli_app, ["info", "--model", str(single_model[1]), "--json"])
    assert shown.exit_code == 0
    response = single.get("/info", headers=BEARER)
    assert response.status_code == 200
    assert response.json() == json.loads(shown.stdout)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": TOKEN}, {"Authorization": f"Bearer {TOKEN}x"}])
@pytest.mark.parametrize("method, path", [("post", "/predict"), ("get", "/info"), ("post", "/reload"),
                                          ("get", "/docs"), ("get", "/openapi.json")])
def test_every_route_but_health_needs_the_token(single, headers, method, path):
    response = getattr(single, method)(path, headers=headers, **({"json": {"texts": ["a"]}} if method == "post" else {}))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


def test_docs_and_schema_with_the_token(single):
    assert single.get("/docs", headers=BEARER).status_code == 200
    schema = single.get("/openapi.json", headers=BEARER).json()
    assert {"/predict", "/health", "/info", "/reload"} <= set(schema["paths"])


@pytest.mark.parametrize("send, status, error, fragment", [
    ({"content": b'{"texts": ["a"', "headers": {"content-type": "application/json"}}, 400, "malformed_json",
     "not valid JSON"),
    ({"content": b"texts=a", "headers": {"content-type": "text/plain"}}, 415, "unsupported_media_type",
     "application/json"),
    ({"content": b'{"texts": ["a"]}'}, 415, "unsupported_media_type", "got none"),
    ({"json": {"texts": ["a"], "colour": "red"}}, 422, "invalid_request", "`colour`: unknown field"),
    ({"json": {"text": ["a"]}}, 422, "invalid_request", "`texts`"),
    ({"json": {"texts": "a"}}, 422, "invalid_request", "`texts`"),
    ({"json": {"texts": [1]}}, 422, "invalid_request", "`texts.0`"),
    ({"json": {"texts": []}}, 422, "invalid_request", "`texts`"),
    ({"json": {"texts": ["a"], "top_k": 0}}, 422, "invalid_request", "`top_k` must be 1 or more"),
    ({"json": {"texts": ["a"], "top_k": "2"}}, 422, "invalid_request", "`top_k`"),
    ({"json": {"texts": ["a"], "threshold": 1.5}}, 422, "invalid_request", "`threshold` must be between 0 and 1"),
    ({"json": {"texts": ["a"], "explain": "yes"}}, 422, "invalid_request", "`explain`"),
    ({"json": {"texts": ["a", "b", "c", "d"]}}, 413, "too_many_texts", "the limit is 3"),
    ({"json": {"texts": ["a", "x" * 41]}}, 413, "text_too_long", "Text 1 has 41 characters; the limit is 40"),
    ({"json": {"texts": ["x" * 30] * 3, "pad": "y" * 300}}, 413, "body_too_large", "limit of 200 bytes"),
    ({"content": (b"{}" for _ in range(150)), "headers": {"content-type": "application/json"}}, 413,
     "body_too_large", "limit of 200 bytes"),
])
def test_requests_over_a_limit_or_malformed_get_a_json_error(single_model, send, status, error, fragment):
    with client(single_model[1], max_texts=3, max_chars=40, max_body_bytes=200) as c:
        response = c.post("/predict", headers={**BEARER, **send.pop("headers", {})}, **send)
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
        assert fragment in response.json()["detail"]
        assert c.post("/predict", json={"texts": ["a"]}, headers=BEARER).status_code == 200


def test_unknown_route_and_method_are_json_errors(single):
    response = single.get("/nowhere", headers=BEARER)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    response = single.get("/predict", headers=BEARER)
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")


def test_reload_swaps_the_model_and_keeps_it_when_the_new_file_fails(tmp_path, single_model, multi_model):
    path = tmp_path / "served.joblib"
    shutil.copyfile(single_model[1], path)
    with client(path) as c:
        before = c.get("/info", headers=BEARER).json()
        assert before["task"] == "single_label"
        shutil.copyfile(multi_model[1], path)
        assert c.get("/info", headers=BEARER).json() == before  # replaced on disk: not picked up without reload
        response = c.post("/reload", headers=BEARER)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "reloaded"
        assert c.get("/info", headers=BEARER).json()["task"] == "multi_label"
        served = c.post("/predict", json={"texts": TEXTS}, headers=BEARER).json()
        assert served["results"] == classifier.api.json_safe(classifier.predict(multi_model[0], TEXTS))

        path.write_bytes(b"not a model at all")
        response = c.post("/reload", headers=BEARER)
        assert response.status_code == 409
        assert response.json()["error"] == "reload_failed"
        assert "still serves the model it had" in response.json()["detail"]
        after = c.post("/predict", json={"texts": TEXTS}, headers=BEARER).json()
        assert after == served
        path.unlink()
        assert c.post("/reload", headers=BEARER).status_code == 409
        assert c.post("/predict", json={"texts": TEXTS}, headers=BEARER).json() == served


def test_reload_with_several_workers_checks_the_file_then_asks_the_parent_to_replace_them(
        tmp_path, single_model, multi_model, monkeypatch):
    path = tmp_path / "served.joblib"
    shutil.copyfile(single_model[1], path)
    signals = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: signals.append((pid, sig)))
    with client(path, workers=2) as c:
        shutil.copyfile(multi_model[1], path)
        response = c.post("/reload", headers=BEARER)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "reloading" and response.json()["model"]["task"] == "multi_label"
        assert signals == [(os.getppid(), signal.SIGHUP)]
        assert c.get("/info", headers=BEARER).json()["task"] == "single_label"  # replaced with the worker
        path.write_bytes(b"garbage")
        response = c.post("/reload", headers=BEARER)
        assert response.status_code == 409 and response.json()["error"] == "reload_failed"
        assert signals == [(os.getppid(), signal.SIGHUP)]


def test_concurrent_requests_are_scored_together_with_the_same_results(multi_model, monkeypatch):
    model = multi_model[0]
    calls = []
    predict = classifier.api.predict

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return predict(*args, **kwargs)

    monkeypatch.setattr(classifier.api, "predict", counted)
    requests = [([TEXTS[i % len(TEXTS)], TEXTS[(i + 1) % len(TEXTS)]], batching.Options(top_k=1 + i % 2))
                for i in range(40)]

    async def run():
        batcher = batching.Batcher(lambda: model, max_texts=1024)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.predict(texts, options) for texts, options in requests))
        finally:
            await batcher.stop()

    results = asyncio.run(run())
    for (texts, options), got in zip(requests, results):
        assert got == predict(model, texts, top_k=options.top_k)
    assert sum(calls) == 80 and len(calls) < 40


def test_batcher_hands_a_failing_call_its_error_and_serves_the_others(single_model):
    model = single_model[0]

    async def run():
        batcher = batching.Batcher(lambda: model, max_texts=1024)
        batcher.start()
        try:
            return await asyncio.gather(batcher.predict(["army"], batching.Options(top_k=0)),
                                        batcher.predict(["army"], batching.Options()), return_exceptions=True)
        finally:
            await batcher.stop()

    failed, served = asyncio.run(run())
    assert isinstance(failed, InputError) and "`top_k`" in str(failed)
    assert served == classifier.predict(model, ["army"])


def test_read_token_from_file_then_environment(tmp_path):
    file = tmp_path / "token"
    file.write_text("  abc123  \n", encoding="utf-8")
    assert auth.read_token(file, environ={"CLASSIFIER_TOKEN": "other"}) == "abc123"
    assert auth.read_token(None, environ={"CLASSIFIER_TOKEN": " envtoken "}) == "envtoken"
    assert auth.read_token(None, environ={"CLASSIFIER_TOKEN": "  "}) is None
    assert auth.read_token(None, environ={}) is None


@pytest.mark.parametrize("content, fragment", [(None, "does not exist"), ("  \n", "is empty"),
                                               (b"\xff\xfe\xfa", "cannot be read")])
def test_read_token_refuses_a_missing_empty_or_unreadable_file(tmp_path, content, fragment):
    file = tmp_path / "token"
    if isinstance(content, str):
        file.write_text(content, encoding="utf-8")
    elif content is not None:
        file.write_bytes(content)
    with pytest.raises(InputError, match=fragment) as caught:
        auth.read_token(file, environ={})
    assert "`token_file`" in str(caught.value) or "token" in caught.value.hint


def test_authorized_compares_the_bearer_token():
    assert auth.authorized(None, None)
    assert auth.authorized("Bearer abc", "abc") and auth.authorized("bearer abc", "abc")
    for header in (None, "", "Bearer", "Bearer ab", "Bearer abcd", "Token abc", "abc"):
        assert not auth.authorized(header, "abc"), header


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.5", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("::", False),
                                            ("192.168.1.10", False), ("example.org", False)])
def test_non_loopback_addresses_need_a_token_or_insecure(host, loopback):
    assert auth.is_loopback(host) is loopback
    auth.check_exposure(host, "token", insecure=False)
    auth.check_exposure(host, None, insecure=True)
    if loopback:
        auth.check_exposure(host, None, insecure=False)
    else:
        with pytest.raises(InputError, match="Refusing to listen on .* without a token") as caught:
            auth.check_exposure(host, None, insecure=False)
        assert "`insecure`" in str(caught.value) and "`token_file`" in str(caught.value)


@pytest.mark.parametrize("field, value, fragment", [("port", 70000, "`port` must be between 0 and 65535"),
                                                    ("workers", 0, "`workers` must be 1 or more"),
                                                    ("max_texts", 0, "`max_texts` must be 1 or more"),
                                                    ("body_timeout", 0, "`body_timeout` must be a number")])
def test_settings_refuse_impossible_values(field, value, fragment):
    with pytest.raises(InputError, match=fragment):
        Settings(**{field: value})


def test_settings_travel_to_workers_through_the_environment(tmp_path):
    settings = Settings(model=tmp_path / "m.skops", port=0, workers=3, token_file=tmp_path / "t", max_texts=7,
                        body_timeout=2.5)
    assert from_environment({"CLASSIFIER_SERVE_SETTINGS": settings.to_environment()}) == settings
    assert "token" not in settings.to_environment().replace("token_file", "")


def test_loading_a_missing_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError):
        models.load(tmp_path / "absent.skops")
