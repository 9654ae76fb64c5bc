"""SendCloud's state room: its part of a snapshot (``core.snapshot``).

::

    {"default_user": "mailblocks_default", "count_mode": "rows",
     "api_users": {"mailblocks_default": {
        "api_key": "...",
        "blocks": [{"create_time", "email", "domain", "api_user_block", "expire_time"}, ...],
        "bounces": [{"bounce_time", "email", "reason"}],
        "unsubscribes": [{"unsubscribe_time", "email", "label_id", "api_user"}]}}}

Times are unix seconds (the API shows them in UTC+8). A block row holds an address
or a domain, the other empty; rows whose expiry has passed are dropped when read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.errors import ControlError
from ...core.jsonstream import RowError
from ...core.snapshot import STR, TEXT, Rows, check, field_of, integers, one_of, record, unique
from .endpoints import INT_MAX
from .models import COUNT_MODES, MAX_SECONDS, MIN_SECONDS, Block, Bounce, SendCloudState, Unsubscribe, block_key

if TYPE_CHECKING:
    from . import SendCloud

__all__ = ["ROWS", "export", "restore"]

LISTS = ("blocks", "bounces", "unsubscribes")
_TIME = integers(MIN_SECONDS, MAX_SECONDS, "unix seconds of the years 1 to 9999")
_BLOCK = record(
    Block, {"create_time": _TIME, "email": STR, "domain": STR, "api_user_block": TEXT, "expire_time": _TIME}
)


def _blocks(items: list[Any]) -> list[Block]:
    blocks: list[Block] = _BLOCK(items)
    wrong = next((i for i, b in enumerate(blocks) if bool(b.email) == bool(b.domain)), None)
    if wrong is not None:
        raise RowError(wrong, "a block row holds an email or a domain, the other empty")
    return blocks


#: every list of the part, read record by record
ROWS: dict[tuple[str, ...], Any] = {
    ("api_users", "*", "blocks"): _blocks,
    ("api_users", "*", "bounces"): record(Bounce, {"bounce_time": _TIME, "email": TEXT, "reason": STR}),
    ("api_users", "*", "unsubscribes"): record(
        Unsubscribe,
        {
            "unsubscribe_time": _TIME,
            "email": TEXT,
            "label_id": integers(0, INT_MAX, "an integer from 0 to 2^31-1"),
            "api_user": STR,
        },
    ),
}


def export(sc: SendCloud) -> dict[str, Any]:
    state = sc.state
    return {
        "default_user": state.default_user,
        "count_mode": state.count_mode,
        "api_users": {
            t.api_user: {
                "api_key": t.api_key,
                "blocks": Rows(Block._fields, t.blocks.records()),
                "bounces": Rows(Bounce._fields, t.bounces.records()),
                "unsubscribes": Rows(Unsubscribe._fields, t.unsubscribes.records()),
            }
            for t in state.tenants.values()
        },
    }


def restore(sc: SendCloud, data: Any, where: str) -> SendCloudState:
    data = check(data, where, ("default_user", "count_mode", "api_users"))
    state = SendCloudState(sc.credentials["api_user"], sc.credentials["api_key"], sc.clock.time)
    state.tenants = {}
    state.count_mode = field_of(data, "count_mode", one_of(COUNT_MODES), where)
    for name, part in check(data["api_users"], f"{where}.api_users").items():
        w = f"{where}.api_users.{name}"
        part = check(part, w, ("api_key", *LISTS))
        if not TEXT.ok(name):
            raise ControlError("an api_user must be a non-empty string without surrounding blanks", where=w)
        tenant = state.add_tenant(name, field_of(part, "api_key", TEXT, w))
        for kind in LISTS:
            if not isinstance(part[kind], list):
                raise ControlError(f"expected a list of {kind}", where=f"{w}.{kind}")
        if tenant.blocks.add_many(part["blocks"]) != len(part["blocks"]):
            unique(part["blocks"], lambda r: block_key(r.api_user_block, r.email, r.domain), f"{w}.blocks", "row")
        for kind in ("bounces", "unsubscribes"):
            if getattr(tenant, kind).add_many(part[kind]) != len(part[kind]):
                unique(part[kind], lambda r: r.email.lower(), f"{w}.{kind}", "row")
    default = data["default_user"]
    if not isinstance(default, str) or default not in state.tenants:
        raise ControlError(f"must name one of {sorted(state.tenants)}", where=f"{where}.default_user")
    state.default_user = default
    return state
