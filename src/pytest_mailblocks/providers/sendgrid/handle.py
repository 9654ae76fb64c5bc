"""``server.sendgrid``: seed, read back and configure the SendGrid fake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.handle import Handle
from .models import LIST_KINDS

if TYPE_CHECKING:
    from . import SendGrid

__all__ = ["SendGridHandle"]


class SendGridHandle(Handle):
    """The SendGrid fake. ``sg.url`` replaces ``https://api.sendgrid.com``.

    >>> sg.add_block("user@example.com", reason="550 5.1.1 user unknown")  # doctest: +SKIP
    """

    _provider: SendGrid

    @property
    def api_key(self) -> str:
        """The default full-access key (``Authorization: Bearer <api_key>``)."""
        return self._provider.credentials["api_key"]

    @property
    def username(self) -> str:
        return self._provider.state.parent.username

    # -- blocks --------------------------------------------------------------------
    def add_block(
        self,
        email: str,
        reason: str | None = None,
        status: str | None = None,
        created: int | float | str | datetime | None = None,
        *,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        """Put ``email`` on the block list (replacing an entry for the same
        address, case-insensitively) and return the record as the API shows it.

        :param created: unix seconds, a datetime or ISO string; default: the fake's now.
        :param subuser: the subuser whose list to change (default: the parent's).
        """
        return self._add("blocks", subuser, email=email, reason=reason, status=status, created=created)

    def add_blocks(self, records: Iterable[Mapping[str, Any]], *, subuser: str | None = None) -> int:
        """Bulk-add many blocks (dicts with ``email`` and optional ``reason``,
        ``status``, ``created``) in one O(n log n) load."""
        return self._bulk("blocks", records, subuser)

    def blocks(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        """The block list, newest first, as the API would list it."""
        return self._records("blocks", subuser)

    def block(self, email: str, *, subuser: str | None = None) -> dict[str, Any] | None:
        return self._one("blocks", email, subuser)

    def remove_block(self, email: str, *, subuser: str | None = None) -> bool:
        with self._provider.lock:
            return self._provider.state.account(subuser).lists["blocks"].remove(email)

    # -- keys, subusers, limits ------------------------------------------------------
    def add_api_key(
        self,
        scopes: Iterable[str] | None = None,
        *,
        name: str | None = None,
        key: str | None = None,
        subuser: str | None = None,
    ) -> str:
        """Create an API key and return it. ``scopes=None`` is full access;
        e.g. ``["suppression.blocks.read"]`` may list but not delete."""
        if isinstance(scopes, str):
            raise TypeError("scopes must be a list of scope names, not a string")
        with self._provider.lock:
            return self._provider.state.add_key(key, name=name, scopes=scopes, owner=subuser).key

    def revoke_api_key(self, key: str) -> bool:
        with self._provider.lock:
            return self._provider.state.keys.pop(key, None) is not None

    def api_keys(self) -> list[dict[str, Any]]:
        with self._provider.lock:
            return [k.to_dict() for k in self._provider.state.keys.values()]

    def add_subuser(self, username: str, account_id: str | None = None) -> dict[str, str]:
        """A subuser with its own lists, reachable with ``On-Behalf-Of: <username>``
        (or ``account-id <id>``) from a parent key."""
        with self._provider.lock:
            acct = self._provider.state.add_subuser(username, account_id)
        return {"username": acct.username, "account_id": acct.account_id}

    def subusers(self) -> list[dict[str, str]]:
        with self._provider.lock:
            return [
                {"username": a.username, "account_id": a.account_id}
                for a in self._provider.state.subusers.values()
            ]

    @property
    def rate_limit(self) -> int:
        return self._provider.state.rate_limit

    def set_rate_limit(self, limit: int) -> None:
        """Requests per minute per key and route (the live value is 600)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError("rate limit must be a positive integer")
        with self._provider.lock:
            self._provider.state.rate_limit = limit

    # -- shared by every list ------------------------------------------------------------
    def _add(self, kind: str, subuser: str | None, **fields: Any) -> dict[str, Any]:
        record = self._provider.make_record(kind, fields, "add")
        with self._provider.lock:
            self._provider.state.account(subuser).lists[kind].add(record)
        return dict(zip(LIST_KINDS[kind].fields, record))

    def _bulk(self, kind: str, records: Iterable[Mapping[str, Any]], subuser: str | None) -> int:
        made = [self._provider.make_record(kind, dict(r), f"records[{i}]") for i, r in enumerate(records)]
        with self._provider.lock:
            return self._provider.state.account(subuser).lists[kind].bulk_add(made)

    def _records(self, kind: str, subuser: str | None) -> list[dict[str, Any]]:
        with self._provider.lock:
            return self._provider.state.account(subuser).lists[kind].records()

    def _one(self, kind: str, email: str, subuser: str | None) -> dict[str, Any] | None:
        with self._provider.lock:
            r = self._provider.state.account(subuser).lists[kind].get(email)
        return None if r is None else dict(zip(LIST_KINDS[kind].fields, r))

