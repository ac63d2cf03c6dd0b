"""``classifier serve``: an HTTP JSON API over a model (FastAPI on uvicorn, the optional ``serve`` extra)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from classifier import defaults
from classifier.cli.app import ModelOpt, app, user_errors


@app.command()
def serve(
    model: ModelOpt = defaults.MODEL_PATH,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. The default, loopback, is reachable "
                                      "from this machine only; any other address needs a token or --insecure.")]
    = defaults.SERVE_HOST,
    port: Annotated[int, typer.Option("--port", "-p", help="TCP port (0: any free port, shown at start).")]
    = defaults.SERVE_PORT,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes, each loading the model once "
                                         "(about one per core).")] = defaults.SERVE_WORKERS,
    token_file: Annotated[Path | None, typer.Option("--token-file", help="File holding the token that every "
                                                    "route but /health requires as 'Authorization: Bearer "
                                                    f"<token>' (default: the {defaults.TOKEN_ENV} environment "
                                                    "variable; neither: no token).", show_default=False)] = None,
    insecure: Annotated[bool, typer.Option("--insecure", help="Allow listening on a non-loopback address "
                                           "without a token (only on a network you trust).")] = False,
    max_body_bytes: Annotated[int, typer.Option("--max-body-bytes", help="Largest request body (413 above).")]
    = defaults.SERVE_MAX_BODY_BYTES,
    max_texts: Annotated[int, typer.Option("--max-texts", help="Most texts per request (413 above).")]
    = defaults.SERVE_MAX_TEXTS,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Most characters per text (413 above).")]
    = defaults.SERVE_MAX_CHARS,
    body_timeout: Annotated[float, typer.Option("--body-timeout", help="Seconds a client has to send its "
                                                "request body (408 after).")] = defaults.SERVE_BODY_TIMEOUT,
    graceful_timeout: Annotated[float, typer.Option("--graceful-timeout", help="On SIGTERM or Ctrl-C, seconds "
                                                    "the requests in flight get to finish.")]
    = defaults.SERVE_GRACEFUL_TIMEOUT,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request on stderr.")] = False,
) -> None:
    """Serve a model over HTTP: POST /predict, GET /info, GET /health, POST /reload, docs at /docs.

    POST /predict takes {"texts": [...], "top_k", "threshold", "explain"} and answers, per text, what
    'classifier predict --json' gives. The model is loaded once per worker; a model file replaced on
    disk is served after POST /reload (the old model stays if the new file fails to load). SIGTERM or
    Ctrl-C lets requests in flight finish, then exits 0.

    Example: classifier serve --model models/model.skops --port 8000 --token-file token.txt
    """
    with user_errors():
        from classifier.service.server import serve as run
        from classifier.service.settings import Settings

        settings = Settings(model=model, host=host, port=port, workers=workers, token_file=token_file,
                            insecure=insecure, max_body_bytes=max_body_bytes, max_texts=max_texts,
                            max_chars=max_chars, body_timeout=body_timeout, graceful_timeout=graceful_timeout,
                            access_log=access_log)
        run(settings, announce=_announce)


def _announce(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
