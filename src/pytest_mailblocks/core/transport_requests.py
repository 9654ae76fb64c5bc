"""A requests adapter over the app, no socket: ``fake.requests_session()``."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from .errors import ConnectionReset
from .inprocess import call_app

if TYPE_CHECKING:
    from .app import App

__all__ = ["RequestsAdapter"]


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        raw = body.read()
        return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


class RequestsAdapter(BaseAdapter):
    """``session.mount(fake.url + "/", RequestsAdapter(app))``."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            status, headers, data = call_app(
                self.app,
                request.method or "GET",
                request.url or "/",
                [(k, v if isinstance(v, str) else v.decode("latin-1")) for k, v in request.headers.items()],
                _body_bytes(request.body),
            )
        except ConnectionReset as exc:
            raise requests.exceptions.ConnectionError(
                "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))",
                request=request,
            ) from exc
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = data
        response.url = request.url or ""
        response.request = request
        try:
            response.reason = HTTPStatus(status).phrase
        except ValueError:
            response.reason = ""
        response.encoding = get_encoding_from_headers(response.headers)
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        pass
