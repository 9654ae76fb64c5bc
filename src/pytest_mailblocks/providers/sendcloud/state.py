"""SendCloud's state room: its part of a snapshot (``core.snapshot``).

::

    {"default_user": "mailblocks_default", "count_mode": "rows",
     "api_users": {"mailblocks_default": {
        "api_key": "...",
        "blocks": [{"create_time", "email", "domain", "api_user_block", "expire_time"}, ...],
        "bounces": [{"bounce_time", "email", "reason", "expire_time": null or a time}],
        "complaints": [{"complaint_time", "email", "expire_time"}],
        "unsubscribes": [{"unsubscribe_time", "email", "label_id", "api_user"}],
        "bounce_counts": [{"email", "count"}]}},
     "app_key": "...",
     "webhooks": [{"url", "categoryName", "events": [...], "body", "names"}],
     "request_ids": [{"request_id", "time"}],
     "statuses": [{"email_id", "status", "api_user", "recipients", "send_log", "time",
                   "modified", "label_id"}],
     "delivery": null or the core's delivery part (outcomes, events, sends)}

Times are unix seconds (the API shows them in UTC+8). A block row holds an address
or a domain, the other empty; rows whose expiry has passed are dropped when read (a
bounce without one stays until deleted).

The send path's part (issue 21): ``bounce_counts`` (the hard bounces seen per address,
the ``n`` of the bounce list's backoff schedule, oldest first), the APP KEY that signs
webhook events, the webhooks, the ``sendRequestId``s seen within the hour, the rows
``/apiv2/data/emailStatus`` shows (oldest first) and the delivery part. Each may be
left out (none yet; a left-out APP KEY is a new random one). Posts not yet made or
waiting for a retry and deferrals still to run are work on the fake clock, not kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ...core import snapshot
from ...core.errors import ControlError
from ...core.jsonstream import RowError
from ...core.snapshot import (
    Rows,
    check,
    delivery_part,
    field_of,
    integers,
    located,
    maybe,
    one_of,
    record,
    restore_delivery_part,
    unique,
)
from . import models, webhooks
from .delivery import STATUS, delivery_of
from .endpoints import INT_MAX
from .models import Block, Bounce, Complaint, ExpiringList, SendCloudState, Tenant, Unsubscribe, block_key

if TYPE_CHECKING:
    from . import SendCloud

__all__ = ["ROWS", "export", "restore"]

LISTS = ("blocks", "bounces", "complaints", "unsubscribes")
_SEND_KEYS = ("app_key", "webhooks", "request_ids", "statuses", "delivery")
#: an emailStatus row's fields, as the snapshot names them, and as the state keys them
_STATUS_FIELDS = ("email_id", "status", "api_user", "recipients", "send_log", "time", "modified", "label_id")
_STATUS_KEYS = ("status", "apiUser", "recipients", "sendLog", "_time", "_modified", "_labelId")
_BOUNCE_FIELDS = (*Bounce._fields, "expire_time")
_TIME = integers(models.MIN_SECONDS, models.MAX_SECONDS, "unix seconds of the years 1 to 9999")
_MAYBE_TIME = maybe(_TIME)
_BLOCK = record(
    Block,
    {
        "create_time": _TIME,
        "email": snapshot.STR,
        "domain": snapshot.STR,
        "api_user_block": snapshot.TEXT,
        "expire_time": _TIME,
    },
)


def _blocks(items: list[Any]) -> list[Block]:
    blocks: list[Block] = _BLOCK(items)
    wrong = next((i for i, b in enumerate(blocks) if bool(b.email) == bool(b.domain)), None)
    if wrong is not None:
        raise RowError(wrong, "a block row holds an email or a domain, the other empty")
    return blocks


#: every list of the part, read record by record (a bounce as its record and its expiry)
ROWS: dict[tuple[str, ...], Any] = {
    ("api_users", "*", "blocks"): _blocks,
    ("api_users", "*", "bounces"): record(
        tuple,
        {"bounce_time": _TIME, "email": snapshot.TEXT, "reason": snapshot.STR, "expire_time": _MAYBE_TIME},
        _BOUNCE_FIELDS,
    ),
    ("api_users", "*", "complaints"): record(
        Complaint, {"complaint_time": _TIME, "email": snapshot.TEXT, "expire_time": _TIME}
    ),
    ("api_users", "*", "unsubscribes"): record(
        Unsubscribe,
        {
            "unsubscribe_time": _TIME,
            "email": snapshot.TEXT,
            "label_id": integers(0, INT_MAX, "an integer from 0 to 2^31-1"),
            "api_user": snapshot.STR,
        },
    ),
    ("api_users", "*", "bounce_counts"): snapshot.EMAIL_COUNTS,
    ("request_ids",): record(tuple, {"request_id": snapshot.TEXT, "time": snapshot.INSTANT}, ("request_id", "time")),
    ("statuses",): record(
        tuple,
        {
            "email_id": snapshot.TEXT,
            "status": one_of(STATUS.values()),
            "api_user": snapshot.STR,
            "recipients": snapshot.STR,
            "send_log": snapshot.STR,
            "time": snapshot.INSTANT,
            "modified": snapshot.INSTANT,
            "label_id": maybe(snapshot.INT),
        },
        _STATUS_FIELDS,
    ),
    **{("delivery", *path): make for path, make in snapshot.DELIVERY_ROWS.items()},
}


def export(sc: SendCloud) -> dict[str, Any]:
    state = sc.state
    tenants = {t.api_user: _tenant(t) for t in state.tenants.values()}
    return {
        "default_user": state.default_user,
        "count_mode": state.count_mode,
        "api_users": tenants,
        "app_key": state.app_key,
        "webhooks": [h.to_json() for h in state.webhooks],
        "request_ids": Rows(("request_id", "time"), list(state.request_ids.items())),
        "statuses": Rows(
            _STATUS_FIELDS, [(email_id, *map(row.get, _STATUS_KEYS)) for email_id, row in state.statuses.items()]
        ),
        "delivery": delivery_part(state.delivery),
    }


def _tenant(t: Tenant) -> dict[str, Any]:
    bounces = [(*b, t.bounces.expires(b.email)) for b in t.bounces.records()]
    return {
        "api_key": t.api_key,
        "blocks": Rows(Block._fields, t.blocks.records()),
        "bounces": Rows(_BOUNCE_FIELDS, bounces),
        "complaints": Rows(Complaint._fields, t.complaints.records()),
        "unsubscribes": Rows(Unsubscribe._fields, t.unsubscribes.records()),
        "bounce_counts": Rows(("email", "count"), list(t.bounce_counts.items())),
    }


def restore(sc: SendCloud, data: Any, where: str) -> SendCloudState:
    data = check(data, where, ("default_user", "count_mode", "api_users"), _SEND_KEYS)
    now = _Held(sc.clock.time)
    state = SendCloudState(sc.credentials["api_user"], sc.credentials["api_key"], now)
    state.tenants = {}
    state.count_mode = field_of(data, "count_mode", one_of(models.COUNT_MODES), where)
    for name, part in check(data["api_users"], f"{where}.api_users").items():
        w = f"{where}.api_users.{name}"
        part = check(part, w, ("api_key", *LISTS), ("bounce_counts",))
        if not snapshot.TEXT.ok(name):
            raise ControlError("an api_user must be a non-empty string without surrounding blanks", where=w)
        tenant = state.add_tenant(name, field_of(part, "api_key", snapshot.TEXT, w))
        for kind in LISTS:
            if not isinstance(part[kind], list):
                raise ControlError(f"expected a list of {kind}", where=f"{w}.{kind}")
        if tenant.blocks.add_many(part["blocks"]) != len(part["blocks"]):
            unique(part["blocks"], lambda r: block_key(r.api_user_block, r.email, r.domain), f"{w}.blocks", "row")
        bounces = part["bounces"]
        _expiring(tenant.bounces, list(map(Bounce._make, map(itemgetter(0, 1, 2), bounces))), bounces, f"{w}.bounces")
        complaints = part["complaints"]
        _expiring(tenant.complaints, complaints, complaints, f"{w}.complaints")
        if tenant.unsubscribes.add_many(part["unsubscribes"]) != len(part["unsubscribes"]):
            unique(part["unsubscribes"], lambda r: r.email.lower(), f"{w}.unsubscribes", "row")
        tenant.bounce_counts = _keyed(part.get("bounce_counts", []), f"{w}.bounce_counts", "count", str.lower)
    default = data["default_user"]
    if not isinstance(default, str) or default not in state.tenants:
        raise ControlError(f"must name one of {sorted(state.tenants)}", where=f"{where}.default_user")
    state.default_user = default
    now.held = False
    _send_path(sc, state, data, where)
    return state


def _send_path(sc: SendCloud, state: SendCloudState, data: dict[str, Any], where: str) -> None:
    """The send path's part: the APP KEY, the webhooks, the request ids, the status
    rows, then (last: it cannot be refused after) the delivery."""
    if "app_key" in data:
        with located(f"{where}.app_key"):
            webhooks.set_app_key(sc, data["app_key"], state)
    hooks = data.get("webhooks", [])
    if not isinstance(hooks, list):
        raise ControlError("expected a list of webhooks", where=f"{where}.webhooks")
    made = []
    for i, item in enumerate(hooks):
        w = f"{where}.webhooks[{i}]"
        item = check(item, w, ("url", "categoryName", "events", "body", "names"))
        with located(w):
            made.append(
                webhooks.configure(
                    sc,
                    item["url"],
                    api_user=item["categoryName"],
                    events=item["events"],
                    body=item["body"],
                    names=item["names"],
                    state=state,
                )
            )
    unique(made, lambda h: (h.url, h.category), f"{where}.webhooks", "webhook of url and categoryName")
    state.request_ids = _keyed(data.get("request_ids", []), f"{where}.request_ids", "request id")
    rows = _listed(data.get("statuses", []), f"{where}.statuses", "status row")
    unique(rows, itemgetter(0), f"{where}.statuses", "status row")
    state.statuses = {row[0]: dict(zip(_STATUS_KEYS, row[1:])) for row in rows}
    restore_delivery_part(
        data.get("delivery"), lambda: delivery_of(sc, True, state), sc.outcome_kinds, f"{where}.delivery"
    )


def _listed(rows: Any, where: str, what: str) -> list[Any]:
    if not isinstance(rows, list):
        raise ControlError(f"expected a list of {what}s", where=where)
    return rows


def _keyed(rows: Any, where: str, what: str, key: Callable[[str], str] = str) -> dict[str, Any]:
    """``[(key, value), ...]`` as a dict in their order, each key once."""
    unique(_listed(rows, where, what), lambda r: key(r[0]), where, what)
    return {key(k): v for k, v in rows}


class _Held:
    """The time the restored lists read: before any instant while they are built (the
    fake's clock may be past an expiry the snapshot's clock, set with it, is not), then
    the fake's clock."""

    def __init__(self, time: Callable[[], float]) -> None:
        self.time = time
        self.held = True

    def __call__(self) -> float:
        return -math.inf if self.held else self.time()


def _expiring(target: ExpiringList, records: list[Any], rows: list[Any], where: str) -> None:
    """``records`` into an expiring list, each row's ``expire_time`` (its last field)
    its expiry when it has one."""
    if target.add_many(records) != len(records):
        unique(records, lambda r: r.email.lower(), where, "row")
    for record_, row in zip(records, rows):
        if row[-1] is not None:
            target.put(record_, row[-1])
