"""NAVER Cloud Outbound Mailer routes and operations.

``GET /api/v1/send-block`` (getSendBlockList, seed 001) and ``GET/POST/DELETE
/api/v1/unsubscribers`` (getUnsubscribersList, registerUnsubscribers,
deleteUnsubscribers; ncp.md: Unsubscribers), also under the regional prefixes
``/api/v1-sgn`` and ``/api/v1-jpn``.

Order of checks, as the API Gateway in front of a Spring backend would apply them:

1. gateway: unknown path -> 404/300 (before auth, in ``Ncp.match``); a query that is not
   UTF-8 -> 400/100; missing headers, unknown key, timestamp outside 5 minutes, bad
   signature -> 401/200; key flags -> 403/230, 401/210; quota -> 429/400;
2. backend, handler lookup: other methods -> 405/77001; a body that is not JSON ->
   415/77002;
3. backend, interceptors (account flags): 77101, 77202, 77201, 77301;
4. parameters -> 400/77102;
5. service (account flags): 77103, 77302, 77303; then the operation.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from ...core.wsgi import split_target
from . import errors, render
from .models import KST, REGIONS, AccessKey, Project, Unsubscriber, is_address, signature

if TYPE_CHECKING:
    from . import Ncp

__all__ = ["BODY_OPERATIONS", "HANDLERS", "RULES", "NcpCall", "dispatch", "raw_target", "routes"]

VERSION = '<any(v1, "v1-sgn", "v1-jpn"):version>'
RULES = [
    Rule(f"/api/{VERSION}/send-block", methods=["GET"], endpoint="get_send_block_list"),
    Rule(f"/api/{VERSION}/unsubscribers", methods=["GET"], endpoint="get_unsubscribers_list"),
    Rule(f"/api/{VERSION}/unsubscribers", methods=["POST"], endpoint="register_unsubscribers"),
    Rule(f"/api/{VERSION}/unsubscribers", methods=["DELETE"], endpoint="delete_unsubscribers"),
]

#: timestamp window of the gateway (ncp.md: "within 5 minutes of the server time")
TIMESTAMP_WINDOW_MS = 5 * 60 * 1000
SIZE_DEFAULT = 10
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
INT_MAX = 2**31 - 1
#: account flags checked by the backend's interceptors, before the parameters
INTERCEPTOR_CODES = ("77101", "77202", "77201", "77301")
SEND_BLOCK_SORTS = ("createUtc", "historySid")
UNSUBSCRIBER_SORTS = ("createUtc", "isRegByManager")
_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}
_DATETIME_FORMATS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"), "%Y-%m-%d %H:%M"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}"), "%Y-%m-%d %H:%M:%S.%f"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \d{3}"), "%Y-%m-%d %H:%M:%S %f"),
)


def bad_request() -> ProviderError:
    return ProviderError(errors.NCP_BAD_REQUEST)


# -- gateway -------------------------------------------------------------------------------
def raw_target(request: Request) -> str:
    """The path and query exactly as sent (``RAW_URI``), else rebuilt from the parts."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return split_target(str(raw))
    query = request.query_string.decode("latin-1")
    path = request.environ.get("PATH_INFO", request.path)
    return path + ("?" + query if query else "")


def signed_targets(target: str, lenient: bool) -> list[str]:
    """The request targets a valid signature may cover.

    Exactly as sent; when ``lenient`` (the default) a request without a query also
    accepts a signature over ``path?`` and one sent with a bare ``?`` accepts ``path``:
    ``httpx-ncloud`` signs ``path?`` for every query-less request (its own README
    example does), which only works if the gateway takes it (docs/providers/ncp.md)."""
    out = [target]
    if lenient:
        if "?" not in target:
            out.append(target + "?")
        elif target.endswith("?") and target.count("?") == 1:
            out.append(target[:-1])
    return out


def check_encoding(request: Request) -> None:
    """The gateway refuses a query that does not decode as UTF-8 (400/100)."""
    try:
        unquote_to_bytes(request.query_string.decode("latin-1").replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        raise ProviderError(errors.NCP_GW_BAD_REQUEST) from None


def authenticate(ncp: Ncp, request: Request, notes: Notes) -> AccessKey:
    """API Gateway signature v2 (ncp.md: Authentication)."""
    state = ncp.state
    h = request.headers
    timestamp = h.get("x-ncp-apigw-timestamp", "").strip()
    access_key = h.get("x-ncp-iam-access-key", "").strip()
    given = h.get("x-ncp-apigw-signature-v2", "").strip()
    if not (timestamp and access_key and given):
        notes.auth = "missing"
        raise ProviderError(errors.NCP_GW_AUTH_MISSING)
    key = state.keys.get(access_key)
    if key is None:
        notes.auth = "invalid"
        raise ProviderError(errors.NCP_GW_AUTH_INVALID)
    notes.tenant = key.project
    if not timestamp.isdigit() or not timestamp.isascii() or len(timestamp) > 15:
        notes.auth = "invalid"
        raise ProviderError(errors.NCP_GW_AUTH_INVALID)
    if abs(ncp.now_ms() - int(timestamp)) > TIMESTAMP_WINDOW_MS:
        notes.auth = "expired"
        raise ProviderError(errors.NCP_GW_TIMESTAMP_EXPIRED)
    method = request.method
    candidates = [
        signature(key.secret_key, method, t, timestamp, key.access_key)
        for t in signed_targets(raw_target(request), state.lenient_empty_query)
    ]
    if not any(hmac.compare_digest(given.encode("utf-8", "replace"), c.encode()) for c in candidates):
        notes.auth = "invalid"
        raise ProviderError(errors.NCP_GW_AUTH_INVALID)
    if key.forbidden:
        notes.auth = "forbidden"
        raise ProviderError(errors.NCP_GW_FORBIDDEN)
    if not key.permitted:
        notes.auth = "denied"
        raise ProviderError(errors.NCP_GW_PERMISSION_DENIED)
    if not state.take_quota(key.access_key, ncp.now_ms()):
        notes.auth = "quota"
        raise ProviderError(errors.NCP_GW_QUOTA_EXCEEDED)
    notes.auth = "ok"
    return key


def language(request: Request) -> str:
    """``x-ncp-lang``: ``ko-KR`` -> Korean labels; anything else (default ``en-US``) -> English."""
    value = request.headers.get("x-ncp-lang", "").strip().lower()
    return "ko" if value.split("-")[0].split("_")[0] == "ko" else "en"


def account_checks(project: Project, stage: str) -> None:
    """Raise the first documented 77xxx code the project's flags produce at ``stage``:
    ``"interceptor"`` (77101, 77202, 77201, 77301: before the parameters) or
    ``"service"`` (77103, 77302, 77303: after them)."""
    for code in project.failing_codes():
        if (code in INTERCEPTOR_CODES) == (stage == "interceptor"):
            raise ProviderError(errors.MAILER_CODES[code])


# -- parameters ---------------------------------------------------------------------------
def int_param(request: Request, name: str, default: int, lo: int) -> int:
    """An Integer query parameter (Spring trims it; empty means absent)."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        raise bad_request()
    value = int(text)
    if not lo <= value <= INT_MAX:
        raise bad_request()
    return value


def sort_param(request: Request, allowed: tuple[str, ...], default_desc: bool) -> list[tuple[str, bool, bool]]:
    """``sort=property(,property...)(,asc|desc)(,ignorecase)``, repeatable; a property
    without a direction is ascending (seed 001: "property(,asc|desc)形式 / asc
    (デフォルト)"). Without a sort: ``createUtc``, descending when ``default_desc``.
    Returns ``(property, descending, ignoreCase)``."""
    orders: list[tuple[str, bool, bool]] = []
    for value in request.args.getlist("sort"):
        parts = [p.strip() for p in value.split(",")]
        parts = [p for p in parts if p]
        if not parts:
            continue
        ignore_case = False
        if len(parts) > 1 and parts[-1].lower() == "ignorecase":
            ignore_case = True
            parts.pop()
        desc = False
        if len(parts) > 1 and parts[-1].lower() in ("asc", "desc"):
            desc = parts.pop().lower() == "desc"
        for prop in parts:
            if prop not in allowed:
                raise bad_request()
            orders.append((prop, desc, ignore_case))
    return orders or [("createUtc", default_desc, False)]


def address_param(request: Request, name: str, required: bool) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        if required:
            raise bad_request()
        return None
    if not is_address(value):
        raise bad_request()
    return value


def bool_param(request: Request, name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise bad_request()


def instant_param(request: Request, utc_name: str, text_name: str) -> int:
    """``startUtc`` (epoch ms) wins over ``startDateTime`` (UTC+9, four formats); one is required."""
    raw = request.args.get(utc_name)
    if raw is not None and raw.strip():
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not digits.isascii() or len(digits) > 18:
            raise bad_request()
        return int(text)
    raw = request.args.get(text_name)
    if raw is None or not raw:
        raise bad_request()
    for pattern, fmt in _DATETIME_FORMATS:
        if pattern.fullmatch(raw):
            try:
                when = datetime.strptime(raw, fmt).replace(tzinfo=KST)
            except ValueError:
                raise bad_request() from None
            return (when - EPOCH) // timedelta(milliseconds=1)
    raise bad_request()


def receivers_body(request: Request) -> list[str]:
    """``{"blockedReceivers": ["a@example.com", ...]}``: a non-empty list of addresses."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request() from None
    if not isinstance(body, dict):
        raise bad_request()
    receivers = body.get("blockedReceivers")
    if not isinstance(receivers, list) or not receivers:
        raise bad_request()
    if not all(isinstance(a, str) and is_address(a) for a in receivers):
        raise bad_request()
    return receivers


def is_json(request: Request) -> bool:
    mimetype = request.mimetype
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


# -- operations -----------------------------------------------------------------------------
@dataclass(eq=False)
class NcpCall(Call):
    """What every operation is given: the project of the access key that signed the
    request, and the region its path names (``KR``, ``SGN``, ``JPN``)."""

    provider: Ncp
    project: Project
    region: str


def get_send_block_list(c: NcpCall) -> Response:
    """One address's send-block history, a Spring page (seed 001)."""
    ncp, project, region, request, notes = c.provider, c.project, c.region, c.request, c.notes
    target = address_param(request, "targetAddress", required=True)
    assert target is not None
    size = int_param(request, "size", SIZE_DEFAULT, lo=1)
    number = int_param(request, "page", 0, lo=0)
    # no sort: newest first, as seed 001's example response (sent without one) shows
    orders = sort_param(request, SEND_BLOCK_SORTS, default_desc=True)
    account_checks(project, "service")
    blocks = ncp.state.block_list(region, ncp.now_ms())
    rows = blocks.history(target)
    for prop, desc, _ in reversed(orders):
        rows.sort(key=(lambda e: e.sid) if prop == "historySid" else (lambda e: e.at), reverse=desc)
    start = number * size
    current = blocks.current(target)
    body = render.page(
        [render.send_block_item(e, project.name, notes.lang) for e in rows[start : start + size]],
        total=len(rows),
        size=size,
        number=number,
        orders=orders,
        extra={
            "registerStatus": render.BLOCKED if current is not None else render.NOT_BLOCKED,
            "expectedDeleteDate": None if current is None else render.nes_datetime(current.expires),
        },
    )
    return render.ok(body)


def get_unsubscribers_list(c: NcpCall) -> Response:
    """The project's unsubscribe list in a time window (ncp.md: Unsubscribers)."""
    project, request = c.project, c.request
    start = instant_param(request, "startUtc", "startDateTime")
    end = instant_param(request, "endUtc", "endDateTime")
    email = address_param(request, "emailAddress", required=False)
    by_manager = bool_param(request, "isRegByManager")
    size = int_param(request, "size", SIZE_DEFAULT, lo=1)
    number = int_param(request, "page", 0, lo=0)
    orders = sort_param(request, UNSUBSCRIBER_SORTS, default_desc=False)
    account_checks(project, "service")
    rows, total = project.unsubscriber_list(c.region).query(
        start=start,
        end=end,
        email=email,
        by_manager=by_manager,
        orders=[(p, d) for p, d, _ in orders],
        offset=number * size,
        limit=size,
    )
    body = render.page(
        [render.unsubscriber_item(r) for r in rows], total=total, size=size, number=number, orders=orders
    )
    return render.ok(body)


def register_unsubscribers(c: NcpCall) -> Response:
    """201 ``{count, requestCount, ignoreCount}``; listed addresses are ignored."""
    receivers = receivers_body(c.request)
    account_checks(c.project, "service")
    lst = c.project.unsubscriber_list(c.region)
    now = c.provider.now_ms()
    count = sum(1 for a in receivers if lst.add(Unsubscriber(now, a, True)))
    return render.ok({"count": count, "requestCount": len(receivers), "ignoreCount": len(receivers) - count}, 201)


def delete_unsubscribers(c: NcpCall) -> Response:
    """200 ``{count, requestCount, ignoreCount}``; unlisted addresses are ignored."""
    receivers = receivers_body(c.request)
    account_checks(c.project, "service")
    lst = c.project.unsubscriber_list(c.region)
    count = sum(1 for a in receivers if lst.remove(a))
    return render.ok({"count": count, "requestCount": len(receivers), "ignoreCount": len(receivers) - count})


def routes(
    *specs: tuple[str, str, Callable[[NcpCall], Response]],
) -> tuple[list[Rule], dict[str, Callable[[NcpCall], Response]]]:
    """The rules and handlers of ``(path under /api/<version>, method, handler)`` specs,
    each endpoint named after its handler (the send path's and the status lookups')."""
    rules = [Rule(f"/api/{VERSION}{path}", methods=[method], endpoint=fn.__name__) for path, method, fn in specs]
    return rules, {fn.__name__: fn for _, _, fn in specs}


HANDLERS: dict[str, Callable[[NcpCall], Response]] = {
    "get_send_block_list": get_send_block_list,
    "get_unsubscribers_list": get_unsubscribers_list,
    "register_unsubscribers": register_unsubscribers,
    "delete_unsubscribers": delete_unsubscribers,
}
BODY_OPERATIONS = ("register_unsubscribers", "delete_unsubscribers")


def dispatch(
    c: Call,
    handlers: dict[str, Callable[[NcpCall], Response]] = HANDLERS,
    body_operations: tuple[str, ...] = BODY_OPERATIONS,
) -> Response:
    """The gateway's and the backend's checks every operation shares, then the
    operation: one of ``handlers`` (the package's wiring passes the send path's and the
    status lookups' too), ``body_operations`` those that read a JSON body."""
    ncp: Ncp = c.provider
    request, notes = c.request, c.notes
    notes.lang = language(request)
    check_encoding(request)
    key = authenticate(ncp, request, notes)
    project = ncp.state.projects[key.project]
    if c.endpoint == "method_not_allowed":
        raise ProviderError(errors.NCP_METHOD_NOT_ALLOWED, headers={"Allow": ", ".join(c.args.get("allowed", []))})
    if c.endpoint in body_operations and not is_json(request):
        raise ProviderError(errors.NCP_UNSUPPORTED_MEDIA_TYPE)
    account_checks(project, "interceptor")
    return handlers[c.endpoint](c.extended(NcpCall, project=project, region=REGIONS[c.args["version"]]))
