"""Turning a recorded request into one the fake can answer as the provider did.

Two things per interaction, per provider:

- **credentials**: whatever the recording sent (a real key, a redacted one, none)
  stands for the fake's default credentials, so a recorded success is answered as a
  success; where the recorded answer was an auth failure the recorded credentials
  are sent as they are (they are not the fake's, so the fake refuses them too). A
  SendGrid 403 ``access forbidden`` is replayed with a key that has no scopes.
- **implied state**: what the recorded answer shows about the account is arranged
  in the fake first, so values compare and not only shapes: a list that answered
  rows holds exactly those rows, in the recorded order (behind filler rows when an
  offset or a page skipped some; CMC's XML lists too); a CMC download holds the rows
  of its CSV; an NCP send-block history holds the recorded entries (each Create by
  its requester, with its result; a SYSTEM Delete its expiry, another a removal) and
  its unsubscribers their date and ``isRegByManager``; a single address answered
  present or absent is made so; a delete answered 204 (or a count of deleted rows)
  finds the address listed, one answered 404 does not; SendGrid's rate-limit headers
  set the limit and the calls already made in that minute (a 429: the window used up).

The fake's clock stands at the time the answer was recorded (its ``Date`` header,
HAR's ``startedDateTime``, Ruby VCR's ``recorded_at``) where one is known.
"""

from __future__ import annotations

import csv
import io
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
    #: the recorded answer's parsed JSON body (XML as nested dicts; None when neither)
    answer: Any
    #: the text of a download's file (a ZIP holding one CSV), else None
    download: str | None = None

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
        return _sendgrid_record(sg, kind, row)

    if op == "list" and ctx.ok() and isinstance(ctx.answer, list):
        _sendgrid_listed(ctx, fields, lst, record)
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


def _sendgrid_record(sg: Any, kind: Any, row: dict[str, Any]) -> Any:
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


def _sendgrid_listed(ctx: Context, fields: _Fields, lst: Any, record: Callable[[dict[str, Any]], Any]) -> None:
    """A list that answered rows holds those rows in the recorded order (ties in
    ``created`` broken as listed), after ``offset`` fillers that sort before them."""
    rows = [r for r in ctx.answer if isinstance(r, dict) and isinstance(r.get("email"), str)]
    times = _untie([r.get("created") for r in rows], descending=True, floor=_int(fields.get("start_time")))
    rows = [dict(r, created=t) if t != r.get("created") else r for r, t in zip(rows, times)]
    lst.clear()
    offset = _int(fields.get("offset"))
    if offset and rows:
        newest = max((r["created"] for r in rows if isinstance(r.get("created"), int)), default=0)
        end = _int(fields.get("end_time"))
        created = min(newest + 1, end) if end is not None else newest + 1
        prefix = (fields.get("email") or "").replace("%", "")
        lst.bulk_add(
            [record({"email": f"{prefix}~filler{i:05d}@mailblocks.test", "created": created}) for i in range(offset)]
        )
    lst.bulk_add([record(r) for r in rows])


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
#: a block download's CSV columns (the seed's field names too), and an unsubscribe download's
_CMC_CSV = {"created": "created", "id": "id", "email": "email", "status": "status", "occurred": "occurred"}
_CMC_UNSUBSCRIBE_CSV = {"created": "created", "email": "email", "filtername": "filter_name"}


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
    removed = (fields.get("removed") or "").strip().lower() == "true"
    if ctx.endpoint == "list_blocks":
        blocks = _cmc_rows(_find(ctx.answer, "blocks"), "block")
        if blocks is not None:
            page, per_page = _int(fields.get("p")) or 0, _int(fields.get("r")) or 10
            _cmc_blocks(cmc, composition, blocks, removed, page * per_page, fields.get("email"))
    elif ctx.endpoint == "download_blocks" and ctx.download is not None:
        rows = _csv_rows(ctx.download, _CMC_CSV)
        if rows is not None:
            _cmc_blocks(cmc, composition, rows, removed, 0, None)
    elif ctx.endpoint == "download_unsubscribes" and ctx.download is not None:
        rows = _csv_rows(ctx.download, _CMC_UNSUBSCRIBE_CSV)
        if rows is not None:
            composition.unsubscribes.clear()
            composition.unsubscribe_filters.clear()
            _seed(cmc, {"unsubscribes": [dict(r, server_composition=composition.name) for r in rows]})
    elif ctx.endpoint in ("delete_blocks", "cancel_blocks"):
        missing = [e for e in fields.all("email") if composition.block(e) is None]
        _seed(cmc, {"blocks": [{"email": e, "server_composition": composition.name} for e in missing]})
    elif ctx.endpoint == "cancel_unsubscribes":
        emails = fields.all("email")
        present = {u["email"].lower() for u in cmc.handle(_Owner()).unsubscribes(server_composition=composition.name)}
        rows = [{"email": e, "server_composition": composition.name} for e in emails if e.lower() not in present]
        _seed(cmc, {"unsubscribes": rows})
    return fields.replay(ctx.interaction.method)


def _cmc_rows(found: Any, item: str) -> list[dict[str, Any]] | None:
    """The rows of a list answer: JSON's array, or XML's ``<blocks><block>..``
    (one element, several, or none: ``<blocks/>``)."""
    if isinstance(found, dict):
        found = found.get(item, [])
        found = [found] if isinstance(found, dict) else found
    elif found == "":
        found = []
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else None


def _cmc_blocks(
    cmc: Any, composition: Any, rows: list[dict[str, Any]], removed: bool, skipped: int, email: str | None
) -> None:
    """The composition's (removed) blocks are the rows shown, oldest first; ``skipped``
    earlier pages are filled with addresses the ``email`` filter matches."""
    (composition.removed if removed else composition.blocks).clear()
    part = (email or "").strip()
    first = next((r.get("created") for r in rows if r.get("created")), None)
    fillers = [
        {"email": f"filler{i}{part}" + ("" if "@" in part else "@mailblocks.test"), "created": first}
        for i in range(skipped)
    ]
    seeded = [{k: v for k, v in r.items() if k in _CMC_CSV} for r in [*fillers, *rows]]
    _seed(cmc, {"blocks": [dict(r, server_composition=composition.name, removed=removed) for r in seeded]})


def _csv_rows(text: str, columns: dict[str, str]) -> list[dict[str, str]] | None:
    """A download's rows by the seed's field names (None: not that CSV)."""
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or [c.strip().lower() for c in lines[0]] != list(columns):
        return None
    return [dict(zip(columns.values(), line)) for line in lines[1:] if len(line) == len(columns)]


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
    region = ncp.region(ctx.args.get("version", "v1"))
    handle = ncp.handle(_Owner())
    answer = ctx.answer if isinstance(ctx.answer, dict) else {}
    if ctx.endpoint == "get_send_block_list" and ctx.ok():
        address = fields.get("targetAddress")
        if address and isinstance(answer.get("content"), list):
            _ncp_history(ctx, ncp, region, address, answer)
    elif ctx.endpoint == "get_unsubscribers_list" and ctx.ok():
        for row in answer.get("content") or []:
            email = (row.get("emailAddress") or row.get("address")) if isinstance(row, dict) else None
            if isinstance(email, str):
                handle.remove_unsubscriber(email, region=region)
                when = _path(row, "blockDate", "utc")
                seed: dict[str, Any] = {"email": email, "region": region}
                if isinstance(row.get("isRegByManager"), bool):
                    seed["by_manager"] = row["isRegByManager"]
                if isinstance(when, int) and not isinstance(when, bool):
                    seed["created"] = when / 1000
                _seed(ncp, {"unsubscribers": [seed]})
    elif ctx.endpoint in ("register_unsubscribers", "delete_unsubscribers") and ctx.ok():
        wanted = _ncp_addresses(ctx.interaction.body)
        present = answer.get("ignoreCount") if ctx.endpoint == "register_unsubscribers" else answer.get("count")
        if isinstance(present, int):
            for email in wanted[:present]:
                handle.remove_unsubscriber(email, region=region)
                handle.add_unsubscriber(email, region=region)
    replay = fields.replay(ctx.interaction.method)
    creds = ncp.credentials
    replay.headers += ncp_signature(replay.method, replay.target, creds, int(ctx.app.clock.time() * 1000))
    return replay


_HOUR_MS = 3_600_000


def _ncp_history(ctx: Context, ncp: Any, region: str, address: str, answer: dict[str, Any]) -> None:
    """The address's send-block history is the one recorded: each Create a block by
    its requester (CUSTOMER: the caller's project), with its result code and message;
    a SYSTEM Delete its expiry, another Delete a removal by that requester; a block
    still in force expires at ``expectedDeleteDate``."""
    entries = []
    for row in answer["content"]:
        action, when = _path(row, "actionType", "code"), _path(row, "requestDate", "utc")
        if action in ("C", "D") and isinstance(when, int) and not isinstance(when, bool):
            sid = row.get("historySid")
            entries.append((when, sid if isinstance(sid, int) else 0, action, row))
    entries.sort(key=lambda e: e[:2])
    ncp.state.blocks[region].forget(address)
    if ctx.interaction.recorded_at is None and entries:  # the clock where the history ends
        ctx.app.clock.freeze(entries[-1][0] / 1000 + 0.001)
    blocks: list[dict[str, Any]] = []
    block: dict[str, Any] | None = None
    for when, _, action, row in entries:
        requester = _path(row, "actionRequesterType", "code")
        if action == "C":
            block = {"email": row.get("targetAddress") or address, "region": region, "created": when / 1000}
            if isinstance(requester, str):
                block["requester"] = requester
            block["result_code"] = row.get("sendResultCode")
            block["result_message"] = row.get("sendResultMessage")
            blocks.append(block)
        elif block is not None:  # a Delete closes the block before it
            lasted = when - round(block["created"] * 1000)
            if requester == "SYSTEM":  # its expiry
                block["hours"] = max(lasted, 1) / _HOUR_MS
            else:
                block.update(removed_at=when / 1000, removed_by=requester, hours=max(lasted, 1) / _HOUR_MS + 1)
            block = None
    expected = _path(answer, "expectedDeleteDate", "utc")
    if block is not None and answer.get("registerStatus") == "Blocked" and isinstance(expected, int):
        block["hours"] = max(expected - round(block["created"] * 1000), 1) / _HOUR_MS
    _seed(ncp, {"blocks": blocks})


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
        _sendcloud_times(ctx, sc, rows)
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


def _sendcloud_times(ctx: Context, sc: Any, rows: list[dict[str, Any]]) -> None:
    """The rows' times: without a recorded time, the clock stands just after the newest
    row, so a window counted back from now (``days``) holds the rows as it did when
    answered; rows of one second keep their recorded order (:func:`_untie`; lists are
    oldest first)."""
    names: list[str | None] = []
    times: list[int | None] = []
    for row in rows:
        name = next((n for n in ("createTime", "bounceTime", "unsubscribeTime") if isinstance(row.get(n), str)), None)
        try:
            times.append(None if name is None else sc.instant(row[name], name, "verify"))
        except ControlError:
            times.append(None)
        names.append(name)
    known = [t for t in times if t is not None]
    if ctx.interaction.recorded_at is None and known:
        ctx.app.clock.freeze(max(known) + 1)
    for row, name, old, new in zip(rows, names, times, _untie(times, descending=False)):
        if name is not None and new != old:
            row[name] = new


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


def _untie(times: list[Any], *, descending: bool, floor: int | None = None) -> list[Any]:
    """Unix times of rows listed in this order (newest first when ``descending``),
    moved earlier where needed so that none ties with or passes the one listed before
    it (after, for oldest first): the fake orders rows of one second by address, and
    the recorded order must hold (a recorder that renamed the addresses changed how
    they sort). A time compares by its format, not its value, so this changes nothing
    compared; rows that would fall before ``floor`` (a window's start) stay as they are."""
    out = list(times)
    order = range(len(out)) if descending else range(len(out) - 1, -1, -1)
    bound: int | None = None
    for i in order:
        value = out[i]
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if bound is not None and value >= bound:
            value = bound - 1
        out[i] = bound = value
    if floor is not None and any(isinstance(t, int) and t < floor for t in out):
        return list(times)
    return out


def _path(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...``, or None where a step is missing."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


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
