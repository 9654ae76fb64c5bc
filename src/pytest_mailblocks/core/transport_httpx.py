"""httpx transports over the app, no socket: ``fake.httpx_client()``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from .errors import ConnectionReset
from .inprocess import call_target

if TYPE_CHECKING:
    from .app import App

__all__ = ["AsyncHttpxTransport", "HttpxTransport"]

_RESET = "Server disconnected without sending a response."


class HttpxTransport(httpx.BaseTransport):
    """``httpx.Client(transport=HttpxTransport(app), base_url=fake.url)``."""

    def __init__(self, app: App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            status, headers, data = call_target(self.app, *_parts(request, request.read()))
        except ConnectionReset:
            raise httpx.RemoteProtocolError(_RESET, request=request) from None
        return _response(status, headers, data, request)


class AsyncHttpxTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncHttpxTransport(app), base_url=fake.url)``.

    Runs the app inline, or in a worker thread while faults are armed (a latency
    fault sleeps, and must not block the event loop)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        parts = _parts(request, await request.aread())
        try:
            if len(self.app.faults):
                status, headers, data = await asyncio.to_thread(call_target, self.app, *parts)
            else:
                status, headers, data = call_target(self.app, *parts)
        except ConnectionReset:
            raise httpx.RemoteProtocolError(_RESET, request=request) from None
        return _response(status, headers, data, request)


def _parts(request: httpx.Request, body: bytes) -> tuple[str, str, list[tuple[str, str]], bytes]:
    url = request.url
    return (request.method, url.raw_path.decode("ascii"), request.headers.multi_items(), body)


def _response(status: int, headers: list[tuple[str, str]], data: bytes, request: httpx.Request) -> httpx.Response:
    # bytes headers and a ready stream skip httpx's own re-encoding of the body
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    response = httpx.Response(status, headers=raw, stream=httpx.ByteStream(data), request=request)
    if all(k.isascii() and v.isascii() for k, v in headers):
        # what httpx would work out on first use, by decoding every header again
        response.headers.encoding = "ascii"
    return response
