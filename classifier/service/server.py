"""Running the service: checks before starting (the extra, the token, the address, the model), the
listening socket, and uvicorn, in this process or in ``workers`` processes that share the socket."""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from collections.abc import Callable

from classifier.errors import ClassifierError, InputError
from classifier.service import models
from classifier.service.auth import check_exposure, read_token
from classifier.service.settings import SETTINGS_ENV, Settings

EXTRA_HINT = "Install it with: pip install 'classifier[serve]'"


class MissingExtraError(ClassifierError):
    """The optional ``serve`` dependencies (FastAPI, uvicorn) are not installed."""


def require_extra() -> None:
    """Raise :class:`MissingExtraError` unless FastAPI and uvicorn can be imported."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(f"classifier serve needs the optional serve extra ({exc.name or 'fastapi'} is "
                                "missing).", EXTRA_HINT) from None


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: any free port), or an error saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"Cannot listen on {host}: the address does not resolve ({exc.strerror}).",
                         "Give an IP address such as 127.0.0.1 as `host`.") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"Port {port} on {host} is already in use.", "Stop the other server or choose "
                             "another `port`.") from None
        if exc.errno == errno.EACCES:
            raise InputError(f"Not allowed to listen on port {port} of {host}.", "Use a `port` above 1023.") from None
        raise InputError(f"Cannot listen on {host}:{port} ({exc.strerror}).", "Check `host` and `port`.") from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, announce: Callable[[str], None] = lambda line: None) -> None:
    """Check everything that could stop the server, then serve until SIGTERM or Ctrl-C, which let the
    requests in flight finish (up to ``graceful_timeout`` seconds). ``announce`` gets one line saying where
    the server listens, once it does."""
    require_extra()
    import uvicorn

    token = read_token(settings.token_file)
    check_exposure(settings.host, token, settings.insecure)
    loaded = models.load(settings.model)
    sock = bind(settings.host, settings.port)
    settings = settings.with_port(sock.getsockname()[1])
    common = {"log_level": "info", "access_log": settings.access_log, "lifespan": "on", "server_header": False,
                  "timeout_graceful_shutdown": settings.graceful_timeout, "timeout_worker_healthcheck": 60}
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    where = f"http://{host}:{settings.port}"
    message = (f"Serving {settings.model} ({loaded.info.get('task', '').replace('_', '-')}, "
               f"{len(loaded.info.get('labels', []))} labels) on {where} with {settings.workers} worker(s); "
               f"API docs at {where}/docs; {'token required' if token else 'no token'}. Stop with Ctrl-C.")
    try:
        if settings.workers == 1:
            from classifier.service.app import create_app

            app = create_app(settings, token, loaded)
            server = uvicorn.Server(uvicorn.Config(app, **common))
            announce(message)
            server.run(sockets=[sock])
        else:
            from uvicorn.supervisors import Multiprocess

            del loaded
            os.environ[SETTINGS_ENV] = settings.to_environment()
            config = uvicorn.Config("classifier.service.app:from_environment", factory=True,
                                    workers=settings.workers, **common)
            announce(message)
            Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        logging.getLogger("uvicorn.error").info("Stopped")
        sys.stderr.flush()
