"""The guard every request passes before the app sees it: bearer token, JSON content type, body size
and the time a client may take to send its body. Each refusal is a JSON error with its status code."""

from __future__ import annotations

import asyncio
import json

from classifier.service.auth import authorized

OPEN_PATHS = frozenset({"/health"})
"""Routes answered without a token (a load balancer's health check has none)."""
JSON_PATHS = frozenset({"/predict"})
"""Routes whose body must be JSON (``Content-Type: application/json``)."""


def error_body(code: str, detail: str, **extra) -> bytes:
    """The JSON of every error the service sends: ``{"error": code, "detail": message, ...}``."""
    return json.dumps({"error": code, "detail": detail, **extra}, ensure_ascii=False).encode("utf-8")


async def send_error(send, status: int, code: str, detail: str, headers=()) -> None:
    """Answer with a JSON error (and close the connection: the body may not have been read)."""
    body = error_body(code, detail)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


class Guard:
    """ASGI middleware: refuses a request without the token (401), a JSON route's body of another type
    (415), a body over ``max_body_bytes`` (413: told by Content-Length before reading, or while reading a
    chunked body) and a body not complete within ``body_timeout`` seconds (408). A body that passes is read
    whole and handed on to the app."""

    def __init__(self, app, *, token: str | None, max_body_bytes: int, body_timeout: float):
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        path = scope["path"]
        if path not in OPEN_PATHS and not authorized(headers.get(b"authorization", b"").decode("latin-1"), self.token):
            await send_error(send, 401, "unauthorized", "This route needs the header 'Authorization: Bearer "
                             "<token>' with the server's token.", [(b"www-authenticate", b'Bearer')])
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        if path in JSON_PATHS:
            media = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
            if media != b"application/json":
                shown = media.decode("latin-1") or "none"
                await send_error(send, 415, "unsupported_media_type", f"The body must be JSON sent with "
                                 f"'Content-Type: application/json' (got {shown}).")
                return
        length = headers.get(b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await send_error(send, 400, "bad_request", "The Content-Length header is not a number.")
                return
            if int(length) > self.max_body_bytes:
                await send_error(send, 413, "body_too_large", self._too_large())
                return
        try:
            body = await self._read(receive)
        except BodyTooLarge:
            await send_error(send, 413, "body_too_large", self._too_large())
            return
        except TimeoutError:
            await send_error(send, 408, "request_timeout", f"The body was not received within {self.body_timeout:g} "
                             "seconds.")
            return
        except ClientGone:
            return
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return (f"The request body is larger than the server's limit of {self.max_body_bytes:,} bytes. Send fewer "
                "or shorter texts per request.")

    async def _read(self, receive) -> bytes:
        chunks, size = [], 0
        async with asyncio.timeout(self.body_timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body_bytes:
                    raise BodyTooLarge
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
