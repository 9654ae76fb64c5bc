"""Customers Mail Cloud's state room: its part of a snapshot (``core.snapshot``).

::

    {"default_user": "mailblocks", "default_composition": "mailblocks", "seq": 12,
     "settings": {"empty_list_status": 200, "csv_line_end": "\\n", "batch_time": "03:00",
                  "block_threshold": 1},
     "accounts": {"mailblocks": {"encryption": null or {"password", "cipher"}}},
     "users": [{"api_user", "api_key", "account", "role", "reference", "download", "time_zone"}],
     "compositions": {"mailblocks": {"account": "mailblocks", "id_prefix": "", "id_next": 3000,
        "blocks": [{"created", "seq", "id", "email", "status", "occurred"}, ...],
        "removed": [...same...],
        "error_counts": [{"email", "count"}],
        "unsubscribes": [{"created", "seq", "email", "filter_name"}],
        "pending": [{"requested", "seq", "kind", "email", "filter_name"}]}},
     "event_webhooks": {"mailblocks": {"url", "events", "json", "api_key", "enabled",
                                       "interval", "max_events", "timezone"}},
     "delivery": null or the core's delivery part (outcomes, events, sends)}

Times are unix seconds; ``seq`` orders records that share a time (and the counter
that numbers the next ones). ``event_webhooks`` and ``delivery`` (the send path's,
issue 21) may be left out: none set up, nothing sent. Events waiting in a webhook
batch, posts not yet made and deferrals still to run are work on the fake clock,
not kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core import snapshot
from ...core.clock import MAX_TIME, MIN_TIME, RANGE
from ...core.errors import ControlError
from ...core.snapshot import Rows, check, field_of, integers, one_of, record, unique
from . import webhooks
from .models import BLOCK_STATUSES, CIPHERS, Block, CmcState, Composition, Encryption, PendingOp, Unsubscribe

if TYPE_CHECKING:
    from . import CustomersMailCloud

__all__ = ["ROWS", "export", "restore"]

_COMPOSITION_KEYS = ("account", "id_prefix", "id_next", "blocks", "removed", "error_counts", "unsubscribes", "pending")
_SECONDS = integers(int(MIN_TIME), MAX_TIME, f"whole unix seconds ({RANGE})")
_BLOCK = record(
    Block,
    {
        "created": _SECONDS,
        "seq": snapshot.NATURAL,
        "id": snapshot.TEXT,
        "email": snapshot.TEXT,
        "status": one_of(BLOCK_STATUSES),
        "occurred": snapshot.POSITIVE,
    },
)

#: every list of the part, read record by record
ROWS: dict[tuple[str, ...], Any] = {
    ("compositions", "*", "blocks"): _BLOCK,
    ("compositions", "*", "removed"): _BLOCK,
    ("compositions", "*", "error_counts"): snapshot.EMAIL_COUNTS,
    ("compositions", "*", "unsubscribes"): record(
        Unsubscribe,
        {"created": _SECONDS, "seq": snapshot.NATURAL, "email": snapshot.TEXT, "filter_name": snapshot.TEXT},
    ),
    ("compositions", "*", "pending"): record(
        PendingOp,
        {
            "requested": snapshot.INSTANT,
            "seq": snapshot.NATURAL,
            "kind": one_of(("cancel", "unsubscribe")),
            "email": snapshot.TEXT,
            "filter_name": snapshot.OPT_STR,
        },
    ),
    **{("delivery", *path): make for path, make in snapshot.DELIVERY_ROWS.items()},
}


# -- out -----------------------------------------------------------------------------------------
def export(cmc: CustomersMailCloud) -> dict[str, Any]:
    state = cmc.state
    return {
        "default_user": state.default_user,
        "default_composition": state.default_composition,
        "seq": state._seq,
        "settings": state.settings.to_dict(),
        "accounts": {
            a.name: {"encryption": None if a.encryption is None else vars(a.encryption).copy()}
            for a in state.accounts.values()
        },
        "users": [u.to_dict() for u in state.users.values()],
        "compositions": {c.name: _composition(c) for c in state.compositions.values()},
        "event_webhooks": {account: _hook(hook) for account, hook in state.event_webhooks.items()},
        "delivery": snapshot.delivery_part(state.delivery),
    }


def _hook(hook: webhooks.EventWebhook) -> dict[str, Any]:
    return {name: getattr(hook, name) for name in webhooks.FIELDS[:-1]} | {"events": list(hook.events)}


def _composition(comp: Composition) -> dict[str, Any]:
    return {
        "account": comp.account,
        "id_prefix": comp._id_prefix,
        "id_next": comp._id_next,
        "blocks": Rows(Block._fields, list(comp.blocks)),
        "removed": Rows(Block._fields, list(comp.removed)),
        "error_counts": Rows(("email", "count"), list(comp.error_counts.items())),
        "unsubscribes": Rows(Unsubscribe._fields, list(comp.unsubscribes)),
        "pending": Rows(PendingOp._fields, list(comp.pending)),
    }


# -- in ------------------------------------------------------------------------------------------
def restore(cmc: CustomersMailCloud, data: Any, where: str) -> CmcState:
    keys = ("default_user", "default_composition", "seq", "settings", "accounts", "users", "compositions")
    data = check(data, where, keys, ("event_webhooks", "delivery"))
    state = CmcState(cmc.credentials)
    state.accounts, state.users, state.compositions = {}, {}, {}
    state._seq = field_of(data, "seq", snapshot.NATURAL, where)
    try:
        state.configure(**check(data["settings"], f"{where}.settings"))
    except (TypeError, ValueError) as exc:
        raise ControlError(str(exc), where=f"{where}.settings") from None
    for name, part in check(data["accounts"], f"{where}.accounts").items():
        w = f"{where}.accounts.{name}"
        state.add_account(_name(name, w))
        encryption = check(part, w, ("encryption",))["encryption"]
        if encryption is not None:
            encryption = check(encryption, f"{w}.encryption", ("password", "cipher"))
            password = field_of(encryption, "password", snapshot.TEXT, f"{w}.encryption")
            cipher = field_of(encryption, "cipher", one_of(CIPHERS), f"{w}.encryption")
            state.accounts[name].encryption = Encryption(password, cipher)
    _users(state, data["users"], f"{where}.users")
    for name, part in check(data["compositions"], f"{where}.compositions").items():
        _restore_composition(state, _name(name, f"{where}.compositions"), part, f"{where}.compositions.{name}")
    for name, known in (("default_user", state.users), ("default_composition", state.compositions)):
        value = data[name]
        if not isinstance(value, str) or value not in known:
            raise ControlError(f"must name one of {sorted(known)}", where=f"{where}.{name}")
    state.default_user, state.default_composition = data["default_user"], data["default_composition"]
    for account, item in check(data.get("event_webhooks", {}), f"{where}.event_webhooks").items():
        w = f"{where}.event_webhooks.{account}"
        settings = dict(check(item, w, webhooks.FIELDS[:-1]))
        if account not in state.accounts:
            raise ControlError(f"unknown account {account!r}", where=w)
        with snapshot.located(w):
            webhooks.configure(state, settings.pop("url"), account=account, **settings)
    from .delivery import delivery_of

    snapshot.restore_delivery_part(
        data.get("delivery"), lambda: delivery_of(cmc, True, state), cmc.outcome_kinds, f"{where}.delivery"
    )
    return state


def _name(name: str, where: str) -> str:
    if not snapshot.TEXT.ok(name):
        raise ControlError("a name must be a non-empty string without surrounding blanks", where=where)
    return name


def _users(state: CmcState, items: Any, where: str) -> None:
    if not isinstance(items, list):
        raise ControlError("expected a list of users", where=where)
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        fields = dict(check(item, w, ("api_user", "api_key", "account", "role", "reference", "download", "time_zone")))
        api_user = fields.pop("api_user")
        if (
            not snapshot.TEXT.ok(api_user)
            or not snapshot.TEXT.ok(fields["api_key"])
            or not isinstance(fields["account"], str)
        ):
            raise ControlError("api_user, api_key and account must be non-empty strings", where=w)
        try:
            state.add_user(api_user, **fields)
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc), where=w) from None


def _restore_composition(state: CmcState, name: str, part: Any, where: str) -> None:
    part = check(part, where, _COMPOSITION_KEYS)
    account = part["account"]
    if not isinstance(account, str) or account not in state.accounts:
        raise ControlError(f"unknown account {account!r}", where=f"{where}.account")
    comp = state.compositions[name] = Composition(name, account)
    comp._id_prefix = field_of(part, "id_prefix", snapshot.STR, where)
    comp._id_next = field_of(part, "id_next", snapshot.NATURAL, where)
    for kind in ("blocks", "removed", "error_counts", "unsubscribes", "pending"):
        if not isinstance(part[kind], list):
            raise ControlError(f"expected a list of {kind}", where=f"{where}.{kind}")
    for kind in ("blocks", "removed"):
        store = getattr(comp, kind)
        if store.bulk_load(part[kind]) != len(part[kind]):
            unique(part[kind], lambda r: r.email.lower(), f"{where}.{kind}", "record")
    both = next((i for i, r in enumerate(part["removed"]) if r.email.lower() in comp.blocks), None)
    if both is not None:
        raise ControlError("an address both blocked and removed", where=f"{where}.removed[{both}]")
    counts = part["error_counts"]
    unique(counts, lambda r: r[0].lower(), f"{where}.error_counts", "count")
    listed = next(
        (i for i, (email, _) in enumerate(counts) if email.lower() in comp.blocks or email.lower() in comp.removed),
        None,
    )
    if listed is not None:
        raise ControlError(
            "errors are counted only for an address not on a list", where=f"{where}.error_counts[{listed}]"
        )
    comp.error_counts = {email.lower(): count for email, count in counts}
    unsubscribes = part["unsubscribes"]
    if comp.unsubscribes.bulk_load(unsubscribes) != len(unsubscribes):
        unique(unsubscribes, lambda r: (r.email.lower(), r.filter_name), f"{where}.unsubscribes", "unsubscribe")
    for r in unsubscribes:
        comp.unsubscribe_filters.setdefault(r.email.lower(), set()).add(r.filter_name)
    comp.pending = list(part["pending"])
