"""Serving the fakes through an existing pytest-httpserver ``httpserver``.

``fake.mount(httpserver)`` registers one permanent handler that sends every path a
provider owns (and ``/_mailblocks/``) to the app; the suite's own expectations on
other paths keep working. The returned :class:`MountedFake` shares the state,
clock and journal of the fake it came from; only its ``url`` (the httpserver's)
differs. pytest-httpserver's ``httpserver`` fixture clears its handlers after each
test, so mount inside the test or in a function-scoped fixture.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pytest_httpserver import URIPattern
from werkzeug.wrappers import Request, Response

from .app import CONTROL_PREFIX
from .errors import ConnectionReset
from .fake import Fake

if TYPE_CHECKING:
    from pytest_httpserver import HTTPServer

    from .app import App

__all__ = ["MountedFake", "mount"]


class FakePaths(URIPattern):
    """Matches the paths the app serves: every provider prefix and the control plane."""

    def __init__(self, app: App) -> None:
        self.app = app

    def match(self, uri: str) -> bool:
        if uri == CONTROL_PREFIX or uri.startswith(CONTROL_PREFIX + "/"):
            return True
        return self.app.provider_for(uri) is not None


class MountedFake(Fake):
    """A fake served by a pytest-httpserver instance."""

    def __init__(self, app: App, httpserver: HTTPServer) -> None:
        super().__init__(app)
        self.httpserver = httpserver

    @property
    def url(self) -> str:
        return str(self.httpserver.url_for("/")).rstrip("/")

    def __repr__(self) -> str:
        return f"<MountedFake {self.url} providers={self.providers}>"


def _dropped(environ: dict[str, Any]) -> Iterator[bytes]:
    """A body that makes werkzeug's server drop the connection.

    The socket is shut down (the client sees the connection end without an answer,
    and werkzeug's keep-alive loop reads end-of-file instead of waiting for another
    request), then werkzeug is told the connection dropped; with SO_LINGER 0, its
    final close resets it."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("mailblocks: injected connection reset")
    yield b""  # pragma: no cover - makes this a generator


def mount(app: App, httpserver: HTTPServer) -> MountedFake:
    """Route the app's paths through ``httpserver``; see the module docstring."""

    def handler(request: Request) -> Response:
        try:
            return app.handle_request(request)
        except ConnectionReset:
            return Response(_dropped(request.environ))

    httpserver.expect_request(FakePaths(app)).respond_with_handler(handler)
    app.hosts.bind(str(httpserver.host))
    return MountedFake(app, httpserver)
