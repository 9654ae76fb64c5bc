"""SendGrid's control room: records from Python and JSON (made in bulk fast),
seeding (lists, subusers, API keys, the rate limit), the control plane's actions
(the sibling lists, keys, subusers, the rate limit, delivery, the Event Webhook) and
its paging of the lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from ...control.paging import block_page
from ...core.clock import parse_instant
from ...core.delivery import delivery_actions
from ...core.errors import ControlError
from ...core.provider import Provider, SeedPlan, json_response, listed
from . import webhooks
from .models import LIST_KINDS, ListKind, SendGridState, enhanced_status

__all__ = ["SendGridControl"]


class SendGridControl(Provider):
    """What SendGrid does outside its API: records, seeds, ``/_mailblocks/sendgrid/...``
    (mixed into :class:`~.SendGrid`)."""

    state: SendGridState

    # -- records from Python / JSON ------------------------------------------------------
    def make_record(self, kind: str, fields: Mapping[str, Any], where: str) -> tuple:
        """Validate one record given as fields; raise ControlError naming ``where``.

        Written for bulk seeding (a million records in a few seconds): the common
        case (known fields, string email, integer ``created``) takes no slow path."""
        spec = LIST_KINDS[kind]
        if not spec.field_set.issuperset(fields):
            unknown = sorted(set(fields) - spec.field_set)
            raise ControlError(f"unknown field(s) {unknown}; a {kind} record has {list(spec.fields)}", where=where)
        email = fields.get("email")
        if type(email) is not str or not email or email.isspace():
            raise ControlError("email is required and must be a non-empty string", where=where)
        if email[0].isspace() or email[-1].isspace():
            email = email.strip()
        created = fields.get("created")
        if type(created) is int:
            seconds = created
        elif created is None:
            seconds = int(self.clock.time())
        else:
            if isinstance(created, bool) or not isinstance(created, (int, float, str, datetime)):
                raise ControlError("created must be unix seconds or an ISO 8601 string", where=where)
            try:
                seconds = int(parse_instant(created))
            except ValueError as exc:
                raise ControlError(f"created: {exc}", where=where) from None
        values: list[Any] = [seconds, email]
        for name, default in spec.extra_defaults:
            value = fields.get(name)
            if value is None:
                value = default
                if name == "status" and type(reason := fields.get("reason")) is str:
                    value = enhanced_status(reason) or default  # "550 5.1.1 ..." -> "5.1.1"
            elif type(value) is not str:
                raise ControlError(f"{name} must be a string", where=where)
            values.append(value)
        return spec.record(*values)

    def make_records(self, kind: str, items: Iterable[Mapping[str, Any] | str], where: str) -> list[tuple]:
        """:meth:`make_record` for many items (field mappings or bare addresses);
        an error names ``where[i]``. Items are taken in chunks (a generator's items
        need not all be alive at once); in a chunk where every item carries every
        field, each of the usual type and every address without surrounding blanks
        (what a generator or a fixture file gives), the records are checked and built
        column by column in C: a million in a fraction of a second (issue 18). Any
        other chunk is made item by item, as make_record does."""
        spec = LIST_KINDS[kind]
        out: list[tuple] = []
        source = iter(items)
        while chunk := list(islice(source, _CHUNK)):
            made = _plain_records(spec, chunk)
            if made is None:
                made = []
                for i, item in enumerate(chunk, len(out)):
                    try:
                        made.append(self.make_record(kind, {"email": item} if isinstance(item, str) else item, kind))
                    except ControlError as exc:
                        raise ControlError(exc.detail, where=f"{where}[{i}]") from None
            out += made
        return out

    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """``{"blocks": [...], "api_keys": [...], "subusers": [...], "rate_limit": n}``
        or a bare list of blocks. Block items may carry ``subuser``. Subusers, keys and
        the limit are set while checking (and undone on a refusal); the lists are
        loaded by the plan."""
        if isinstance(data, list):
            data = {"blocks": data}
        if not isinstance(data, dict):
            raise ControlError('expected a list of blocks or {"blocks": [...], ...}', where=where)
        known = {*LIST_KINDS, "api_keys", "subusers", "rate_limit"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(f"unknown key(s) {unknown}; known: {sorted(known)}", where=where)
        state = self.state
        subusers, keys, rate_limit = dict(state.subusers), dict(state.keys), state.rate_limit

        def undo() -> None:
            state.subusers, state.keys, state.rate_limit = subusers, keys, rate_limit

        try:
            self._seed_accounts(data, where)
            loads = [(kind, self._seed_records(kind, data, where)) for kind in LIST_KINDS if kind in data]
        except BaseException:
            undo()
            raise

        def apply() -> int:
            return sum(
                state.account(sub).lists[kind].bulk_add(records)
                for kind, by_account in loads
                for sub, records in by_account.items()
            )

        return SeedPlan(apply, undo)

    def _seed_accounts(self, data: dict[str, Any], where: str) -> None:
        """Subusers, API keys and the rate limit of a seed, applied in place."""
        state = self.state
        for i, sub in enumerate(listed(data.get("subusers", []), f"{where}.subusers")):
            w = f"{where}.subusers[{i}]"
            if isinstance(sub, str):
                sub = {"username": sub}
            if not isinstance(sub, dict) or not isinstance(sub.get("username"), str):
                raise ControlError('expected "name" or {"username": "...", "account_id": "..."}', where=w)
            try:
                state.add_subuser(sub["username"], sub.get("account_id"))
            except ValueError as exc:
                raise ControlError(str(exc), where=w) from None
        for i, k in enumerate(listed(data.get("api_keys", []), f"{where}.api_keys")):
            w = f"{where}.api_keys[{i}]"
            if not isinstance(k, dict):
                raise ControlError('expected {"key": "SG...", "scopes": [...]}', where=w)
            extra = sorted(set(k) - {"key", "name", "scopes", "subuser"})
            if extra:
                raise ControlError(f"unknown field(s) {extra}", where=w)
            for name in ("key", "name", "subuser"):
                if k.get(name) is not None and not isinstance(k[name], str):
                    raise ControlError(f"{name} must be a string, got {k[name]!r}", where=w)
            scopes = k.get("scopes")
            if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)):
                raise ControlError("scopes must be a list of strings (or null for full access)", where=w)
            try:
                state.add_key(k.get("key"), name=k.get("name"), scopes=scopes, owner=k.get("subuser"))
            except ValueError as exc:
                raise ControlError(str(exc), where=w) from None
        if "rate_limit" in data:
            rl = data["rate_limit"]
            if isinstance(rl, bool) or not isinstance(rl, int) or rl < 1:
                raise ControlError("rate_limit must be a positive integer", where=f"{where}.rate_limit")
            state.rate_limit = rl

    def _seed_records(self, kind: str, data: dict[str, Any], where: str) -> dict[str | None, list[tuple]]:
        """One list's records of a seed, checked, by subuser (None: the parent)."""
        subusers = self.state.subusers
        by_account: dict[str | None, list[tuple]] = {}
        for i, item in enumerate(listed(data[kind], f"{where}.{kind}")):
            w = f"{where}.{kind}[{i}]"
            if isinstance(item, str):
                item = {"email": item}
            if not isinstance(item, dict):
                raise ControlError("expected an object with at least an email", where=w)
            item = dict(item)
            sub = item.pop("subuser", None)
            if sub is not None and (not isinstance(sub, str) or sub not in subusers):
                raise ControlError(f"unknown subuser {sub!r} (list it under subusers first)", where=w)
            by_account.setdefault(sub, []).append(self.make_record(kind, item, w))
        return by_account

    # -- control plane ---------------------------------------------------------------
    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """``?list=&subuser=``; with any of ``email`` (a prefix, ``%`` a wildcard),
        ``start``/``end`` (on ``created``), ``offset``/``limit``, one page from the
        list's index, as ``list_blocks`` pages it."""
        kind = query.get("list", "blocks")
        if kind not in LIST_KINDS:
            raise ControlError(f"unknown list {kind!r}; known: {sorted(LIST_KINDS)}")
        sub = query.get("subuser") or None
        if sub is not None and sub not in self.state.subusers:
            raise ControlError(f"unknown subuser {sub!r}")
        lst = self.state.account(sub).lists[kind]
        page = block_page(query)
        if page is None:
            return lst.records()
        end = None if page.end is None else page.end - 1  # the list's end_time is inclusive
        rows = lst.query(
            start_time=page.start,
            end_time=end,
            email=page.email,
            offset=page.offset,
            limit=len(lst) if page.limit is None else page.limit,
        )
        fields = lst.kind.fields
        return [dict(zip(fields, r)) for r in rows]

    def control_actions(self) -> dict[str, Any]:
        actions: dict[str, Any] = {
            "api-keys": self._keys_action,
            "subusers": self._subusers_action,
            "rate-limit": self._rate_action,
        }
        # each sibling list by name (also spelled with hyphens, as the other control routes)
        for kind in LIST_KINDS:
            if kind != "blocks":
                actions[kind] = actions[kind.replace("_", "-")] = self._list_action(kind)
        actions.update(delivery_actions(self, "subuser"))
        actions["event-webhook"] = self._webhook_action
        return actions

    def _webhook_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        """``GET``: every account's Event Webhooks; ``POST {"url", "enabled"?, "signed"?,
        "events"?, "subuser"?}``: set up the account's webhook (as ``set_event_webhook``)."""
        if method == "POST":
            if not isinstance(payload, dict) or "url" not in payload:
                raise ControlError(
                    'expected {"url": "http://...", "signed"?: bool, "events"?: [...], "subuser"?: "..."}'
                )
            fields = {"enabled", "signed", "events"}
            unknown = sorted(set(payload) - fields - {"url", "subuser"})
            if unknown:
                raise ControlError(f"unknown field(s) {unknown}")
            sub = payload.get("subuser")
            if sub is not None and (not isinstance(sub, str) or sub not in self.state.subusers):
                raise ControlError(f"unknown subuser {sub!r}")
            options = {k: payload[k] for k in fields if k in payload}
            hook = webhooks.configure(self, self.state.account(sub), payload["url"], **options)
            return hook.to_json()
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        hooks = self.state.event_webhooks
        return {"accounts": {name: [h.to_json() for h in found.hooks] for name, found in hooks.items()}}

    def _list_action(self, kind: str) -> Any:
        """``GET`` lists (``?subuser=`` and the page keys as for blocks), ``POST`` seeds
        a list of records (or ``{"<list>": [...]}``) with 201, as ``/blocks`` does."""

        def action(method: str, payload: Any, query: dict[str, str]) -> Any:
            if method == "GET":
                records = self.control_blocks({**query, "list": kind})
                return {"provider": self.key, "list": kind, "count": len(records), "records": records}
            if method != "POST":
                raise ControlError("use GET or POST", status=405)
            if payload is None:
                raise ControlError(f'expected a JSON body: a list of records or {{"{kind}": [...]}}')
            if isinstance(payload, dict) and set(payload) != {kind}:
                raise ControlError(f'expected a list of records or {{"{kind}": [...]}}, got keys {sorted(payload)}')
            data = payload if isinstance(payload, dict) else {kind: payload}
            seeded = self.seed(data, self.key)
            return json_response({"provider": self.key, "list": kind, "seeded": seeded}, 201, compact=False)

        return action

    def _keys_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "GET":
            return {"api_keys": [k.to_dict() for k in self.state.keys.values()]}
        if method == "POST":
            before = set(self.state.keys)
            self.seed({"api_keys": [payload or {}]}, "api-keys")
            posted = payload.get("key") if isinstance(payload, dict) else None
            # the posted key (replaced in place, so not the last one) or the one just made
            key = posted or next(k for k in self.state.keys if k not in before)
            return {"api_key": self.state.keys[key].to_dict()}
        if method == "DELETE":
            key = (payload or {}).get("key") if isinstance(payload, dict) else None
            if not isinstance(key, str) or self.state.keys.pop(key, None) is None:
                raise ControlError('expected {"key": "<an existing key>"}')
            return {"revoked": key}
        raise ControlError("use GET, POST or DELETE", status=405)

    def _subusers_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            self.seed({"subusers": [payload]}, "subusers")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {
            "subusers": [{"username": a.username, "account_id": a.account_id} for a in self.state.subusers.values()]
        }

    def _rate_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            if not isinstance(payload, dict) or set(payload) != {"limit"}:
                raise ControlError('expected {"limit": <requests per minute>}')
            self.seed({"rate_limit": payload["limit"]}, "rate-limit")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"limit": self.state.rate_limit, "window": "calendar minute, per key and route"}

    def info(self) -> dict[str, Any]:
        state = self.state
        return {
            "credentials": {"api_key": self.credentials["api_key"]},
            "tenants": [
                {
                    "username": a.username,
                    "account_id": a.account_id,
                    "parent": a.parent,
                    "counts": {k: len(v) for k, v in a.lists.items()},
                }
                for a in state.accounts()
            ],
            "api_keys": len(state.keys),
            "rate_limit": state.rate_limit,
        }


#: items checked and built at once by make_records
_CHUNK = 65536


def _plain_records(spec: ListKind, rows: list[Any]) -> list[tuple] | None:
    """The records of ``rows`` when every one is a plain, valid record (see
    :meth:`SendGrid.make_records`), checked column by column; else None."""
    fields = spec.fields
    n, field_set = len(fields), spec.field_set
    if set(map(type, rows)) != {dict} or set(map(len, rows)) != {n} or not all(map(field_set.issuperset, rows)):
        return None
    values = list(map(itemgetter(*fields), rows))
    columns = [list(map(itemgetter(i), values)) for i in range(n)]
    emails = columns[1]
    if (
        set(map(type, columns[0])) == {int}
        and all(set(map(type, c)) == {str} for c in columns[1:])
        and all(emails)
        and all(map(str.__eq__, emails, map(str.strip, emails)))
    ):
        return list(map(tuple.__new__, repeat(spec.record), values))
    return None
