"""SendGrid routes and operations (seed 002, ``shared/providers/sendgrid.md``).

Every suppression list (blocks, bounces, spam_reports, invalid_emails) has the same
four operations, generated per list kind: ``list_<kind>`` (GET collection),
``delete_<kind>`` (bulk DELETE), ``get_<one>`` and ``delete_<one>`` (``/{email}``).
Global unsubscribes are listed at ``/v3/suppression/unsubscribes`` and changed through
``/v3/asm/suppressions/global`` (POST adds, GET/DELETE one; DELETE is 204 even when
the address is absent). Order of checks on every call:
auth (401) -> rate limit (429, counted per key and route) -> scope (403) ->
parameters (400) -> state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import errors, render
from .models import LIST_KINDS, Account, ApiKey, ListKind, SuppressionList

if TYPE_CHECKING:
    from . import SendGrid

__all__ = ["HANDLERS", "OPERATIONS", "RULES", "SendGridCall", "SuppressionCall", "dispatch"]

LIMIT_MAX = 500
LIMIT_DEFAULT = 500


def singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


GLOBAL = "/v3/asm/suppressions/global"


def _rules() -> tuple[list[Rule], dict[str, tuple[str, ListKind]]]:
    rules: list[Rule] = []
    ops: dict[str, tuple[str, ListKind]] = {}

    def add(path: str, method: str, op: str, name: str, kind: ListKind) -> None:
        rules.append(Rule(path, methods=[method], endpoint=name))
        ops[name] = (op, kind)

    for kind in LIST_KINDS.values():
        base = f"/v3/suppression/{kind.name}"
        one = singular(kind.name)
        add(base, "GET", "list", f"list_{kind.name}", kind)
        add(base, "OPTIONS", "preflight", f"preflight_{kind.name}", kind)
        if kind.per_address:
            add(base, "DELETE", "delete_many", f"delete_{kind.name}", kind)
            add(base + "/<path:email>", "GET", "get", f"get_{one}", kind)
            add(base + "/<path:email>", "DELETE", "delete_one", f"delete_{one}", kind)
            add(base + "/<path:email>", "OPTIONS", "preflight", f"preflight_{one}", kind)
    unsubscribes = LIST_KINDS["unsubscribes"]
    add(GLOBAL, "POST", "add_global", "create_global_suppression", unsubscribes)
    add(GLOBAL, "OPTIONS", "preflight", "preflight_global_suppressions", unsubscribes)
    add(GLOBAL + "/<path:email>", "GET", "get_global", "get_global_suppression", unsubscribes)
    add(GLOBAL + "/<path:email>", "DELETE", "delete_global", "delete_global_suppression", unsubscribes)
    add(GLOBAL + "/<path:email>", "OPTIONS", "preflight", "preflight_global_suppression", unsubscribes)
    return rules, ops


#: the scope each operation needs, by list kind
def required_scope(op: str, kind: ListKind) -> str:
    if op == "add_global":
        return "suppressions.global.create"
    if op == "get_global":
        return "suppressions.global.read"
    if op == "delete_global":
        return "suppressions.global.delete"
    return kind.read_scope if op in ("list", "get") else kind.delete_scope


RULES, OPERATIONS = _rules()


# -- auth, rate limit, scope -----------------------------------------------------------
def authenticate(sg: SendGrid, request: Request, notes: Notes) -> tuple[ApiKey, Account]:
    """``Authorization: Bearer <key>``; ``on-behalf-of`` picks a subuser's lists."""
    state = sg.state
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header:
        notes.auth = "missing"
        raise ProviderError(errors.SG_AUTH_REQUIRED)
    key = state.keys.get(token.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        notes.auth = "invalid"
        raise ProviderError(errors.SG_AUTH_REQUIRED)
    account = state.account(key.owner)
    behalf = request.headers.get("On-Behalf-Of")
    if behalf is not None and behalf.strip():
        target = state.impersonate(behalf) if account.parent else None
        if target is None:
            notes.auth = "forbidden"
            notes.tenant = behalf
            raise ProviderError(errors.SG_ACCESS_FORBIDDEN)
        account = target
    notes.auth = "ok"
    notes.tenant = account.username
    return key, account


def rate_headers(sg: SendGrid, key: ApiKey, route: str, notes: Notes) -> dict[str, str]:
    allowed, remaining, reset_at = sg.state.take_rate(key.key, route, sg.clock.time())
    headers = {
        "X-RateLimit-Limit": str(sg.state.rate_limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset_at),
    }
    notes.headers = headers
    if not allowed:
        notes.auth = "rate_limited"
        raise ProviderError(errors.SG_TOO_MANY_REQUESTS)
    return headers


# -- parameters ------------------------------------------------------------------------
def query_value(request: Request, name: str) -> str | None:
    """The first value of a query parameter (without werkzeug's KeyError path)."""
    values = dict.get(request.args, name)
    return values[0] if values else None


_INTEGER = re.compile(r"-?[0-9]+")


def _int_value(raw: str | None, name: str, default: int | None, lo: int | None = 0) -> int | None:
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not _INTEGER.fullmatch(text):  # ASCII digits, one optional minus ("--1" is no integer)
        raise ProviderError(errors.SG_NOT_INTEGER, field=name)
    value = int(text)
    if lo is not None and value < lo:
        raise ProviderError(errors.SG_NEGATIVE, field=name)
    return value


_LIST_PARAMS = ("start_time", "end_time", "offset", "limit", "email")


def list_params(request: Request) -> dict[str, Any]:
    """start_time, end_time (unix seconds, inclusive), limit 1..500 (default 500),
    offset >= 0 (default 0), email (prefix, ``%`` wildcard)."""
    args = request.args
    if not any(name in args for name in _LIST_PARAMS):  # a plain list: every default
        return {"start_time": None, "end_time": None, "offset": 0, "limit": LIMIT_DEFAULT, "email": None}
    problems: list[ProviderError] = []
    values: dict[str, Any] = {}
    for name, default in (("start_time", None), ("end_time", None), ("offset", 0)):
        try:
            values[name] = _int_value(query_value(request, name), name, default)
        except ProviderError as err:
            problems.append(err)
    try:
        limit = _int_value(query_value(request, "limit"), "limit", LIMIT_DEFAULT, lo=None)
        if limit is not None and not 1 <= limit <= LIMIT_MAX:
            raise ProviderError(errors.SG_LIMIT_RANGE)
        values["limit"] = limit
    except ProviderError as err:
        problems.append(err)
    if problems:
        raise problems[0].also(*problems[1:])
    values["email"] = query_value(request, "email") or None
    return values


def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, whatever the Content-Type, or the 400."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ProviderError(errors.SG_INVALID_JSON)
    return body


def bulk_body(request: Request) -> tuple[bool, list[str]]:
    """``{"delete_all": true}`` or ``{"emails": [...]}``; both keys present (even
    with ``delete_all: false``) is the documented 400 (sendgrid-php#281)."""
    body = json_object(request)
    problems = [ProviderError(errors.SG_UNKNOWN_FIELD, field=str(k)) for k in body if k not in ("delete_all", "emails")]
    delete_all = body.get("delete_all", False)
    emails = body.get("emails")
    if "delete_all" in body and not isinstance(delete_all, bool):
        problems.append(ProviderError(errors.SG_NOT_BOOLEAN))
    if "emails" in body and (not isinstance(emails, list) or not all(isinstance(e, str) for e in emails)):
        problems.append(ProviderError(errors.SG_NOT_JSON_ARRAY))
    if problems:
        raise problems[0].also(*problems[1:])
    if "delete_all" in body and "emails" in body:
        raise ProviderError(errors.SG_BOTH_SET)
    if delete_all is True:
        return True, []
    if emails is None:
        raise ProviderError(errors.SG_NOTHING_TO_DELETE)
    return False, list(emails)


# -- operations ------------------------------------------------------------------------
@dataclass(eq=False)
class SendGridCall(Call):
    """What every SendGrid operation is given."""

    provider: SendGrid


@dataclass(eq=False)
class SuppressionCall(SendGridCall):
    """What a suppression list's operation is given, past the checks every list route
    shares (auth, rate limit, scope): the account's list the route names, and the
    rate-limit headers its answer carries."""

    list: SuppressionList
    rate: dict[str, str]


def list_records(c: SuppressionCall) -> Response:
    lst = c.list
    p = list_params(c.request)
    page = lst.query(
        start_time=p["start_time"],
        end_time=p["end_time"],
        email=p["email"],
        offset=p["offset"],
        limit=p["limit"],
    )
    fields = lst.kind.fields
    return render.ok([dict(zip(fields, r)) for r in page], c.provider.clock.time(), c.rate)


def get_record(c: SuppressionCall) -> Response:
    record = c.list.get(c.args["email"])
    rows = [] if record is None else [dict(zip(c.list.kind.fields, record))]
    return render.ok(rows, c.provider.clock.time(), c.rate)


def delete_record(c: SuppressionCall) -> Response:
    if not c.list.remove(c.args["email"]):
        raise ProviderError(errors.SG_NOT_FOUND)
    return render.empty(204, c.provider.clock.time(), c.rate)


def delete_records(c: SuppressionCall) -> Response:
    delete_all, emails = bulk_body(c.request)
    if delete_all:
        c.list.clear()
    else:
        c.list.remove_many(emails)
    return render.empty(204, c.provider.clock.time(), c.rate)


def recipients_body(request: Request) -> list[str]:
    """``{"recipient_emails": [...]}`` (spec ``SuppressionsRequest``)."""
    body = json_object(request)
    problems = [ProviderError(errors.SG_UNKNOWN_FIELD, field=str(k)) for k in body if k != "recipient_emails"]
    emails = body.get("recipient_emails")
    if "recipient_emails" not in body:
        problems.append(ProviderError(errors.SG_REQUIRED, field="recipient_emails"))
    elif not isinstance(emails, list) or not all(isinstance(e, str) and e for e in emails):
        problems.append(ProviderError(errors.SG_NOT_JSON_ARRAY, field="recipient_emails"))
    if problems:
        raise problems[0].also(*problems[1:])
    return list(emails or [])


def add_global(c: SuppressionCall) -> Response:
    emails = recipients_body(c.request)
    lst, now = c.list, c.provider.clock.time()
    for email in emails:
        if lst.get(email) is None:
            lst.add(lst.kind.record(int(now), email))
    return render.ok({"recipient_emails": emails}, now, c.rate, 201)


def get_global(c: SuppressionCall) -> Response:
    record = c.list.get(c.args["email"])
    body = {} if record is None else {"recipient_email": record[1]}
    return render.ok(body, c.provider.clock.time(), c.rate)


def delete_global(c: SuppressionCall) -> Response:
    """204 whether or not the address was listed (sendgrid/docs#6194)."""
    c.list.remove(c.args["email"])
    return render.empty(204, c.provider.clock.time(), c.rate)


#: the operations by kind: one function serves every list's route of that kind
HANDLERS: dict[str, Callable[[SuppressionCall], Response]] = {
    "add_global": add_global,
    "get_global": get_global,
    "delete_global": delete_global,
    "list": list_records,
    "get": get_record,
    "delete_one": delete_record,
    "delete_many": delete_records,
}


def dispatch(c: Call) -> Response:
    """The checks every suppression route shares, then its operation."""
    sg: SendGrid = c.provider
    request, notes = c.request, c.notes
    op, kind = OPERATIONS[c.endpoint]
    if op == "preflight":
        notes.auth = "preflight"
        return render.empty(200, sg.clock.time(), None)
    key, account = authenticate(sg, request, notes)
    base = GLOBAL if op.endswith("_global") else f"/v3/suppression/{kind.name}"
    rate = rate_headers(sg, key, base + ("/{email}" if "email" in c.args else ""), notes)
    if not key.allows(required_scope(op, kind)):
        notes.auth = "forbidden"
        raise ProviderError(errors.SG_ACCESS_FORBIDDEN)
    return HANDLERS[op](c.extended(SuppressionCall, list=account.lists[kind.name], rate=rate))
