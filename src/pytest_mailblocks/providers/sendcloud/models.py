"""SendCloud state: API users (each with its own lists), the block list with
expiry, and the bounce and unsubscribe lists.

Times are kept as unix seconds and shown as UTC+8 strings ``yyyy-MM-dd HH:mm:ss``
(``shared/providers/sendcloud.md``: Transport). Lists are in ascending time order,
ties by address ascending: the docs' examples list rows that way (seed 004's list
example, ``unsubscribe_do.md``'s list example). Expired blocks are dropped lazily,
whenever a block list is read or changed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from sortedcontainers import SortedList

from ...core.store import OrderedStore, Page

__all__ = [
    "ALL",
    "COMPLAINT_DAYS",
    "TZ8",
    "AddressList",
    "Block",
    "BlockList",
    "Bounce",
    "Complaint",
    "ExpiringList",
    "SendCloudState",
    "Tenant",
    "Unsubscribe",
    "add_months",
    "day_start",
    "fmt_time",
    "parse_api_date",
    "today",
    "valid_email",
]

#: SendCloud prints every time in UTC+8 (www.sendcloud.net/doc/en/email_v2: "UTC + 08:00")
TZ8 = timezone(timedelta(hours=8))
#: ``apiUserBlock`` when none is given (seed 004: "defaults to apiUser of all type")
ALL = "all"
#: days a spam report keeps an address on the complaint list (suppressions.md)
COMPLAINT_DAYS = 180
_OFFSET = 8 * 3600
_EPOCH8 = datetime(1970, 1, 1)
_EPOCH_DAY = date(1970, 1, 1)
#: unix seconds of 0001-01-01 00:00:00 and 9999-12-31 23:59:59 in UTC+8: what can be shown
MIN_SECONDS = (date(1, 1, 1) - _EPOCH_DAY).days * 86400 - _OFFSET
MAX_SECONDS = (date(9999, 12, 31) - _EPOCH_DAY).days * 86400 + 86399 - _OFFSET

_DATE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
_EMAIL = re.compile(
    r"\A[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z"
)


# -- time ----------------------------------------------------------------------------
def fmt_time(seconds: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in UTC+8, zero-padded even for years before 1000."""
    d = _wall(seconds)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}"


def _wall(seconds: float) -> datetime:
    """The UTC+8 wall-clock time of unix ``seconds`` as a naive datetime (naive
    arithmetic, so 0001-01-01 and 9999-12-31 in UTC+8 stay representable)."""
    s = min(max(int(seconds), MIN_SECONDS), MAX_SECONDS)
    return _EPOCH8 + timedelta(seconds=s + _OFFSET)


def day_start(day: date) -> int:
    """Unix seconds of 00:00:00 UTC+8 on ``day``."""
    return (day - _EPOCH_DAY).days * 86400 - _OFFSET


def today(now: float) -> date:
    """The calendar day in UTC+8 at unix ``now``."""
    return _wall(now).date()


def parse_api_date(text: str) -> date | None:
    """A strict ``yyyy-MM-dd`` (the documented format), or None."""
    m = _DATE.match(text)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year > 9999:
        return date.max
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_email(value: str) -> bool:
    """A plain ``local@domain.tld`` address (ASCII), at most 254 characters."""
    return len(value) <= 254 and _EMAIL.match(value) is not None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


# -- records --------------------------------------------------------------------------
class Block(NamedTuple):
    """One block-list row: a domain (``email`` empty) or an address (``domain`` empty)."""

    create_time: int
    email: str
    domain: str
    api_user_block: str
    expire_time: int

    def wire(self) -> dict[str, Any]:
        """The row as ``block/list`` and ``block/add`` show it (seed 004)."""
        return {
            "apiUserBlock": self.api_user_block,
            "domain": self.domain,
            "email": self.email,
            "createTime": fmt_time(self.create_time),
            "expireTime": fmt_time(self.expire_time),
        }


class Bounce(NamedTuple):
    bounce_time: int
    email: str
    reason: str

    def wire(self) -> dict[str, Any]:
        """The row as ``bounce/list`` shows it (``bounce_do.md``)."""
        return {
            "email": self.email,
            "reason": self.reason,
            "bounceTime": fmt_time(self.bounce_time),
            "domain": domain_of(self.email),
        }


class Complaint(NamedTuple):
    """One complaint-list row: a spam report, kept 180 days (``docs/Email Sending/
    suppressions.md``). SendCloud's block APIs have no complaint route: the handle and
    the control plane show it in the shape of the other lists."""

    complaint_time: int
    email: str
    expire_time: int

    def wire(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "domain": domain_of(self.email),
            "complaintTime": fmt_time(self.complaint_time),
            "expireTime": fmt_time(self.expire_time),
        }


class Unsubscribe(NamedTuple):
    unsubscribe_time: int
    email: str
    label_id: int
    api_user: str

    def wire(self) -> dict[str, Any]:
        """The row as ``unsubscribe/list`` and ``unsubscribe/add`` show it (``unsubscribe_do.md``)."""
        return {
            "email": self.email,
            "domain": domain_of(self.email),
            "labelId": self.label_id,
            "apiUser": self.api_user,
            "unsubscribeTime": fmt_time(self.unsubscribe_time),
        }


def block_key(api_user_block: str, email: str, domain: str) -> str:
    """Unique per (apiUserBlock, email) or (apiUserBlock, domain) (seed 004: duplicates);
    addresses and domains compare case-insensitively, apiUserBlock exactly."""
    if email:
        return f"{api_user_block}\x00e\x00{email.lower()}"
    return f"{api_user_block}\x00d\x00{domain.lower()}"


def _target(email: str, domain: str) -> str:
    return f"e\x00{email.lower()}" if email else f"d\x00{domain.lower()}"


def _block_record_key(r: Block) -> str:
    return block_key(r.api_user_block, r.email, r.domain)


# -- lists ----------------------------------------------------------------------------
class BlockList:
    """One API user's block list, ordered by create time, with an expiry index.

    A row whose ``expire_time`` is at or before the fake's now is gone from every
    read (seed 004: "after expireTime passes, it is gone"); removal happens lazily
    in :meth:`purge`, which every method calls first."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self.store: OrderedStore[Block] = OrderedStore(_block_record_key)
        self._expiry: SortedList = SortedList()
        #: address or domain -> keys of its rows (one per apiUserBlock), for filters
        #: without apiUserBlock
        self._targets: dict[str, set[str]] = {}

    def purge(self) -> int:
        now = self._now()
        expiry = self._expiry
        gone = 0
        while expiry and expiry[0][0] <= now:
            when, key = expiry.pop(0)
            record = self.store.get(key)
            if record is not None and record.expire_time == when:
                self._drop(key)
                gone += 1
        return gone

    def _drop(self, key: str) -> Block | None:
        record = self.store.remove(key)
        if record is not None:
            keys = self._targets.get(_target(record.email, record.domain))
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._targets[_target(record.email, record.domain)]
        return record

    def _index(self, key: str, record: Block) -> None:
        self._expiry.add((record.expire_time, key))
        self._targets.setdefault(_target(record.email, record.domain), set()).add(key)

    def __len__(self) -> int:
        self.purge()
        return len(self.store)

    def add(self, record: Block) -> Block:
        """Add unless the (apiUserBlock, email|domain) pair is listed; returns the row
        that is listed afterwards (the existing one for a duplicate)."""
        self.purge()
        key = _block_record_key(record)
        existing = self.store.get(key)
        if existing is not None:
            return existing
        self.store.put(record)
        self._index(key, record)
        return record

    def add_many(self, records: Iterable[Block]) -> int:
        """Bulk add, first row of a pair wins (as :meth:`add` one by one)."""
        self.purge()
        fresh: dict[str, Block] = {}
        for r in records:
            k = _block_record_key(r)
            if k not in fresh and self.store.get(k) is None:
                fresh[k] = r
        self.store.bulk_load(fresh.values())
        self._expiry.update((r.expire_time, k) for k, r in fresh.items())
        targets = self._targets
        for k, r in fresh.items():
            targets.setdefault(_target(r.email, r.domain), set()).add(k)
        return len(fresh)

    def remove(self, api_user_block: str, *, email: str = "", domain: str = "") -> int:
        """Delete the (apiUserBlock, domain) and/or (apiUserBlock, email) rows."""
        self.purge()
        n = 0
        if domain and self._drop(block_key(api_user_block, "", domain)) is not None:
            n += 1
        if email and self._drop(block_key(api_user_block, email, "")) is not None:
            n += 1
        return n

    def get(self, api_user_block: str, *, email: str = "", domain: str = "") -> Block | None:
        self.purge()
        return self.store.get(block_key(api_user_block, email, domain))

    def listed(self, api_user: str, email: str) -> bool:
        """Whether a send from ``api_user`` to ``email`` is blocked: a row for ``all``
        or that API user lists the address or its domain."""
        self.purge()
        if not self.store:
            return False
        get, domain = self.store.get, domain_of(email)
        return any(get(block_key(aub, email, "")) or get(block_key(aub, "", domain)) for aub in (ALL, api_user))

    def query(
        self,
        *,
        start: int | None,
        end: int | None,
        api_user_block: str = "",
        domain: str = "",
        email: str = "",
        offset: int = 0,
        limit: int = 100,
        with_total: bool = False,
    ) -> Page[Block]:
        """Rows created in ``start <= t < end``, oldest first. ``apiUserBlock`` is an
        exact match; ``domainName`` and ``email`` select the domain rows and the
        address rows that equal them (both given: either)."""
        self.purge()
        d, e = domain.lower(), email.lower()
        if not api_user_block and (d or e):
            return self._query_targets(d, e, start, end, offset, limit, with_total)
        prefix: str | None = None
        if api_user_block:
            prefix = f"{api_user_block}\x00"
            if bool(d) != bool(e):
                prefix = block_key(api_user_block, e, d)
        predicate = None
        if d or e or api_user_block:
            aub = api_user_block

            def predicate(r: Block) -> bool:
                if aub and r.api_user_block != aub:
                    return False
                if not (d or e):
                    return True
                return bool((d and not r.email and r.domain.lower() == d) or (e and r.email.lower() == e))

        return self.store.query(
            start=start,
            end=end,
            prefix=prefix,
            predicate=predicate,
            offset=offset,
            limit=limit,
            descending=False,
            with_total=with_total,
        )

    def _query_targets(
        self, d: str, e: str, start: int | None, end: int | None, offset: int, limit: int, with_total: bool
    ) -> Page[Block]:
        """The rows of one address and/or one domain across every apiUserBlock,
        from the target index (a handful of rows, whatever the list's size)."""
        keys: set[str] = set()
        if d:
            keys |= self._targets.get(_target("", d), set())
        if e:
            keys |= self._targets.get(_target(e, ""), set())
        rows = [r for r in map(self.store.get, keys) if r is not None]
        rows = [r for r in rows if (start is None or r[0] >= start) and (end is None or r[0] < end)]
        rows.sort()
        return Page(rows[offset : offset + limit], len(rows) if with_total else None)

    def records(self) -> list[Block]:
        self.purge()
        return list(self.store)


class AddressList:
    """A list keyed by address (bounces, unsubscribes), oldest first."""

    def __init__(self) -> None:
        self.store: OrderedStore[Any] = OrderedStore.by_lowered(1)

    def __len__(self) -> int:
        return len(self.store)

    def get(self, email: str) -> Any:
        return self.store.get(email.lower())

    def put(self, record: Any) -> None:
        self.store.put(record)

    def add_many(self, records: Iterable[Any]) -> int:
        return self.store.bulk_load(records)

    def remove(self, email: str) -> bool:
        return self.store.remove(email.lower()) is not None

    def remove_window(self, start: int | None, end: int | None) -> int:
        """Delete every row whose time is in ``start <= t < end``."""
        doomed = self.store.query(start=start, end=end, descending=False)
        for r in doomed:
            self.store.remove(r[1].lower())
        return len(doomed)

    def count(self, start: int | None, end: int | None) -> int:
        lo, hi = self.store.window(start, end)
        return hi - lo

    def query(
        self,
        *,
        start: int | None,
        end: int | None,
        predicate: Callable[[Any], bool] | None = None,
        offset: int = 0,
        limit: int = 100,
        with_total: bool = False,
    ) -> Page[Any]:
        return self.store.query(
            start=start,
            end=end,
            predicate=predicate,
            offset=offset,
            limit=limit,
            descending=False,
            with_total=with_total,
        )

    def records(self) -> list[Any]:
        return list(self.store)


class ExpiringList(AddressList):
    """An :class:`AddressList` whose rows may carry an expiry (unix seconds): a row
    is gone from every read once the fake's now reaches it, removed lazily as the
    block list's rows are. Rows put without one stay until deleted (a seeded bounce).
    The delivery simulation gives its bounces the backoff schedule and complaints 180
    days (``docs/providers/sendcloud.md``)."""

    def __init__(self, now: Callable[[], float]) -> None:
        super().__init__()
        self._now = now
        self._expiry: SortedList = SortedList()
        self._expires: dict[str, int] = {}

    def purge(self) -> int:
        now = self._now()
        expiry, expires = self._expiry, self._expires
        gone = 0
        while expiry and expiry[0][0] <= now:
            when, key = expiry.pop(0)
            if expires.get(key) == when:
                del expires[key]
                self.store.remove(key)
                gone += 1
        return gone

    def expires(self, email: str) -> int | None:
        """When ``email``'s row goes (None: it stays)."""
        self.purge()
        return self._expires.get(email.lower())

    def _forget(self, key: str) -> None:
        when = self._expires.pop(key, None)
        if when is not None:
            self._expiry.discard((when, key))

    def __len__(self) -> int:
        self.purge()
        return len(self.store)

    def get(self, email: str) -> Any:
        self.purge()
        return self.store.get(email.lower())

    def put(self, record: Any, expires: int | None = None) -> None:
        """Add or replace the row of ``record.email``, to go at ``expires``."""
        self.purge()
        key = record[1].lower()
        self._forget(key)
        self.store.put(record)
        if expires is not None:
            self._expires[key] = expires
            self._expiry.add((expires, key))

    def add_many(self, records: Iterable[Any]) -> int:
        self.purge()
        rows = list(records)
        for r in rows:
            self._forget(r[1].lower())
        return self.store.bulk_load(rows)

    def remove(self, email: str) -> bool:
        self.purge()
        self._forget(email.lower())
        return self.store.remove(email.lower()) is not None

    def remove_window(self, start: int | None, end: int | None) -> int:
        self.purge()
        doomed = self.store.query(start=start, end=end, descending=False)
        for r in doomed:
            self._forget(r[1].lower())
            self.store.remove(r[1].lower())
        return len(doomed)

    def count(self, start: int | None, end: int | None) -> int:
        self.purge()
        return super().count(start, end)

    def query(self, **kwargs: Any) -> Page[Any]:
        self.purge()
        return super().query(**kwargs)

    def records(self) -> list[Any]:
        self.purge()
        return list(self.store)


# -- tenants --------------------------------------------------------------------------
@dataclass
class Tenant:
    """One apiUser/apiKey pair with its own lists. ``bounce_counts``: the hard bounces
    the delivery simulation saw per address (lower-cased), the ``n`` of the bounce
    list's backoff schedule."""

    api_user: str
    api_key: str
    blocks: BlockList
    bounces: ExpiringList
    complaints: ExpiringList
    unsubscribes: AddressList = field(default_factory=AddressList)
    bounce_counts: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "blocks": len(self.blocks),
            "bounces": len(self.bounces),
            "complaints": len(self.complaints),
            "unsubscribes": len(self.unsubscribes),
        }


COUNT_MODES = ("rows", "total")


def new_api_key() -> str:
    """A 32-character alphanumeric key, shaped like SendCloud's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(32))


class SendCloudState:
    """Everything one SendCloud fake knows; replaced wholesale by ``reset()``."""

    def __init__(self, default_user: str, default_key: str, now: Callable[[], float]) -> None:
        self._now = now
        self.tenants: dict[str, Tenant] = {}
        self.default_user = default_user
        #: ``info.count`` of the list calls: ``rows`` returned (default) or ``total`` matched
        self.count_mode = "rows"
        self.add_tenant(default_user, default_key)
        #: delivery simulation (core.delivery.Delivery; see delivery.py), made on first use
        self.delivery: Any = None
        #: the account's webhooks (webhooks.Webhook), oldest first, and the APP KEY that signs
        self.webhooks: list[Any] = []
        self.app_key = new_api_key()
        #: sendRequestId -> time first seen (a duplicate within an hour is refused)
        self.request_ids: dict[str, float] = {}
        #: emailId -> the status row ``/apiv2/data/emailStatus`` shows, oldest first (bounded)
        self.statuses: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """The state is reset: scheduled deliveries and pending webhooks go with it."""
        if self.delivery is not None:
            self.delivery.close()

    def add_tenant(self, api_user: str, api_key: str | None = None) -> Tenant:
        if not isinstance(api_user, str) or not api_user.strip():
            raise ValueError("api_user must be a non-empty string")
        if api_key is not None and (not isinstance(api_key, str) or not api_key.strip()):
            raise ValueError("api_key must be a non-empty string")
        if api_user in self.tenants:
            raise ValueError(f"api_user {api_user!r} already exists")
        now = self._now
        tenant = Tenant(api_user, api_key or new_api_key(), BlockList(now), ExpiringList(now), ExpiringList(now))
        self.tenants[api_user] = tenant
        return tenant

    def tenant(self, api_user: str | None) -> Tenant:
        """The tenant named ``api_user`` (None: the default one)."""
        name = self.default_user if api_user is None else api_user
        tenant = self.tenants.get(name)
        if tenant is None:
            raise ValueError(f"unknown api_user {name!r}; known: {sorted(self.tenants)}")
        return tenant

    def authenticate(self, api_user: str, api_key: str) -> Tenant | None:
        tenant = self.tenants.get(api_user)
        if tenant is None or not secrets.compare_digest(tenant.api_key.encode(), api_key.encode()):
            return None
        return tenant
