"""NAVER Cloud Outbound Mailer state: access keys, projects, the send-block list
and the unsubscribe lists, per region.

- The **send-block list** is one list for the whole service, not one per project
  (guide.ncloud-docs.com ``cloudoutboundmailer-use-sendblock``: "送信ブロックリストは
  プロジェクト単位ではなく、サービス全体で共通して管理されます"): a hard bounce from any
  project blocks the address for every project, and removing it unblocks it for all.
  So an address has one history (:class:`HistoryEntry` rows) and at most one
  :class:`ActiveBlock`; ``CUSTOMER`` / ``OTHER_CUSTOMER`` are relative to the project
  that asks (seed 001 shows a Create by ``OTHER_CUSTOMER`` carrying a bounce code).
- A block lasts the causing project's block time (168 h by default; a change applies to
  later blocks only). When the fake clock passes ``expectedDeleteDate`` a ``SYSTEM``
  Delete entry is recorded at that instant (applied lazily, on the next read).
- **Unsubscribers** are per project (and region).

Times are epoch milliseconds (the API's ``utc``), from the fake clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from ...core.store import OrderedStore

__all__ = [
    "DEFAULT_BLOCK_HOURS",
    "HARD_BOUNCE_CODES",
    "KST",
    "PROJECT_FLAGS",
    "QUOTA_PERIODS",
    "REGIONS",
    "REQUESTERS",
    "SMTP_SAMPLES",
    "AccessKey",
    "ActiveBlock",
    "BlockList",
    "HistoryEntry",
    "NcpState",
    "Project",
    "Unsubscriber",
    "UnsubscriberList",
    "is_address",
    "signature",
]

#: formatted NesDateTime values are UTC+9 (``common-apidatatype-nesdatetime``)
KST = timezone(timedelta(hours=9))
#: send blocks last 7 days by default (``cloudoutboundmailer-use-sendblock``)
DEFAULT_BLOCK_HOURS = 168
#: path version segment -> region (``/api/v1``, ``/api/v1-sgn``, ``/api/v1-jpn``)
REGIONS: dict[str, str] = {"v1": "KR", "v1-sgn": "SGN", "v1-jpn": "JPN"}
#: ``actionRequesterType`` codes (docs ``nesrequestertype``)
REQUESTERS = ("CUSTOMER", "OTHER_CUSTOMER", "SYSTEM", "ADMIN")
#: result codes that are hard bounces and so block the address (``cloudoutboundmailer-use-sendblock``)
HARD_BOUNCE_CODES = (
    "MAILBOX_ERROR",
    "MAIL_CONTENTS_ERROR",
    "NETWORK_ERROR",
    "RECEIVE_MAIL_SERVICE_ERROR",
    "RECIPIENT_ADDRESS_ERROR",
    "SECURITY_AND_POLICY_ERROR",
    "SMTP_ERROR",
)
#: sample SMTP replies per hard-bounce code, ``{0}`` the address (the seed 001 one for
#: RECIPIENT_ADDRESS_ERROR): seeded blocks and the send path's default replies
SMTP_SAMPLES = {
    "MAILBOX_ERROR": "552 5.2.2 <{0}>: Mailbox full\n",
    "MAIL_CONTENTS_ERROR": "554 5.6.0 <{0}>: Message content rejected\n",
    "NETWORK_ERROR": "421 4.4.2 <{0}>: Connection dropped\n",
    "RECEIVE_MAIL_SERVICE_ERROR": "550 5.4.1 <{0}>: Recipient address rejected: Access denied\n",
    "RECIPIENT_ADDRESS_ERROR": "550 5.1.1 <{0}>: Recipient address rejected: User unknown in local recipient table\n",
    "SECURITY_AND_POLICY_ERROR": "550 5.7.1 <{0}>: Message rejected due to security policy\n",
    "SMTP_ERROR": "554 5.0.0 <{0}>: SMTP protocol error\n",
}
#: a stand-in project for blocks caused by a customer outside this fake
OTHER_CUSTOMER_PROJECT = "(another customer)"

#: account flags a project can carry, each making every mailer call fail with one
#: documented code: name -> (healthy value, 77xxx code)
PROJECT_FLAGS: dict[str, tuple[bool, str]] = {
    "login_error": (False, "77101"),
    "subscribed": (True, "77202"),
    "permission_denied": (False, "77201"),
    "default_project": (True, "77301"),
    "resource_missing": (False, "77103"),
    "external_system_error": (False, "77302"),
    "internal_error": (False, "77303"),
}
QUOTA_PERIODS = ("minute", "hour", "day", "month")

_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def is_address(value: str) -> bool:
    """An ASCII ``local@domain.tld`` of at most 254 characters (the check the fake
    applies to ``targetAddress``, ``emailAddress`` and ``blockedReceivers``)."""
    return len(value) <= 254 and _ADDRESS.fullmatch(value) is not None


def signature(secret_key: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    """``base64(HMAC-SHA256(secret, "METHOD URI\\ntimestamp\\naccessKey"))`` (ncp.md: Authentication)."""
    message = f"{method} {uri}\n{timestamp}\n{access_key}"
    digest = hmac.new(secret_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _iso_ms(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC (``2026-12-13T14:40:09.103Z``), for messages."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- records -------------------------------------------------------------------------------
class HistoryEntry(NamedTuple):
    """One row of an address's send-block history (``SendBlockHistoryResponse``)."""

    at: int  # epoch ms (requestDate)
    sid: int  # historySid
    address: str  # targetAddress as recorded
    action: str  # "C" | "D"
    requester: str  # one of REQUESTERS (CUSTOMER/OTHER_CUSTOMER resolved per viewer)
    project: str | None  # the project whose send or action caused it (customer rows)
    result_code: str | None
    result_message: str | None


class ActiveBlock(NamedTuple):
    """An address blocked now; ordered by its expiry so expiry pops the oldest."""

    expires: int  # epoch ms (expectedDeleteDate)
    key: str  # lower-cased address
    created: int
    address: str


class Unsubscriber(NamedTuple):
    """An address on a project's unsubscribe list (``UnsubscribersListResponse``)."""

    created: int  # epoch ms (blockDate)
    address: str
    by_manager: bool  # isRegByManager


def requester_for(entry: HistoryEntry, viewer: str | None) -> str:
    """``CUSTOMER`` when the viewing project caused a customer row, else ``OTHER_CUSTOMER``."""
    if entry.requester in ("CUSTOMER", "OTHER_CUSTOMER"):
        return "CUSTOMER" if viewer is not None and entry.project == viewer else "OTHER_CUSTOMER"
    return entry.requester


# -- the send-block list ---------------------------------------------------------------------
class BlockList:
    """The service-wide send-block list of one region."""

    def __init__(self) -> None:
        self.histories: dict[str, list[HistoryEntry]] = {}
        self.active: OrderedStore[ActiveBlock] = OrderedStore(lambda r: r.key, prefix_index=False)
        self._sid = 0
        #: changes since :meth:`begin` (None: not kept), for :meth:`rollback`
        self._undo: list[tuple[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.active)

    # -- all or nothing --------------------------------------------------------------
    def begin(self) -> None:
        """Keep every change from now on, so that :meth:`rollback` can take it back
        (a seed refused after some of its blocks went in). Costs O(changes)."""
        self._undo = [("sid", self._sid)]

    def commit(self) -> None:
        self._undo = None

    def rollback(self) -> None:
        log, self._undo = self._undo, None
        if log is None:
            return
        for op, value in reversed(log):
            if op == "append":
                rows = self.histories[value]
                rows.pop()
                if not rows:
                    del self.histories[value]
            elif op == "put":
                self.active.remove(value)
            elif op == "drop":  # a block taken off the list (expired or removed)
                self.active.put(value)
            else:  # "sid": the counter when the log began
                self._sid = value

    def _log(self, op: str, value: Any) -> None:
        if self._undo is not None:
            self._undo.append((op, value))

    # -- changes -----------------------------------------------------------------------
    def expire(self, now_ms: int) -> int:
        """Record a SYSTEM Delete for every block whose expiry is at or before now."""
        done = self.active.pop_before(now_ms + 1)
        for block in done:
            self._log("drop", block)
            self._append(block.key, block.expires, block.address, "D", "SYSTEM", None, None, None)
        return len(done)

    def _append(
        self,
        key: str,
        at: int,
        address: str,
        action: str,
        requester: str,
        project: str | None,
        code: str | None,
        message: str | None,
    ) -> HistoryEntry:
        self._sid += 1
        entry = HistoryEntry(at, self._sid, address, action, requester, project, code, message)
        self.histories.setdefault(key, []).append(entry)
        self._log("append", key)
        return entry

    def last_time(self, key: str) -> int | None:
        rows = self.histories.get(key)
        return rows[-1].at if rows else None

    def block(
        self,
        address: str,
        at: int,
        hours: float,
        requester: str,
        project: str | None,
        code: str | None,
        message: str | None,
        now_ms: int,
        *,
        removal_follows: bool = False,
    ) -> tuple[HistoryEntry, ActiveBlock]:
        """Add a Create entry and the active block; ``ValueError`` if the address is
        blocked already or ``at`` is before its latest history entry. With
        ``removal_follows`` (a seeded removal, recorded by ``unblock`` next) the new
        block is left in force even if its expiry has passed: the removal may come first."""
        self.expire(now_ms)
        key = address.lower()
        current = self.active.get(key)
        if current is not None:
            raise ValueError(f"{address} is blocked already (until {_iso_ms(current.expires)}); remove it first")
        last = self.last_time(key)
        if last is not None and at < last:
            raise ValueError(f"{address}: created is before the address's latest history entry")
        entry = self._append(key, at, address, "C", requester, project, code, message)
        block = ActiveBlock(at + round(hours * 3_600_000), key, at, address)
        self.active.put(block)
        self._log("put", key)
        if not removal_follows:
            self.expire(now_ms)
        return entry, block

    def unblock(self, address: str, at: int, requester: str, project: str | None, now_ms: int) -> bool:
        """Add a Delete entry at ``at`` for a blocked address; False if it is not
        blocked at that instant (a block that expired by then has its SYSTEM Delete).
        The other blocks' passed expiries are recorded first (the clock reached them
        before this call); this address's own only up to ``at``: a removal dated
        before an expiry that has since passed still wins over it."""
        key = address.lower()
        current = self.active.get(key)
        if current is not None and at < current.expires <= now_ms:
            self.active.remove(key)
            self.expire(now_ms)
            self.active.put(current)
        else:
            self.expire(now_ms)
        current = self.active.get(key)
        if current is None:
            return False
        if at < current.created:
            raise ValueError(f"{address}: the removal time is before the block was created")
        self.active.remove(key)
        self._log("drop", current)
        self._append(key, at, current.address, "D", requester, project, None, None)
        return True

    def history(self, address: str) -> list[HistoryEntry]:
        return list(self.histories.get(address.lower(), ()))

    def forget(self, address: str) -> None:
        """Drop an address's history and block, as if it had never been blocked (the
        contract verifier, before it arranges a recorded history)."""
        key = address.lower()
        self.histories.pop(key, None)
        self.active.remove(key)

    def current(self, address: str) -> ActiveBlock | None:
        return self.active.get(address.lower())


# -- unsubscribers ------------------------------------------------------------------------
class UnsubscriberList:
    """One project's unsubscribe list in one region."""

    def __init__(self) -> None:
        self.store: OrderedStore[Unsubscriber] = OrderedStore(lambda r: r.address.lower(), prefix_index=False)

    def __len__(self) -> int:
        return len(self.store)

    def add(self, record: Unsubscriber) -> bool:
        """Add unless listed already (a listed address keeps its first record)."""
        if record.address.lower() in self.store:
            return False
        self.store.put(record)
        return True

    def remove(self, address: str) -> bool:
        return self.store.remove(address.lower()) is not None

    def get(self, address: str) -> Unsubscriber | None:
        return self.store.get(address.lower())

    def query(
        self,
        *,
        start: int,
        end: int,
        email: str | None,
        by_manager: bool | None,
        orders: list[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> tuple[list[Unsubscriber], int]:
        """Records with ``start <= blockDate <= end`` (ms, both inclusive), filtered,
        sorted by ``orders`` (``(property, descending)``), one page and the total."""
        if end < start:
            return [], 0

        def keep(r: Unsubscriber) -> bool:
            return by_manager is None or r.by_manager == by_manager

        if email is not None:
            r = self.store.get(email.lower())
            rows = [r] if r is not None and start <= r.created <= end and keep(r) else []
            return rows[offset : offset + limit], len(rows)
        if all(prop == "createUtc" for prop, _ in orders):
            descending = orders[0][1] if orders else False
            page = self.store.query(
                start=start,
                end=end + 1,
                predicate=None if by_manager is None else keep,
                offset=offset,
                limit=limit,
                descending=descending,
                with_total=True,
            )
            return page.records, page.total or 0
        rows = self.store.query(
            start=start, end=end + 1, predicate=None if by_manager is None else keep, descending=False
        ).records
        for prop, desc in reversed(orders):
            rows.sort(key=(lambda r: r.by_manager) if prop == "isRegByManager" else (lambda r: r.created), reverse=desc)
        return rows[offset : offset + limit], len(rows)

    def records(self) -> list[Unsubscriber]:
        return list(self.store)


# -- accounts -----------------------------------------------------------------------------
@dataclass
class Project:
    """A customer's mail project: its flags, block time and unsubscribe lists."""

    name: str
    block_hours: float = DEFAULT_BLOCK_HOURS
    flags: dict[str, bool] = field(default_factory=lambda: {k: v[0] for k, v in PROJECT_FLAGS.items()})
    unsubscribers: dict[str, UnsubscriberList] = field(default_factory=dict)

    def unsubscriber_list(self, region: str) -> UnsubscriberList:
        lst = self.unsubscribers.get(region)
        if lst is None:
            lst = self.unsubscribers[region] = UnsubscriberList()
        return lst

    def failing_codes(self) -> list[str]:
        """The 77xxx codes the project's flags produce, in the order they are checked."""
        return [code for name, (healthy, code) in PROJECT_FLAGS.items() if self.flags[name] != healthy]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "block_hours": self.block_hours,
            **self.flags,
            "unsubscribers": {r: len(lst) for r, lst in self.unsubscribers.items()},
        }


@dataclass
class AccessKey:
    """An IAM access key: its secret, its project and gateway-side flags."""

    access_key: str
    secret_key: str
    project: str
    permitted: bool = True  # False: gateway 401 errorCode 210
    forbidden: bool = False  # True: gateway 403 errorCode 230

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "project": self.project,
            "permitted": self.permitted,
            "forbidden": self.forbidden,
        }


_KEY_CHARS = string.ascii_letters + string.digits


def new_access_key() -> str:
    """20 characters, like an NCP access key ID."""
    return "".join(secrets.choice(_KEY_CHARS) for _ in range(20))


def new_secret_key() -> str:
    """40 characters, like an NCP secret key."""
    return "".join(secrets.choice(_KEY_CHARS) for _ in range(40))


def quota_window(now_ms: int, period: str) -> tuple[int, ...]:
    """The calendar window (in KST) a call at ``now_ms`` counts against."""
    t = datetime.fromtimestamp(now_ms // 1000, KST)
    if period == "minute":
        return (t.year, t.month, t.day, t.hour, t.minute)
    if period == "hour":
        return (t.year, t.month, t.day, t.hour)
    if period == "day":
        return (t.year, t.month, t.day)
    return (t.year, t.month)


class NcpState:
    """Everything one NCP fake knows; replaced wholesale by ``reset()``."""

    DEFAULT_PROJECT = "default"

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.projects: dict[str, Project] = {}
        self.keys: dict[str, AccessKey] = {}
        self.blocks: dict[str, BlockList] = {region: BlockList() for region in REGIONS.values()}
        #: access key (or "*" for every key) -> (limit, period)
        self.quotas: dict[str, tuple[int, str]] = {}
        self.quota_used: dict[str, tuple[tuple[int, ...], int]] = {}
        #: accept a signature over ``path?`` for a request sent without a query (and the reverse)
        self.lenient_empty_query = True
        #: delivery simulation (issue 21; core.delivery.Delivery, see delivery.py) and the
        #: mails sent (status.MailStore), both made on first use
        self.delivery: Any = None
        self.mail_store: Any = None
        self.add_project(self.DEFAULT_PROJECT)
        self.add_key(access_key, secret_key, self.DEFAULT_PROJECT)

    def close(self) -> None:
        """The state is reset: scheduled deliveries go with it."""
        if self.delivery is not None:
            self.delivery.close()

    # -- projects and keys ---------------------------------------------------------
    def add_project(self, name: str) -> Project:
        if name in self.projects:
            raise ValueError(f"project {name!r} exists already")
        if name == OTHER_CUSTOMER_PROJECT:
            raise ValueError(f"{name!r} is reserved")
        project = self.projects[name] = Project(name)
        return project

    def project(self, name: str | None) -> Project:
        name = name or self.DEFAULT_PROJECT
        try:
            return self.projects[name]
        except KeyError:
            raise ValueError(f"unknown project {name!r}; known: {sorted(self.projects)}") from None

    def add_key(
        self,
        access_key: str | None,
        secret_key: str | None,
        project: str | None,
        *,
        permitted: bool = True,
        forbidden: bool = False,
    ) -> AccessKey:
        access_key = access_key or new_access_key()
        secret_key = secret_key or new_secret_key()
        if access_key in self.keys:
            raise ValueError(f"access key {access_key!r} exists already")
        if project is None:
            project = f"project-{len(self.projects) + 1}"
            while project in self.projects:
                project += "x"
        if project not in self.projects:
            self.add_project(project)
        key = self.keys[access_key] = AccessKey(access_key, secret_key, project, permitted, forbidden)
        return key

    def savepoint(self) -> tuple[Callable[[], None], Callable[[], None]]:
        """Start keeping what a seed changes in place while it is checked: projects,
        keys, quotas (O(projects)) and the send-block lists (O(changes)). Returns
        (keep, restore): keep the changes, or put everything back."""
        projects = [(p, p.block_hours, dict(p.flags), dict(p.unsubscribers)) for p in self.projects.values()]
        keys, quotas, used = dict(self.keys), dict(self.quotas), dict(self.quota_used)
        for lst in self.blocks.values():
            lst.begin()

        def keep() -> None:
            for lst in self.blocks.values():
                lst.commit()

        def restore() -> None:
            for lst in self.blocks.values():
                lst.rollback()
            for project, hours, flags, lists in projects:
                project.block_hours, project.flags, project.unsubscribers = hours, flags, lists
            self.projects = {p.name: p for p, *_ in projects}
            self.keys, self.quotas, self.quota_used = keys, quotas, used

        return keep, restore

    # -- quota -----------------------------------------------------------------------
    def take_quota(self, access_key: str, now_ms: int) -> bool:
        """Count one call against the key's quota; False once it is used up."""
        rule = self.quotas.get(access_key) or self.quotas.get("*")
        if rule is None:
            return True
        limit, period = rule
        window = quota_window(now_ms, period)
        seen, used = self.quota_used.get(access_key, (window, 0))
        if seen != window:
            used = 0
        if used >= limit:
            self.quota_used[access_key] = (window, used)
            return False
        self.quota_used[access_key] = (window, used + 1)
        return True

    # -- blocks --------------------------------------------------------------------
    def block_list(self, region: str, now_ms: int) -> BlockList:
        """The region's list with expiries applied up to ``now_ms``."""
        lst = self.blocks[region]
        lst.expire(now_ms)
        return lst

    def expire_all(self, now_ms: int) -> None:
        for lst in self.blocks.values():
            lst.expire(now_ms)

    def unsubscriber_lists(self) -> Iterable[tuple[str, str, UnsubscriberList]]:
        for p in self.projects.values():
            for region, lst in p.unsubscribers.items():
                yield p.name, region, lst
