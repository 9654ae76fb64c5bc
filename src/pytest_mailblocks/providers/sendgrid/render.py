"""SendGrid wire formats: compact JSON arrays, the ``errors`` envelope, headers.

Headers follow the live captures on ``/v3/suppression/*`` (recordings
``get_spam_report_email_empty_200``, ``delete_bounce_email_404``): nginx, CORS
headers with ``HEAD, GET, OPTIONS, DELETE``, ``X-Content-Type-Options``, a
``Twilio-Request-Id``, ``X-RateLimit-*`` once a key is known, ``Powered-By`` on
2xx only, and a ``Date`` from the fake's clock.
"""

from __future__ import annotations

import random
from email.utils import formatdate
from functools import lru_cache
from typing import Any

from werkzeug.wrappers import Response

from ...core.errors import ProviderError
from ...core.provider import Exchange, json_response, make_response

__all__ = ["base_headers", "empty", "ok", "render_error"]

ALLOW_METHODS = "HEAD, GET, OPTIONS, DELETE"
ALLOW_HEADERS = "AUTHORIZATION, Content-Type, On-behalf-of, x-sg-elas-acl, X-Recaptcha, X-Request-Source"
_rng = random.Random()


@lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)


def base_headers(now: float, rate: dict[str, str] | None = None) -> dict[str, str]:
    headers = {
        "Server": "nginx",
        "Date": _http_date(int(now)),
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Max-Age": "21600",
        "Access-Control-Expose-Headers": "Link, Location",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
        "Twilio-Request-Id": f"RQ{_rng.getrandbits(108):027x}",
    }
    if rate:
        headers.update(rate)
    return headers


def ok(data: Any, now: float, rate: dict[str, str] | None, status: int = 200) -> Response:
    """A success body (array or object), compact JSON, ``Powered-By`` as live 2xx carry."""
    headers = base_headers(now, rate)
    headers["Powered-By"] = "Mako"
    return json_response(data, status, headers)


def empty(status: int, now: float, rate: dict[str, str] | None) -> Response:
    """204 (no body, no content type) or a bodyless 200 (OPTIONS)."""
    headers = base_headers(now, rate)
    if status == 200:
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    return make_response(b"", status, headers, content_type=None)


def render_error(error: ProviderError, now: float, rate: dict[str, str] | None, ex: Exchange) -> Response:
    """The one error renderer: ``{"errors":[{"field":...,"message":...}]}``."""
    ex.error_code = error.entry.key
    body = {"errors": [{"field": e.field, "message": e.message()} for e in error.all]}
    headers = base_headers(now, rate)
    headers.update(error.headers)
    return json_response(body, error.status, headers)
