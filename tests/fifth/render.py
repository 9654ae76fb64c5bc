"""Acme's bodies: JSON, and ``{"error": {"code", "message"}}`` for every error."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from pytest_mailblocks.core.errors import ProviderError
from pytest_mailblocks.core.provider import Notes, json_response


def ok(data: Any, status: int = 200) -> Response:
    return json_response(data, status)


def render_error(error: ProviderError, notes: Notes) -> Response:
    notes.error_code = str(error.entry.code)
    return json_response({"error": {"code": error.entry.code, "message": error.message()}}, error.status, error.headers)
