"""NAVER Cloud Outbound Mailer's control room: seeding (blocks, unsubscribers, access
keys, projects, quotas), the verbs the handle and the control plane share (the send
path's too: the requests kept, their status, confirming a held one), the control
plane's actions and its paging of the send-block list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...control.paging import block_page
from ...core.clock import RANGE, in_range, parse_instant
from ...core.delivery import delivery_actions
from ...core.errors import ControlError
from ...core.provider import Provider, SeedPlan, listed
from . import delivery, render, status
from .models import (
    HARD_BOUNCE_CODES,
    OTHER_CUSTOMER_PROJECT,
    PROJECT_FLAGS,
    QUOTA_PERIODS,
    REGIONS,
    REQUESTERS,
    SMTP_SAMPLES,
    NcpState,
    Project,
    Unsubscriber,
    is_address,
)

__all__ = ["NcpControl"]

_BLOCK_FIELDS = {
    "email",
    "requester",
    "result_code",
    "result_message",
    "created",
    "hours",
    "project",
    "region",
    "removed_at",
    "removed_by",
}
_UNSUB_FIELDS = {"email", "by_manager", "created", "project", "region"}
_KEY_FIELDS = {"access_key", "secret_key", "project", "permitted", "forbidden"}
_PROJECT_FIELDS = {"name", "block_hours", *PROJECT_FLAGS}


class NcpControl(Provider):
    """What NCP does outside its API: seeds, the handle's verbs,
    ``/_mailblocks/ncp/...`` (mixed into :class:`~.Ncp`)."""

    state: NcpState

    def now_ms(self) -> int:
        return round(self.clock.time() * 1000)

    # -- records from Python / JSON ----------------------------------------------------
    @staticmethod
    def region(name: Any, where: str = "region") -> str:
        """``KR``/``SGN``/``JPN`` (any case) or a path version (``v1-sgn``)."""
        if isinstance(name, str):
            upper = name.strip().upper()
            if upper in REGIONS.values():
                return upper
            if name.strip().lower() in REGIONS:
                return REGIONS[name.strip().lower()]
        raise ControlError(f"unknown region {name!r}; use one of {sorted(set(REGIONS.values()))}", where=where)

    def _ms(self, value: Any, name: str, where: str) -> int:
        if value is None:
            return self.now_ms()
        if isinstance(value, bool) or not isinstance(value, (int, float, str, datetime)):
            raise ControlError(f"{name} must be unix seconds, an ISO 8601 string or a datetime", where=where)
        try:
            seconds = parse_instant(value)
        except ValueError as exc:
            raise ControlError(f"{name}: {exc}", where=where) from None
        if not in_range(seconds):  # a time no date can show would break every list
            raise ControlError(f"{name} is outside the fake clock's range, {RANGE}", where=where)
        ms = round(seconds * 1000)
        if ms > self.now_ms():
            raise ControlError(f"{name} is after the fake's now", where=where)
        return ms

    def _project(self, name: Any, where: str) -> str:
        if name is None:
            return self.state.DEFAULT_PROJECT
        if not isinstance(name, str) or name not in self.state.projects:
            raise ControlError(f"unknown project {name!r}; known: {sorted(self.state.projects)}", where=where)
        return name

    @staticmethod
    def _fields(fields: Any, allowed: set[str], where: str, shorthand: str | None = None) -> dict[str, Any]:
        if shorthand is not None and isinstance(fields, str):
            return {shorthand: fields}
        if not isinstance(fields, dict):
            raise ControlError(f"expected an object with {sorted(allowed)}", where=where)
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise ControlError(f"unknown field(s) {unknown}; known: {sorted(allowed)}", where=where)
        return dict(fields)

    @staticmethod
    def _email(fields: dict[str, Any], where: str) -> str:
        email = fields.get("email")
        if not isinstance(email, str) or not is_address(email):
            raise ControlError(f"email must be an address like user@example.com, got {email!r}", where=where)
        return email

    def _precheck(self, items: list[Any], allowed: set[str], where: str) -> None:
        """The checks that need no state, on every item before any is applied, so that
        a malformed item in a seed changes nothing (state-dependent refusals, such as an
        address already unsubscribed, still stop the seed at that item)."""
        for i, item in enumerate(items):
            f = self._fields(item, allowed, f"{where}[{i}]", shorthand="email")
            self._email(f, f"{where}[{i}]")
            if "requester" in f and f["requester"] not in REQUESTERS:
                raise ControlError(
                    f"requester must be one of {list(REQUESTERS)}, got {f['requester']!r}", where=f"{where}[{i}]"
                )

    def add_block(self, fields: Any, where: str) -> dict[str, Any]:
        """Validate and apply one block (handle, seed, control plane)."""
        f = self._fields(fields, _BLOCK_FIELDS, where, shorthand="email")
        email = self._email(f, where)
        requester = f.get("requester", "SYSTEM")
        if requester not in REQUESTERS:
            raise ControlError(f"requester must be one of {list(REQUESTERS)}, got {requester!r}", where=where)
        with self.lock:
            region = self.region(f.get("region", "KR"), where)
            project = self._project(f.get("project"), where)
            code = f.get("result_code", None if requester == "ADMIN" else "RECIPIENT_ADDRESS_ERROR")
            if code is not None and code not in HARD_BOUNCE_CODES:
                raise ControlError(f"result_code must be a hard bounce code {list(HARD_BOUNCE_CODES)}", where=where)
            message = f.get("result_message", SMTP_SAMPLES[code].format(email) if code else None)
            if message is not None and not isinstance(message, str):
                raise ControlError("result_message must be a string or null", where=where)
            hours = f.get("hours", self.state.projects[project].block_hours)
            if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 100_000:
                raise ControlError(f"hours must be a positive number, got {hours!r}", where=where)
            created = self._ms(f.get("created"), "created", where)
            owner = {"CUSTOMER": project, "OTHER_CUSTOMER": OTHER_CUSTOMER_PROJECT}.get(requester)
            removal = "removed_at" in f or "removed_by" in f
            try:
                # with a seeded removal, the block's own (past) expiry waits for it
                entry, _ = self.state.blocks[region].block(
                    email, created, hours, requester, owner, code, message, self.now_ms(), removal_follows=removal
                )
            except ValueError as exc:
                raise ControlError(str(exc), where=where) from None
            if removal:
                self.remove_block(
                    {
                        "email": email,
                        "requester": f.get("removed_by", "CUSTOMER"),
                        "project": f.get("project"),
                        "region": region,
                        "at": f.get("removed_at"),
                    },
                    where,
                )
            return self._block_dict(region, entry.address) or self._entry_dict(region, entry)

    def remove_block(self, fields: dict[str, Any], where: str) -> bool:
        f = self._fields(fields, {"email", "requester", "project", "region", "at"}, where)
        email = self._email(f, where)
        requester = f.get("requester", "CUSTOMER")
        if requester not in REQUESTERS:
            raise ControlError(f"requester must be one of {list(REQUESTERS)}, got {requester!r}", where=where)
        with self.lock:
            region = self.region(f.get("region", "KR"), where)
            project = self._project(f.get("project"), where)
            at = self._ms(f.get("at"), "at", where)
            owner = {"CUSTOMER": project, "OTHER_CUSTOMER": OTHER_CUSTOMER_PROJECT}.get(requester)
            try:
                return self.state.blocks[region].unblock(email, at, requester, owner, self.now_ms())
            except ValueError as exc:
                raise ControlError(str(exc), where=where) from None

    def _entry_dict(self, region: str, entry: Any) -> dict[str, Any]:
        return {
            "email": entry.address,
            "region": region,
            "blocked": False,
            "created": entry.at,
            "expected_delete": None,
            "requester": entry.requester,
            "project": entry.project,
            "result_code": entry.result_code,
            "result_message": entry.result_message,
            "history_sid": entry.sid,
        }

    def _block_dict(self, region: str, email: str) -> dict[str, Any] | None:
        lst = self.state.block_list(region, self.now_ms())
        block = lst.current(email)
        if block is None:
            return None
        create = next(e for e in reversed(lst.history(email)) if e.action == "C")
        return {**self._entry_dict(region, create), "blocked": True, "expected_delete": block.expires}

    def history(self, email: str, *, project: str | None, region: str, lang: str) -> list[dict[str, Any]]:
        with self.lock:
            region = self.region(region)
            viewer = self._project(project, "history")
            entries = self.state.block_list(region, self.now_ms()).history(email)
            return [render.send_block_item(e, viewer, lang) for e in entries]

    def add_unsubscriber(self, fields: Any, where: str) -> dict[str, Any]:
        with self.lock:
            return self._add_unsubscribers(self._plan_unsubscribers([(fields, where)]))[0]

    def _plan_unsubscribers(self, items: list[tuple[Any, str]]) -> list[tuple[Project, str, Unsubscriber]]:
        """Check (fields, where) items against the lists and each other, changing
        nothing: (project, region, record) to add. Call under the lock."""
        planned: list[tuple[Project, str, Unsubscriber]] = []
        seen: set[tuple[str, str, str]] = set()
        for fields, where in items:
            f = self._fields(fields, _UNSUB_FIELDS, where, shorthand="email")
            email = self._email(f, where)
            by_manager = f.get("by_manager", True)
            if not isinstance(by_manager, bool):
                raise ControlError("by_manager must be true or false", where=where)
            region = self.region(f.get("region", "KR"), where)
            project = self.state.projects[self._project(f.get("project"), where)]
            record = Unsubscriber(self._ms(f.get("created"), "created", where), email, by_manager)
            lst = project.unsubscribers.get(region)
            slot = (project.name, region, email.lower())
            if slot in seen or (lst is not None and lst.get(email) is not None):
                raise ControlError(f"{email} is on the unsubscribe list already", where=where)
            seen.add(slot)
            planned.append((project, region, record))
        return planned

    def _add_unsubscribers(self, planned: list[tuple[Project, str, Unsubscriber]]) -> list[dict[str, Any]]:
        for project, region, record in planned:
            project.unsubscriber_list(region).add(record)
        return [self._unsub_dict(project.name, region, record) for project, region, record in planned]

    @staticmethod
    def _unsub_dict(project: str, region: str, r: Unsubscriber) -> dict[str, Any]:
        return {
            "email": r.address,
            "created": r.created,
            "by_manager": r.by_manager,
            "project": project,
            "region": region,
        }

    def unsubscriber_records(self, project: str | None, region: str) -> list[dict[str, Any]]:
        with self.lock:
            region = self.region(region)
            p = self.state.projects[self._project(project, "unsubscribers")]
            return [self._unsub_dict(p.name, region, r) for r in p.unsubscriber_list(region).records()]

    def add_access_key(self, fields: Any, where: str) -> dict[str, Any]:
        f = self._fields(fields, _KEY_FIELDS, where)
        for name in ("access_key", "secret_key", "project"):
            value = f.get(name)
            if value is not None and (not isinstance(value, str) or not value or value != value.strip()):
                raise ControlError(f"{name} must be a non-empty string without surrounding spaces", where=where)
        for name in ("permitted", "forbidden"):
            if name in f and not isinstance(f[name], bool):
                raise ControlError(f"{name} must be true or false", where=where)
        with self.lock:
            try:
                key = self.state.add_key(
                    f.get("access_key"),
                    f.get("secret_key"),
                    f.get("project"),
                    permitted=f.get("permitted", True),
                    forbidden=f.get("forbidden", False),
                )
            except ValueError as exc:
                raise ControlError(str(exc), where=where) from None
            return key.to_dict()

    def configure_project(self, fields: Any, where: str) -> dict[str, Any]:
        """Create the project if needed, then set its block time and flags."""
        f = self._fields(fields, _PROJECT_FIELDS, where, shorthand="name")
        name = f.pop("name", None)
        if not isinstance(name, str) or not name.strip():
            raise ControlError("name must be a non-empty string", where=where)
        for flag in PROJECT_FLAGS:
            if flag in f and not isinstance(f[flag], bool):
                raise ControlError(f"{flag} must be true or false", where=where)
        hours = f.pop("block_hours", None)
        if hours is not None and (
            isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 100_000
        ):
            raise ControlError(f"block_hours must be a positive number, got {hours!r}", where=where)
        with self.lock:
            project = self.state.projects.get(name)
            if project is None:
                try:
                    project = self.state.add_project(name)
                except ValueError as exc:
                    raise ControlError(str(exc), where=where) from None
            if hours is not None:
                project.block_hours = hours
            project.flags.update(f)
            return project.to_dict()

    def configure_quota(self, fields: Any, where: str) -> dict[str, Any]:
        f = self._fields(fields, {"limit", "period", "access_key"}, where)
        limit = f.get("limit")
        period = f.get("period", "day")
        key = f.get("access_key") or "*"
        if not isinstance(key, str):
            raise ControlError(f"access_key must be a string, got {key!r}", where=where)
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ControlError(f"limit must be a non-negative integer or null, got {limit!r}", where=where)
        if period not in QUOTA_PERIODS:
            raise ControlError(f"period must be one of {list(QUOTA_PERIODS)}, got {period!r}", where=where)
        with self.lock:
            if key != "*" and key not in self.state.keys:
                raise ControlError(f"unknown access key {key!r}", where=where)
            if limit is None:
                self.state.quotas.pop(key, None)
            else:
                self.state.quotas[key] = (limit, period)
            self.state.quota_used.clear()
            return self._quota_view()

    def _quota_view(self) -> dict[str, Any]:
        return {
            "quotas": [
                {"access_key": None if k == "*" else k, "limit": lim, "period": per}
                for k, (lim, per) in self.state.quotas.items()
            ]
        }

    # -- seed ------------------------------------------------------------------------
    def plan_seed(self, data: Any, where: str) -> SeedPlan:
        """``{"projects": [...], "access_keys": [...], "quota": {...}, "blocks": [...],
        "unsubscribers": [...]}`` or a bare list of blocks; the plan returns blocks and
        unsubscribers added. Projects, keys, the quota and the blocks (whose rules
        depend on each address's history) go in while checking, kept by a savepoint
        that a refusal rolls back; the plan adds the unsubscribers."""
        if isinstance(data, list):
            data = {"blocks": data}
        if not isinstance(data, dict):
            raise ControlError('expected a list of blocks or {"blocks": [...], ...}', where=where)
        known = ["projects", "access_keys", "quota", "blocks", "unsubscribers"]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ControlError(f"unknown key(s) {unknown}; known: {known}", where=where)
        blocks = listed(data.get("blocks", []), f"{where}.blocks")
        unsubscribers = listed(data.get("unsubscribers", []), f"{where}.unsubscribers")
        self._precheck(blocks, _BLOCK_FIELDS, f"{where}.blocks")
        self._precheck(unsubscribers, _UNSUB_FIELDS, f"{where}.unsubscribers")
        keep, undo = self.state.savepoint()
        try:
            for i, item in enumerate(listed(data.get("projects", []), f"{where}.projects")):
                self.configure_project(item, f"{where}.projects[{i}]")
            for i, item in enumerate(listed(data.get("access_keys", []), f"{where}.access_keys")):
                self.add_access_key(item, f"{where}.access_keys[{i}]")
            if "quota" in data:
                self.configure_quota(data["quota"], f"{where}.quota")
            for i, item in enumerate(blocks):
                self.add_block(item, f"{where}.blocks[{i}]")
            planned = self._plan_unsubscribers(
                [(item, f"{where}.unsubscribers[{i}]") for i, item in enumerate(unsubscribers)]
            )
        except BaseException:
            undo()
            raise

        def apply() -> int:
            keep()
            return len(blocks) + len(self._add_unsubscribers(planned))

        return SeedPlan(apply, undo)

    # -- control plane ---------------------------------------------------------------
    def control_blocks(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """Blocks in force now, soonest expiry first (``?region=``, ``?email=``, exact);
        ``start``/``end`` (on the expiry) and ``offset``/``limit`` page the expiry index."""
        page = block_page(query)
        with self.lock:
            now = self.now_ms()
            regions = [self.region(query["region"])] if query.get("region") else list(self.state.blocks)
            email = query.get("email")
            one = len(regions) == 1 and not email
            picked: list[tuple[str, Any]] = []
            for region in regions:
                lst = self.state.block_list(region, now)
                found: list[Any]
                if email:
                    found = [lst.current(email)]
                elif page is None:
                    found = list(lst.active)
                else:
                    stop = None if page.limit is None else page.offset + page.limit
                    found = lst.active.query(
                        start=None if page.start is None else page.start * 1000,
                        end=None if page.end is None else page.end * 1000,
                        offset=page.offset if one else 0,
                        limit=page.limit if one else stop,
                        descending=False,
                    ).records
                picked += [(region, b) for b in found if b is not None]
            if page is not None and not one:
                lo, hi = (None if t is None else t * 1000 for t in (page.start, page.end))
                picked = [
                    (r, b) for r, b in picked if (lo is None or b.expires >= lo) and (hi is None or b.expires < hi)
                ]
                picked = picked[page.offset : None if page.limit is None else page.offset + page.limit]
            out = []
            for region, b in picked:
                d = self._block_dict(region, b.address)
                if d is not None:
                    out.append(d)
            return out

    def control_actions(self) -> dict[str, Any]:
        return {
            "access-keys": self._keys_action,
            "projects": self._projects_action,
            "quota": self._quota_action,
            "unsubscribers": self._unsubscribers_action,
            "history": self._history_action,
            "unblock": self._unblock_action,
            **delivery_actions(self, "project"),
            "mail-requests": self._mail_requests_action,
        }

    def _keys_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            return {"access_key": self.add_access_key(payload or {}, "access-keys")}
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"access_keys": [k.to_dict() for k in self.state.keys.values()]}

    def _projects_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            return {"project": self.configure_project(payload, "projects")}
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"projects": [p.to_dict() for p in self.state.projects.values()]}

    def _quota_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            return self.configure_quota(payload, "quota")
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        return self._quota_view()

    def _unsubscribers_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method == "POST":
            items = payload if isinstance(payload, list) else [payload]
            self._precheck(items, _UNSUB_FIELDS, "unsubscribers")
            planned = self._plan_unsubscribers([(item, f"unsubscribers[{i}]") for i, item in enumerate(items)])
            return {"added": self._add_unsubscribers(planned)}
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        return {"unsubscribers": self.unsubscriber_records(query.get("project"), query.get("region", "KR"))}

    def _history_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method != "GET":
            raise ControlError("use GET", status=405)
        email = query.get("email")
        if not email:
            raise ControlError("query parameter email is required")
        return {
            "email": email,
            "history": self.history(
                email, project=query.get("project"), region=query.get("region", "KR"), lang=query.get("lang", "en")
            ),
        }

    def _unblock_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        if method != "POST":
            raise ControlError("use POST", status=405)
        return {"removed": self.remove_block(payload, "unblock")}

    def _mail_requests_action(self, method: str, payload: Any, query: dict[str, str]) -> Any:
        """``GET``: the requests kept, each with its status as getMailRequestStatus shows
        it; ``POST {"requestId": ...}``: send a confirmAndSend request (as the console's
        confirmation does)."""
        if method == "POST":
            if not isinstance(payload, dict) or set(payload) != {"requestId"}:
                raise ControlError('expected {"requestId": "..."}')
            return {"confirmed": self.confirm(payload["requestId"])}
        if method != "GET":
            raise ControlError("use GET or POST", status=405)
        requests = self.mail_requests(query.get("project") or None)
        return {"provider": self.key, "count": len(requests), "requests": requests}

    # -- the send path's records (issue 21) --------------------------------------------
    def _mail_store(self) -> status.MailStore:
        """The requests kept, with what the clock made due applied. Call under the lock."""
        d = delivery.delivery_of(self, create=True)
        assert d is not None
        d.tick()
        return status.store_of(self)

    def mail_requests(
        self, project: str | None = None, region: str | None = None, newest: int | None = None
    ) -> list[dict[str, Any]]:
        """Every request kept (of ``project``, sent to ``region``; the ``newest`` only),
        oldest first, with its status."""
        with self.lock:
            picked = [
                r
                for r in self._mail_store().list()
                if (project is None or r.project == project) and (region is None or r.region == region)
            ]
            if newest is not None:
                picked = picked[len(picked) - newest :] if newest else []
            return [
                {"project": r.project, "region": r.region, "held": r.held, **status.request_status(r, "en")}
                for r in picked
            ]

    def request_status(self, request_id: str, lang: str = "en") -> dict[str, Any] | None:
        """getMailRequestStatus's body for ``request_id`` (any project), or None."""
        with self.lock:
            found = self._mail_store().requests.get(request_id)
            return None if found is None else status.request_status(found, lang)

    def mail_detail(self, mail_id: str, lang: str = "en") -> dict[str, Any] | None:
        """getMail's body for ``mail_id`` (any project), or None."""
        with self.lock:
            found = self._mail_store().mails.get(mail_id)
            return None if found is None else status.mail_detail(found, lang)

    def mail_ids(self, request_id: str) -> list[str]:
        """The mails a request made, in order."""
        with self.lock:
            found = status.store_of(self).requests.get(request_id)
            return [] if found is None else [m.mail_id for m in found.mails]

    def mail_store(self) -> status.MailStore:
        """The bounded store of the requests kept (``maxlen``, ``max_bytes`` settable)."""
        with self.lock:
            return status.store_of(self)

    def confirm(self, request_id: Any) -> bool:
        """Send a request made with ``confirmAndSend: true``; False if none waits."""
        with self.lock:
            found = status.store_of(self).requests.get(request_id) if isinstance(request_id, str) else None
            if found is None or not found.held:
                return False
            delivery.release(self, found, self.clock.time())
            return True

    def info(self) -> dict[str, Any]:
        with self.lock:
            now = self.now_ms()
            return {
                "credentials": dict(self.credentials),
                "tenants": [p.to_dict() for p in self.state.projects.values()],
                "access_keys": len(self.state.keys),
                "blocks": {r: len(self.state.block_list(r, now)) for r in self.state.blocks},
                **self._quota_view(),
            }
