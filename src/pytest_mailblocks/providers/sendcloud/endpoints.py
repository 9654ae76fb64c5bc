"""SendCloud routes and operations (seed 004; ``shared/providers/sendcloud.md``;
sendcloud2013/sendcloud_docs ``sources/email_v2/bounce_do.md`` and
``unsubscribe_do.md`` @6d8cd47 for the sibling lists).

Every route answers GET and POST under both ``/api/`` (international host,
English messages) and ``/apiv2/`` (mainland host, Chinese messages), with the
parameters in the query string or a form body (urlencoded or multipart); a name in
both places takes the query string's value, and a repeated name its first value.

Order of checks: authentication (40005), then the parameters in the order of the
published code table (start 40001/40002, limit 40003/40004, days 40006, startDate
40007, endDate 40008, labelIdList, apiUserList, email 40011/40012), then the rules
with no published code (range over 3 months, expireTime, domainName/email).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ...core.errors import ProviderError
from ...core.provider import Call, Notes
from . import errors, render
from .models import (
    ALL,
    Block,
    Tenant,
    Unsubscribe,
    add_months,
    day_start,
    parse_api_date,
    today,
    valid_email,
)

if TYPE_CHECKING:
    from . import SendCloud

__all__ = ["HANDLERS", "OPERATIONS", "PREFIXES", "RULES", "SendCloudCall", "dispatch"]

PREFIXES = ("/api", "/apiv2")
#: (module, action) -> operation name (the fault and journal name)
OPERATIONS: dict[tuple[str, str], str] = {
    ("block", "list"): "list_blocks",
    ("block", "add"): "add_blocks",
    ("block", "delete"): "delete_blocks",
    ("bounce", "list"): "list_bounces",
    ("bounce", "delete"): "delete_bounces",
    ("bounce", "count"): "count_bounces",
    ("unsubscribe", "list"): "list_unsubscribes",
    ("unsubscribe", "add"): "add_unsubscribe",
    ("unsubscribe", "delete"): "delete_unsubscribes",
}
RULES = [
    Rule(f"{prefix}/{module}/{action}", methods=["GET", "POST"], endpoint=name)
    for prefix in PREFIXES
    for (module, action), name in OPERATIONS.items()
]

#: Java's Integer.MAX_VALUE: larger start/days cannot be parsed by the live service (assumed)
INT_MAX = 2**31 - 1
LIMIT_MAX = 100  # seed 004: limit [0-100]
LIMIT_DEFAULT = 100
RANGE_MONTHS = 3  # seed 004 tips: "Time frame cannot be longer than 3 months"
#: ``unsubscribe/add`` answers this code with ``result: true`` (unsubscribe_do.md; index.md 40401)
UNSUBSCRIBE_CREATED = 40401

Params = dict[str, str]


# -- parameters ------------------------------------------------------------------------
def read_params(request: Request) -> Params:
    """First value of every name, query string first, then the form body."""
    out: Params = {}
    # not request.args: werkzeug decodes raw (unescaped) query bytes strictly
    query = request.query_string.decode("utf-8", "replace")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        out.setdefault(name, value)
    try:
        request.get_data(cache=True)  # keep the raw body for the journal, then parse it
        form = request.form
    except Exception:  # a body werkzeug cannot parse is no parameters at all
        form = None
    if form:
        for name, values in form.lists():
            if values:
                out.setdefault(name, values[0])
    return out


def text(p: Params, name: str) -> str:
    return p.get(name, "").strip()


def parse_int(raw: str) -> int | None:
    """ASCII digits only (no sign, no spaces); very long numbers are just too big."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return None
    return INT_MAX + 1 if len(raw) > 12 else int(raw)


def paging(p: Params) -> tuple[int, int]:
    """``start`` >= 0, default 0; ``limit`` in [0, 100], default 100. Present but
    empty is 40001/40003 (the only way the "cannot be empty" codes can arise for
    optional parameters: assumed)."""
    offset, limit = 0, LIMIT_DEFAULT
    if "start" in p:
        raw = p["start"].strip()
        if not raw:
            raise ProviderError(errors.SC_START_EMPTY)
        value = parse_int(raw)
        if value is None or value > INT_MAX:
            raise ProviderError(errors.SC_START_INVALID)
        offset = value
    if "limit" in p:
        raw = p["limit"].strip()
        if not raw:
            raise ProviderError(errors.SC_LIMIT_EMPTY)
        value = parse_int(raw)
        if value is None or value > LIMIT_MAX:
            raise ProviderError(errors.SC_LIMIT_INVALID)
        limit = value
    return offset, limit


Window = tuple[int | None, int | None]


def date_window(p: Params, now: float) -> Window:
    """The creation-time window ``[start, end)`` in unix seconds.

    ``days`` (1 = today, UTC+8) wins when given; otherwise ``startDate`` and
    ``endDate`` (``yyyy-MM-dd``, both days included) are required: a missing or
    malformed one is 40007/40008. A date range over 3 months is refused; ``days``
    is not limited (the docs' own request examples use ``days=100``). A range that
    ends before it starts is empty."""
    raw_days = text(p, "days")
    if raw_days:
        days = parse_int(raw_days)
        if days is None or days < 1 or days > INT_MAX:
            raise ProviderError(errors.SC_DAYS_INVALID)
        day = today(now)
        end = _day_after(day)
        back = (day - date.min).days
        return (None if days - 1 > back else day_start(day - timedelta(days=days - 1))), end
    first = parse_api_date(text(p, "startDate"))
    if first is None:
        raise ProviderError(errors.SC_START_DATE_INVALID)
    last = parse_api_date(text(p, "endDate"))
    if last is None:
        raise ProviderError(errors.SC_END_DATE_INVALID)
    if last > add_months(first, RANGE_MONTHS):
        raise ProviderError(errors.SC_RANGE_TOO_LONG)
    if last < first:
        return day_start(first), day_start(first)
    return day_start(first), _day_after(last)


def _day_after(day: date) -> int | None:
    return None if day == date.max else day_start(day + timedelta(days=1))


def email_param(p: Params, *, required: bool = False) -> str:
    """``email``: trimmed; 40011 when required and empty, 40012 when malformed."""
    email = text(p, "email")
    if not email:
        if required:
            raise ProviderError(errors.SC_EMAIL_EMPTY)
        return ""
    if not valid_email(email):
        raise ProviderError(errors.SC_EMAIL_INVALID)
    return email


def semicolon_list(p: Params, name: str, empty: Any, invalid: Any) -> list[str] | None:
    """``a;b;c`` (the docs' example also wraps it in ``[...]``); None when absent."""
    if name not in p:
        return None
    raw = p[name].strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1].strip()
    if not raw:
        raise ProviderError(empty)
    items = [item.strip() for item in raw.split(";")]
    if any(not item for item in items):
        raise ProviderError(invalid)
    return items


def count_of(sc: SendCloud, page: Any) -> int:
    """``info.count``: rows returned (default) or the total that matched
    (``set_count_mode("total")``); sendcloud.md leaves it open."""
    return int(page.total) if sc.state.count_mode == "total" else len(page)


# -- auth --------------------------------------------------------------------------------
def authenticate(sc: SendCloud, p: Params, notes: Notes) -> Tenant:
    """``apiUser`` + ``apiKey``; a missing, unknown or wrong one is 40005."""
    user, key = p.get("apiUser", ""), p.get("apiKey", "")
    if not user.strip() or not key.strip():
        notes.auth = "missing"
        raise ProviderError(errors.SC_AUTH_FAILED)
    tenant = sc.state.authenticate(user, key)
    if tenant is None:
        notes.auth = "invalid"
        notes.tenant = user
        raise ProviderError(errors.SC_AUTH_FAILED)
    notes.auth = "ok"
    notes.tenant = tenant.api_user
    return tenant


# -- operations ------------------------------------------------------------------------------
@dataclass(eq=False)
class SendCloudCall(Call):
    """What every operation is given: the API user the credentials name, the
    parameters (query string, then form) and the language its prefix picks
    (``/api``: Chinese, ``/apiv2``: English)."""

    provider: SendCloud
    tenant: Tenant
    params: Params
    lang: str


# -- block ---------------------------------------------------------------------------------
def list_blocks(c: SendCloudCall) -> Response:
    """``block/list``: a window is required; filters apiUserBlock, domainName, email."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    offset, limit = paging(p)
    start, end = date_window(p, sc.clock.time())
    email = email_param(p)
    page = t.blocks.query(
        start=start,
        end=end,
        api_user_block=text(p, "apiUserBlock"),
        domain=text(p, "domainName"),
        email=email,
        offset=offset,
        limit=limit,
        with_total=sc.state.count_mode == "total",
    )
    return render.ok({"dataList": [r.wire() for r in page], "count": count_of(sc, page)}, lang)


def block_target(p: Params) -> tuple[str, str, str]:
    """(apiUserBlock, domainName, email) of add/delete: apiUserBlock empty is
    ``all``; one of domainName and email is required."""
    email = email_param(p)
    domain = text(p, "domainName")
    return text(p, "apiUserBlock") or ALL, domain, email


def add_blocks(c: SendCloudCall) -> Response:
    """``block/add``: one row per address and per domain (address first, as in the
    docs' example); a pair already listed is not added again and is shown as listed."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    api_user_block, domain, email = block_target(p)
    raw = text(p, "expireTime")
    if not raw:
        raise ProviderError(errors.SC_EXPIRE_TIME_EMPTY)
    expire = parse_api_date(raw)
    if expire is None:
        raise ProviderError(errors.SC_EXPIRE_TIME_INVALID)
    if not domain and not email:
        raise ProviderError(errors.SC_DOMAIN_OR_EMAIL_REQUIRED)
    now = int(sc.clock.time())
    expire_at = day_start(expire)
    rows = []
    if email:
        rows.append(t.blocks.add(Block(now, email, "", api_user_block, expire_at)))
    if domain:
        rows.append(t.blocks.add(Block(now, "", domain, api_user_block, expire_at)))
    return render.ok({"dataList": [r.wire() for r in rows]}, lang)


def delete_blocks(c: SendCloudCall) -> Response:
    """``block/delete``: (apiUserBlock, domainName) and/or (apiUserBlock, email);
    ``info.count`` is the number deleted (0 when nothing matched)."""
    t, p, lang = c.tenant, c.params, c.lang
    api_user_block, domain, email = block_target(p)
    if not domain and not email:
        raise ProviderError(errors.SC_DOMAIN_OR_EMAIL_REQUIRED)
    return render.ok({"count": t.blocks.remove(api_user_block, email=email, domain=domain)}, lang)


# -- bounce --------------------------------------------------------------------------------
def list_bounces(c: SendCloudCall) -> Response:
    """``bounce/list``: a window, or ``email`` (then the window parameters are ignored)."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    offset, limit = paging(p)
    email = text(p, "email")
    if email:
        email = email_param(p)
        rows = [r for r in (t.bounces.get(email),) if r is not None]
        shown = rows[offset : offset + limit]
        count = len(rows) if sc.state.count_mode == "total" else len(shown)
        return render.ok({"dataList": [r.wire() for r in shown], "count": count}, lang)
    start, end = date_window(p, sc.clock.time())
    page = t.bounces.query(start=start, end=end, offset=offset, limit=limit, with_total=sc.state.count_mode == "total")
    return render.ok({"dataList": [r.wire() for r in page], "count": count_of(sc, page)}, lang)


def delete_bounces(c: SendCloudCall) -> Response:
    """``bounce/delete``: one address, or every bounce in a window."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    if text(p, "email"):
        return render.ok({"count": int(t.bounces.remove(email_param(p)))}, lang)
    start, end = date_window(p, sc.clock.time())
    return render.ok({"count": t.bounces.remove_window(start, end)}, lang)


def count_bounces(c: SendCloudCall) -> Response:
    """``bounce/count``: bounces in a window (required)."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    start, end = date_window(p, sc.clock.time())
    return render.ok({"count": t.bounces.count(start, end)}, lang)


# -- unsubscribe -----------------------------------------------------------------------------
def list_unsubscribes(c: SendCloudCall) -> Response:
    """``unsubscribe/list``: a window or ``email``; filters labelIdList, apiUserList."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    offset, limit = paging(p)
    email = text(p, "email")
    window: Window = (None, None)
    if not email:
        window = date_window(p, sc.clock.time())
    labels = semicolon_list(p, "labelIdList", errors.SC_LABEL_ID_LIST_EMPTY, errors.SC_LABEL_ID_INVALID)
    label_ids: set[int] | None = None
    if labels is not None:
        parsed = [parse_int(x) for x in labels]
        if any(x is None or x > INT_MAX for x in parsed):
            raise ProviderError(errors.SC_LABEL_ID_INVALID)
        label_ids = {x for x in parsed if x is not None}
    users = semicolon_list(p, "apiUserList", errors.SC_API_USER_LIST_EMPTY, errors.SC_API_USER_LIST_INVALID)
    user_set = None if users is None else set(users)

    def keep(r: Unsubscribe) -> bool:
        return (label_ids is None or r.label_id in label_ids) and (user_set is None or r.api_user in user_set)

    total_mode = sc.state.count_mode == "total"
    if email:
        email = email_param(p)
        rows = [r for r in (t.unsubscribes.get(email),) if r is not None and keep(r)]
        shown = rows[offset : offset + limit]
        return render.ok(
            {"dataList": [r.wire() for r in shown], "count": len(rows) if total_mode else len(shown)}, lang
        )
    predicate = None if label_ids is None and user_set is None else keep
    page = t.unsubscribes.query(
        start=window[0], end=window[1], predicate=predicate, offset=offset, limit=limit, with_total=total_mode
    )
    return render.ok({"dataList": [r.wire() for r in page], "count": count_of(sc, page)}, lang)


def add_unsubscribe(c: SendCloudCall) -> Response:
    """``unsubscribe/add``: ``statusCode`` 40401 with ``result: true`` and the success
    message, ``info.data`` the row (unsubscribe_do.md); an address already listed
    is shown as listed."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    email = email_param(p, required=True)
    record = t.unsubscribes.get(email)
    if record is None:
        record = Unsubscribe(int(sc.clock.time()), email, 0, t.api_user)
        t.unsubscribes.put(record)
    return render.ok({"data": record.wire()}, lang, UNSUBSCRIBE_CREATED)


def delete_unsubscribes(c: SendCloudCall) -> Response:
    """``unsubscribe/delete``: one address, or every unsubscribe in a window."""
    sc, t, p, lang = c.provider, c.tenant, c.params, c.lang
    if text(p, "email"):
        return render.ok({"count": int(t.unsubscribes.remove(email_param(p)))}, lang)
    start, end = date_window(p, sc.clock.time())
    return render.ok({"count": t.unsubscribes.remove_window(start, end)}, lang)


HANDLERS: dict[str, Callable[[SendCloudCall], Response]] = {
    "list_blocks": list_blocks,
    "add_blocks": add_blocks,
    "delete_blocks": delete_blocks,
    "list_bounces": list_bounces,
    "delete_bounces": delete_bounces,
    "count_bounces": count_bounces,
    "list_unsubscribes": list_unsubscribes,
    "add_unsubscribe": add_unsubscribe,
    "delete_unsubscribes": delete_unsubscribes,
}


def dispatch(c: Call, more: Mapping[str, Callable[[SendCloudCall], Response]] | None = None) -> Response:
    """The checks every operation shares (the language its prefix picks, the
    credentials), then the operation: a block API's, or one of ``more`` (the send
    path's and the Webhook API's, which the package's wiring adds)."""
    lang = c.notes.lang = render.lang_of(c.request.path)
    params = read_params(c.request)
    tenant = authenticate(c.provider, params, c.notes)
    handler = HANDLERS.get(c.endpoint) or (more or {})[c.endpoint]
    return handler(c.extended(SendCloudCall, tenant=tenant, params=params, lang=lang))
