"""``server.sendcloud``: seed, read back and configure the SendCloud fake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ...core.errors import ControlError
from ...core.handle import Handle
from ...generators import Generated
from .models import ALL, COUNT_MODES, domain_of

if TYPE_CHECKING:
    from . import SendCloud
    from .models import Tenant

__all__ = ["BLOCKED_REASON", "SendCloudHandle"]

#: how SendCloud reports a send to a blocked address (sendcloud.md; block_list_200_apiv2_zh)
BLOCKED_REASON = "无效邮件-在SendCloud黑名单中:自定义拦截(worker:address in block list)"

Time = int | float | str | date | datetime | None


class SendCloudHandle(Generated, Handle):
    """The SendCloud fake. ``sc.url`` replaces ``https://api2.sendcloud.net`` (paths
    under ``/api/``) and ``https://api.sendcloud.net`` (paths under ``/apiv2/``).

    >>> sc.add_block("user@example.com", expire_time="2030-01-01")  # doctest: +SKIP
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
            for aub in (ALL, t.api_user):
                if t.blocks.get(aub, email=email) or t.blocks.get(aub, domain=domain_of(email)):
                    return BLOCKED_REASON
        return None

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
