"""Access: the bearer token (from a file or ``CLASSIFIER_TOKEN``), its constant-time check, and the rule
that a server reachable from other machines needs a token (or an explicit ``--insecure``)."""

from __future__ import annotations

import hmac
import ipaddress
import os
from pathlib import Path

from classifier import defaults
from classifier.errors import InputError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def read_token(token_file: str | Path | None, environ=os.environ) -> str | None:
    """The token from ``token_file`` (its text, surrounding whitespace stripped), else from the
    ``CLASSIFIER_TOKEN`` environment variable, else ``None`` (no token: no authentication)."""
    if token_file is not None:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise InputError(f"The token file {path} does not exist.", "Write a token in it (for example "
                             "`python -c 'import secrets; print(secrets.token_urlsafe(32))' > token`) or give "
                             "another `token_file`.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"The token file {path} cannot be read ({exc.__class__.__name__}).",
                             "Give a readable UTF-8 text file as `token_file`.") from None
        if not token:
            raise InputError(f"The token file {path} is empty.", "Write a token of at least 16 characters in it.")
        return token
    token = environ.get(defaults.TOKEN_ENV, "").strip()
    return token or None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, insecure: bool) -> None:
    """Refuse to listen on an address other machines can reach without a token, unless ``insecure``."""
    if token is None and not insecure and not is_loopback(host):
        raise InputError(f"Refusing to listen on {host} without a token: anyone who can reach this machine could "
                         "use the service.", f"Give a `token_file` (or set {defaults.TOKEN_ENV}), listen on "
                         "127.0.0.1 behind a reverse proxy, or pass `insecure` if the network is trusted.")


def authorized(header: str | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header carries the bearer ``token`` (always, when there is no token).
    The comparison takes the same time wherever the first difference is."""
    if token is None:
        return True
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogatepass"), token.encode("utf-8"))
