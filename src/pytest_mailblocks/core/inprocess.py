"""In-process serving: the same app, no socket.

:func:`call_app` hands one request straight to :meth:`App.handle_request`; the
client adapters in :mod:`.transport_httpx` and :mod:`.transport_requests` build
their responses from it. Behaviour and journal are those of the socket server;
an injected connection reset surfaces as the client's own connection error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from werkzeug.wrappers import Request

from .hosts import INPROCESS_KEY
from .wsgi import make_environ

if TYPE_CHECKING:
    from .app import App

__all__ = ["call_app", "call_target"]


def call_app(
    app: App, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run one request through ``app``; returns (status, headers, body).

    May raise :class:`~.errors.ConnectionReset` (an injected fault).
    """
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return call_target(
        app,
        method,
        target,
        headers,
        body,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (443 if parts.scheme == "https" else 80),
        scheme=parts.scheme or "http",
    )


def call_target(
    app: App,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    host: str = "127.0.0.1",
    port: int = 80,
    scheme: str = "http",
) -> tuple[int, list[tuple[str, str]], bytes]:
    """:func:`call_app` for a client that already split the URL (path and query
    exactly as it will be sent)."""
    environ = make_environ(method, target, headers, body, server_name=host, server_port=port, url_scheme=scheme)
    environ[INPROCESS_KEY] = True  # no socket, so no web page: any Host the client's base URL gives
    response = app.handle_request(Request(environ, populate_request=False))  # no cycle: freed at once
    data = b"" if method == "HEAD" else response.get_data()
    return response.status_code, response.headers.to_wsgi_list(), data
