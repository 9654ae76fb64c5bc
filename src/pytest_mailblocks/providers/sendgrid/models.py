"""SendGrid state: accounts (the parent and its subusers), API keys with scopes,
suppression lists, and rate-limit counters.

Every list is one :class:`SuppressionList` over an
:class:`~pytest_mailblocks.core.store.OrderedStore`, keyed by the lower-cased
address (matching is case-insensitive) and ordered like the live API: ``created``
descending, ties by ``email`` descending as plain strings (recordings
``list_bounces_200_recorded``, ``list_unsubscribes_200_recorded``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from ...core.store import OrderedStore, Page

__all__ = [
    "LIST_KINDS",
    "Account",
    "ApiKey",
    "Block",
    "Bounce",
    "InvalidEmail",
    "ListKind",
    "SendGridState",
    "SpamReport",
    "SuppressionList",
    "Unsubscribe",
]


class Block(NamedTuple):
    """A block: a delivery the receiving server refused (seed 002)."""

    created: int
    email: str
    reason: str
    status: str


class Bounce(NamedTuple):
    created: int
    email: str
    reason: str
    status: str


class SpamReport(NamedTuple):
    created: int
    email: str
    ip: str


class InvalidEmail(NamedTuple):
    created: int
    email: str
    reason: str


class Unsubscribe(NamedTuple):
    """A global unsubscribe (``/v3/suppression/unsubscribes``, ``/v3/asm/suppressions/global``)."""

    created: int
    email: str


@dataclass(frozen=True, eq=False)
class ListKind:
    """One suppression list: its path segment, record type, fields and defaults.

    ``per_address`` lists have the ``/{email}`` get/delete routes and bulk delete;
    the global unsubscribes list is read here and changed through
    ``/v3/asm/suppressions/global``."""

    name: str
    record: type
    defaults: dict[str, Any]
    per_address: bool = True

    @property
    def fields(self) -> tuple[str, ...]:
        fields: tuple[str, ...] = self.record._fields  # type: ignore[attr-defined]
        return fields

    @cached_property
    def field_set(self) -> frozenset[str]:
        return frozenset(self.fields)

    @cached_property
    def extra_defaults(self) -> tuple[tuple[str, str], ...]:
        """(field, default) for every field after ``created`` and ``email``."""
        return tuple((name, self.defaults.get(name, "")) for name in self.fields[2:])

    @property
    def read_scope(self) -> str:
        return f"suppression.{self.name}.read"

    @property
    def delete_scope(self) -> str:
        return f"suppression.{self.name}.delete"


LIST_KINDS: dict[str, ListKind] = {
    kind.name: kind
    for kind in (
        ListKind("blocks", Block, {"reason": "550 5.7.1 Message rejected by the receiving server", "status": "5.7.1"}),
        ListKind(
            "bounces",
            Bounce,
            {"reason": "550 5.1.1 The email account that you tried to reach does not exist.", "status": "5.1.1"},
        ),
        ListKind("spam_reports", SpamReport, {"ip": "10.63.202.100"}),
        ListKind("invalid_emails", InvalidEmail, {"reason": "Mail domain mentioned in email address is unknown"}),
        ListKind("unsubscribes", Unsubscribe, {}, per_address=False),
    )
}


#: an RFC 3463 enhanced status code, ``class.subject.detail``: class 2, 4 or 5, subject
#: and detail 1-3 digits; standing alone (not part of an IP address or a version number)
ENHANCED_STATUS = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")


def enhanced_status(reason: str) -> str | None:
    """The first enhanced status code in an SMTP reply text (``550 5.1.1 user
    unknown`` -> ``5.1.1``), or None: the ``status`` SendGrid records beside it."""
    match = ENHANCED_STATUS.search(reason)
    return match.group(1) if match else None


def _record_dict(record: tuple, fields: tuple[str, ...]) -> dict[str, Any]:
    return dict(zip(fields, record))


def like_pattern(value: str) -> re.Pattern[str]:
    """SendGrid's ``email`` filter: a prefix match where ``%`` is a wildcard."""
    parts = [re.escape(p) for p in value.lower().split("%")]
    return re.compile(".*".join(parts))


class SuppressionList:
    """One tenant's list of one kind."""

    def __init__(self, kind: ListKind) -> None:
        self.kind = kind
        self.store: OrderedStore[Any] = OrderedStore.by_lowered(1)

    def __len__(self) -> int:
        return len(self.store)

    def add(self, record: tuple) -> None:
        self.store.put(record)

    def bulk_add(self, records: Iterable[tuple]) -> int:
        return self.store.bulk_load(records)

    def get(self, email: str) -> tuple | None:
        return self.store.get(email.lower())

    def remove(self, email: str) -> bool:
        return self.store.remove(email.lower()) is not None

    def remove_many(self, emails: Iterable[str]) -> int:
        return sum(1 for e in emails if self.store.remove(e.lower()) is not None)

    def clear(self) -> int:
        return self.store.clear()

    def query(
        self,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        email: str | None = None,
        offset: int = 0,
        limit: int = 500,
    ) -> Page[Any]:
        """Newest first; both time bounds inclusive; ``email`` a prefix with ``%``
        wildcards, case-insensitive."""
        end = None if end_time is None else end_time + 1
        prefix: str | None = None
        predicate = None
        if email:
            if "%" in email:
                pattern = like_pattern(email)
                head = email.split("%", 1)[0].lower()
                prefix = head or None
                predicate = lambda r: pattern.match(r[1].lower()) is not None  # noqa: E731
            else:
                prefix = email.lower()
        return self.store.query(
            start=start_time, end=end, prefix=prefix, predicate=predicate, offset=offset, limit=limit
        )

    def records(self) -> list[dict[str, Any]]:
        return [_record_dict(r, self.kind.fields) for r in self.store.newest_first()]


@dataclass
class Account:
    """The parent account or one of its subusers, each with its own lists."""

    username: str
    account_id: str
    parent: bool = False
    lists: dict[str, SuppressionList] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, kind in LIST_KINDS.items():
            self.lists.setdefault(name, SuppressionList(kind))


@dataclass(frozen=True)
class ApiKey:
    key: str
    name: str
    scopes: frozenset[str] | None  # None: full access
    owner: str

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_key": self.key,
            "name": self.name,
            "scopes": None if self.scopes is None else sorted(self.scopes),
            "full_access": self.scopes is None,
            "owner": self.owner,
        }


def new_key() -> str:
    """A key shaped like SendGrid's: ``SG.<22>.<43>``."""
    return f"SG.{secrets.token_urlsafe(16)[:22]}.{secrets.token_urlsafe(32)[:43]}"


class SendGridState:
    """Everything one SendGrid fake knows; replaced wholesale by ``reset()``."""

    PARENT = "mailblocks"
    RATE_LIMIT = 600  # X-RateLimit-Limit on the suppression routes (recordings)

    def __init__(self, default_key: str) -> None:
        self.parent = Account(self.PARENT, "1", parent=True)
        self.subusers: dict[str, Account] = {}
        self.keys: dict[str, ApiKey] = {}
        self.rate_limit = self.RATE_LIMIT
        self.rate_windows: dict[tuple[str, str], tuple[int, int]] = {}
        self.add_key(default_key, name="mailblocks default (full access)", scopes=None)
        #: delivery simulation (core.delivery.Delivery; see delivery.py), made on first use
        self.delivery: Any = None
        #: Event Webhooks by account username (webhooks.EventWebhooks)
        self.event_webhooks: dict[str, Any] = {}

    def close(self) -> None:
        """The state is reset: scheduled deliveries and pending webhooks go with it."""
        if self.delivery is not None:
            self.delivery.close()

    # -- accounts ------------------------------------------------------------------
    def account(self, username: str | None) -> Account:
        if username is None or username == self.PARENT:
            return self.parent
        return self.subusers[username]

    def add_subuser(self, username: str, account_id: str | None = None) -> Account:
        if username in self.subusers or username == self.PARENT:
            raise ValueError(f"subuser {username!r} already exists")
        account_id = account_id or str(1000 + len(self.subusers) + 1)
        if any(a.account_id == account_id for a in self.accounts()):
            raise ValueError(f"account id {account_id!r} is taken")
        acct = Account(username, account_id)
        self.subusers[username] = acct
        return acct

    def accounts(self) -> list[Account]:
        return [self.parent, *self.subusers.values()]

    def impersonate(self, header: str) -> Account | None:
        """The account named by an ``on-behalf-of`` value: ``<username>`` or
        ``account-id <id>``."""
        value = header.strip()
        if value.lower().startswith("account-id "):
            wanted = value[len("account-id ") :].strip()
            return next((a for a in self.subusers.values() if a.account_id == wanted), None)
        return self.subusers.get(value)

    # -- keys ----------------------------------------------------------------------
    def add_key(
        self, key: str | None, *, name: str | None = None, scopes: Iterable[str] | None, owner: str | None = None
    ) -> ApiKey:
        owner = owner or self.PARENT
        if owner != self.PARENT and owner not in self.subusers:
            raise ValueError(f"unknown subuser {owner!r}")
        key = key or new_key()
        api_key = ApiKey(
            key=key,
            name=name or f"key {len(self.keys) + 1}",
            scopes=None if scopes is None else frozenset(scopes),
            owner=owner,
        )
        self.keys[key] = api_key
        return api_key

    # -- rate limits ---------------------------------------------------------------
    def take_rate(self, key: str, route: str, now: float) -> tuple[bool, int, int]:
        """Count one call; returns (allowed, remaining, reset_unix_seconds).

        Windows are calendar minutes of the fake clock, counted per key and route,
        as the live API's ``X-RateLimit-Reset`` (the next minute boundary) shows."""
        window = int(now // 60)
        reset_at = (window + 1) * 60
        slot = (key, route)
        seen_window, used = self.rate_windows.get(slot, (window, 0))
        if seen_window != window:
            used = 0
        if used >= self.rate_limit:
            self.rate_windows[slot] = (window, used)
            return False, 0, reset_at
        used += 1
        self.rate_windows[slot] = (window, used)
        return True, self.rate_limit - used, reset_at
