"""Turning a recorded request into one the fake can answer as the provider did.

Two things per interaction, per provider:

- **credentials**: whatever the recording sent (a real key, a redacted one, none)
  stands for the fake's default credentials, so a recorded success is answered as a
  success; where the recorded answer was an auth failure the recorded credentials
  are sent as they are (they are not the fake's, so the fake refuses them too). A
  SendGrid 403 ``access forbidden`` is replayed with a key that has no scopes.
- **implied state**: what the recorded answer shows about the account is arranged
  in the fake first, so values compare and not only shapes: a list that answered
  rows holds exactly those rows (behind filler rows when an offset skipped some);
  a single address answered present or absent is made so; a delete answered 204
  (or a count of deleted rows) finds the address listed, one answered 404 does not;
  SendGrid's rate-limit headers set the limit and the calls already made in that
  minute (a 429: the window used up).

The fake's clock stands at the time the answer was recorded (its ``Date`` header,
HAR's ``startedDateTime``, Ruby VCR's ``recorded_at``) where one is known.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..core.errors import ControlError
from .compare import is_error
from .recordings import Interaction

if TYPE_CHECKING:
    from ..core.app import App
    from ..core.provider import Provider

__all__ = ["ARRANGERS", "Replay", "arrange"]

#: request headers never replayed: the transport's own, and cookies
_DROPPED = frozenset({"host", "content-length", "connection", "accept-encoding", "cookie", "transfer-encoding"})


@dataclass
class Replay:
    """The request to send the fake."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Context:
    app: App
    provider: Provider
    interaction: Interaction
    endpoint: str
    args: dict[str, Any]
    #: the recorded answer's parsed JSON body (None when it is not JSON)
    answer: Any

    @property
    def status(self) -> int | None:
        return self.interaction.status

    def ok(self) -> bool:
        """A success: a 2xx, or (where the source showed no status) an answer that is no error."""
        if self.status is not None:
            return 200 <= self.status < 300
        return not is_error(None, self.answer) and not _errors(self.answer)


class _Fields:
    """The query and (form) body of a request, with credential fields replaced."""

    def __init__(self, interaction: Interaction) -> None:
        parts = urlsplit(interaction.url)
        self.path = parts.path or "/"
        self.query = parse_qsl(parts.query, keep_blank_values=True)
        self.raw_query = parts.query
        self.headers = [(k, v) for k, v in interaction.headers if k.lower() not in _DROPPED]
        self.body = interaction.body
        ctype = (interaction.header("content-type", response=False) or "").lower()
        self.form: list[tuple[str, str]] | None = None
        #: a JSON object body (CMC takes its fields as JSON too)
        self.json: dict[str, Any] | None = None
        if "json" in ctype:
            try:
                loaded = json.loads(interaction.body or b"null")
            except ValueError:
                loaded = None
            self.json = loaded if isinstance(loaded, dict) else None
        elif "x-www-form-urlencoded" in ctype or (not ctype and interaction.body and b"=" in interaction.body):
            try:
                self.form = parse_qsl(interaction.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                self.form = None
        self.changed = False

    def _items(self) -> list[tuple[str, Any]]:
        return [*self.query, *(self.form or []), *(self.json or {}).items()]

    def get(self, name: str) -> str | None:
        return next((str(v) for k, v in self._items() if k == name), None)

    def all(self, name: str) -> list[str]:
        """Every value of a field (a JSON list counts as several)."""
        out: list[str] = []
        for k, v in self._items():
            if k == name:
                out += [str(x) for x in v] if isinstance(v, list) else [str(v)]
        return out

    def set(self, values: dict[str, str]) -> None:
        """Replace the named fields wherever the request carried them."""
        for items in (self.query, self.form):
            if items is None:
                continue
            for i, (k, _) in enumerate(items):
                if k in values:
                    items[i] = (k, values[k])
                    self.changed = True
        for k in values.keys() & (self.json or {}).keys():
            assert self.json is not None
            self.json[k] = values[k]
            self.changed = True

    def replay(self, method: str) -> Replay:
        query = urlencode(self.query) if self.changed else self.raw_query
        body = self.body
        if self.changed and self.form is not None:
            body = urlencode(self.form).encode()
        elif self.changed and self.json is not None:
            body = json.dumps(self.json).encode()
        return Replay(method, self.path + (f"?{query}" if query else ""), list(self.headers), body)


def _drop_header(fields: _Fields, *names: str) -> str | None:
    """Remove headers by name; returns the first value removed."""
    wanted = {n.lower() for n in names}
    found = next((v for k, v in fields.headers if k.lower() in wanted), None)
    fields.headers = [(k, v) for k, v in fields.headers if k.lower() not in wanted]
    return found


# -- SendGrid -------------------------------------------------------------------------------------------
_NO_SCOPE_KEY = "SG.mailblocks.verify-key-without-scopes"


def _sendgrid(ctx: Context) -> Replay:
    from ..providers.sendgrid.endpoints import GLOBAL, OPERATIONS

    sg: Any = ctx.provider
    state = sg.state
    fields = _Fields(ctx.interaction)
    recorded_auth = _drop_header(fields, "authorization")
    behalf = ctx.interaction.header("on-behalf-of", response=False)
    message = _first_error(ctx.answer)
    key = sg.credentials["api_key"]
    if ctx.status == 401:
        if recorded_auth is not None and recorded_auth.partition(" ")[2].strip() != key:
            fields.headers.append(("Authorization", recorded_auth))
        return fields.replay(ctx.interaction.method)
    if ctx.status == 403 and message == "access forbidden" and not behalf:
        if _NO_SCOPE_KEY not in state.keys:
            state.add_key(_NO_SCOPE_KEY, name="mailblocks verify: no scopes", scopes=[])
        key = _NO_SCOPE_KEY
    elif behalf and behalf.strip() and ctx.status != 403 and state.impersonate(behalf) is None:
        name = behalf.strip()
        if name.lower().startswith("account-id "):
            state.add_subuser(f"subuser-{name[11:].strip()}", name[11:].strip())
        else:
            state.add_subuser(name)
    fields.headers.append(("Authorization", f"Bearer {key}"))
    op, kind = OPERATIONS[ctx.endpoint]
    if op == "preflight":
        return fields.replay(ctx.interaction.method)
    account = state.impersonate(behalf) if behalf and behalf.strip() else state.parent
    if account is None:
        return fields.replay(ctx.interaction.method)
    _sendgrid_rate(ctx, state, key, (GLOBAL if op.endswith("_global") else f"/v3/suppression/{kind.name}"), op)
    lst = account.lists[kind.name]
    email = ctx.args.get("email")

    def record(row: dict[str, Any]) -> Any:
        """A row as the list holds it; a value of another type is kept as text, so the
        comparison names the field rather than the seed refusing it."""
        fields = {k: v for k, v in row.items() if k in kind.field_set}
        for name, value in fields.items():
            if name not in ("email", "created") and value is not None and not isinstance(value, str):
                fields[name] = json.dumps(value)
        try:
            return sg.make_record(kind.name, fields, "verify")
        except ControlError:  # a created the fake cannot read: its own now
            return sg.make_record(kind.name, dict(fields, created=None), "verify")

    if op == "list" and ctx.ok() and isinstance(ctx.answer, list):
        rows = [r for r in ctx.answer if isinstance(r, dict) and isinstance(r.get("email"), str)]
        lst.clear()
        offset = _int(fields.get("offset"))
        if offset and rows:
            newest = max((r["created"] for r in rows if isinstance(r.get("created"), int)), default=0)
            end = _int(fields.get("end_time"))
            created = min(newest + 1, end) if end is not None else newest + 1
            prefix = (fields.get("email") or "").replace("%", "")
            lst.bulk_add(
                [
                    record({"email": f"{prefix}~filler{i:05d}@mailblocks.test", "created": created})
                    for i in range(offset)
                ]
            )
        lst.bulk_add([record(r) for r in rows])
    elif op == "get" and ctx.ok() and isinstance(ctx.answer, list) and email:
        lst.remove(email)
        for row in ctx.answer:
            if isinstance(row, dict) and isinstance(row.get("email"), str):
                lst.add(record(row))
    elif op in ("delete_one",) and email:
        if ctx.status == 204 and lst.get(email) is None:
            lst.add(record({"email": email}))
        elif ctx.status == 404:
            lst.remove(email)
    elif op == "get_global" and ctx.ok() and isinstance(ctx.answer, dict) and email:
        if ctx.answer.get("recipient_email"):
            if lst.get(email) is None:
                lst.add(record({"email": ctx.answer["recipient_email"]}))
        else:
            lst.remove(email)
    return fields.replay(ctx.interaction.method)


def _sendgrid_rate(ctx: Context, state: Any, key: str, base: str, op: str) -> None:
    """The limit and the calls already made this minute, from the recorded headers."""
    limit = _int(ctx.interaction.header("x-ratelimit-limit"))
    remaining = _int(ctx.interaction.header("x-ratelimit-remaining"))
    if limit is None or limit < 1:
        return
    state.rate_limit = limit
    used = limit if ctx.status == 429 else None if remaining is None else limit - remaining - 1
    if used is None or not 0 <= used <= limit:
        return
    route = base + ("/{email}" if "email" in ctx.args else "")
    state.rate_windows[(key, route)] = (int(ctx.app.clock.time() // 60), used)


# -- Customers Mail Cloud -----------------------------------------------------------------------------------
def _cmc(ctx: Context) -> Replay:
    cmc: Any = ctx.provider
    fields = _Fields(ctx.interaction)
    creds = cmc.credentials
    error_fields = {e.get("field") for e in _errors(ctx.answer)}
    if ctx.status not in (401, 403):
        values = {"api_user": creds["api_user"], "api_key": creds["api_key"]}
        if "server_composition" not in error_fields:
            values["server_composition"] = creds["server_composition"]
        fields.set(values)
    composition = cmc.state.compositions.get(fields.get("server_composition") or "")
    if composition is None or not ctx.ok():
        return fields.replay(ctx.interaction.method)
    blocks = _find(ctx.answer, "blocks")
    if ctx.endpoint == "list_blocks" and isinstance(blocks, list):
        composition.blocks.clear()
        rows = [dict(r, server_composition=composition.name) for r in blocks if isinstance(r, dict)]
        _seed(cmc, {"blocks": rows})
    elif ctx.endpoint in ("delete_blocks", "cancel_blocks"):
        missing = [e for e in fields.all("email") if composition.block(e) is None]
        _seed(cmc, {"blocks": [{"email": e, "server_composition": composition.name} for e in missing]})
    elif ctx.endpoint == "cancel_unsubscribes":
        emails = fields.all("email")
        present = {u["email"].lower() for u in cmc.handle(_Owner()).unsubscribes(server_composition=composition.name)}
        rows = [{"email": e, "server_composition": composition.name} for e in emails if e.lower() not in present]
        _seed(cmc, {"unsubscribes": rows})
    return fields.replay(ctx.interaction.method)


# -- NAVER Cloud Outbound Mailer ------------------------------------------------------------------------------
_NCP_SIGNED = ("x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2")


def _ncp(ctx: Context) -> Replay:
    from .runner import ncp_signature

    ncp: Any = ctx.provider
    fields = _Fields(ctx.interaction)
    if ctx.status == 401:
        stamp = _int(ctx.interaction.header("x-ncp-apigw-timestamp", response=False))
        if stamp is not None:  # the signature, not the time, is what was refused
            ctx.app.clock.freeze(stamp / 1000)
        return fields.replay(ctx.interaction.method)
    _drop_header(fields, *_NCP_SIGNED)
    handle = ncp.handle(_Owner())
    answer = ctx.answer if isinstance(ctx.answer, dict) else {}
    if ctx.endpoint == "get_send_block_list" and ctx.ok():
        address = fields.get("targetAddress")
        if address and answer.get("registerStatus") == "Blocked" and handle.block(address) is None:
            handle.add_block(address)
    elif ctx.endpoint == "get_unsubscribers_list" and ctx.ok():
        for row in answer.get("content") or []:
            email = row.get("emailAddress") or row.get("address") if isinstance(row, dict) else None
            if isinstance(email, str):
                handle.remove_unsubscriber(email)
                handle.add_unsubscriber(email)
    elif ctx.endpoint in ("register_unsubscribers", "delete_unsubscribers") and ctx.ok():
        wanted = _ncp_addresses(ctx.interaction.body)
        present = answer.get("ignoreCount") if ctx.endpoint == "register_unsubscribers" else answer.get("count")
        if isinstance(present, int):
            for email in wanted[:present]:
                handle.remove_unsubscriber(email)
                handle.add_unsubscriber(email)
    replay = fields.replay(ctx.interaction.method)
    creds = ncp.credentials
    replay.headers += ncp_signature(replay.method, replay.target, creds, int(ctx.app.clock.time() * 1000))
    return replay


def _ncp_addresses(body: bytes) -> list[str]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return []
    items = data.get("blockedReceivers") if isinstance(data, dict) else None
    seen: list[str] = []
    for item in items if isinstance(items, list) else []:
        email = item if isinstance(item, str) else item.get("emailAddress") if isinstance(item, dict) else None
        if isinstance(email, str) and email.lower() not in {s.lower() for s in seen}:
            seen.append(email)
    return seen


# -- SendCloud ----------------------------------------------------------------------------------------------
def _sendcloud(ctx: Context) -> Replay:
    from ..providers.sendcloud.models import AddressList, BlockList

    sc: Any = ctx.provider
    state = sc.state
    fields = _Fields(ctx.interaction)
    answer = ctx.answer if isinstance(ctx.answer, dict) else {}
    if answer.get("statusCode") == 40005:  # an auth failure: the recorded credentials as they are
        return fields.replay(ctx.interaction.method)
    # answers show the apiUser (unsubscribe rows, add's echo): keep the recorded name,
    # give it a key in the fake and send that
    user = fields.get("apiUser") or ""
    if not user.strip() or user.startswith("<"):  # redacted: the name the answer shows, if any
        shown = _values(answer, "apiUser")
        user = shown[0] if shown else state.default_user
    tenant = state.tenants.get(user) or state.add_tenant(user)
    fields.set({"apiUser": user, "apiKey": tenant.api_key})
    if not ctx.ok():
        return fields.replay(ctx.interaction.method)
    info: dict[str, Any] = answer["info"] if isinstance(answer.get("info"), dict) else {}
    rows = info.get("dataList")
    list_name = {"block": "blocks", "bounce": "bounces", "unsubscribe": "unsubscribes"}[_sendcloud_module(ctx.endpoint)]
    if ctx.endpoint.startswith("list_") and isinstance(rows, list):
        rows = [
            dict(r, apiUser=r.get("apiUser", user)) if list_name == "unsubscribes" else dict(r)
            for r in rows
            if isinstance(r, dict)
        ]
        _sendcloud_clock(ctx, sc, rows)
        if list_name == "blocks":
            tenant.blocks = BlockList(state._now)
        else:
            setattr(tenant, list_name, AddressList())
        _seed(sc, {list_name: [dict(r, api_user=user) if list_name == "blocks" else r for r in rows]})
    elif ctx.endpoint == "count_bounces" and isinstance(info.get("count"), int):
        tenant.bounces = AddressList()
        now = int(ctx.app.clock.time())
        _seed(
            sc, {"bounces": [{"email": f"bounce{i}@mailblocks.test", "bounce_time": now} for i in range(info["count"])]}
        )
    elif ctx.endpoint.startswith("delete_") and isinstance(info.get("count"), int) and info["count"] > 0:
        email, domain = fields.get("email"), fields.get("domainName")
        if list_name == "blocks":
            wanted = [{"email": e} for e in [email] if e] + [{"domain": d} for d in [domain] if d]
            _seed(sc, {"blocks": [dict(r, api_user=user) for r in wanted if not _sendcloud_blocked(tenant, r)]})
        elif email and getattr(tenant, list_name).get(email) is None:
            _seed(sc, {list_name: [{"email": email, "api_user": user}]})
    return fields.replay(ctx.interaction.method)


def _sendcloud_module(endpoint: str) -> str:
    """``list_blocks`` -> ``block``, ``add_unsubscribe`` -> ``unsubscribe``."""
    name = endpoint.split("_", 1)[1]
    return name[:-1] if name.endswith("s") else name


def _sendcloud_clock(ctx: Context, sc: Any, rows: list[dict[str, Any]]) -> None:
    """Without a recorded time, stand the clock just after the newest row, so a window
    counted back from now (``days``) holds the rows as it did when answered."""
    if ctx.interaction.recorded_at is not None:
        return
    times = []
    for row in rows:
        for name in ("createTime", "bounceTime", "unsubscribeTime"):
            if isinstance(row.get(name), str):
                try:
                    times.append(sc.instant(row[name], name, "verify"))
                except ControlError:
                    pass
    if times:
        ctx.app.clock.freeze(max(times) + 1)


def _sendcloud_blocked(tenant: Any, row: dict[str, str]) -> bool:
    wanted = (row.get("email") or row.get("domain") or "").lower()
    return any((r.email or r.domain).lower() == wanted for r in tenant.blocks.records())


# -- shared ---------------------------------------------------------------------------------------------------
class _Owner:
    """What a provider handle needs of its owner, for arranging state."""

    url = "http://mailblocks.verify"


def _seed(provider: Provider, data: dict[str, Any]) -> None:
    if any(data.values()):
        try:
            provider.seed(data, "verify")
        except ControlError:
            pass  # a row the fake cannot hold: the comparison shows the difference


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _errors(answer: Any) -> list[dict[str, Any]]:
    """The ``errors`` members of a JSON answer, or of an XML one (``<errors><error>``)."""
    found = answer.get("errors") if isinstance(answer, dict) else None
    if isinstance(found, dict):  # XML: {"errors": {"error": {...} or [...]}}
        found = found.get("error")
        found = [found] if isinstance(found, dict) else found
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _first_error(answer: Any) -> str | None:
    errors = _errors(answer)
    return errors[0].get("message") if errors else None


def _values(data: Any, key: str) -> list[str]:
    """Every string under ``key`` anywhere in ``data``."""
    if isinstance(data, dict):
        own = [data[key]] if isinstance(data.get(key), str) else []
        return own + [v for value in data.values() for v in _values(value, key)]
    if isinstance(data, list):
        return [v for value in data for v in _values(value, key)]
    return []


def _find(answer: Any, key: str) -> Any:
    """``answer[key]``, or one level down (CMC XML answers are wrapped in their root)."""
    if isinstance(answer, dict):
        if key in answer:
            return answer[key]
        for value in answer.values():
            if isinstance(value, dict) and key in value:
                found = value[key]
                return found if isinstance(found, list) else [found] if isinstance(found, dict) else found
    return None


ARRANGERS: dict[str, Callable[[Context], Replay]] = {
    "sendgrid": _sendgrid,
    "cmc": _cmc,
    "ncp": _ncp,
    "sendcloud": _sendcloud,
}


def arrange(ctx: Context) -> Replay:
    """The request for ``ctx``, with its provider's credentials and implied state."""
    return ARRANGERS[ctx.provider.key](ctx)
