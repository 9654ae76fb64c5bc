"""SendGrid's state room: its part of a snapshot (``core.snapshot``), out and back in.

::

    {"rate_limit": 600,
     "accounts": {"mailblocks": {"account_id": "1",              the parent, then subusers
                                 "blocks": [{"created", "email", "reason", "status"}, ...],
                                 "bounces": [...], "spam_reports": [...],
                                 "invalid_emails": [...], "unsubscribes": [...],
                                 "event_webhooks": [{"id", "url", "enabled", ... ,
                                                     "private_key": PEM or null}]}, ...},
     "api_keys": [{"api_key", "name", "scopes": [...] or null, "owner"}],
     "rate_windows": [{"api_key", "route", "window", "used"}],
     "delivery": null or the core's delivery part (outcomes, events, sends)}

Every list with every field of its records; the parent account is ``mailblocks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core import snapshot
from ...core.errors import ControlError
from ...core.snapshot import Rows, check, delivery_part, field_of, record, restore_delivery_part, unique
from ...core.webhooks import valid_url
from . import webhooks
from .models import LIST_KINDS, Account, ApiKey, SendGridState

if TYPE_CHECKING:
    from . import SendGrid

__all__ = ["ROWS", "export", "restore"]

_ACCOUNT_KEYS = ("account_id", *LIST_KINDS, "event_webhooks")
_HOOK_KEYS = ("id", "created", "updated", "enabled", "url", "switches", "friendly_name", "oauth", "private_key")

#: every list of the part, read record by record
ROWS: dict[tuple[str, ...], Any] = {
    **{
        ("accounts", "*", kind): record(
            spec.record,
            {"created": snapshot.INT, "email": snapshot.TEXT, **dict.fromkeys(spec.fields[2:], snapshot.STR)},
        )
        for kind, spec in LIST_KINDS.items()
    },
    **{("delivery", *path): make for path, make in snapshot.DELIVERY_ROWS.items()},
}


# -- out -----------------------------------------------------------------------------------------
def export(sg: SendGrid) -> dict[str, Any]:
    state = sg.state
    accounts = {}
    for account in state.accounts():
        part: dict[str, Any] = {"account_id": account.account_id}
        for kind, lst in account.lists.items():
            part[kind] = Rows(lst.kind.fields, list(lst.store))
        found = state.event_webhooks.get(account.username)
        part["event_webhooks"] = [_hook(h) for h in found.hooks] if found is not None else []
        accounts[account.username] = part
    return {
        "rate_limit": state.rate_limit,
        "accounts": accounts,
        "api_keys": [
            {
                "api_key": k.key,
                "name": k.name,
                "scopes": None if k.scopes is None else sorted(k.scopes),
                "owner": k.owner,
            }
            for k in state.keys.values()
        ],
        "rate_windows": [
            {"api_key": key, "route": route, "window": window, "used": used}
            for (key, route), (window, used) in state.rate_windows.items()
        ],
        "delivery": delivery_part(state.delivery),
    }


def _hook(hook: webhooks.EventWebhook) -> dict[str, Any]:
    pem = None
    if hook.key is not None:
        from cryptography.hazmat.primitives import serialization

        pem = hook.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    return {
        "id": hook.id,
        "created": hook.created,
        "updated": hook.updated,
        "enabled": hook.enabled,
        "url": hook.url,
        "switches": dict(hook.switches),
        "friendly_name": hook.friendly_name,
        "oauth": dict(hook.oauth),
        "private_key": pem,
    }


# -- in ------------------------------------------------------------------------------------------
def restore(sg: SendGrid, data: Any, where: str) -> SendGridState:
    data = check(data, where, ("accounts", "api_keys"), ("rate_limit", "rate_windows", "delivery"))
    state = SendGridState(sg.credentials["api_key"])
    state.keys = {}
    state.rate_limit = (
        field_of(data, "rate_limit", snapshot.POSITIVE, where) if "rate_limit" in data else state.RATE_LIMIT
    )
    accounts = check(data["accounts"], f"{where}.accounts")
    if state.PARENT not in accounts:
        raise ControlError(f"the parent account {state.PARENT!r} is missing", where=f"{where}.accounts")
    ids: dict[str, str] = {}
    for username, part in accounts.items():
        w = f"{where}.accounts.{username}"
        part = check(part, w, ("account_id",), _ACCOUNT_KEYS[1:])
        account_id = field_of(part, "account_id", snapshot.TEXT, w)
        if account_id in ids:
            raise ControlError(f"account id {account_id!r} is {ids[account_id]!r}'s too", where=f"{w}.account_id")
        ids[account_id] = username
        if not snapshot.TEXT.ok(username):
            raise ControlError("a username must be a non-empty string without surrounding blanks", where=w)
        if username == state.PARENT:
            account = state.parent
            account.account_id = account_id
        else:
            account = state.subusers[username] = Account(username, account_id)
        _lists(account, part, w)
        _hooks(sg, state, account, part.get("event_webhooks", []), f"{w}.event_webhooks")
    _keys(state, data["api_keys"], f"{where}.api_keys")
    state.rate_windows = _windows(data.get("rate_windows", []), f"{where}.rate_windows")
    from .delivery import delivery_of

    restore_delivery_part(
        data.get("delivery"), lambda: delivery_of(sg, True, state), sg.outcome_kinds, f"{where}.delivery"
    )
    return state


def _lists(account: Account, part: dict[str, Any], where: str) -> None:
    for kind in LIST_KINDS:
        records = part.get(kind, [])
        if not isinstance(records, list):
            raise ControlError(f"expected a list of {kind}", where=f"{where}.{kind}")
        lst = account.lists[kind]
        if lst.bulk_add(records) != len(records):
            unique(records, lambda r: r.email.lower(), f"{where}.{kind}", "record")


def _keys(state: SendGridState, items: Any, where: str) -> None:
    if not isinstance(items, list):
        raise ControlError("expected a list of API keys", where=where)
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        item = check(item, w, ("api_key", "name", "scopes", "owner"))
        key, name = field_of(item, "api_key", snapshot.TEXT, w), field_of(item, "name", snapshot.STR, w)
        owner, scopes = field_of(item, "owner", snapshot.TEXT, w), item["scopes"]
        if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)):
            raise ControlError("must be a list of strings, or null for full access", where=f"{w}.scopes")
        if key in state.keys:
            raise ControlError(f"a second API key {key!r}", where=f"{w}.api_key")
        if owner != state.PARENT and owner not in state.subusers:
            raise ControlError(f"unknown account {owner!r}", where=f"{w}.owner")
        state.keys[key] = ApiKey(key, name, None if scopes is None else frozenset(scopes), owner)


def _windows(items: Any, where: str) -> dict[tuple[str, str], tuple[int, int]]:
    if not isinstance(items, list):
        raise ControlError("expected a list", where=where)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        item = check(item, w, ("api_key", "route", "window", "used"))
        slot = (field_of(item, "api_key", snapshot.STR, w), field_of(item, "route", snapshot.STR, w))
        out[slot] = (field_of(item, "window", snapshot.INT, w), field_of(item, "used", snapshot.NATURAL, w))
    return out


def _hooks(sg: SendGrid, state: SendGridState, account: Account, items: Any, where: str) -> None:
    if not isinstance(items, list) or len(items) > webhooks.MAX_WEBHOOKS:
        raise ControlError(f"expected a list of at most {webhooks.MAX_WEBHOOKS} webhooks", where=where)
    if not items:
        return
    hooks = state.event_webhooks[account.username] = webhooks.EventWebhooks()
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        item = check(item, w, _HOOK_KEYS)
        hook = webhooks.EventWebhook(
            field_of(item, "id", snapshot.TEXT, w),
            field_of(item, "created", snapshot.NUMBER, w),
            field_of(item, "updated", snapshot.NUMBER, w),
        )
        hook.enabled, hook.url = field_of(item, "enabled", snapshot.BOOL, w), field_of(item, "url", snapshot.STR, w)
        hook.friendly_name = field_of(item, "friendly_name", snapshot.OPT_STR, w)
        if hook.url and not valid_url(hook.url):
            raise ControlError("must be an http:// or https:// URL with a host", where=f"{w}.url")
        if hook.enabled and not hook.url:
            raise ControlError("an enabled webhook needs a url", where=f"{w}.enabled")
        if any(h.id == hook.id or (hook.url and h.url == hook.url) for h in hooks.hooks):
            raise ControlError("a second webhook with this id or url", where=w)
        switches = check(item["switches"], f"{w}.switches", webhooks.SWITCHES)
        for name in webhooks.SWITCHES:
            hook.switches[name] = field_of(switches, name, snapshot.BOOL, f"{w}.switches")
        oauth = check(item["oauth"], f"{w}.oauth", (), webhooks.OAUTH)
        hook.oauth = {name: field_of(oauth, name, snapshot.STR, f"{w}.oauth") for name in oauth}
        if item["private_key"] is not None:
            hook.key, hook.public_key = _private_key(item["private_key"], f"{w}.private_key")
        hooks.hooks.append(hook)


def _private_key(pem: Any, where: str) -> tuple[Any, str]:
    """A signing key from its PEM (PKCS#8), and its public key as SendGrid shows it."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else b"", password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ControlError("must be an ECDSA P-256 private key in PEM (PKCS#8), or null", where=where)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(der).decode()
