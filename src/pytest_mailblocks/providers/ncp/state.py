"""NAVER Cloud Outbound Mailer's state room: its part of a snapshot (``core.snapshot``).

::

    {"lenient_empty_query": true,
     "projects": {"default": {"block_hours": 168, "flags": {"login_error": false, ...},
                              "unsubscribers": {"KR": [{"created", "address", "by_manager"}]}}},
     "access_keys": [{"access_key", "secret_key", "project", "permitted", "forbidden"}],
     "quotas": [{"access_key": null or a key, "limit", "period"}],
     "quota_used": [{"access_key", "window": [2026, 12, 6], "used"}],
     "blocks": {"KR": {"sid": 2,
                       "history": [{"at", "sid", "address", "action", "requester", "project",
                                    "result_code", "result_message"}, ...],
                       "active": [{"expires", "created", "address"}]}, "SGN": ..., "JPN": ...}}

Times are epoch milliseconds, as the API's. An address's history is listed in its
order; a block in force is the last entry of its address's history, a Create.

Not yet here: the send path's own state (issue 21: the delivery's events, sends and outcomes, the mail requests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core import snapshot
from ...core.errors import ControlError
from ...core.snapshot import Rows, check, field_of, one_of, record, unique
from . import models
from .models import AccessKey, ActiveBlock, BlockList, HistoryEntry, NcpState, Project, Unsubscriber, is_address

if TYPE_CHECKING:
    from . import Ncp

__all__ = ["ROWS", "export", "restore"]

_ADDRESS = snapshot.Check(
    lambda v: type(v) is str and is_address(v),
    "an address like user@example.com",
    lambda c: set(map(type, c)) <= {str} and all(map(is_address, c)),
)
_HOURS = snapshot.Check(lambda v: type(v) in (int, float) and 0 < v <= 100_000, "a number of hours from 0 to 100000")
_WINDOW = {"minute": 5, "hour": 4, "day": 3, "month": 2}
_ACTIVE_FIELDS = ("expires", "created", "address")

#: every list of the part, read record by record
ROWS: dict[tuple[str, ...], Any] = {
    ("projects", "*", "unsubscribers", "*"): record(
        Unsubscriber, {"created": snapshot.INSTANT_MS, "address": _ADDRESS, "by_manager": snapshot.BOOL}
    ),
    ("blocks", "*", "history"): record(
        HistoryEntry,
        {
            "at": snapshot.INSTANT_MS,
            "sid": snapshot.POSITIVE,
            "address": _ADDRESS,
            "action": one_of(("C", "D")),
            "requester": one_of(models.REQUESTERS),
            "project": snapshot.OPT_STR,
            "result_code": one_of((*models.HARD_BOUNCE_CODES, None)),
            "result_message": snapshot.OPT_STR,
        },
    ),
    ("blocks", "*", "active"): record(
        tuple, {"expires": snapshot.INSTANT_MS, "created": snapshot.INSTANT_MS, "address": _ADDRESS}, _ACTIVE_FIELDS
    ),
}


# -- out -----------------------------------------------------------------------------------------
def export(ncp: Ncp) -> dict[str, Any]:
    state = ncp.state
    return {
        "lenient_empty_query": state.lenient_empty_query,
        "projects": {
            p.name: {
                "block_hours": p.block_hours,
                "flags": dict(p.flags),
                "unsubscribers": {r: Rows(Unsubscriber._fields, list(lst.store)) for r, lst in p.unsubscribers.items()},
            }
            for p in state.projects.values()
        },
        "access_keys": [k.to_dict() for k in state.keys.values()],
        "quotas": [
            {"access_key": None if k == "*" else k, "limit": limit, "period": period}
            for k, (limit, period) in state.quotas.items()
        ],
        "quota_used": [
            {"access_key": k, "window": list(window), "used": used} for k, (window, used) in state.quota_used.items()
        ],
        "blocks": {region: _blocks(lst) for region, lst in state.blocks.items()},
    }


def _blocks(lst: BlockList) -> dict[str, Any]:
    history = [entry for rows in lst.histories.values() for entry in rows]
    active = [(b.expires, b.created, b.address) for b in lst.active]
    return {"sid": lst._sid, "history": Rows(HistoryEntry._fields, history), "active": Rows(_ACTIVE_FIELDS, active)}


# -- in ------------------------------------------------------------------------------------------
def restore(ncp: Ncp, data: Any, where: str) -> NcpState:
    keys = ("lenient_empty_query", "projects", "access_keys", "quotas", "quota_used", "blocks")
    data = check(data, where, keys)
    state = NcpState(ncp.credentials["access_key"], ncp.credentials["secret_key"])
    state.projects, state.keys = {}, {}
    state.lenient_empty_query = field_of(data, "lenient_empty_query", snapshot.BOOL, where)
    for name, part in check(data["projects"], f"{where}.projects").items():
        _project(state, name, part, f"{where}.projects.{name}")
    items = data["access_keys"]
    if not isinstance(items, list):
        raise ControlError("expected a list of access keys", where=f"{where}.access_keys")
    for i, item in enumerate(items):
        _access_key(state, item, f"{where}.access_keys[{i}]")
    _quotas(state, data, where)
    regions = check(data["blocks"], f"{where}.blocks", (), models.REGIONS.values())
    for region, part in regions.items():
        state.blocks[region] = _block_list(part, f"{where}.blocks.{region}")
    return state


def _project(state: NcpState, name: str, part: Any, where: str) -> None:
    if not snapshot.TEXT.ok(name) or name == models.OTHER_CUSTOMER_PROJECT:
        raise ControlError("a project name must be a non-empty string (not the reserved one)", where=where)
    part = check(part, where, ("block_hours", "flags", "unsubscribers"))
    project = state.projects[name] = Project(name, field_of(part, "block_hours", _HOURS, where))
    flags = check(part["flags"], f"{where}.flags", models.PROJECT_FLAGS)
    project.flags = {flag: field_of(flags, flag, snapshot.BOOL, f"{where}.flags") for flag in models.PROJECT_FLAGS}
    for region, records in check(part["unsubscribers"], f"{where}.unsubscribers", (), models.REGIONS.values()).items():
        w = f"{where}.unsubscribers.{region}"
        if not isinstance(records, list):
            raise ControlError("expected a list of unsubscribers", where=w)
        lst = project.unsubscriber_list(region)
        if lst.store.bulk_load(records) != len(records):
            unique(records, lambda r: r.address.lower(), w, "unsubscriber")


def _access_key(state: NcpState, item: Any, where: str) -> None:
    item = check(item, where, ("access_key", "secret_key", "project", "permitted", "forbidden"))
    access_key = field_of(item, "access_key", snapshot.TEXT, where)
    if access_key in state.keys:
        raise ControlError(f"a second access key {access_key!r}", where=f"{where}.access_key")
    project = item["project"]
    if not isinstance(project, str) or project not in state.projects:
        raise ControlError(f"unknown project {project!r}", where=f"{where}.project")
    state.keys[access_key] = AccessKey(
        access_key,
        field_of(item, "secret_key", snapshot.TEXT, where),
        project,
        field_of(item, "permitted", snapshot.BOOL, where),
        field_of(item, "forbidden", snapshot.BOOL, where),
    )


def _quotas(state: NcpState, data: dict[str, Any], where: str) -> None:
    for name in ("quotas", "quota_used"):
        if not isinstance(data[name], list):
            raise ControlError("expected a list", where=f"{where}.{name}")
    for i, item in enumerate(data["quotas"]):
        w = f"{where}.quotas[{i}]"
        item = check(item, w, ("access_key", "limit", "period"))
        key = item["access_key"]
        if key is not None and key not in state.keys:
            raise ControlError(f"unknown access key {key!r}", where=f"{w}.access_key")
        state.quotas["*" if key is None else key] = (
            field_of(item, "limit", snapshot.NATURAL, w),
            field_of(item, "period", one_of(models.QUOTA_PERIODS), w),
        )
    for i, item in enumerate(data["quota_used"]):
        w = f"{where}.quota_used[{i}]"
        item = check(item, w, ("access_key", "window", "used"))
        window = item["window"]
        if (
            not isinstance(window, list)
            or len(window) not in _WINDOW.values()
            or not all(type(v) is int for v in window)
        ):
            raise ControlError("must be a calendar window: 2 to 5 integers (year, month, ...)", where=f"{w}.window")
        key = field_of(item, "access_key", snapshot.TEXT, w)
        state.quota_used[key] = (tuple(window), field_of(item, "used", snapshot.NATURAL, w))


def _block_list(part: Any, where: str) -> BlockList:
    part = check(part, where, ("sid", "history", "active"))
    lst = BlockList()
    lst._sid = field_of(part, "sid", snapshot.NATURAL, where)
    history, active = part["history"], part["active"]
    for name, rows in (("history", history), ("active", active)):
        if not isinstance(rows, list):
            raise ControlError(f"expected a list of {name} entries", where=f"{where}.{name}")
    unique(history, lambda e: e.sid, f"{where}.history", "entry with sid")
    for i, entry in enumerate(history):
        rows = lst.histories.setdefault(entry.address.lower(), [])
        if rows and entry.at < rows[-1].at:
            raise ControlError("an address's history must be in time order", where=f"{where}.history[{i}].at")
        if entry.sid > lst._sid:
            raise ControlError(f"sid is past the list's sid ({lst._sid})", where=f"{where}.history[{i}].sid")
        rows.append(entry)
    unique(active, lambda a: a[2].lower(), f"{where}.active", "block")
    blocks = []
    for i, (expires, created, address) in enumerate(active):
        key = address.lower()
        rows = lst.histories.get(key)
        if not rows or rows[-1].action != "C" or rows[-1].at != created or expires < created:
            raise ControlError(
                "a block in force is its address's last history entry, a Create at created, expiring after it",
                where=f"{where}.active[{i}]",
            )
        blocks.append(ActiveBlock(expires, key, created, address))
    lst.active.bulk_load(blocks)
    return lst
