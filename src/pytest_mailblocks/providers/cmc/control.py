"""Customers Mail Cloud's control room: seeding, the verbs the handle and the
control plane share, the control plane's actions and its paging of the block list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ...control.paging import PAGE_KEYS, block_page
from ...core.clock import RANGE, in_range, parse_instant
from ...core.delivery import delivery_actions
from ...core.errors import ControlError
from ...core.provider import Provider, SeedPlan, listed
from .models import (
    BLOCK_STATUSES,
    CIPHERS,
    JST,
    Block,
    CmcState,
    Composition,
    Encryption,
    PendingOp,
    Unsubscribe,
    block_dict,
    format_time,
    unsubscribe_dict,
)

__all__ = ["CmcControl"]

BLOCK_FIELDS = frozenset({"email", "status", "occurred", "created", "id", "server_composition", "removed"})
UNSUBSCRIBE_FIELDS = frozenset({"email", "filter_name", "created", "server_composition", "pending"})
USER_FIELDS = frozenset({"api_user", "api_key", "account", "role", "reference", "download", "time_zone"})
DEFAULT_FILTER = "default"


class CmcControl(Provider):
    """What Customers Mail Cloud does outside its API: seeds, the handle's verbs,
    ``/_mailblocks/cmc/...`` (mixed into :class:`~.CustomersMailCloud`)."""

    state: CmcState

    # -- time ----------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.clock.time())

    def parse_created(self, value: Any, where: str) -> int:
        """Unix seconds, a datetime or a string (``2015-12-14 08:46:00`` as the API
        shows it, or ISO 8601); a time without an offset is JST."""
        if value is None:
            return self.now()
        if isinstance(value, bool) or not isinstance(value, (int, float, str, datetime)):
            kind = "a boolean" if isinstance(value, bool) else type(value).__name__
            raise ControlError(f"must be unix seconds, a datetime or a date-time string, not {kind}", where=where)
        try:
            seconds = parse_instant(value.strip() if isinstance(value, str) else value, JST)
        except ValueError:
            raise ControlError(
                f"{value!r} is not a date-time (e.g. '2015-12-14 08:46:00', JST unless an offset is given)",
                where=where,
            ) from None
        if not in_range(seconds):  # a time no date can show would break every list
            raise ControlError(f"{value!r} is outside the fake clock's range, {RANGE}", where=where)
        return int(seconds)

    # -- records from Python / JSON --------------------------------------------------------
    def composition(self, name: Any, where: str) -> Composition:
        """A server composition by name (None: the default one), or the ControlError naming ``where``."""
        if name is None:
            return self.state.composition(None)
        if not isinstance(name, str) or name not in self.state.compositions:
            raise ControlError(
                f"unknown server composition {name!r} (add it under compositions first); "
                f"known: {sorted(self.state.compositions)}",
                where=where,
            )
        return self.state.compositions[name]

    def make_block(self, fields: Mapping[str, Any], where: str) -> tuple[Composition, Block, bool]:
        """Validate one block given as fields: (composition, record, removed)."""
        if isinstance(fields, str):
            fields = {"email": fields}
        if not isinstance(fields, Mapping):
            raise ControlError("expected an address or an object with at least an email", where=where)
        unknown = sorted(set(fields) - BLOCK_FIELDS)
        if unknown:
            raise ControlError(f"unknown field(s) {unknown}; a block has {sorted(BLOCK_FIELDS)}", where=where)
        email = fields.get("email")
        if not isinstance(email, str) or not email.strip():
            raise ControlError("email is required and must be a non-empty string", where=f"{where}.email")
        comp = self.composition(fields.get("server_composition"), f"{where}.server_composition")
        status = _small_int(fields.get("status", 2), f"{where}.status")
        if status not in BLOCK_STATUSES:
            raise ControlError(
                f"status {status} is not a block status; use one of {sorted(BLOCK_STATUSES)} (1 unknown host, "
                "2 unknown user, ... 11 unsubscribed, 99 others)",
                where=f"{where}.status",
            )
        occurred = _small_int(fields.get("occurred", 1), f"{where}.occurred")
        if occurred < 1:
            raise ControlError("occurred must be at least 1", where=f"{where}.occurred")
        created = self.parse_created(fields.get("created"), f"{where}.created")
        block_id = fields.get("id")
        if block_id is None:
            block_id = comp.new_id()
        elif not isinstance(block_id, str) or not block_id:
            raise ControlError("id must be a non-empty string", where=f"{where}.id")
        removed = fields.get("removed", False)
        if not isinstance(removed, bool):
            raise ControlError("removed must be true or false", where=f"{where}.removed")
        return comp, Block(created, self.state.next_seq(), block_id, email.strip(), status, occurred), removed

    def make_unsubscribe(self, fields: Mapping[str, Any], where: str) -> tuple[Composition, Unsubscribe, bool]:
        """Validate one unsubscribe given as fields: (composition, record, pending)."""
        if isinstance(fields, str):
            fields = {"email": fields}
        if not isinstance(fields, Mapping):
            raise ControlError("expected an address or an object with at least an email", where=where)
        unknown = sorted(set(fields) - UNSUBSCRIBE_FIELDS)
        if unknown:
            raise ControlError(
                f"unknown field(s) {unknown}; an unsubscribe has {sorted(UNSUBSCRIBE_FIELDS)}", where=where
            )
        email = fields.get("email")
        if not isinstance(email, str) or not email.strip():
            raise ControlError("email is required and must be a non-empty string", where=f"{where}.email")
        comp = self.composition(fields.get("server_composition"), f"{where}.server_composition")
        filter_name = fields.get("filter_name", DEFAULT_FILTER)
        if not isinstance(filter_name, str) or not filter_name:
            raise ControlError("filter_name must be a non-empty string", where=f"{where}.filter_name")
        pending = fields.get("pending", False)
        if not isinstance(pending, bool):
            raise ControlError("pending must be true or false", where=f"{where}.pending")
        created = self.parse_created(fields.get("created"), f"{where}.created")
        return comp, Unsubscribe(created, self.state.next_seq(), email.strip(), filter_name), pending

    def add_unsubscribe_record(self, comp: Composition, record: Unsubscribe, pending: bool) -> None:
        if pending:
            comp.pending.append(PendingOp(record.created, record.seq, "unsubscribe", record.email, record.filter_name))
        else:
            comp.put_unsubscribe(record)

    def add_block_records(self, items: list[tuple[Composition, Block, bool]]) -> int:
        """Apply seeded blocks in order (a later record of an address wins). A
        composition with no removed record in this call and no removed or erroring
        address takes its blocks in one bulk load; the others one by one."""
        one_by_one = {comp.name for comp, _, removed in items if removed or comp.removed or comp.error_counts}
        by_comp: dict[str, list[Block]] = {}
        for comp, record, removed in items:
            if comp.name not in one_by_one:
                by_comp.setdefault(comp.name, []).append(record)
            elif removed:
                comp.put_removed(record)
            else:
                comp.put_block(record)
        for name, records in by_comp.items():
            self.state.compositions[name].blocks.bulk_load(records)
        return len(items)

    # -- verbs shared by the handle and the control plane -----------------------------------
    def record_delivery_error(self, email: Any, status: Any = 2, server_composition: Any = None) -> Block | None:
        where = "delivery error"
        if not isinstance(email, str) or not email.strip():
            raise ControlError("email is required and must be a non-empty string", where=f"{where}.email")
        code = _small_int(status, f"{where}.status")
        if code not in BLOCK_STATUSES:
            raise ControlError(f"status {code} is not a block status; use one of {sorted(BLOCK_STATUSES)}", where=where)
        comp = self.composition(server_composition, f"{where}.server_composition")
        return comp.record_error(
            email.strip(), code, self.now(), self.state.settings.block_threshold, self.state.next_seq()
        )

    def set_encryption(self, password: Any, cipher: Any = "zipcrypto", account: Any = None) -> None:
        where = "encryption"
        if cipher not in CIPHERS:
            raise ControlError(f"cipher must be one of {list(CIPHERS)}, got {cipher!r}", where=f"{where}.cipher")
        if password is not None and (not isinstance(password, str) or not password):
            raise ControlError("password must be a non-empty string (or null to turn encryption off)", where=where)
        try:
            acct = self.state.account(account)
        except ValueError as exc:
            raise ControlError(str(exc), where=f"{where}.account") from None
        acct.encryption = None if password is None else Encryption(password, cipher)

    def pending_cancellations(self, server_composition: Any = None) -> list[dict[str, Any]]:
        self.state.tick(self.clock.time())
        comp = self.composition(server_composition, "pending")
        out = []
        for op in sorted(comp.pending):
            if op.kind != "cancel":
                continue
            applies = self.state.last_batch(op.requested) + timedelta(days=1).total_seconds()
            out.append(
                {
                    "email": op.email,
                    "filter_name": op.filter_name,
                    "requested": format_time(op.requested, JST),
                    "applies_at": format_time(applies, JST),
                }
            )
        return out

    def blocks_of(self, server_composition: Any = None, removed: bool = False) -> list[dict[str, str]]:
        self.catch_up()
        comp = self.composition(server_composition, "blocks")
        store = comp.removed if removed else comp.blocks
        return [block_dict(b, JST) for b in store]

    def unsubscribes_of(self, server_composition: Any = None) -> list[dict[str, str]]:
        self.catch_up()
        self.state.tick(self.clock.time())
        comp = self.composition(server_composition, "unsubscribes")
        return [unsubscribe_dict(u, JST) for u in comp.unsubscribes]

    # -- seeding -------------------------------------------------------------------------
    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """``{"accounts": [...], "compositions": [...], "users": [...], "encryption": {...},
        "settings": {...}, "blocks": [...], "unsubscribes": [...]}`` or a bare list of
        blocks; the plan returns how many items were added. Tenants, encryption and
        settings are set while checking (and undone on a refusal); the plan loads the
        blocks and unsubscribes."""
        if isinstance(data, list):
            data = {"blocks": data}
        if not isinstance(data, dict):
            raise ControlError('expected a list of blocks or {"blocks": [...], ...}', where=where)
        known = {"accounts", "compositions", "users", "encryption", "settings", "blocks", "unsubscribes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(f"unknown key(s) {unknown}; known: {sorted(known)}", where=where)
        undo = self.state.savepoint()
        try:
            count = self._seed_tenants(data, where)
            blocks = [
                self.make_block(item, f"{where}.blocks[{i}]")
                for i, item in enumerate(listed(data.get("blocks", []), f"{where}.blocks"))
            ]
            unsubscribes = [
                self.make_unsubscribe(item, f"{where}.unsubscribes[{i}]")
                for i, item in enumerate(listed(data.get("unsubscribes", []), f"{where}.unsubscribes"))
            ]
        except BaseException:
            undo()
            raise

        def apply() -> int:
            added = self.add_block_records(blocks)
            for item in unsubscribes:
                self.add_unsubscribe_record(*item)
            return count + added + len(unsubscribes)

        return SeedPlan(apply, undo)

    def _seed_tenants(self, data: dict[str, Any], where: str) -> int:
        """Accounts, compositions, users, encryption and settings of a seed, applied in
        place; returns the accounts, compositions and users added."""
        state = self.state
        count = 0
        for i, item in enumerate(listed(data.get("accounts", []), f"{where}.accounts")):
            w = f"{where}.accounts[{i}]"
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(item, dict) and set(item) - {"name"}:
                raise ControlError(f"unknown field(s) {sorted(set(item) - {'name'})}; an account has ['name']", where=w)
            _apply(lambda n=name: state.add_account(n), w)
            count += 1
        for i, item in enumerate(listed(data.get("compositions", []), f"{where}.compositions")):
            w = f"{where}.compositions[{i}]"
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict):
                raise ControlError('expected "name" or {"name": "...", "account": "..."}', where=w)
            extra = sorted(set(item) - {"name", "account"})
            if extra:
                raise ControlError(f"unknown field(s) {extra}; a composition has ['account', 'name']", where=w)
            _apply(lambda it=item: state.add_composition(it.get("name"), it.get("account")), w)
            count += 1
        for i, item in enumerate(listed(data.get("users", []), f"{where}.users")):
            w = f"{where}.users[{i}]"
            if not isinstance(item, dict):
                raise ControlError('expected {"api_user": "...", "api_key": "...", "role": "user", ...}', where=w)
            extra = sorted(set(item) - USER_FIELDS)
            if extra:
                raise ControlError(f"unknown field(s) {extra}; a user has {sorted(USER_FIELDS)}", where=w)
            fields = dict(item)
            api_user = fields.pop("api_user", None)
            _apply(lambda u=api_user, f=fields: state.add_user(u, **f), w)
            count += 1
        if "encryption" in data:
            enc = data["encryption"]
            items = enc if isinstance(enc, list) else [enc]
            for i, item in enumerate(items):
                w = f"{where}.encryption" + (f"[{i}]" if isinstance(enc, list) else "")
                if isinstance(item, str) or item is None:
                    item = {"password": item}
                if not isinstance(item, dict):
                    raise ControlError('expected {"password": "...", "cipher": "zipcrypto", "account": ...}', where=w)
                extra = sorted(set(item) - {"password", "cipher", "account"})
                if extra:
                    raise ControlError(f"unknown field(s) {extra}; known: ['account', 'cipher', 'password']", where=w)
                try:
                    self.set_encryption(item.get("password"), item.get("cipher", "zipcrypto"), item.get("account"))
                except ControlError as exc:
                    raise ControlError(exc.detail, where=w) from None
        if "settings" in data:
            w = f"{where}.settings"
            if not isinstance(data["settings"], dict):
                raise ControlError('expected an object, e.g. {"empty_list_status": 204}', where=w)
            _apply(lambda: state.configure(**data["settings"]), w)
        return count

    # -- control plane ---------------------------------------------------------------------
    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """``?server_composition=<name>&removed=true``; with any of ``email`` (a
        partial match), ``start``/``end`` (on ``created``), ``offset``/``limit``, one
        page, oldest first, as ``blocks/list`` pages it."""
        unknown = sorted(set(query) - {"server_composition", "removed", "token", *PAGE_KEYS})
        if unknown:
            known = sorted({"removed", "server_composition", *PAGE_KEYS})
            raise ControlError(f"unknown query parameter(s) {unknown}; known: {known}")
        removed = query.get("removed", "false").lower()
        if removed not in ("true", "false"):
            raise ControlError(f"removed must be true or false, got {query['removed']!r}")
        page = block_page(query)
        if page is None:
            return self.blocks_of(query.get("server_composition") or None, removed == "true")
        self.catch_up()
        comp = self.composition(query.get("server_composition") or None, "blocks")
        rows = comp.query_blocks(
            removed=removed == "true",
            start=page.start,
            end=page.end,
            email=page.email,
            offset=page.offset,
            limit=page.limit,
        )
        return [block_dict(b, JST) for b in rows]

    def control_actions(self) -> dict[str, Any]:
        return {
            "unsubscribes": self._unsubscribes_action,
            "users": self._users_action,
            "compositions": self._compositions_action,
            "batch": self._batch_action,
            "delivery-errors": self._delivery_errors_action,
            "encryption": self._encryption_action,
            "settings": self._settings_action,
            **delivery_actions(self, "server_composition"),
            "event-webhook": self._webhook_action,
        }

    def _webhook_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        """``GET``: every account's Event Webhook; ``POST {"url", "events"?, "json"?,
        "api_key"?, "enabled"?, "interval"?, "max_events"?, "timezone"?, "account"?}``:
        set one up (as ``cmc_fake.set_event_webhook``); ``DELETE`` (``{"account"?}``):
        remove one (every one without a body)."""
        from .webhooks import FIELDS, configure

        hooks = self.state.event_webhooks
        if method == "POST":
            if not isinstance(payload, dict) or "url" not in payload:
                raise ControlError('expected {"url": "https://...", "events"?: ["deliveries", ...], ...}')
            unknown = sorted(set(payload) - set(FIELDS))
            if unknown:
                raise ControlError(f"unknown field(s) {unknown}; known: {sorted(FIELDS)}")
            return configure(self.state, **payload).to_json()
        if method == "DELETE":
            if payload is None:
                removed = len(hooks)
                hooks.clear()
                return {"provider": self.key, "removed": removed}
            if not isinstance(payload, dict) or set(payload) - {"account"}:
                raise ControlError('expected no body (remove every webhook) or {"account": "..."}')
            name = _apply(lambda: self.state.account(payload.get("account")).name, "account")
            return {"provider": self.key, "removed": int(hooks.pop(name, None) is not None)}
        if method != "GET":
            raise ControlError("use GET, POST or DELETE", status=405)
        return {"provider": self.key, "event_webhooks": {name: hook.to_json() for name, hook in hooks.items()}}

    def _unsubscribes_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        comp = query.get("server_composition") or None
        if method == "POST":
            if payload is None:
                raise ControlError('expected a JSON body: a list of unsubscribes or {"email": ...}')
            items = payload if isinstance(payload, list) else [payload]
            n = self.seed({"unsubscribes": items}, "unsubscribes")
            return {"seeded": n}
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"unsubscribes": self.unsubscribes_of(comp), "pending": self.pending_cancellations(comp)}

    def _users_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            self.seed({"users": payload if isinstance(payload, list) else [payload]}, "users")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"users": [_public_user(u.to_dict()) for u in self.state.users.values()]}

    def _compositions_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            self.seed({"compositions": payload if isinstance(payload, list) else [payload]}, "compositions")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"compositions": [{"name": c.name, "account": c.account} for c in self.state.compositions.values()]}

    def _batch_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            return {"applied": self.state.run_batch()}
        if method != "GET":
            raise ControlError("use GET (pending changes) or POST (run the batch now)", status=405)
        return {
            "batch_time": self.state.settings.to_dict()["batch_time"],
            "pending": self.pending_cancellations(query.get("server_composition") or None),
        }

    def _delivery_errors_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method != "POST":
            raise ControlError("use POST", status=405)
        if not isinstance(payload, dict) or "email" not in payload:
            raise ControlError('expected {"email": "...", "status": 2, "server_composition": "..."}')
        extra = sorted(set(payload) - {"email", "status", "server_composition"})
        if extra:
            raise ControlError(f"unknown field(s) {extra}; known: ['email', 'server_composition', 'status']")
        record = self.record_delivery_error(
            payload["email"], payload.get("status", 2), payload.get("server_composition")
        )
        return {"block": None if record is None else block_dict(record, JST)}

    def _encryption_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            self.seed({"encryption": payload}, "encryption")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"encryption": {a.name: _encryption_info(a.encryption) for a in self.state.accounts.values()}}

    def _settings_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            self.seed({"settings": payload}, "settings")
        elif method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"settings": self.state.settings.to_dict()}

    def info(self) -> dict[str, Any]:
        state = self.state
        return {
            "credentials": dict(self.credentials),
            "tenants": [
                {
                    "account": a.name,
                    "encryption": _encryption_info(a.encryption),
                    "compositions": [{"name": c.name, "counts": c.counts()} for c in state.compositions_of(a.name)],
                    "users": [_public_user(u.to_dict()) for u in state.users.values() if u.account == a.name],
                }
                for a in state.accounts.values()
            ],
            "settings": state.settings.to_dict(),
        }


def _public_user(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "api_key"}


def _encryption_info(enc: Encryption | None) -> dict[str, str] | None:
    return None if enc is None else {"cipher": enc.cipher}


def _small_int(value: Any, where: str) -> int:
    """An integer, or a string of digits (the API shows these as strings)."""
    if isinstance(value, bool):
        raise ControlError("must be an integer, not a boolean", where=where)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii() and len(value.strip()) < 10:
        return int(value.strip())
    raise ControlError(f"must be an integer, got {value!r}", where=where)


def _apply(fn: Any, where: str) -> Any:
    try:
        return fn()
    except (ValueError, TypeError) as exc:
        raise ControlError(str(exc), where=where) from None
