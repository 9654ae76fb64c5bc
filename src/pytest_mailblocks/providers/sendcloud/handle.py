"""``server.sendcloud``: seed, read back and configure the SendCloud fake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ...core.delivery import DeliveryHandle
from ...core.errors import ControlError
from ...core.handle import Handle
from ...generators import Generated
from .models import ALL, COUNT_MODES

if TYPE_CHECKING:
    from . import SendCloud
    from .models import Tenant

__all__ = ["BLOCKED_REASON", "SendCloudHandle"]

#: how SendCloud reports a send to a blocked address (sendcloud.md; block_list_200_apiv2_zh)
BLOCKED_REASON = "无效邮件-在SendCloud黑名单中:自定义拦截(worker:address in block list)"

Time = int | float | str | date | datetime | None


class SendCloudHandle(DeliveryHandle, Generated, Handle):
    """The SendCloud fake. ``sc.url`` replaces ``https://api2.sendcloud.net`` (paths
    under ``/api/``) and ``https://api.sendcloud.net`` (paths under ``/apiv2/``).

    >>> sc.add_block("user@example.com", expire_time="2030-01-01")  # doctest: +SKIP

    Delivery simulation (``/api/mail/send``, issue 21): ``sc.outcome(address, kind, ...)``,
    ``sc.events(type=..., email=...)``, ``sc.sends()``, ``sc.set_webhook(url)``,
    ``sc.flush_events()`` (see ``docs/providers/sendcloud.md``).
    """

    generated_block = "sendcloud_block"

    _provider: SendCloud

    @property
    def api_user(self) -> str:
        """The default API_USER (parameter ``apiUser``)."""
        return self._provider.credentials["api_user"]

    @property
    def api_key(self) -> str:
        """The default API_KEY (parameter ``apiKey``)."""
        return self._provider.credentials["api_key"]

    def _tenant(self, api_user: str | None) -> Tenant:
        """The tenant (the default API user for None); work the running clock made due
        (a complaint an hour after delivery) is done first."""
        with self._provider.lock:
            self._provider.catch_up()
        try:
            return self._provider.state.tenant(api_user)
        except ValueError as exc:
            raise ControlError(str(exc)) from None

    # -- API users --------------------------------------------------------------------------
    def add_api_user(self, api_user: str, api_key: str | None = None) -> dict[str, str]:
        """Another apiUser/apiKey pair with its own lists (a 32-character key is made
        up when none is given)."""
        with self._provider.lock:
            try:
                t = self._provider.state.add_tenant(api_user, api_key)
            except ValueError as exc:
                raise ControlError(str(exc)) from None
        return {"api_user": t.api_user, "api_key": t.api_key}

    def api_users(self) -> list[dict[str, str]]:
        with self._provider.lock:
            return self._provider.api_users()

    # -- blocks ------------------------------------------------------------------------------
    def add_block(
        self,
        email: str | None = None,
        domain: str | None = None,
        *,
        api_user_block: str = ALL,
        expire_time: Time = None,
        create_time: Time = None,
        api_user: str | None = None,
    ) -> list[dict[str, Any]]:
        """Block an address and/or a domain, as ``block/add`` does: one row each,
        a pair already listed is kept as it is; returns the rows as listed.

        ``expire_time``: ``"yyyy-MM-dd"`` (00:00 UTC+8), a date, or any time
        :meth:`SendCloud.instant` takes; default one year after the fake's today.
        ``create_time``: default the fake's now. ``api_user`` picks the tenant."""
        fields = {
            "email": email,
            "domain": domain,
            "api_user_block": api_user_block,
            "expire_time": expire_time,
            "create_time": create_time,
        }
        with self._provider.lock:
            tenant, rows = self._provider.make_blocks(fields, "add_block", api_user)
            blocks = self._tenant(tenant).blocks
            return [blocks.add(r).wire() for r in rows]

    def add_blocks(self, records: Iterable[Mapping[str, Any]], *, api_user: str | None = None) -> int:
        """Bulk-add block records (dicts as in a seed); returns the rows added."""
        with self._provider.lock:
            grouped: dict[str | None, list[Any]] = {}
            for i, r in enumerate(records):
                tenant, rows = self._provider.make_blocks(r, f"blocks[{i}]", api_user)
                grouped.setdefault(tenant, []).extend(rows)
            return sum(self._tenant(t).blocks.add_many(rows) for t, rows in grouped.items())

    def blocks(self, *, api_user: str | None = None) -> list[dict[str, Any]]:
        """The rows that have not expired, oldest first, as ``block/list`` shows them."""
        with self._provider.lock:
            return [r.wire() for r in self._tenant(api_user).blocks.records()]

    def remove_block(
        self,
        email: str | None = None,
        domain: str | None = None,
        *,
        api_user_block: str = ALL,
        api_user: str | None = None,
    ) -> int:
        """Delete the (api_user_block, email) and/or (api_user_block, domain) rows, as
        ``block/delete`` does; returns how many were deleted."""
        with self._provider.lock:
            return self._tenant(api_user).blocks.remove(api_user_block or ALL, email=email or "", domain=domain or "")

    def block_reason(self, email: str, *, api_user: str | None = None) -> str | None:
        """What a send from ``api_user`` to ``email`` would report: the documented
        block-list reason when a row (``all`` or this apiUser) lists the address or
        its domain, else None."""
        with self._provider.lock:
            t = self._tenant(api_user)
            return BLOCKED_REASON if t.blocks.listed(t.api_user, email) else None

    # -- bounces ------------------------------------------------------------------------------
    def add_bounce(
        self, email: str, reason: str | None = None, *, bounce_time: Time = None, api_user: str | None = None
    ) -> dict[str, Any]:
        """Put ``email`` on the bounce list (replacing its row); returns the row."""
        with self._provider.lock:
            tenant, record = self._provider.make_bounce(
                {"email": email, "reason": reason, "bounce_time": bounce_time}, "add_bounce", api_user
            )
            self._tenant(tenant).bounces.put(record)
            return record.wire()

    def bounces(self, *, api_user: str | None = None) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [r.wire() for r in self._tenant(api_user).bounces.records()]

    def remove_bounce(self, email: str, *, api_user: str | None = None) -> bool:
        with self._provider.lock:
            return self._tenant(api_user).bounces.remove(email)

    def bounce_expiry(self, email: str, *, api_user: str | None = None) -> int | None:
        """When ``email``'s bounce-list row goes (unix seconds), None if it stays or is
        absent. The delivery simulation's hard bounces expire on SendCloud's schedule."""
        with self._provider.lock:
            return self._tenant(api_user).bounces.expires(email)

    # -- complaints ---------------------------------------------------------------------------
    def add_complaint(
        self,
        email: str,
        *,
        complaint_time: Time = None,
        expire_time: Time = None,
        api_user: str | None = None,
    ) -> dict[str, Any]:
        """Put ``email`` on the complaint list (a spam report), kept 180 days after
        ``complaint_time`` (default the fake's now) unless ``expire_time``; returns the row."""
        with self._provider.lock:
            fields = {"email": email, "complaint_time": complaint_time, "expire_time": expire_time}
            tenant, record = self._provider.make_complaint(fields, "add_complaint", api_user)
            self._tenant(tenant).complaints.put(record, expires=record.expire_time)
            return record.wire()

    def complaints(self, *, api_user: str | None = None) -> list[dict[str, Any]]:
        """The complaint list (rows not yet expired), oldest first."""
        with self._provider.lock:
            return [r.wire() for r in self._tenant(api_user).complaints.records()]

    def remove_complaint(self, email: str, *, api_user: str | None = None) -> bool:
        with self._provider.lock:
            return self._tenant(api_user).complaints.remove(email)

    # -- unsubscribes -------------------------------------------------------------------------
    def add_unsubscribe(
        self,
        email: str,
        *,
        label_id: int = 0,
        unsubscribe_time: Time = None,
        api_user: str | None = None,
    ) -> dict[str, Any]:
        """Put ``email`` on the unsubscribe list (replacing its row); returns the row."""
        with self._provider.lock:
            tenant, record = self._provider.make_unsubscribe(
                {"email": email, "label_id": label_id, "unsubscribe_time": unsubscribe_time},
                "add_unsubscribe",
                api_user,
            )
            self._tenant(tenant).unsubscribes.put(record)
            return record.wire()

    def unsubscribes(self, *, api_user: str | None = None) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [r.wire() for r in self._tenant(api_user).unsubscribes.records()]

    def remove_unsubscribe(self, email: str, *, api_user: str | None = None) -> bool:
        with self._provider.lock:
            return self._tenant(api_user).unsubscribes.remove(email)

    # -- list counts ---------------------------------------------------------------------------
    @property
    def count_mode(self) -> str:
        """``rows`` (default): list ``info.count`` is the rows returned; ``total``: all that matched."""
        return self._provider.state.count_mode

    def set_count_mode(self, mode: str) -> None:
        if mode not in COUNT_MODES:
            raise ValueError(f"count mode must be one of {list(COUNT_MODES)}, got {mode!r}")
        with self._provider.lock:
            self._provider.state.count_mode = mode

    # -- delivery: events and webhooks -------------------------------------------------------------
    def events(
        self, type: str | None = None, email: str | None = None, *, api_user: str | None = None
    ) -> list[dict[str, Any]]:
        """Every event, oldest first, as the webhooks post it (``request``, ``deliver``,
        ``invalid``, ``soft_bounce``, ``report_spam``, ``unsubscribe``); ``type``,
        ``email`` (case-insensitive; a ``request`` has none) and ``api_user`` select."""
        return self._tenant_events(type, email, api_user, self._tenant)

    def set_webhook(
        self,
        url: str,
        *,
        api_user: str = ALL,
        events: Iterable[str] | None = None,
        body: str = "form",
        names: str = "format",
    ) -> dict[str, Any]:
        """Add (or replace) the webhook of ``url`` for ``api_user`` (``all``: every API
        user), as ``webhook/add`` does: ``events`` names (None: every event), ``body``
        ``form`` (default) or ``json``, ``names`` ``format`` (``deliver``, ``report_spam``,
        ``invalid``: the event-format page) or ``overview`` (``delivered``,
        ``spam-report``, ``invalid_email``). Events are signed with :attr:`app_key`."""
        from . import webhooks

        with self._provider.lock:
            chosen = None if events is None else list(events)
            hook = webhooks.configure(self._provider, url, api_user=api_user, events=chosen, body=body, names=names)
            return hook.to_json()

    def webhooks(self) -> list[dict[str, Any]]:
        """The account's webhooks, oldest first."""
        with self._provider.lock:
            return [h.to_json() for h in self._provider.state.webhooks]

    @property
    def app_key(self) -> str:
        """The APP KEY that signs webhook events (``signature`` = hex HMAC-SHA256 of
        ``str(timestamp) + token`` with it): Settings > WebHook in the console."""
        return str(self._provider.state.app_key)

    def set_app_key(self, key: str) -> None:
        from . import webhooks

        with self._provider.lock:
            webhooks.set_app_key(self._provider, key)
