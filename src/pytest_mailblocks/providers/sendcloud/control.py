"""SendCloud's control room: seeding (API users, blocks, bounces, complaints,
unsubscribes), the verbs the handle and the control plane share, the control plane's
actions (API users, the count mode, delivery, webhooks) and its paging of the lists."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from ...control.paging import block_page
from ...core.clock import parse_instant
from ...core.delivery import delivery_actions
from ...core.errors import ControlError
from ...core.provider import Provider, SeedPlan, listed
from . import webhooks
from .endpoints import INT_MAX
from .models import (
    ALL,
    COMPLAINT_DAYS,
    COUNT_MODES,
    MAX_SECONDS,
    MIN_SECONDS,
    Block,
    Bounce,
    Complaint,
    SendCloudState,
    Unsubscribe,
    add_months,
    day_start,
    today,
)

__all__ = ["SendCloudControl"]

_API_TIME = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?\Z")
DEFAULT_BOUNCE_REASON = "Mailbox not found."

#: field names a seed record may use: the handle's snake_case or the API's own names
BLOCK_FIELDS = {
    "email": "email",
    "domain": "domain",
    "domainName": "domain",
    "api_user_block": "api_user_block",
    "apiUserBlock": "api_user_block",
    "expire_time": "expire_time",
    "expireTime": "expire_time",
    "create_time": "create_time",
    "createTime": "create_time",
    "api_user": "api_user",
}
BOUNCE_FIELDS = {
    "email": "email",
    "reason": "reason",
    "bounce_time": "bounce_time",
    "bounceTime": "bounce_time",
    "domain": "domain",
    "api_user": "api_user",
}
UNSUBSCRIBE_FIELDS = {
    "email": "email",
    "label_id": "label_id",
    "labelId": "label_id",
    "unsubscribe_time": "unsubscribe_time",
    "unsubscribeTime": "unsubscribe_time",
    "domain": "domain",
    "api_user": "api_user",
    "apiUser": "api_user",
}
COMPLAINT_FIELDS = {
    "email": "email",
    "complaint_time": "complaint_time",
    "complaintTime": "complaint_time",
    "expire_time": "expire_time",
    "expireTime": "expire_time",
    "domain": "domain",
    "api_user": "api_user",
}
LISTS = ("blocks", "bounces", "complaints", "unsubscribes")
MAX_ROWS = 10**12  # "no limit" for a page


class SendCloudControl(Provider):
    """What SendCloud does outside its API: seeds, the handle's verbs,
    ``/_mailblocks/sendcloud/...`` (mixed into :class:`~.SendCloud`)."""

    state: SendCloudState

    # -- records from Python / JSON --------------------------------------------------------
    def instant(self, value: Any, name: str, where: str) -> int:
        """Unix seconds from ``yyyy-MM-dd[ HH:mm:ss]`` (UTC+8, as the API prints
        times), a ``date`` (00:00 UTC+8), unix seconds, a datetime or an ISO 8601
        string (the core's rules: no offset means UTC)."""
        if type(value) is int:
            seconds = value
        else:
            try:
                seconds = _seconds(value)
            except (ValueError, OverflowError) as exc:
                raise ControlError(f"{name}: {exc}", where=where) from None
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise ControlError(f"{name}: out of range (years 1 to 9999)", where=where)
        return seconds

    def default_expiry(self) -> int:
        """One year after the fake's today (UTC+8), at 00:00: the handle's default."""
        return day_start(add_months(today(self.clock.time()), 12))

    @staticmethod
    def _fields(item: Any, names: Mapping[str, str], kind: str, where: str) -> dict[str, Any]:
        if isinstance(item, str):
            item = {"email": item} if "@" in item or kind != "blocks" else {"domain": item}
        if not isinstance(item, Mapping):
            raise ControlError("expected an object (or an address string)", where=where)
        if not names.keys() >= item.keys():
            unknown = sorted(str(k) for k in item if k not in names)
            raise ControlError(f"unknown field(s) {unknown}; a {kind} record has {sorted(names)}", where=where)
        out: dict[str, Any] = {}
        for k, v in item.items():
            canonical = names[k]
            if canonical in out:
                raise ControlError(f"{canonical} given twice (as {k!r} too)", where=where)
            out[canonical] = v
        return out

    @staticmethod
    def _string(fields: dict[str, Any], name: str, where: str, *, required: bool = False) -> str:
        value = fields.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ControlError(f"{name} must be a string", where=where)
        value = value.strip()
        if required and not value:
            raise ControlError(f"{name} is required and must be a non-empty string", where=where)
        return value

    def _tenant_name(
        self, fields: dict[str, Any], api_user: str | None, where: str, known: set[str] | None = None
    ) -> str | None:
        name = fields.pop("api_user", None)
        if name is None:
            name = api_user
        names = set(self.state.tenants) if known is None else known
        if name is not None and (not isinstance(name, str) or name not in names):
            raise ControlError(
                f"unknown api_user {name!r} (add it under api_users first); known: {sorted(names)}", where=where
            )
        return name

    def make_blocks(
        self, item: Any, where: str, api_user: str | None = None, known: set[str] | None = None
    ) -> tuple[str | None, list[Block]]:
        """Block rows from one seed/handle item: an address row and/or a domain row
        (seed 004: both given make two rows)."""
        f = self._fields(item, BLOCK_FIELDS, "blocks", where)
        tenant = self._tenant_name(f, api_user, where, known)
        email = self._string(f, "email", where)
        domain = self._string(f, "domain", where)
        if not email and not domain:
            raise ControlError("email or domain is required", where=where)
        aub = self._string(f, "api_user_block", where) or ALL
        now = int(self.clock.time())
        created = now if f.get("create_time") is None else self.instant(f["create_time"], "create_time", where)
        expires = (
            self.default_expiry()
            if f.get("expire_time") is None
            else self.instant(f["expire_time"], "expire_time", where)
        )
        rows = []
        if email:
            rows.append(Block(created, email, "", aub, expires))
        if domain:
            rows.append(Block(created, "", domain, aub, expires))
        return tenant, rows

    def make_bounce(
        self, item: Any, where: str, api_user: str | None = None, known: set[str] | None = None
    ) -> tuple[str | None, Bounce]:
        f = self._fields(item, BOUNCE_FIELDS, "bounces", where)
        tenant = self._tenant_name(f, api_user, where, known)
        email = self._string(f, "email", where, required=True)
        self._domain_matches(f, email, where)
        reason = self._string(f, "reason", where) or DEFAULT_BOUNCE_REASON
        when = f.get("bounce_time")
        seconds = int(self.clock.time()) if when is None else self.instant(when, "bounce_time", where)
        return tenant, Bounce(seconds, email, reason)

    def make_unsubscribe(
        self, item: Any, where: str, api_user: str | None = None, known: set[str] | None = None
    ) -> tuple[str | None, Unsubscribe]:
        f = self._fields(item, UNSUBSCRIBE_FIELDS, "unsubscribes", where)
        tenant = self._tenant_name(f, api_user, where, known)
        email = self._string(f, "email", where, required=True)
        self._domain_matches(f, email, where)
        label = f.get("label_id", 0)
        if label is None:
            label = 0
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= INT_MAX:
            raise ControlError("label_id must be an integer >= 0", where=where)
        when = f.get("unsubscribe_time")
        seconds = int(self.clock.time()) if when is None else self.instant(when, "unsubscribe_time", where)
        owner = self.state.default_user if tenant is None else tenant
        return tenant, Unsubscribe(seconds, email, label, owner)

    def make_complaint(
        self, item: Any, where: str, api_user: str | None = None, known: set[str] | None = None
    ) -> tuple[str | None, Complaint]:
        """A complaint row: kept 180 days after ``complaint_time`` unless ``expire_time``."""
        f = self._fields(item, COMPLAINT_FIELDS, "complaints", where)
        tenant = self._tenant_name(f, api_user, where, known)
        email = self._string(f, "email", where, required=True)
        self._domain_matches(f, email, where)
        when = f.get("complaint_time")
        seconds = int(self.clock.time()) if when is None else self.instant(when, "complaint_time", where)
        until = f.get("expire_time")
        expires = seconds + COMPLAINT_DAYS * 86400 if until is None else self.instant(until, "expire_time", where)
        return tenant, Complaint(seconds, email, expires)

    @staticmethod
    def _domain_matches(fields: dict[str, Any], email: str, where: str) -> None:
        """``domain`` is derived from the address; a seed may repeat it (a row copied
        from a list answer) but not contradict it."""
        domain = fields.get("domain")
        if domain is not None and (not isinstance(domain, str) or domain.lower() != email.rpartition("@")[2].lower()):
            raise ControlError(f"domain {domain!r} does not match the address {email!r}", where=where)

    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """``{"api_users": [...], "blocks": [...], "bounces": [...], "complaints": [...],
        "unsubscribes": [...], "count_mode": "rows"|"total"}`` or a bare list of blocks.
        Everything is checked before the plan changes anything."""
        if isinstance(data, list):
            data = {"blocks": data}
        if not isinstance(data, dict):
            raise ControlError('expected a list of blocks or {"blocks": [...], ...}', where=where)
        known = {*LISTS, "api_users", "count_mode"}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ControlError(f"unknown key(s) {unknown}; known: {sorted(known)}", where=where)
        state = self.state
        new_users: dict[str, str | None] = {}
        for i, item in enumerate(listed(data.get("api_users", []), f"{where}.api_users")):
            w = f"{where}.api_users[{i}]"
            if isinstance(item, str):
                item = {"api_user": item}
            if not isinstance(item, dict):
                raise ControlError('expected "name" or {"api_user": "...", "api_key": "..."}', where=w)
            extra = sorted(str(k) for k in item if k not in ("api_user", "api_key"))
            if extra:
                raise ControlError(f"unknown field(s) {extra}; known: ['api_key', 'api_user']", where=w)
            name, key = item.get("api_user"), item.get("api_key")
            if not isinstance(name, str) or not name.strip():
                raise ControlError("api_user must be a non-empty string", where=w)
            if key is not None and (not isinstance(key, str) or not key.strip()):
                raise ControlError("api_key must be a non-empty string", where=w)
            if name in state.tenants or name in new_users:
                raise ControlError(f"api_user {name!r} already exists", where=w)
            new_users[name] = key
        mode = data.get("count_mode", state.count_mode)
        if mode not in COUNT_MODES:
            raise ControlError(f"count_mode must be one of {list(COUNT_MODES)}", where=f"{where}.count_mode")
        known_users = {*state.tenants, *new_users}
        grouped: dict[str, dict[str | None, list[Any]]] = {kind: {} for kind in LISTS}
        for i, item in enumerate(listed(data.get("blocks", []), f"{where}.blocks")):
            tenant, rows = self.make_blocks(item, f"{where}.blocks[{i}]", known=known_users)
            grouped["blocks"].setdefault(tenant, []).extend(rows)
        makers = (
            ("bounces", self.make_bounce),
            ("complaints", self.make_complaint),
            ("unsubscribes", self.make_unsubscribe),
        )
        for kind, make in makers:
            for i, item in enumerate(listed(data.get(kind, []), f"{where}.{kind}")):
                tenant, record = make(item, f"{where}.{kind}[{i}]", known=known_users)
                grouped[kind].setdefault(tenant, []).append(record)
        complaints = grouped.pop("complaints")  # each row with its own expiry

        def apply() -> int:
            for name, key in new_users.items():
                state.add_tenant(name, key)
            state.count_mode = mode
            for tenant, records in complaints.items():
                target = state.tenant(tenant).complaints
                for record in records:
                    target.put(record, expires=record.expire_time)
            return sum(map(len, complaints.values())) + sum(
                getattr(state.tenant(tenant), kind).add_many(records)
                for kind, by_tenant in grouped.items()
                for tenant, records in by_tenant.items()
            )

        return SeedPlan(apply)

    # -- control plane -----------------------------------------------------------------------
    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """``?list=blocks|bounces|complaints|unsubscribes&api_user=...`` as the API shows rows;
        with any of ``email``, ``start``/``end`` (on the row's time), ``offset``/``limit``,
        one page, oldest first."""
        kind = query.get("list", "blocks")
        if kind not in LISTS:
            raise ControlError(f"unknown list {kind!r}; known: {list(LISTS)}")
        try:
            tenant = self.state.tenant(query.get("api_user") or None)
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        page = block_page(query)
        if page is None:
            return [r.wire() for r in getattr(tenant, kind).records()]
        # one page from the list's index; ``email`` is exact, as in the list APIs
        # (for blocks, a value without "@" is a domain)
        limit = MAX_ROWS if page.limit is None else page.limit
        if kind == "blocks":
            address = page.email or ""
            email, domain = (address, "") if "@" in address else ("", address)
            rows = tenant.blocks.query(
                start=page.start, end=page.end, email=email, domain=domain, offset=page.offset, limit=limit
            )
            return [r.wire() for r in rows]
        lst = getattr(tenant, kind)
        if page.email:
            r = lst.get(page.email)
            inside = (
                r is not None and (page.start is None or page.start <= r[0]) and (page.end is None or r[0] < page.end)
            )
            return [r.wire()][page.offset : page.offset + limit] if inside else []
        return [r.wire() for r in lst.query(start=page.start, end=page.end, offset=page.offset, limit=limit)]

    def control_actions(self) -> dict[str, Any]:
        return {
            "api-users": self._api_users_action,
            "count-mode": self._count_mode_action,
            **delivery_actions(self, "api_user"),
            "webhooks": self._webhooks_action,
        }

    def _webhooks_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        """``GET``: the webhooks and the APP KEY; ``POST {"url", "api_user"?, "events"?,
        "body"?, "names"?}`` adds one (as ``set_webhook``), ``{"app_key": ...}`` sets the
        key; ``DELETE``: every webhook goes."""
        state = self.state
        if method == "POST":
            fields = {"url", "api_user", "events", "body", "names"}
            if isinstance(payload, dict) and set(payload) == {"app_key"}:
                webhooks.set_app_key(self, payload["app_key"])
            elif not isinstance(payload, dict) or "url" not in payload or not set(payload) <= fields:
                raise ControlError(
                    'expected {"url": "http://...", "api_user"?: "...", "events"?: [...], "body"?: "form"|"json", '
                    '"names"?: "format"|"overview"} or {"app_key": "..."}'
                )
            else:
                webhooks.configure(self, **payload)
        elif method == "DELETE":
            state.webhooks.clear()
        elif method != "GET":
            raise ControlError("use GET, POST or DELETE", status=405)
        return {"app_key": state.app_key, "webhooks": [h.to_json() for h in state.webhooks]}

    def _api_users_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            if not isinstance(payload, dict):
                raise ControlError('expected {"api_user": "...", "api_key": "..."}')
            self.seed({"api_users": [payload]}, "api-users")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"api_users": self.api_users()}

    def _count_mode_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            if not isinstance(payload, dict) or set(payload) != {"count_mode"}:
                raise ControlError('expected {"count_mode": "rows"} or {"count_mode": "total"}')
            self.seed({"count_mode": payload["count_mode"]}, "count-mode")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"count_mode": self.state.count_mode}

    def api_users(self) -> list[dict[str, str]]:
        return [{"api_user": t.api_user, "api_key": t.api_key} for t in self.state.tenants.values()]

    def info(self) -> dict[str, Any]:
        return {
            "credentials": {"api_user": self.credentials["api_user"], "api_key": self.credentials["api_key"]},
            "tenants": [{"api_user": t.api_user, "counts": t.counts()} for t in self.state.tenants.values()],
            "count_mode": self.state.count_mode,
        }


def _seconds(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return day_start(value)
    if isinstance(value, str):
        return _string_seconds(value)
    if isinstance(value, datetime):
        return int(parse_instant(value))
    raise ValueError(f"expected 'yyyy-MM-dd HH:mm:ss' (UTC+8), a date, unix seconds, got {value!r}")


@lru_cache(maxsize=4096)
def _string_seconds(value: str) -> int:
    m = _API_TIME.match(value.strip())
    if m is None:
        return int(parse_instant(value))
    day = date(int(m[1]), int(m[2]), int(m[3]))
    h, mi, s = (int(m[i]) if m[i] else 0 for i in (4, 5, 6))
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(f"{value!r} is not a valid time")
    return day_start(day) + h * 3600 + mi * 60 + s
