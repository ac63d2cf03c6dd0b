"""The FastAPI app: ``POST /predict``, ``GET /health``, ``GET /info``, ``POST /reload`` and ``/docs``.

Built by :func:`create_app` from :class:`~classifier.service.settings.Settings`, the token and a loaded
model; :func:`from_environment` builds it in a worker process started by ``--workers N``. Every error is
JSON, ``{"error": code, "detail": message}``, with its status code.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)
from starlette.exceptions import HTTPException

from classifier import api
from classifier.errors import ClassifierError
from classifier.service import models
from classifier.service import settings as service_settings
from classifier.service.auth import read_token
from classifier.service.batching import Batcher, Options
from classifier.service.limits import Guard, error_body
from classifier.validation import check_decision
from classifier.version import __version__

log = logging.getLogger("classifier.service")


class PredictRequest(BaseModel):
    """Texts to label, with the options of ``classifier predict``."""

    model_config = ConfigDict(extra="forbid")

    texts: list[StrictStr] = Field(min_length=1, description="The texts to label.",
                                   examples=[["Police arrest three over Quetta bombing"]])
    top_k: StrictInt | None = Field(None, description="Labels per text (default 1; multi-label: all above the "
                                    "threshold).")
    threshold: StrictFloat | StrictInt | None = Field(None, description="Lowest probability a label needs "
                                                      "(default: the model's own, 0.5 multi-label, 0 "
                                                      "single-label).")
    explain: StrictBool = Field(False, description="Add the terms behind each label.")


class Result(BaseModel):
    text: str
    labels: list[str]
    scores: list[float]
    terms: str | None = Field(None, description="With explain: the terms behind the labels.")


class PredictResponse(BaseModel):
    model: str = Field(description="The SHA-256 of the model that answered (it changes on reload).")
    results: list[Result] = Field(description="One per text, in order: what `classifier predict --json` gives.")


def json_response(value, status: int = 200) -> Response:
    return Response(json.dumps(api.json_safe(value), ensure_ascii=False).encode("utf-8"), status_code=status,
                    media_type="application/json")


def error_response(status: int, code: str, detail: str, headers=None) -> Response:
    return Response(error_body(code, detail), status_code=status, media_type="application/json", headers=headers)


def _validation_message(errors) -> tuple[int, str, str]:
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "malformed_json", "The body is not valid JSON."
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        message = "unknown field (allowed: texts, top_k, threshold, explain)" if e.get("type") == "extra_forbidden" \
            else e.get("msg", "invalid")
        parts.append(f"`{where}`: {message}")
    return 422, "invalid_request", "; ".join(parts) + "."


def create_app(config: service_settings.Settings, token: str | None, loaded: models.Loaded) -> Guard:
    """The ASGI app serving ``loaded``: the FastAPI app (as ``.app``) behind the :class:`Guard` of ``token``
    (``None``: open) and ``config``'s limits."""
    holder = models.Holder(loaded)
    for note in loaded.warnings:
        log.warning(note)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        models.settle()
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="classifier", version=__version__, lifespan=lifespan,
                  description="Labels and calibrated scores for news texts from a `classifier` model. Every route "
                  "but /health needs 'Authorization: Bearer <token>' when the server has a token.")
    batcher = Batcher(lambda: holder.current.model, config.batch_texts)
    app.state.holder = holder

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        status, code, detail = _validation_message(exc.errors())
        return error_response(status, code, detail)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(ClassifierError)
    async def user_error(request: Request, exc: ClassifierError):
        return error_response(422, "invalid_request", str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("Unexpected error on %s", request.url.path)
        return error_response(500, "internal_error", "The server failed to answer; its log has the details.")

    @app.get("/health", summary="Whether the server is up (no token needed)")
    async def health():
        return json_response({"status": "ok"})

    @app.get("/info", summary="The model card, as `classifier info --json` shows it")
    async def info():
        return json_response(holder.current.info)

    @app.post("/predict", response_model=PredictResponse, summary="Labels and calibrated scores per text",
              responses={400: {"description": "Malformed JSON"}, 401: {"description": "No or wrong token"},
                         413: {"description": "Body, texts per request or characters per text over the limit"},
                         415: {"description": "Body not sent as application/json"},
                         422: {"description": "Unknown field or invalid value"}})
    async def predict(request: PredictRequest):
        if len(request.texts) > config.max_texts:
            return error_response(413, "too_many_texts", f"{len(request.texts):,} texts in one request; the limit "
                                  f"is {config.max_texts:,}. Split them over several requests.")
        for i, text in enumerate(request.texts):
            if len(text) > config.max_chars:
                return error_response(413, "text_too_long", f"Text {i} has {len(text):,} characters; the limit is "
                                      f"{config.max_chars:,}. Send a shorter text (the headline and lede carry "
                                      "most of the signal).")
        threshold = None if request.threshold is None else float(request.threshold)
        check_decision(request.top_k, threshold)
        sha = holder.current.sha256
        results = await batcher.predict(request.texts, Options(request.top_k, threshold, request.explain))
        return json_response({"model": sha, "results": results})

    @app.post("/reload", summary="Load the model file again (after it was replaced on disk)",
              responses={409: {"description": "The new file failed to load; the old model is still served"}})
    async def reload():
        try:
            if config.workers > 1:
                checked = await holder.check()
                os.kill(os.getppid(), signal.SIGHUP)
                return json_response({"status": "reloading", "workers": config.workers, "model": checked.summary()},
                                     202)
            loaded = await holder.reload()
            models.settle()
        except ClassifierError as exc:
            return error_response(409, "reload_failed", f"{exc} The server still serves the model it had "
                                  f"({holder.current.sha256}).")
        for note in loaded.warnings:
            log.warning(note)
        return json_response({"status": "reloaded", "model": loaded.summary()})

    return Guard(app, token=token, max_body_bytes=config.max_body_bytes, body_timeout=config.body_timeout)


def from_environment():
    """The app of one worker process (``--workers N``): settings from the parent, the model loaded here."""
    config = service_settings.from_environment()
    return create_app(config, read_token(config.token_file), models.load(config.model))
