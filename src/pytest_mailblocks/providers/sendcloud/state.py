"""SendCloud's state room: its part of a snapshot (``core.snapshot``).

::

    {"default_user": "mailblocks_default", "count_mode": "rows",
     "api_users": {"mailblocks_default": {
        "api_key": "...",
        "blocks": [{"create_time", "email", "domain", "api_user_block", "expire_time"}, ...],
        "bounces": [{"bounce_time", "email", "reason", "expire_time": null or a time}],
        "complaints": [{"complaint_time", "email", "expire_time"}],
        "unsubscribes": [{"unsubscribe_time", "email", "label_id", "api_user"}]}}}

Times are unix seconds (the API shows them in UTC+8). A block row holds an address
or a domain, the other empty; rows whose expiry has passed are dropped when read (a
bounce without one stays until deleted).

Not yet here: the send path's own state (issue 21: the delivery's events and sends,
the webhooks and their APP KEY, the bounce counts behind the backoff schedule).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ...core import snapshot
from ...core.errors import ControlError
from ...core.jsonstream import RowError
from ...core.snapshot import Rows, check, field_of, integers, one_of, record, unique
from . import models
from .endpoints import INT_MAX
from .models import Block, Bounce, Complaint, ExpiringList, SendCloudState, Tenant, Unsubscribe, block_key

if TYPE_CHECKING:
    from . import SendCloud

__all__ = ["ROWS", "export", "restore"]

LISTS = ("blocks", "bounces", "complaints", "unsubscribes")
_BOUNCE_FIELDS = (*Bounce._fields, "expire_time")
_TIME = integers(models.MIN_SECONDS, models.MAX_SECONDS, "unix seconds of the years 1 to 9999")
_MAYBE_TIME = snapshot.Check(lambda v: v is None or _TIME.ok(v), f"null or {_TIME.what}")
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
}


def export(sc: SendCloud) -> dict[str, Any]:
    state = sc.state
    tenants = {t.api_user: _tenant(t) for t in state.tenants.values()}
    return {"default_user": state.default_user, "count_mode": state.count_mode, "api_users": tenants}


def _tenant(t: Tenant) -> dict[str, Any]:
    bounces = [(*b, t.bounces.expires(b.email)) for b in t.bounces.records()]
    return {
        "api_key": t.api_key,
        "blocks": Rows(Block._fields, t.blocks.records()),
        "bounces": Rows(_BOUNCE_FIELDS, bounces),
        "complaints": Rows(Complaint._fields, t.complaints.records()),
        "unsubscribes": Rows(Unsubscribe._fields, t.unsubscribes.records()),
    }


def restore(sc: SendCloud, data: Any, where: str) -> SendCloudState:
    data = check(data, where, ("default_user", "count_mode", "api_users"))
    now = _Held(sc.clock.time)
    state = SendCloudState(sc.credentials["api_user"], sc.credentials["api_key"], now)
    state.tenants = {}
    state.count_mode = field_of(data, "count_mode", one_of(models.COUNT_MODES), where)
    for name, part in check(data["api_users"], f"{where}.api_users").items():
        w = f"{where}.api_users.{name}"
        part = check(part, w, ("api_key", *LISTS))
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
    default = data["default_user"]
    if not isinstance(default, str) or default not in state.tenants:
        raise ControlError(f"must name one of {sorted(state.tenants)}", where=f"{where}.default_user")
    state.default_user = default
    now.held = False
    return state


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
