"""``server.sendgrid``: seed, read back and configure the SendGrid fake."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ...core.delivery import DeliveryHandle
from ...core.errors import ControlError
from ...core.handle import Handle
from ...core.store import gc_paused
from ...generators import Generated
from .models import LIST_KINDS

if TYPE_CHECKING:
    from . import SendGrid

__all__ = ["SendGridHandle"]


class SendGridHandle(DeliveryHandle, Generated, Handle):
    """The SendGrid fake. ``sg.url`` replaces ``https://api.sendgrid.com``.

    >>> sg.add_block("user@example.com", reason="550 5.1.1 user unknown")  # doctest: +SKIP

    Delivery simulation (``POST /v3/mail/send``, issue 21): ``sg.outcome(address, kind,
    ...)``, ``sg.events(type=..., email=...)``, ``sg.sends()``, ``sg.set_event_webhook(url,
    signed=True)``, ``sg.flush_events()`` (see ``docs/providers/sendgrid.md``).
    """

    generated_block = "sendgrid_block"

    _provider: SendGrid

    @property
    def api_key(self) -> str:
        """The default full-access key (``Authorization: Bearer <api_key>``)."""
        return self._provider.credentials["api_key"]

    @property
    def username(self) -> str:
        return self._provider.state.parent.username

    def seed(
        self,
        data: Any,
        *,
        list_name: str = "blocks",
        faker: Any = None,
        seed: int | None = None,
        subuser: str | None = None,
    ) -> int:
        """Seed from JSON-like data (the control plane's shape), or, given an
        integer ``n``, fill ``list_name`` with ``n`` realistic generated records
        (``faker``: a Faker instance, e.g. the pytest ``faker`` fixture; else one
        seeded with ``seed``). Created times fall in the 90 days before the fake's now."""
        if isinstance(data, bool) or not isinstance(data, int):
            return super().seed(data)
        records = self.generated(data, faker=faker, seed=seed, method=f"sendgrid_{list_name[:-1]}")
        return self.add_many(list_name, records, subuser=subuser)

    # -- any list -----------------------------------------------------------------------
    def add(self, list_name: str, email: str, *, subuser: str | None = None, **fields: Any) -> dict[str, Any]:
        """Add a record to ``list_name`` (``blocks``, ``bounces``, ``spam_reports``,
        ``invalid_emails``, ``unsubscribes``), replacing one for the same address
        (case-insensitively); returns the record as the API shows it. ``created``
        takes unix seconds, a datetime or an ISO string (default: the fake's now)."""
        return self._add(list_name, subuser, email=email, **fields)

    def add_many(
        self, list_name: str, records: Iterable[Mapping[str, Any] | str], *, subuser: str | None = None
    ) -> int:
        """Bulk-add records (dicts with ``email`` and the list's fields, or bare addresses) in one
        O(n log n) load."""
        return self._bulk(list_name, records, subuser)

    def records(self, list_name: str, *, subuser: str | None = None) -> list[dict[str, Any]]:
        """A list's records, newest first, as the API lists them."""
        return self._records(list_name, subuser)

    def record(self, list_name: str, email: str, *, subuser: str | None = None) -> dict[str, Any] | None:
        return self._one(list_name, email, subuser)

    def remove(self, list_name: str, email: str, *, subuser: str | None = None) -> bool:
        with self._provider.lock:
            return self._lists(subuser)[self._kind(list_name)].remove(email)

    # -- blocks -------------------------------------------------------------------------
    def add_block(
        self,
        email: str,
        reason: str | None = None,
        status: str | None = None,
        created: int | float | str | datetime | None = None,
        *,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        """Put ``email`` on the block list; see :meth:`add`."""
        return self._add("blocks", subuser, email=email, reason=reason, status=status, created=created)

    def add_blocks(self, records: Iterable[Mapping[str, Any] | str], *, subuser: str | None = None) -> int:
        return self._bulk("blocks", records, subuser)

    def blocks(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        return self._records("blocks", subuser)

    def block(self, email: str, *, subuser: str | None = None) -> dict[str, Any] | None:
        return self._one("blocks", email, subuser)

    def remove_block(self, email: str, *, subuser: str | None = None) -> bool:
        return self.remove("blocks", email, subuser=subuser)

    # -- the sibling lists ------------------------------------------------------------------
    def add_bounce(
        self,
        email: str,
        reason: str | None = None,
        status: str | None = None,
        created: int | float | str | datetime | None = None,
        *,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        return self._add("bounces", subuser, email=email, reason=reason, status=status, created=created)

    def bounces(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        return self._records("bounces", subuser)

    def add_spam_report(
        self,
        email: str,
        ip: str | None = None,
        created: int | float | str | datetime | None = None,
        *,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        return self._add("spam_reports", subuser, email=email, ip=ip, created=created)

    def spam_reports(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        return self._records("spam_reports", subuser)

    def add_invalid_email(
        self,
        email: str,
        reason: str | None = None,
        created: int | float | str | datetime | None = None,
        *,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        return self._add("invalid_emails", subuser, email=email, reason=reason, created=created)

    def invalid_emails(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        return self._records("invalid_emails", subuser)

    def add_unsubscribe(
        self, email: str, created: int | float | str | datetime | None = None, *, subuser: str | None = None
    ) -> dict[str, Any]:
        """A global unsubscribe (``/v3/suppression/unsubscribes``, ``/v3/asm/suppressions/global``)."""
        return self._add("unsubscribes", subuser, email=email, created=created)

    def unsubscribes(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        return self._records("unsubscribes", subuser)

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
                {"username": a.username, "account_id": a.account_id} for a in self._provider.state.subusers.values()
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

    # -- delivery: events and the Event Webhook ------------------------------------------------
    def events(
        self, type: str | None = None, email: str | None = None, *, subuser: str | None = None
    ) -> list[dict[str, Any]]:
        """Every event, oldest first, as the Event Webhook posts it; ``type``
        (``processed``, ``delivered``, ``dropped``, ``bounce``, ...), ``email``
        (case-insensitive) and ``subuser`` (an account's username) select."""
        return self._tenant_events(type, email, subuser, self._account)

    def set_event_webhook(
        self,
        url: str,
        *,
        enabled: bool = True,
        signed: bool = False,
        events: Iterable[str] | None = None,
        subuser: str | None = None,
    ) -> dict[str, Any]:
        """Point the account's Event Webhook (its oldest) at ``url``, as ``PATCH
        /v3/user/webhooks/event/settings`` does: ``events`` to post (None: every event),
        ``signed`` for the Signed Event Webhook (the answer's ``public_key`` verifies it)."""
        from . import webhooks

        with self._provider.lock:
            account = self._account(subuser)
            chosen = None if events is None else list(events)
            return webhooks.configure(
                self._provider, account, url, enabled=enabled, signed=signed, events=chosen
            ).to_json()

    def event_webhooks(self, *, subuser: str | None = None) -> list[dict[str, Any]]:
        """The account's Event Webhooks, oldest first (``public_key`` when signed)."""
        with self._provider.lock:
            found = self._provider.state.event_webhooks.get(self._account(subuser).username)
            return [] if found is None else [h.to_json() for h in found.hooks]

    def _account(self, subuser: str | None) -> Any:
        try:
            return self._provider.state.account(subuser)
        except (KeyError, TypeError):
            raise ControlError(f"unknown subuser {subuser!r} (add it under subusers first)") from None

    # -- shared by every list ------------------------------------------------------------
    @staticmethod
    def _kind(name: str) -> str:
        if name not in LIST_KINDS:
            raise ValueError(f"unknown list {name!r}; known: {sorted(LIST_KINDS)}")
        return name

    def _lists(self, subuser: str | None) -> Any:
        """The lists of ``subuser`` (None: the parent); an unknown one is a ControlError.
        Work the running clock made due (a deferral turning into a block) is done first."""
        self._provider.catch_up()
        return self._account(subuser).lists

    def _add(self, kind: str, subuser: str | None, **fields: Any) -> dict[str, Any]:
        kind = self._kind(kind)
        fields = {k: v for k, v in fields.items() if v is not None}
        record = self._provider.make_record(kind, fields, kind)
        with self._provider.lock:
            self._lists(subuser)[kind].add(record)
        return dict(zip(LIST_KINDS[kind].fields, record))

    def _bulk(self, kind: str, records: Iterable[Mapping[str, Any] | str], subuser: str | None) -> int:
        """Records as field mappings, or bare addresses (as in a seed file)."""
        kind = self._kind(kind)
        with gc_paused():  # a million records: see gc_paused
            made = self._provider.make_records(kind, records, kind)
            with self._provider.lock:
                return self._lists(subuser)[kind].bulk_add(made)

    def _records(self, kind: str, subuser: str | None) -> list[dict[str, Any]]:
        kind = self._kind(kind)
        with self._provider.lock:
            return self._lists(subuser)[kind].records()

    def _one(self, kind: str, email: str, subuser: str | None) -> dict[str, Any] | None:
        kind = self._kind(kind)
        with self._provider.lock:
            r = self._lists(subuser)[kind].get(email)
        return None if r is None else dict(zip(LIST_KINDS[kind].fields, r))
