"""A state machine drives the SendCloud fake over HTTP (``/api`` and ``/apiv2``;
GET with a query string, POST with a urlencoded or multipart body or a query
string; three apiUser/apiKey tenants) and compares every answer with a simple
model of the block list as seed 004, ``shared/providers/sendcloud.md`` and
``docs/providers/sendcloud.md`` describe it.

Model, per apiUser/apiKey tenant: ``(apiUserBlock, "e"|"d", lower(address|domain))``
-> the row as first added. Documented rules it encodes (none taken from the fake's code):

- add: ``expireTime`` required; ``apiUserBlock`` empty (or blank) is ``all``; values
  are trimmed; a listed (apiUserBlock, email) or (apiUserBlock, domain) pair is not
  added again and is shown as listed; email + domainName make two rows, address
  first; addresses and domains compare case-insensitively, apiUserBlock exactly.
- expiry: a row is gone from the instant its expireTime (00:00:00 UTC+8) is reached,
  and the pair can then be added again as a new row.
- list: ``days`` (1 = today in UTC+8) or ``startDate``..``endDate`` (both days
  included, at most 3 calendar months apart, end before start = empty; ``days``
  wins when both are given) on createTime; filters apiUserBlock (exact), domainName (domain rows), email
  (address rows), both = either; ``start`` default 0, ``limit`` default 100;
  ``count`` = rows returned, or the total after ``count-mode: total``.
- delete: by (apiUserBlock, domainName) and/or (apiUserBlock, email), count deleted.
- tenants: each apiUser has its own list; a wrong key is 40005 and changes nothing.

Order: oldest first, ties "by address" (docs page). The documents do not say how
an address row and a domain row, or two rows of one address under two
apiUserBlocks, created in the same second are ordered: the model breaks those
ties by (email, domain, apiUserBlock) as shown, the fake's choice, so a failure that
is only a tie order is an assumption to discuss, not a documented bug.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pytest_mailblocks import FakeServer

TZ8 = timezone(timedelta(hours=8))
#: 22:00 UTC+8 on 2024-01-30: the UTC+8 day turns two hours before the UTC day,
#: and 2024-01-31 + 3 months clamps to 2024-04-30
START = datetime(2024, 1, 30, 22, 0, 0, tzinfo=TZ8)
OK = {"/api": "request was successful", "/apiv2": "请求成功"}
#: error messages as the docs page's catalogue publishes them ((/api, /apiv2))
MESSAGES = {
    40005: ("authentication failed", "认证失败"),
    40012: ("invalid email format", "email格式非法"),
    40018: ("the time range cannot be longer than 3 months", "时间区间不能超过三个月"),
    40019: ("expireTime cannot be empty", "expireTime不能为空"),
    40020: ("invalid expireTime format (e.g. “2013-03-19”)", "expireTime格式错误,应该类似'2013-03-19'"),
    40021: ("domainName and email cannot both be empty", "domainName和email不能同时为空"),
}
BLOCKED = "无效邮件-在SendCloud黑名单中:自定义拦截(worker:address in block list)"

TENANTS = ("default", "shop", "batch")
PREFIXES = st.sampled_from(["/api", "/apiv2"])
#: GET with a query string; POST with a urlencoded body, a multipart body, or a query string
METHODS = st.sampled_from(["GET", "POST", "MULTIPART", "POST?"])
TENANT = st.sampled_from(TENANTS)
# small address space with case variants and padding, so duplicates collide
ADDRESS = st.sampled_from(["a@x.io", "A@X.IO", "ab@x.io", "Sales@y.jp", "sales@Y.JP", " b@q.cn "])
DOMAIN = st.sampled_from(["x.io", "X.IO", "y.jp", " q.cn", "Q.CN"])
# "" and blank are "all" on add/delete and no filter on list; "ALL" is another value
AUB = st.sampled_from(["", " ", "all", "ALL", "shop", " shop "])
BLANK = st.sampled_from(["", " "])


Target = tuple[str | None, str | None]
#: (email, domainName) of add/delete: one, the other or both; rarely neither
#: (omitted or blank), which is 40021
TARGET: st.SearchStrategy[Target] = st.one_of(
    st.tuples(ADDRESS, st.none()),
    st.tuples(st.none(), DOMAIN),
    st.tuples(ADDRESS, DOMAIN),
    st.tuples(ADDRESS, BLANK),
    st.tuples(BLANK, DOMAIN),
    st.tuples(st.one_of(st.none(), BLANK), st.one_of(st.none(), BLANK)),
)
#: list filters (apiUserBlock, email, domainName): often absent
FILTER_AUB = st.sampled_from([None, None, None, None, "", "all", "ALL", "shop", " shop "])
FILTER_EMAIL = st.sampled_from([None, None, None, None, " ", "a@x.io", "SALES@y.jp", " b@q.cn"])
FILTER_DOMAIN = st.sampled_from([None, None, None, None, "", "X.io", "y.jp", "q.cn"])


class Row(NamedTuple):
    created: int
    email: str
    domain: str
    aub: str
    expire: int

    def wire(self) -> dict[str, str]:
        return {
            "apiUserBlock": self.aub,
            "domain": self.domain,
            "email": self.email,
            "createTime": fmt(self.created),
            "expireTime": fmt(self.expire),
        }


def fmt(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, TZ8).strftime("%Y-%m-%d %H:%M:%S")


def midnight(day: date) -> int:
    """00:00:00 UTC+8 of ``day`` in unix seconds."""
    return int(datetime(day.year, day.month, day.day, tzinfo=TZ8).timestamp())


def plus_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (docs page: "month ends clamp")."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def blank(value: str | None) -> bool:
    return value is None or not value.strip()


class SendCloudMachine(RuleBasedStateMachine):
    @initialize(
        adds=st.lists(
            st.tuples(TENANT, st.one_of(st.none(), AUB), TARGET, st.integers(1, 30), st.integers(0, 8 * 3600)),
            min_size=2,
            max_size=8,
        )
    )
    def start(self, adds: list[tuple[str, str | None, Target, int, int]]) -> None:
        """A fresh server, three tenants, and some rows added through ``block/add``
        over a day or so (so no run starts with an empty list)."""
        self.server = FakeServer().start()
        self.server.clock.freeze(START.timestamp())
        sc = self.server.sendcloud
        self.sc = sc
        sc.add_api_user("shop", "ShopKey0001")
        sc.add_api_user("batch", "BatchKey0001")
        self.creds = {
            "default": (sc.api_user, sc.api_key),
            "shop": ("shop", "ShopKey0001"),
            "batch": ("batch", "BatchKey0001"),
        }
        self.client = sc.httpx_client()
        self.model: dict[str, dict[tuple[str, str, str], Row]] = {t: {} for t in TENANTS}
        self.count_total = False
        self.turn = 0
        for i, (tenant, aub, pair, expire_in, gap) in enumerate(adds):
            self.server.clock.advance(seconds=gap)
            self._add(
                tenant,
                ("/api", "/apiv2")[i % 2],
                ("GET", "POST", "MULTIPART", "POST?")[i // 2 % 4],
                aub,
                *pair,
                expire_in,
            )

    def teardown(self) -> None:
        if hasattr(self, "server"):
            self.client.close()
            self.server.stop()

    # -- helpers ------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.server.clock.time())

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), TZ8).date()

    def rows(self, tenant: str) -> list[Row]:
        """Unexpired rows of ``tenant``, oldest first (ties: see the module docstring)."""
        now = self.now()
        live = self.model[tenant]
        for key in [k for k, r in live.items() if r.expire <= now]:
            del live[key]
        return sorted(live.values(), key=lambda r: (r.created, r.email, r.domain, r.aub))

    def call(
        self, tenant: str, path: str, params: dict[str, Any], prefix: str, method: str, key: str | None = None
    ) -> dict[str, Any]:
        """One call as ``tenant`` (with ``key`` instead of its own, if given); None values are omitted."""
        user = self.creds[tenant][0]
        key = key or self.creds[tenant][1]
        data = {"apiUser": user, "apiKey": key, **{k: v for k, v in params.items() if v is not None}}
        url = prefix + path
        if method == "GET":
            r = self.client.get(url, params=data)
        elif method == "POST":
            r = self.client.post(url, data=data)
        elif method == "MULTIPART":  # (None, value): a plain multipart field
            r = self.client.post(url, files={k: (None, str(v)) for k, v in data.items()})
        else:
            r = self.client.post(url, params=data)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    @staticmethod
    def ok(info: dict[str, Any], prefix: str) -> dict[str, Any]:
        return {"result": True, "statusCode": 200, "message": OK[prefix], "info": info}

    @staticmethod
    def err(code: int, prefix: str) -> dict[str, Any]:
        en, zh = MESSAGES[code]
        return {"result": False, "statusCode": code, "message": zh if prefix == "/apiv2" else en, "info": {}}

    # -- block/add ------------------------------------------------------------------------
    @rule(
        tenant=TENANT,
        adds=st.lists(
            st.tuples(PREFIXES, METHODS, st.one_of(st.none(), AUB), TARGET, st.integers(-1, 30)),
            min_size=1,
            max_size=3,
        ),
    )
    def add(self, tenant: str, adds: list[tuple[str, str, str | None, Target, int]]) -> None:
        """A few ``block/add`` calls by one tenant in the same second."""
        for prefix, method, aub, pair, expire_in in adds:
            self._add(tenant, prefix, method, aub, *pair, expire_in)

    def _add(
        self,
        tenant: str,
        prefix: str,
        method: str,
        aub: str | None,
        email: str | None,
        domain: str | None,
        expire_in: int,
    ) -> None:
        expire_day = self.today() + timedelta(days=expire_in)
        params = {"apiUserBlock": aub, "email": email, "domainName": domain, "expireTime": expire_day.isoformat()}
        body = self.call(tenant, "/block/add", params, prefix, method)
        if blank(email) and blank(domain):
            # seed 004: domainName and email cannot be empty at the same time (code assumed)
            assert body == self.err(40021, prefix)
            return
        self.rows(tenant)  # drop what expired before this call
        who = "all" if blank(aub) else aub.strip()  # type: ignore[union-attr]
        now, expire = self.now(), midnight(expire_day)
        shown = []
        for kind, value in (("e", email), ("d", domain)):  # address row first (docs' example)
            if blank(value):
                continue
            value = value.strip()  # type: ignore[union-attr]
            key = (who, kind, value.lower())
            row = self.model[tenant].get(key)
            if row is None:
                row = Row(now, value if kind == "e" else "", value if kind == "d" else "", who, expire)
                if expire > now:  # a past expireTime is echoed, then gone
                    self.model[tenant][key] = row
            shown.append(row.wire())
        assert body == self.ok({"dataList": shown}, prefix)

    # -- block/list -----------------------------------------------------------------------
    @rule(
        tenant=TENANT,
        prefix=PREFIXES,
        method=METHODS,
        window=st.one_of(
            st.tuples(st.just("days"), st.one_of(st.integers(1, 3), st.integers(1, 40))),
            # startDate and endDate this many days before today (endDate may come first)
            st.tuples(st.just("dates"), st.one_of(st.integers(0, 3), st.integers(0, 45)), st.integers(-2, 4)),
            # endDate 3 calendar months after startDate, give or take a day
            st.tuples(st.just("3 months"), st.integers(0, 45), st.sampled_from([-1, 0, 1])),
            # a window that starts or ends on, or next to, the day a listed row was created
            st.tuples(st.just("days edge"), st.integers(0, 1000), st.sampled_from([-1, 0])),
            st.tuples(st.just("dates edge"), st.integers(0, 1000), st.integers(-2, 1), st.integers(-1, 1)),
            st.tuples(st.just("dates edge"), st.integers(0, 1000), st.sampled_from([0, 1]), st.sampled_from([-1, 0])),
        ),
        filters=st.one_of(
            st.just((None, None, None)),
            st.just((None, None, None)),
            st.tuples(FILTER_AUB, FILTER_EMAIL, FILTER_DOMAIN),
        ),
        start=st.one_of(st.none(), st.integers(0, 2), st.integers(0, 6)),
        limit=st.one_of(st.none(), st.integers(0, 4)),
        with_dates=st.booleans(),
    )
    def list(
        self,
        tenant: str,
        prefix: str,
        method: str,
        window: tuple[Any, ...],
        filters: tuple[str | None, str | None, str | None],
        start: int | None,
        limit: int | None,
        with_dates: bool,
    ) -> None:
        aub, email, domain = filters
        if not self.model[tenant]:  # prefer a tenant with rows: an empty list proves little
            tenant = next((t for t in TENANTS if self.model[t]), tenant)
        today = self.today()
        params: dict[str, Any] = {"apiUserBlock": aub, "email": email, "domainName": domain}
        params.update(start=start, limit=limit)
        kind = window[0]
        if kind.endswith("edge"):
            listed = self.rows(tenant)
            anchor = (
                today if not listed else datetime.fromtimestamp(listed[window[1] % len(listed)].created, TZ8).date()
            )
        if kind.startswith("days"):
            days = window[1] if kind == "days" else max(1, (today - anchor).days + 1 + window[2])
            params["days"] = days
            if with_dates:  # docs page: days wins over the dates
                params.update(startDate="2024-01-01", endDate="2024-01-02")
            lo, hi = midnight(today - timedelta(days=days - 1)), midnight(today + timedelta(days=1))
        else:
            if kind == "dates":
                first, last = today - timedelta(days=window[1]), today - timedelta(days=window[2])
            elif kind == "3 months":  # 2024-01-31 + 3 months is 2024-04-30 (month ends clamp)
                first = today - timedelta(days=window[1])
                last = plus_months(first, 3) + timedelta(days=window[2])
            else:
                first, last = anchor + timedelta(days=window[2]), anchor + timedelta(days=window[3])
            params.update(startDate=first.isoformat(), endDate=last.isoformat())
            lo, hi = midnight(first), midnight(last + timedelta(days=1))
        body = self.call(tenant, "/block/list", params, prefix, method)
        if not kind.startswith("days") and last > plus_months(first, 3):
            # seed 004: "Time frame cannot be longer than 3 months" (code assumed)
            assert body == self.err(40018, prefix)
            return
        rows = [r for r in self.rows(tenant) if lo <= r.created < hi]
        if not blank(aub):
            rows = [r for r in rows if r.aub == aub.strip()]  # type: ignore[union-attr]
        e = "" if blank(email) else email.strip().lower()  # type: ignore[union-attr]
        d = "" if blank(domain) else domain.strip().lower()  # type: ignore[union-attr]
        if e or d:
            rows = [r for r in rows if (e and r.email.lower() == e) or (d and not r.email and r.domain.lower() == d)]
        offset = 0 if start is None else start
        size = 100 if limit is None else limit
        page = rows[offset : offset + size]
        count = len(rows) if self.count_total else len(page)
        assert body == self.ok({"dataList": [r.wire() for r in page], "count": count}, prefix)

    # -- block/delete ---------------------------------------------------------------------
    @rule(tenant=TENANT, prefix=PREFIXES, method=METHODS, aub=st.one_of(st.none(), AUB), pair=TARGET)
    def delete(self, tenant: str, prefix: str, method: str, aub: str | None, pair: Target) -> None:
        self._delete(tenant, prefix, method, aub, *pair)

    @precondition(lambda self: any(self.model[t] for t in TENANTS))
    @rule(pick=st.integers(0, 1000), prefix=PREFIXES, method=METHODS, both=st.booleans())
    def delete_listed(self, pick: int, prefix: str, method: str, both: bool) -> None:
        """Delete a row the model lists, spelled in another case (and "" for "all")."""
        listed = [(t, r) for t in TENANTS for r in self.model[t].values()]
        tenant, row = listed[pick % len(listed)]
        aub = "" if row.aub == "all" else f" {row.aub} "
        email, domain = row.email.swapcase() or None, row.domain.upper() or None
        if both and email:
            domain = email.split("@")[1]
        self._delete(tenant, prefix, method, aub, email, domain)

    def _delete(
        self, tenant: str, prefix: str, method: str, aub: str | None, email: str | None, domain: str | None
    ) -> None:
        body = self.call(
            tenant, "/block/delete", {"apiUserBlock": aub, "email": email, "domainName": domain}, prefix, method
        )
        if blank(email) and blank(domain):
            assert body == self.err(40021, prefix)
            return
        self.rows(tenant)
        who = "all" if blank(aub) else aub.strip()  # type: ignore[union-attr]
        gone = 0
        for kind, value in (("e", email), ("d", domain)):
            if not blank(value) and self.model[tenant].pop((who, kind, value.strip().lower()), None):  # type: ignore[union-attr]
                gone += 1
        assert body == self.ok({"count": gone}, prefix)

    # -- errors that must change nothing ------------------------------------------------------
    @rule(
        tenant=TENANT,
        prefix=PREFIXES,
        method=METHODS,
        email=ADDRESS,
        case=st.sampled_from(
            ["no_expire", "blank_expire", "bad_expire", "bad_email", "other_key", "bad_key", "list", "delete"]
        ),
    )
    def refused(self, tenant: str, prefix: str, method: str, email: str, case: str) -> None:
        """Requests the documents refuse: add without a good expireTime or email, or
        any call with another tenant's key or a mangled key (40005)."""
        key = self.creds[tenant][1]
        path, code = "/block/add", 40005
        params: dict[str, Any] = {"email": email, "domainName": "x.io", "expireTime": "2030-01-01", "days": 1}
        if case == "no_expire":
            del params["expireTime"]
            code = 40019
        elif case == "blank_expire":
            params["expireTime"] = " "
            code = 40019
        elif case == "bad_expire":
            params["expireTime"] = "2030-1-1"
            code = 40020
        elif case == "bad_email":
            params["email"] = email.replace("@", "@@")
            code = 40012
        elif case == "other_key":
            key = self.creds[TENANTS[(TENANTS.index(tenant) + 1) % len(TENANTS)]][1]
        else:  # keys are case-sensitive
            key = key.swapcase()
            path = {"bad_key": "/block/add", "list": "/block/list", "delete": "/block/delete"}[case]
        assert self.call(tenant, path, params, prefix, method, key=key) == self.err(code, prefix)

    # -- clock --------------------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(1, 6 * 3600), st.integers(1, 10).map(lambda d: d * 86400)))
    def advance(self, seconds: int) -> None:
        self.server.clock.advance(seconds=seconds)

    @rule(delta=st.sampled_from([-1, 0, 1]))
    def to_midnight(self, delta: int) -> None:
        """Next 00:00 UTC+8, give or take a second: the days windows turn there."""
        target = midnight(self.today() + timedelta(days=1)) + delta
        if target > self.now():
            self.server.clock.freeze(target)

    @precondition(lambda self: any(self.model[t] for t in TENANTS))
    @rule(pick=st.integers(0, 1000), delta=st.sampled_from([-1, 0]))
    def to_expiry(self, pick: int, delta: int) -> None:
        """Just before, or exactly at, a listed row's expireTime."""
        instants = sorted({r.expire for t in TENANTS for r in self.model[t].values()})
        target = instants[pick % len(instants)] + delta
        if target > self.now():
            self.server.clock.freeze(target)

    # -- count mode and read-backs ------------------------------------------------------------
    @rule(total=st.booleans())
    def count_mode(self, total: bool) -> None:
        mode = "total" if total else "rows"
        r = self.client.post("/_mailblocks/sendcloud/count-mode", json={"count_mode": mode})
        assert r.json() == {"count_mode": mode}
        self.count_total = total

    @rule(tenant=TENANT, email=ADDRESS)
    def block_reason(self, tenant: str, email: str) -> None:
        """Docs page: a row of ``all`` or of the sending apiUser lists the address or its domain."""
        me = self.creds[tenant][0]
        e = email.strip().lower()
        hit = any(
            r.aub in ("all", me) and (r.email.lower() == e or (not r.email and r.domain.lower() == e.split("@")[1]))
            for r in self.rows(tenant)
        )
        assert self.sc.block_reason(email.strip(), api_user=me) == (BLOCKED if hit else None)

    @invariant()
    def lists_agree(self) -> None:
        """Every tenant's list read back through the handle is the model's; every
        third step, one tenant's (in turn) over HTTP with a wide window too (``days``
        is not limited)."""
        if hasattr(self, "model"):
            self.turn += 1
            for i, t in enumerate(TENANTS):
                want = [r.wire() for r in self.rows(t)]
                assert self.sc.blocks(api_user=self.creds[t][0]) == want
                if self.turn % 3 == 0 and i == self.turn // 3 % len(TENANTS):
                    body = self.call(t, "/block/list", {"days": 3650}, "/api", "POST")
                    assert body == self.ok({"dataList": want, "count": len(want)}, "/api")


# examples, steps and derandomizing come from the Hypothesis profile (tests/conftest.py)
SendCloudMachine.TestCase.settings = settings()
test_sendcloud_state_machine = SendCloudMachine.TestCase
