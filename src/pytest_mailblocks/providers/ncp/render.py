"""NAVER Cloud Outbound Mailer wire formats.

- Spring Data pages (seed 001): ``content``, then ``registerStatus`` and
  ``expectedDeleteDate`` on send-block pages, then ``last``, ``totalElements``,
  ``totalPages``, ``first``, ``numberOfElements``, ``size``, ``number`` and ``sort`` (a
  list of ``{direction, property, ignoreCase, nullHandling, ascending, descending}``).
- ``NesDateTime``: ``{"utc": ms, "formattedDate": "yyyy-MM-dd", "formattedDateTime":
  "yyyy-MM-dd HH:mm:ss SSS"}``, formatted in UTC+9 (``common-apidatatype-nesdatetime``).
- Labels of ``actionType`` / ``actionRequesterType`` follow ``x-ncp-lang``: English by
  default, Korean for ``ko-KR`` (ncp.md: labels per docs language).
- Errors: the gateway's ``{"error": {"errorCode", "message", "details"}}`` or the
  mailer's ``{"error": {"code", "message"}}``; ``x-ncp-apigw-response-origin`` says who
  answered, every response carries an ``x-ncp-trace-id``.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from ...core.errors import ProviderError
from ...core.provider import Notes, json_response
from . import errors
from .models import KST, HistoryEntry, Unsubscriber, requester_for

__all__ = [
    "CONTENT_TYPE",
    "headers",
    "nes_datetime",
    "ok",
    "page",
    "render_error",
    "send_block_item",
    "sort_list",
    "unsubscriber_item",
]

CONTENT_TYPE = "application/json;charset=UTF-8"

ACTION_LABELS: dict[str, dict[str, str]] = {
    "en": {"C": "Create", "D": "Delete"},
    "ko": {"C": "생성", "D": "삭제"},
}
REQUESTER_LABELS: dict[str, dict[str, str]] = {
    "en": {"CUSTOMER": "Customer", "OTHER_CUSTOMER": "Other customer", "SYSTEM": "System", "ADMIN": "Admin"},
    "ko": {"CUSTOMER": "고객", "OTHER_CUSTOMER": "타 고객", "SYSTEM": "시스템", "ADMIN": "관리자"},
}
BLOCKED = "Blocked"
NOT_BLOCKED = "Not blocked"


def headers(origin: str) -> dict[str, str]:
    """``x-ncp-apigw-response-origin`` (``APIGW`` or ``ENDPOINT``) and a fresh trace id."""
    return {"x-ncp-trace-id": secrets.token_hex(16), "x-ncp-apigw-response-origin": origin}


def ok(data: Any, status: int = 200) -> Response:
    """A backend answer: compact JSON, UTF-8, origin ``ENDPOINT``."""
    return json_response(data, status, headers("ENDPOINT"), content_type=CONTENT_TYPE)


def nes_datetime(ms: int | None) -> dict[str, Any] | None:
    if ms is None:
        return None
    t = datetime.fromtimestamp(ms // 1000, KST)
    return {
        "utc": ms,
        "formattedDate": t.strftime("%Y-%m-%d"),
        "formattedDateTime": t.strftime("%Y-%m-%d %H:%M:%S ") + f"{ms % 1000:03d}",
    }


def sort_list(orders: list[tuple[str, bool, bool]]) -> list[dict[str, Any]]:
    """Spring's ``Sort`` as the seed shows it: one object per order."""
    return [
        {
            "direction": "DESC" if desc else "ASC",
            "property": prop,
            "ignoreCase": ignore_case,
            "nullHandling": "NATIVE",
            "ascending": not desc,
            "descending": desc,
        }
        for prop, desc, ignore_case in orders
    ]


def page(
    content: list[dict[str, Any]],
    *,
    total: int,
    size: int,
    number: int,
    orders: list[tuple[str, bool, bool]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Spring Data page; ``extra`` keys go right after ``content`` (seed 001 order)."""
    total_pages = math.ceil(total / size) if size else 1
    body: dict[str, Any] = {"content": content}
    body.update(extra or {})
    body.update(
        {
            "last": number + 1 >= total_pages,
            "totalElements": total,
            "totalPages": total_pages,
            "first": number == 0,
            "numberOfElements": len(content),
            "size": size,
            "number": number,
            "sort": sort_list(orders),
        }
    )
    return body


def send_block_item(entry: HistoryEntry, viewer: str, lang: str) -> dict[str, Any]:
    """One ``SendBlockHistoryResponse``; CUSTOMER/OTHER_CUSTOMER as the viewer sees it."""
    requester = requester_for(entry, viewer)
    lang = lang if lang in ACTION_LABELS else "en"
    return {
        "targetAddress": entry.address,
        "actionType": {"label": ACTION_LABELS[lang][entry.action], "code": entry.action},
        "actionRequesterType": {"label": REQUESTER_LABELS[lang][requester], "code": requester},
        "requestDate": nes_datetime(entry.at),
        "historySid": entry.sid,
        "sendResultCode": entry.result_code,
        "sendResultMessage": entry.result_message,
    }


def unsubscriber_item(record: Unsubscriber) -> dict[str, Any]:
    """One ``UnsubscribersListResponse``."""
    return {"address": record.address, "blockDate": nes_datetime(record.created), "isRegByManager": record.by_manager}


def render_error(error: ProviderError, notes: Notes) -> Response:
    """The one error renderer: the gateway's envelope or the mailer's, by the row's code."""
    entry = error.entry
    code = str(entry.code)
    notes.error_code = code
    if errors.is_gateway(entry):
        body = {
            "error": {"errorCode": code, "message": errors.GATEWAY_MESSAGES[code], "details": error.message(notes.lang)}
        }
        out = headers("APIGW")
    else:
        body = {"error": {"code": code, "message": error.message(notes.lang)}}
        out = headers("ENDPOINT")
    out.update(error.headers)
    return json_response(body, error.status, out, content_type=CONTENT_TYPE)
