"""httpx transports over the app, no socket: ``fake.httpx_client()``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from .errors import ConnectionReset
from .inprocess import call_app

if TYPE_CHECKING:
    from .app import App

__all__ = ["AsyncHttpxTransport", "HttpxTransport"]

_RESET = "Server disconnected without sending a response."


class HttpxTransport(httpx.BaseTransport):
    """``httpx.Client(transport=HttpxTransport(app), base_url=fake.url)``."""

    def __init__(self, app: App) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        try:
            status, headers, data = call_app(
                self.app, request.method, str(request.url), request.headers.multi_items(), body
            )
        except ConnectionReset:
            raise httpx.RemoteProtocolError(_RESET, request=request) from None
        return httpx.Response(status, headers=headers, content=data, request=request)


class AsyncHttpxTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncHttpxTransport(app), base_url=fake.url)``.

    Runs the app inline, or in a worker thread while faults are armed (a latency
    fault sleeps, and must not block the event loop)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        args = (self.app, request.method, str(request.url), request.headers.multi_items(), body)
        try:
            if len(self.app.faults):
                status, headers, data = await asyncio.to_thread(call_app, *args)
            else:
                status, headers, data = call_app(*args)
        except ConnectionReset:
            raise httpx.RemoteProtocolError(_RESET, request=request) from None
        return httpx.Response(status, headers=headers, content=data, request=request)
