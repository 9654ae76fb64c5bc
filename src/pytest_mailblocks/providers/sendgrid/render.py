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
from ...core.provider import Notes, json_response, make_response

__all__ = ["SEND_PATH", "base_headers", "empty", "help_for", "ok", "render_error", "send_headers"]

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


# -- mail send (issue 21) -------------------------------------------------------------------------
SEND_PATH = "/v3/mail/send"
#: the errors page mail send's ``help`` links point into (as live answers show)
SEND_HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
#: the fields the errors page has a table for (``#message.<field>``)
_HELP_TABLES = frozenset(
    {
        "personalizations.bcc",
        "personalizations.cc",
        "personalizations.custom_args",
        "personalizations.headers",
        "personalizations.send_at",
        "personalizations.subject",
        "personalizations.substitutions",
        "personalizations.to",
        "asm.group_id",
        "asm.groups_to_display",
        "attachments.content",
        "attachments.content_id",
        "attachments.disposition",
        "attachments.filename",
        "attachments.type",
        "batch_id",
        "categories",
        "content",
        "content.type",
        "content.value",
        "from",
        "headers",
        "ip_pool_name",
        "reply_to",
        "sections",
        "send_at",
        "subject",
        "template_id",
        "mail_settings.bcc.email",
        "mail_settings.bcc.enable",
        "mail_settings.bypass_list_management.enable",
        "mail_settings.footer.enable",
        "mail_settings.footer.html",
        "mail_settings.footer.text",
        "mail_settings.sandbox_mode.enable",
        "mail_settings.spam_check.enable",
        "mail_settings.spam_check.post_to_url",
        "mail_settings.spam_check.threshold",
        "tracking_settings.click_tracking.enable",
        "tracking_settings.click_tracking.enable_text",
        "tracking_settings.ganalytics.enable",
        "tracking_settings.open_tracking.enable",
        "tracking_settings.open_tracking.substitution_tag",
        "tracking_settings.subscription_tracking.enable",
        "tracking_settings.subscription_tracking.html",
        "tracking_settings.subscription_tracking.substitution_tag",
        "tracking_settings.subscription_tracking.text",
    }
)


def help_for(field: str | None) -> str | None:
    """The ``help`` of a mail-send error: the errors page's table for the field or
    its nearest parent (``personalizations.0.to.0.email`` -> ``#message.personalizations.to``,
    ``from.email`` -> ``#message.from``), the personalizations section for
    ``personalizations``; null for one personalization itself and for no field."""
    if not field:
        return None
    parts = field.split(".")
    path = [p for p in parts if not p.isdigit()]
    if path == ["personalizations"]:
        return None if parts[-1].isdigit() else SEND_HELP + "#-Personalizations-Errors"
    while path:
        name = ".".join(path)
        if name in _HELP_TABLES:
            return f"{SEND_HELP}#message.{name}"
        path.pop()
    return None


def send_headers(now: float) -> dict[str, str]:
    """What mail send's answers carry (live answers quoted in SDK issues): its own
    CORS headers (the API docs' origin, POST only) and no rate-limit headers."""
    return {
        "Server": "nginx",
        "Date": _http_date(int(now)),
        "Access-Control-Allow-Origin": "https://sendgrid.api-docs.io",
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, On-behalf-of, x-sg-elas-acl",
        "Access-Control-Max-Age": "600",
        "X-No-CORS-Reason": "https://sendgrid.com/docs/Classroom/Basics/API/cors.html",
        "Strict-Transport-Security": "max-age=600; includeSubDomains",
    }


def _webhook_error(e: ProviderError) -> dict[str, Any]:
    """The webhooks spec's shape: ``message`` (with ``id`` and ``url`` for a URL in use)."""
    if "id" in e.kwargs:
        return {"id": e.kwargs["id"], "message": e.message(), "url": e.kwargs.get("url")}
    out: dict[str, Any] = {"message": e.message()}
    if e.field:
        out["field"] = e.field
    return out


def render_error(error: ProviderError, now: float, notes: Notes) -> Response:
    """The one error renderer: ``{"errors":[{"field":...,"message":...}]}``; on mail
    send ``{"errors":[{"message":...,"field":...,"help":...}]}`` with its headers;
    the webhook settings' own rows ``{"errors":[{"message":...}]}``. The rate-limit
    headers the request earned before failing come in ``notes.headers``."""
    notes.error_code = key = error.entry.key
    if key.startswith("SG_SEND_") or notes.request.path == SEND_PATH:
        body: dict[str, Any] = {
            "errors": [{"message": e.message(), "field": e.field, "help": help_for(e.field)} for e in error.all]
        }
        headers = send_headers(now)
    else:
        if key.startswith("SG_WEBHOOK_"):
            body = {"errors": [_webhook_error(e) for e in error.all]}
        else:
            body = {"errors": [{"field": e.field, "message": e.message()} for e in error.all]}
        headers = base_headers(now, notes.headers)
    headers.update(error.headers)
    return json_response(body, error.status, headers)
