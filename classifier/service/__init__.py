"""The HTTP service (``classifier serve``): a JSON API over :mod:`classifier.api` on FastAPI and uvicorn.

An interface, like the command line: it parses requests, calls the library and formats the result.
:mod:`~classifier.service.settings` holds what a server is started with, :mod:`~classifier.service.auth`
the bearer token and the loopback rule, :mod:`~classifier.service.limits` the guard every request passes
(token, content type, body size and time), :mod:`~classifier.service.models` the loaded model and its
atomic reload, :mod:`~classifier.service.batching` the scoring of concurrent requests together,
:mod:`~classifier.service.app` the FastAPI app and :mod:`~classifier.service.server` the uvicorn process(es).
Only ``app``, ``limits``, ``batching`` and ``server`` import FastAPI or uvicorn (the ``serve`` extra).
"""
