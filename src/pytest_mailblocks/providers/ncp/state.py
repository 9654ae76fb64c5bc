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
                       "active": [{"expires", "created", "address"}]}, "SGN": ..., "JPN": ...},
     "mail_store": null or {"maxlen", "max_bytes", "total", "request_seq", "mail_seq",
        "requests": [{"request_id", "project", "region", "created", "requester_ip",
                      "sender_address", "sender_name", "title", "body", "template_sid",
                      "advertising", "individual", "references", "reservation",
                      "parameters", "held",
                      "mails": [{"mail_id", "recipients": [{"address", "name", "type",
                                 "parameters", "status", "retry", "code", "message",
                                 "at"}]}]}]},
     "delivery": null or the core's delivery part (outcomes, events, sends)}

Times are epoch milliseconds, as the API's. An address's history is listed in its
order; a block in force is the last entry of its address's history, a Create.

The send path's part (issue 21): the mail requests the status APIs read (each with
its mails and each recipient's status; ``request_seq`` and ``mail_seq`` the last id
numbers given, every id ``yyyyMMdd`` and 12 digits at most its counter) and the
delivery part; the send-block time (createConfig's ``SEND_BLOCK_TIME``) is each
project's ``block_hours``. Both may be left out (nothing sent). A request waiting for
its reservation or a mail waiting for a retry keeps its status (``R``, ``I``): what
the fake clock would run next is work, not kept.
"""

from __future__ import annotations

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
    maybe,
    one_of,
    record,
    restore_bounds,
    restore_delivery_part,
    unique,
)
from . import models
from .models import AccessKey, ActiveBlock, BlockList, HistoryEntry, NcpState, Project, Unsubscriber, is_address
from .status import MAIL_SEQ_START, RESULT_MESSAGES, STATUS_LABELS, Mail, MailRequest, MailStore, Recipient

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
_STORE_KEYS = ("maxlen", "max_bytes", "total", "request_seq", "mail_seq", "requests")
_REQUEST_TEXTS = ("requester_ip", "sender_address", "sender_name", "title", "body")
_REQUEST_FIELDS = (
    "request_id",
    "project",
    "region",
    "created",
    *_REQUEST_TEXTS,
    "template_sid",
    "advertising",
    "individual",
    "references",
    "reservation",
    "parameters",
    "held",
    "mails",
)
_RECIPIENT_FIELDS = ("address", "name", "type", "parameters", "status", "retry", "code", "message", "at")
_ID = snapshot.Check(
    lambda v: type(v) is str and len(v) == 20 and v.isdigit() and v.isascii(), "yyyyMMdd and 12 digits"
)
_OBJECT = maybe(snapshot.Check(lambda v: type(v) is dict, "an object"))
_MAYBE_MS = maybe(snapshot.INSTANT_MS)
_LIST = snapshot.Check(lambda v: type(v) is list and len(v) > 0, "a non-empty list")
_REQUEST = record(
    tuple,
    {
        "request_id": _ID,
        "project": snapshot.TEXT,
        "region": one_of(models.REGIONS.values()),
        "created": snapshot.INSTANT_MS,
        **dict.fromkeys((*_REQUEST_TEXTS, "references"), snapshot.OPT_STR),
        "template_sid": maybe(snapshot.INT),
        **dict.fromkeys(("advertising", "individual", "held"), snapshot.BOOL),
        "reservation": _MAYBE_MS,
        "parameters": _OBJECT,
        "mails": snapshot.Check(lambda v: type(v) is list, "a list"),
    },
    _REQUEST_FIELDS,
)
_MAIL = record(tuple, {"mail_id": _ID, "recipients": _LIST}, ("mail_id", "recipients"))
_RECIPIENT = record(
    tuple,
    {
        "address": snapshot.TEXT,
        "name": snapshot.OPT_STR,
        "type": one_of(("R", "C", "B")),
        "parameters": _OBJECT,
        "status": one_of(STATUS_LABELS["en"]),
        "retry": snapshot.NATURAL,
        "code": one_of((*RESULT_MESSAGES["en"], None)),
        "message": snapshot.OPT_STR,
        "at": _MAYBE_MS,
    },
    _RECIPIENT_FIELDS,
)


def _requests(items: list[Any]) -> list[MailRequest]:
    """Mail requests with their mails and recipients, a refusal naming the nested field."""
    made = []
    for i, row in enumerate(_REQUEST(items)):
        fields = dict(zip(_REQUEST_FIELDS, row))
        mails = fields.pop("mails")
        ids = [fields.pop(k) for k in _REQUEST_FIELDS[:4]]  # request_id, project, region, created
        request = MailRequest(*ids, **fields)
        for j, item in enumerate(mails):
            try:
                ((mail_id, recipients),) = _MAIL([item])
            except RowError as exc:
                raise RowError(i, exc.detail, f"mails[{j}]" + (f".{exc.field}" if exc.field else "")) from None
            try:
                request.mails.append(Mail(mail_id, request, list(map(_recipient, _RECIPIENT(recipients)))))
            except RowError as exc:
                raise RowError(i, exc.detail, f"mails[{j}].recipients{exc.where}") from None
        made.append(request)
    return made


def _recipient(row: tuple[Any, ...]) -> Recipient:
    made = Recipient(*row[:4])
    made.status, made.retry, made.code, made.message, made.at = row[4:]
    return made


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
    ("mail_store", "requests"): _requests,
    **{("delivery", *path): make for path, make in snapshot.DELIVERY_ROWS.items()},
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
        "mail_store": None if state.mail_store is None else _store(state.mail_store),
        "delivery": delivery_part(state.delivery),
    }


def _store(store: MailStore) -> dict[str, Any]:
    request_seq, mail_seq = store.sequences
    rows = [
        (
            *(getattr(r, name) for name in _REQUEST_FIELDS[:-1]),
            [
                {
                    "mail_id": m.mail_id,
                    "recipients": [{name: getattr(x, name) for name in _RECIPIENT_FIELDS} for x in m.recipients],
                }
                for m in r.mails
            ],
        )
        for r in store.list()
    ]
    return {
        "maxlen": store.maxlen,
        "max_bytes": store.max_bytes,
        "total": store.total,
        "request_seq": request_seq,
        "mail_seq": mail_seq,
        "requests": Rows(_REQUEST_FIELDS, rows),
    }


def _blocks(lst: BlockList) -> dict[str, Any]:
    history = [entry for rows in lst.histories.values() for entry in rows]
    active = [(b.expires, b.created, b.address) for b in lst.active]
    return {"sid": lst._sid, "history": Rows(HistoryEntry._fields, history), "active": Rows(_ACTIVE_FIELDS, active)}


# -- in ------------------------------------------------------------------------------------------
def restore(ncp: Ncp, data: Any, where: str) -> NcpState:
    keys = ("lenient_empty_query", "projects", "access_keys", "quotas", "quota_used", "blocks")
    data = check(data, where, keys, ("mail_store", "delivery"))
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
    if data.get("mail_store") is not None:
        state.mail_store = _mail_store(state, data["mail_store"], f"{where}.mail_store")
    from .delivery import delivery_of

    restore_delivery_part(
        data.get("delivery"), lambda: delivery_of(ncp, True, state), ncp.outcome_kinds, f"{where}.delivery"
    )
    return state


def _mail_store(state: NcpState, part: Any, where: str) -> MailStore:
    part = check(part, where, _STORE_KEYS)
    request_seq = field_of(part, "request_seq", integers(0, MAIL_SEQ_START - 1, "a request id number"), where)
    mail_seq = field_of(part, "mail_seq", integers(MAIL_SEQ_START, 10**12 - 1, "a mail id number"), where)
    requests = part["requests"]
    if not isinstance(requests, list):
        raise ControlError("expected a list of mail requests", where=f"{where}.requests")
    total = field_of(part, "total", snapshot.NATURAL, where)
    if total < len(requests):
        raise ControlError("total must count every request", where=f"{where}.total")
    unique(requests, lambda r: r.request_id, f"{where}.requests", "request with request_id")
    mail_ids: set[str] = set()
    for i, request in enumerate(requests):
        w = f"{where}.requests[{i}]"
        if request.project not in state.projects:
            raise ControlError(f"unknown project {request.project!r}", where=f"{w}.project")
        if not 0 < int(request.request_id[8:]) <= request_seq:
            raise ControlError(f"its number must be from 1 to request_seq ({request_seq})", where=f"{w}.request_id")
        for j, mail in enumerate(request.mails):
            if mail.mail_id in mail_ids or not MAIL_SEQ_START < int(mail.mail_id[8:]) <= mail_seq:
                raise ControlError(
                    f"a mail id used once, its number after {MAIL_SEQ_START} and at most mail_seq ({mail_seq})",
                    where=f"{w}.mails[{j}].mail_id",
                )
            mail_ids.add(mail.mail_id)
    store = MailStore()
    restore_bounds(store, part, where)
    store.restore(requests, total, request_seq, mail_seq)
    return store


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
