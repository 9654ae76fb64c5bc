"""Customers Mail Cloud state: accounts, API users, server compositions and their
block and unsubscribe lists, pending unsubscribe changes and the daily batch.

Shape (``shared/providers/cmc.md``: Roles, Data): an *account* (API group) owns
*server compositions* and *API users*; each user has a role (API group administrator
or API user), two permissions (data reference, download) and a time zone; each
composition holds its own lists:

- ``blocks``: addresses whose delivery is stopped, an :class:`OrderedStore` of
  :class:`Block` keyed by the lower-cased address, oldest first;
- ``removed``: addresses taken off the list by ``blocks/delete``: sendable for good,
  never blocked again, listed by ``removed=true`` (seed 000: Delete);
- ``error_counts``: delivery errors of addresses that are not blocked (a cancelled
  address is blocked again when errors recur: seed 000: Cancel);
- ``unsubscribes``: :class:`Unsubscribe` records keyed by address and filter name;
- ``pending``: unsubscribe changes accepted but not yet applied: the daily batch
  applies them (seed 003: "reflection in the unsubscribe list is performed in a batch
  process on a daily basis"), lazily, when the clock has crossed the batch time.

Times are unix seconds; ``created`` is shown in the API user's time zone (JST by
default: cmc.md, Data).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, NamedTuple

from ...core.store import OrderedStore, Page

__all__ = [
    "BLOCK_STATUSES",
    "CIPHERS",
    "JST",
    "Account",
    "Block",
    "CmcState",
    "Composition",
    "Encryption",
    "PendingOp",
    "Settings",
    "Unsubscribe",
    "User",
    "block_dict",
    "format_time",
    "local_day_start",
    "parse_time_zone",
    "unsubscribe_dict",
]

#: the provider's default time zone (cmc.md: "JST (UTC+9) as the default")
JST = timezone(timedelta(hours=9), "JST")

#: block ``status`` values (cmc.md: Block status codes, from the provider's error-status page)
BLOCK_STATUSES: dict[int, str] = {
    1: "Unknown host",
    2: "Unknown user",
    3: "Retransmission timeout",
    4: "Rejection",
    5: "Overcapacity",
    6: "Forward error",
    7: "Receiving server error",
    8: "Oversized",
    9: "Address format error",
    10: "Blocked address",
    11: "Unsubscribed",
    99: "Others",
}

#: ZIP ciphers for data encryption (cmc.md: cipher unknown, an option)
CIPHERS = ("zipcrypto", "aes")
ROLES = ("admin", "user")


class Block(NamedTuple):
    """A blocked (or, in ``removed``, a deleted) address (seed 000: List)."""

    created: int  # when delivery was stopped, unix seconds
    seq: int  # arrival order: ties on ``created`` list in the order added
    id: str
    email: str
    status: int
    occurred: int  # number of transmission errors


class Unsubscribe(NamedTuple):
    """One unsubscribe of an address through one filter (seed 003: File format)."""

    created: int  # when the recipient unsubscribed, unix seconds
    seq: int
    email: str
    filter_name: str


class PendingOp(NamedTuple):
    """An unsubscribe change waiting for the daily batch."""

    requested: float
    seq: int
    kind: str  # "cancel" (unsubscribes/cancel) or "unsubscribe" (a recipient's click)
    email: str
    filter_name: str | None


@dataclass
class Encryption:
    """The account's data encryption setting: downloads are password-protected ZIPs."""

    password: str
    cipher: str = "zipcrypto"


@dataclass
class Account:
    """An API group: owns compositions and users; holds the data encryption setting."""

    name: str
    encryption: Encryption | None = None


@dataclass
class User:
    """An API user (``api_user`` / ``api_key``) of an account."""

    api_user: str
    api_key: str
    account: str
    role: str = "user"  # "admin" (API group administrator) or "user" (API user)
    reference: bool = True  # data reference permission (blocks/list)
    download: bool = True  # download permission (blocks/download, unsubscribes/download)
    time_zone: str = "+09:00"
    tz: tzinfo = JST

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_user": self.api_user,
            "api_key": self.api_key,
            "account": self.account,
            "role": self.role,
            "reference": self.reference,
            "download": self.download,
            "time_zone": self.time_zone,
        }


@dataclass
class Settings:
    """Behaviours the documents leave open, as options (cmc.md)."""

    #: status of an empty blocks/list: 200 with ``{"blocks": []}`` or 204 with no body
    empty_list_status: int = 200
    #: line end of the downloaded CSV (LF, or CRLF)
    csv_line_end: str = "\n"
    #: the daily batch's time of day, JST
    batch_time: tuple[int, int] = (3, 0)
    #: delivery errors that block an address that is not blocked
    block_threshold: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "empty_list_status": self.empty_list_status,
            "csv_line_end": self.csv_line_end,
            "batch_time": f"{self.batch_time[0]:02d}:{self.batch_time[1]:02d}",
            "block_threshold": self.block_threshold,
        }


# -- time ---------------------------------------------------------------------------------
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_time_zone(value: str) -> tzinfo:
    """``"+09:00"``, ``"-0530"``, ``"UTC"``, ``"JST"`` or an IANA name (``"Asia/Tokyo"``)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("time_zone must be a string such as '+09:00', 'UTC' or 'Asia/Tokyo'")
    text = value.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return timezone.utc
    if text.upper() == "JST":
        return JST
    m = _OFFSET.fullmatch(text)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3))
        if hours > 14 or minutes > 59:
            raise ValueError(f"time_zone offset {value!r} is out of range")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if m.group(1) == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(text)
    except Exception:
        raise ValueError(f"unknown time_zone {value!r}; use an offset like '+09:00', 'UTC' or an IANA name") from None


def format_time(seconds: float, tz: tzinfo) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in ``tz`` (seed 000: created)."""
    return datetime.fromtimestamp(seconds, tz).strftime("%Y-%m-%d %H:%M:%S")


def local_day_start(day: date, tz: tzinfo) -> int:
    """Unix seconds of 00:00 on ``day`` in ``tz``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


def block_dict(r: Block, tz: tzinfo) -> dict[str, str]:
    """A block as the API shows it: every value a string, keys in the documented
    JSON order (seed 000: created, email, id, occurred, status)."""
    return {
        "created": format_time(r.created, tz),
        "email": r.email,
        "id": r.id,
        "occurred": str(r.occurred),
        "status": str(r.status),
    }


def unsubscribe_dict(r: Unsubscribe, tz: tzinfo) -> dict[str, str]:
    """An unsubscribe as the CSV shows it (seed 003: created, email, filtername)."""
    return {"created": format_time(r.created, tz), "email": r.email, "filtername": r.filter_name}


def _email_key(r: Block) -> str:
    return r.email.lower()


def _unsubscribe_key(r: Unsubscribe) -> str:
    return f"{r.email.lower()}\n{r.filter_name}"


def _id_prefix() -> str:
    """Nine lower-case characters, like ``cp0ihzuyl`` in ``cp0ihzuyl3445`` (seed 000)."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(8))


# -- a composition's lists ------------------------------------------------------------------
class Composition:
    """One server composition (server configuration) and its lists."""

    def __init__(self, name: str, account: str) -> None:
        self.name = name
        self.account = account
        self.blocks: OrderedStore[Block] = OrderedStore(_email_key, prefix_index=False)
        self.removed: OrderedStore[Block] = OrderedStore(_email_key, prefix_index=False)
        self.error_counts: dict[str, int] = {}
        self.unsubscribes: OrderedStore[Unsubscribe] = OrderedStore(_unsubscribe_key, prefix_index=False)
        self.unsubscribe_filters: dict[str, set[str]] = {}
        self.pending: list[PendingOp] = []
        self._id_prefix = ""  # drawn on first use: resets stay cheap
        self._id_next = 3000

    def new_id(self) -> str:
        if not self._id_prefix:
            self._id_prefix = _id_prefix()
        self._id_next += 1
        return f"{self._id_prefix}{self._id_next}"

    # -- blocks ----------------------------------------------------------------------
    def put_block(self, record: Block) -> None:
        """Block an address (replacing its block); it is no longer 'removed'."""
        key = record.email.lower()
        self.removed.remove(key)
        self.error_counts.pop(key, None)
        self.blocks.put(record)

    def put_removed(self, record: Block) -> None:
        """Seed an address as deleted (``removed=true``)."""
        key = record.email.lower()
        self.blocks.remove(key)
        self.error_counts.pop(key, None)
        self.removed.put(record)

    def block(self, email: str) -> Block | None:
        return self.blocks.get(email.lower())

    def removed_block(self, email: str) -> Block | None:
        return self.removed.get(email.lower())

    def delete(self, email: str) -> Block | None:
        """blocks/delete: off the list and sendable for good (seed 000: Delete)."""
        record = self.blocks.remove(email.lower())
        if record is not None:
            self.removed.put(record)
        return record

    def cancel(self, email: str) -> Block | None:
        """blocks/cancel: off the list; errors count again from zero (seed 000: Cancel)."""
        key = email.lower()
        record = self.blocks.remove(key)
        if record is not None:
            self.error_counts.pop(key, None)
        return record

    def record_error(self, email: str, status: int, now: int, threshold: int, seq: int) -> Block | None:
        """One delivery error to ``email``. A deleted address only counts it; a blocked
        one counts it too; any other address is blocked once ``threshold`` errors
        have occurred since it was last unblocked. Returns the address's block record
        (from ``removed`` for a deleted one), or None while it is not blocked."""
        key = email.lower()
        removed = self.removed.get(key)
        if removed is not None:
            updated = removed._replace(occurred=removed.occurred + 1)
            self.removed.put(updated)
            return updated
        blocked = self.blocks.get(key)
        if blocked is not None:
            updated = blocked._replace(occurred=blocked.occurred + 1)
            self.blocks.put(updated)
            return updated
        count = self.error_counts.get(key, 0) + 1
        if count < threshold:
            self.error_counts[key] = count
            return None
        self.error_counts.pop(key, None)
        record = Block(now, seq, self.new_id(), email, status, count)
        self.blocks.put(record)
        return record

    def query_blocks(
        self,
        *,
        removed: bool = False,
        start: int | None = None,
        end: int | None = None,
        email: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Page[Block]:
        """Oldest first; ``start <= created < end``; ``email`` a case-insensitive
        partial match (seed 000: List)."""
        store = self.removed if removed else self.blocks
        return store.query(
            start=start,
            end=end,
            predicate=_contains(email),
            offset=offset,
            limit=limit,
            descending=False,
        )

    # -- unsubscribes ----------------------------------------------------------------------
    def put_unsubscribe(self, record: Unsubscribe) -> None:
        self.unsubscribes.put(record)
        self.unsubscribe_filters.setdefault(record.email.lower(), set()).add(record.filter_name)

    def is_unsubscribed(self, email: str, filter_name: str | None = None) -> bool:
        """Listed at all, or through ``filter_name`` (exact match: seed 003)."""
        filters = self.unsubscribe_filters.get(email.lower())
        if not filters:
            return False
        return filter_name is None or filter_name in filters

    def remove_unsubscribes(self, email: str, filter_name: str | None = None) -> int:
        key = email.lower()
        filters = self.unsubscribe_filters.get(key)
        if not filters:
            return 0
        doomed = [f for f in filters if filter_name is None or f == filter_name]
        for f in doomed:
            self.unsubscribes.remove(f"{key}\n{f}")
            filters.discard(f)
        if not filters:
            del self.unsubscribe_filters[key]
        return len(doomed)

    def query_unsubscribes(
        self,
        *,
        start: int | None = None,
        end: int | None = None,
        email: str | None = None,
        filter_name: str | None = None,
    ) -> Page[Unsubscribe]:
        """Oldest first; email a partial match, filter_name exact (seed 003)."""
        contains = _contains(email)
        predicate: Callable[[Any], bool] | None = contains
        if filter_name is not None:

            def predicate(r: Any) -> bool:
                return r.filter_name == filter_name and (contains is None or contains(r))

        return self.unsubscribes.query(start=start, end=end, predicate=predicate, descending=False)

    # -- the daily batch ---------------------------------------------------------------------
    def apply_pending(self, before: float | None) -> int:
        """Apply the changes requested before ``before`` (None: all), in request order."""
        if not self.pending:
            return 0
        due = [op for op in self.pending if before is None or op.requested < before]
        if not due:
            return 0
        self.pending = [op for op in self.pending if not (before is None or op.requested < before)]
        for op in sorted(due):
            if op.kind == "cancel":
                self.remove_unsubscribes(op.email, op.filter_name)
            else:
                self.put_unsubscribe(Unsubscribe(int(op.requested), op.seq, op.email, op.filter_name or ""))
        return len(due)

    def counts(self) -> dict[str, int]:
        return {
            "blocks": len(self.blocks),
            "removed": len(self.removed),
            "unsubscribes": len(self.unsubscribes),
            "pending": len(self.pending),
        }


def _contains(needle: str | None) -> Callable[[Any], bool] | None:
    if not needle:
        return None
    low = needle.lower()
    return lambda r: low in r.email.lower()


# -- everything ---------------------------------------------------------------------------------
class CmcState:
    """Everything one CMC fake knows; replaced wholesale by ``reset()``."""

    DEFAULT_ACCOUNT = "mailblocks"

    def __init__(self, credentials: dict[str, str]) -> None:
        self.settings = Settings()
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, User] = {}
        self.compositions: dict[str, Composition] = {}
        self._seq = 0
        self.default_user = credentials["api_user"]
        self.default_composition = credentials["server_composition"]
        self.add_account(self.DEFAULT_ACCOUNT)
        self.add_composition(self.default_composition)
        self.add_user(credentials["api_user"], credentials["api_key"], role="admin")
        #: delivery simulation (core.delivery.Delivery; see delivery.py), made on first use
        self.delivery: Any = None
        #: the Event Webhook of each account (webhooks.EventWebhook), set through the control plane
        self.event_webhooks: dict[str, Any] = {}

    def close(self) -> None:
        """The state is reset: scheduled deliveries and pending webhook posts go with it."""
        if self.delivery is not None:
            self.delivery.close()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def savepoint(self) -> Callable[[], None]:
        """What a seed changes in place while it is checked (tenants, settings,
        encryption, id and sequence counters; never the lists): the function returned
        puts it back. Costs O(tenants), whatever the lists hold."""
        settings = replace(self.settings)
        accounts = [(a, a.encryption) for a in self.accounts.values()]
        users = dict(self.users)
        compositions = [(c, c._id_prefix, c._id_next) for c in self.compositions.values()]
        seq = self._seq

        def restore() -> None:
            self.settings, self.users, self._seq = settings, users, seq
            for account, encryption in accounts:
                account.encryption = encryption
            self.accounts = {a.name: a for a, _ in accounts}
            for comp, prefix, following in compositions:
                comp._id_prefix, comp._id_next = prefix, following
            self.compositions = {c.name: c for c, _, _ in compositions}

        return restore

    # -- tenants ------------------------------------------------------------------------
    def add_account(self, name: str) -> Account:
        if not isinstance(name, str) or not name:
            raise ValueError("an account name must be a non-empty string")
        if name in self.accounts:
            raise ValueError(f"account {name!r} already exists")
        account = self.accounts[name] = Account(name)
        return account

    def account(self, name: str | None) -> Account:
        name = self.DEFAULT_ACCOUNT if name is None else name
        try:
            return self.accounts[name]
        except (KeyError, TypeError):  # TypeError: a list or an object, not a name
            raise ValueError(f"unknown account {name!r}; known: {sorted(self.accounts)}") from None

    def add_composition(self, name: str, account: str | None = None) -> Composition:
        """Composition names are unique across the fake, so a name picks one tenant."""
        if not isinstance(name, str) or not name:
            raise ValueError("a server composition name must be a non-empty string")
        owner = self.account(account)
        if name in self.compositions:
            raise ValueError(f"server composition {name!r} already exists")
        comp = self.compositions[name] = Composition(name, owner.name)
        return comp

    def composition(self, name: str | None = None) -> Composition:
        name = self.default_composition if name is None else name
        try:
            return self.compositions[name]
        except KeyError:
            raise ValueError(f"unknown server composition {name!r}; known: {sorted(self.compositions)}") from None

    def add_user(
        self,
        api_user: str,
        api_key: str | None = None,
        *,
        account: str | None = None,
        role: str = "user",
        reference: bool = True,
        download: bool = True,
        time_zone: str = "+09:00",
    ) -> User:
        if not isinstance(api_user, str) or not api_user:
            raise ValueError("api_user must be a non-empty string")
        if api_user in self.users:
            raise ValueError(f"api_user {api_user!r} already exists")
        if api_key is None:
            api_key = secrets.token_hex(16)
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be a non-empty string")
        if role not in ROLES:
            raise ValueError(f"role must be 'admin' (API group administrator) or 'user' (API user), got {role!r}")
        for name, flag in (("reference", reference), ("download", download)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name} must be true or false")
        tz = parse_time_zone(time_zone)
        owner = self.account(account)
        user = self.users[api_user] = User(
            api_user, api_key, owner.name, role, reference, download, time_zone.strip(), tz
        )
        return user

    def compositions_of(self, account: str) -> list[Composition]:
        return [c for c in self.compositions.values() if c.account == account]

    # -- settings ------------------------------------------------------------------------
    def configure(self, **options: Any) -> Settings:
        """Change settings; ValueError names a bad option."""
        s = self.settings
        unknown = sorted(set(options) - set(s.to_dict()))
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: {sorted(s.to_dict())}")
        if "empty_list_status" in options:
            v = options["empty_list_status"]
            if v not in (200, 204) or isinstance(v, bool):
                raise ValueError("empty_list_status must be 200 or 204")
            s.empty_list_status = v
        if "csv_line_end" in options:
            v = options["csv_line_end"]
            if v not in ("\n", "\r\n"):
                raise ValueError("csv_line_end must be '\\n' (LF) or '\\r\\n' (CRLF)")
            s.csv_line_end = v
        if "batch_time" in options:
            s.batch_time = parse_batch_time(options["batch_time"])
        if "block_threshold" in options:
            v = options["block_threshold"]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError("block_threshold must be a positive integer")
            s.block_threshold = v
        return s

    # -- the daily batch ---------------------------------------------------------------------
    def last_batch(self, now: float) -> float:
        """The latest batch instant at or before ``now`` (the batch time, JST)."""
        local = datetime.fromtimestamp(now, JST)
        hour, minute = self.settings.batch_time
        run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if run > local:
            run -= timedelta(days=1)
        return run.timestamp()

    def tick(self, now: float) -> int:
        """Apply every change requested before the latest batch (lazy: called on reads)."""
        waiting = [c for c in self.compositions.values() if c.pending]
        if not waiting:
            return 0
        before = self.last_batch(now)
        return sum(c.apply_pending(before) for c in waiting)

    def run_batch(self) -> int:
        return sum(c.apply_pending(None) for c in self.compositions.values())

    def all_compositions(self) -> Iterable[Composition]:
        return self.compositions.values()


def parse_batch_time(value: Any) -> tuple[int, int]:
    """``"03:00"`` or ``(3, 0)``."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not m:
            raise ValueError(f"batch_time must be 'HH:MM' (JST), got {value!r}")
        hour, minute = int(m.group(1)), int(m.group(2))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(type(v) is int for v in value):
        hour, minute = value
    else:
        raise ValueError(f"batch_time must be 'HH:MM' (JST), got {value!r}")
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"batch_time {value!r} is not a time of day")
    return hour, minute
