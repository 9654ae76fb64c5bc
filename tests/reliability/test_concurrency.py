"""Concurrency (issue 9): 8 threads of mixed add / list / delete over HTTP against one
server, for every provider in the registry, while another thread keeps resetting,
seeding and reading the *other* providers; afterwards every invariant is exact:
nothing lost, nothing duplicated, every request journaled once with a status, no 5xx.

How it works
------------

``test_mixed_load_keeps_exact_invariants`` is parametrized over ``REGISTRY``, so a new
provider gets its own run without anyone editing this file's parameters. Each run
starts one built-in server and does ``ROUNDS`` rounds; every round begins with a full
``POST /_mailblocks/reset`` and then runs, all at once:

- ``THREADS`` workers on the provider under test (X). Each worker owns its addresses
  (``w<i>-<n>@load.example``) and keeps an exact model of them. An operation is an add
  (the control plane's seed route, or the provider's real API where it has one), a
  single delete (a listed address, or one never added: the provider's "not found"
  answer is checked), or a bulk delete where the API takes several addresses. Every
  answer is checked against the model (status, counts), and after **every** operation
  the worker lists its own addresses through the provider's real API, with its real
  auth, paging through, and the list must equal its model (no duplicates) although
  seven other threads are writing to the same list.
- one *side* thread that, until the workers are done, cycles through the other
  providers (Y): ``POST /_mailblocks/<Y>/reset``, add a few (control plane or API),
  delete one, list through Y's real API, and ``GET /_mailblocks/<Y>/requests`` must
  show exactly the requests it sent to Y since that reset. These resets of Y happen
  while X is loaded (the workers start first; every round asserts at least one reset
  was answered before they had all finished), and the workers' per-operation checks
  and the end-of-round checks would see any effect on X's state or journal.

At the end of a round: X's stored list is the union of the workers' models and Y's is
the side thread's last model (none missing, none extra, no duplicate); addresses CMC
keeps as deleted (``removed=true``) are exactly those deleted; every journal (each
provider's and the control plane's) holds exactly the requests sent to it, every entry
with a status below 500; the client never saw a 5xx or an unexpected status.

Adapters
--------

``ADAPTERS`` says, per provider, how to add (control plane and, where it exists, the
real API), list one owner's addresses (a filter that selects only them) and delete:

- ``sendgrid``: list ``GET /v3/suppression/blocks?email=<prefix>`` (prefix match),
  ``limit``/``offset`` paging; ``DELETE .../{email}`` (204/404) and the bulk
  ``DELETE`` with ``{"emails": [...]}``. The API adds blocks the way SendGrid does
  (issue 21): a ``block`` outcome chosen for the addresses (``POST
  /_mailblocks/sendgrid/outcomes``), then ``POST /v3/mail/send`` to them; after each
  round the outbox holds exactly ``processed`` and a ``blocked`` bounce for each.
- ``cmc``: ``blocks/list.json`` with ``email=<prefix>`` (partial match), ``p``/``r``
  paging; ``blocks/delete.json`` (200/12-001 404); a deleted address leaves the list
  and is listed with ``removed=true``, which is checked too. The API adds blocks the
  way CMC does (issue 21): a hard bounce chosen for the addresses, then ``POST
  /api/v2/emails/send.json`` to them; after each round the outbox holds exactly
  ``queued``, ``failed``, ``bounced`` and a ``blocks`` event for each.
- ``ncp``: the project's unsubscriber list, the one NCP list the API can add to, list
  and delete from (the send-block list has no API add or delete, and
  ``getSendBlockList`` reads one address's history). ``POST``/``DELETE
  /api/v1/unsubscribers`` (counts checked); every other API add is a ``POST
  /api/v1/mails`` to addresses whose chosen outcome is ``unsubscribe`` (issue 21),
  after which the outbox holds exactly ``sent`` and ``unsubscribe`` for each and ``GET`` over a window covering all
  time, signed with ``signed_headers``. ``emailAddress`` is an exact match, so no
  filter selects one owner's addresses: the whole shared list is read in **one** page
  (``size`` has no cap; the test checks the page held every element) and filtered by
  prefix. Paging through a list seven other threads change would not be a snapshot.
- ``sendcloud``: ``/api/block/add`` (one address a call) and the control plane add
  rows with ``apiUserBlock=<owner>``; after an API add, ``/api/mail/send`` to the
  addresses (issue 21: rows for another apiUserBlock do not refuse them, so the outbox
  holds exactly one ``request`` per send and one ``deliver`` per address);
  ``/api/block/list`` filters on it exactly (``email`` is an exact filter),
  ``start``/``limit`` paging, ``days=2`` (a round
  spanning midnight UTC+8 still lists today's rows); ``/api/block/delete`` answers
  ``info.count`` 1 or 0.

A provider without an adapter **fails** its run with a message saying to add one. A
control-plane-only fallback was rejected: it would pass while never sending a request
to the new provider's own endpoints, which is the silent skip issue 9 rules out, and
an adapter is some thirty lines.

The interpreter's thread switch interval is 10 us during the test (see
``frequent_thread_switches``): with the default 5 ms the GIL hides most races, and the
test passed even with the server lock removed. Sizes are per provider (``OPS``) so the
module stays well under 20 s on the 2-core development machine; random choices come
from per-thread ``random.Random`` instances seeded with the provider and thread names,
so the workers' requests are the same every run (the side thread's cycle count depends
on timing; what it checks does not). Nothing sleeps.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
import requests

from pytest_mailblocks import FakeServer
from pytest_mailblocks.providers import REGISTRY

THREADS = 8
ROUNDS = 2  # without the lock each provider fails within the first (docstring of the switch fixture)
#: operations per worker per round
OPS = {"sendgrid": 20, "cmc": 20, "ncp": 20, "sendcloud": 20}
OPS_DEFAULT = 20
CONTROL = "_mailblocks"
DOMAIN = "load.example"


# -- clients and models -----------------------------------------------------------------
class Client:
    """One thread's keep-alive session; counts the requests it sends per journal and
    records every unexpected answer in ``failures``."""

    def __init__(self, url: str, failures: list[str]) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False  # a local server: no proxy or netrc look-ups per request
        self.sent: Counter[str] = Counter()
        self.failures = failures

    def call(self, journal: str, method: str, target: str, expect: int, **kwargs: Any) -> requests.Response:
        r = self.session.request(method, self.url + target, **kwargs)
        self.sent[journal] += 1
        if r.status_code != expect:
            self.fail(f"{method} {target} -> {r.status_code}, expected {expect}: {r.text[:300]}")
        return r

    def control(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> requests.Response:
        return self.call(CONTROL, method, f"/_mailblocks/{path}", expect, **kwargs)

    def fail(self, message: str) -> None:
        self.failures.append(f"{threading.current_thread().name}: {message}")


@dataclass
class Model:
    """What one owner has on one provider's list: ``live`` (listed) and ``gone``
    (deleted through the API)."""

    owner: str
    live: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    issued: int = 0

    def fresh(self, k: int) -> list[str]:
        """``k`` addresses never used before by this owner (across rounds too)."""
        self.issued += k
        return [f"{self.owner}-{n}@{DOMAIN}" for n in range(self.issued - k, self.issued)]

    def absent(self) -> str:
        self.issued += 1
        return f"{self.owner}-never{self.issued}@{DOMAIN}"

    def delete(self, emails: list[str]) -> None:
        hit = self.live.intersection(emails)
        self.live -= hit
        self.gone |= hit

    def clear(self) -> None:
        self.live.clear()
        self.gone.clear()


def check_listed(c: Client, key: str, owner: str, got: list[str], want: set[str]) -> None:
    dups = sorted(e for e, n in Counter(got).items() if n > 1)
    if dups or set(got) != want:
        c.fail(
            f"{key} {owner}: listed {len(got)}, owns {len(want)}; missing {sorted(want - set(got))}, "
            f"extra {sorted(set(got) - want)}, duplicated {dups}"
        )


# -- adapters: one provider's block list through its real API ------------------------------
class Adapter:
    key: ClassVar[str]
    #: the real API can add addresses
    api_add: ClassVar[bool] = False
    #: one API request deletes several addresses
    bulk_delete: ClassVar[bool] = False
    page: ClassVar[int] = 25

    def __init__(self, server: FakeServer) -> None:
        self.h = server.handle(self.key)

    def prepare(self, c: Client) -> None:
        """After a reset of the provider (before the load)."""

    def seed(self, c: Client, owner: str, emails: list[str]) -> None:
        r = c.control("POST", f"{self.key}/blocks", 201, json=emails)
        if r.ok and r.json()["seeded"] != len(emails):
            c.fail(f"{self.key} seeded {r.json()} for {len(emails)}")

    def add(self, c: Client, owner: str, emails: list[str]) -> None:
        raise NotImplementedError

    def listed(self, c: Client, owner: str) -> list[str]:
        raise NotImplementedError

    def delete(self, c: Client, owner: str, emails: list[str], live: set[str]) -> None:
        raise NotImplementedError

    def stored(self) -> list[str]:
        """Every address on the list (from Python, for the end-of-round check)."""
        raise NotImplementedError

    def removed(self) -> list[str] | None:
        """The addresses the provider keeps as deleted, if it keeps any."""
        return None

    def verify(self) -> list[str]:
        """Anything else the round must have left exact (from Python); what is wrong."""
        return []


class SendingAdapter(Adapter):
    """An adapter that also adds through the provider's send path (issue 21): each
    address sent to gets exactly the events ``tags`` names in the outbox, one each."""

    #: the tags every sent address's events carry (``tag`` names an event's)
    tags: ClassVar[tuple[str, ...]]

    def __init__(self, server: FakeServer) -> None:
        super().__init__(server)
        self.sent: list[str] = []  # addresses a send listed since the last prepare
        self.sent_lock = threading.Lock()

    def prepare(self, c: Client) -> None:
        with self.sent_lock:
            self.sent = []

    def sent_to(self, emails: list[str]) -> None:
        with self.sent_lock:
            self.sent += emails

    @staticmethod
    def tag(event: dict[str, Any]) -> tuple[str, str]:
        """(the event's tag, its address)."""
        raise NotImplementedError

    def verify(self) -> list[str]:
        with self.sent_lock:
            sent = sorted(self.sent)
        events = [self.tag(e) for e in self.h.events()]
        found = {t: sorted(a for tag, a in events if tag == t) for t in self.tags}
        if any(got != sent for got in found.values()) or len(events) != len(self.tags) * len(sent):
            return [
                f"{self.key} outbox: {len(events)} events for {len(sent)} sends; {[len(v) for v in found.values()]}"
            ]
        return []


class SendGridAdapter(SendingAdapter):
    key = "sendgrid"
    api_add = True
    bulk_delete = True
    BLOCKS = "/v3/suppression/blocks"
    tags = ("processed", "blocked")

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.h.api_key}"}

    def prepare(self, c: Client) -> None:
        # 600 requests per minute per key and route is the default
        c.control("POST", "sendgrid/rate-limit", json={"limit": 10**9})
        super().prepare(c)

    @staticmethod
    def tag(event: dict[str, Any]) -> tuple[str, str]:
        return event.get("type") if event["event"] == "bounce" else event["event"], event["email"]

    def add(self, c: Client, owner: str, emails: list[str]) -> None:
        """A send to addresses whose chosen outcome is a block: they are listed."""
        chosen = c.control("POST", "sendgrid/outcomes", 201, json=[{"email": e, "kind": "block"} for e in emails])
        body = {
            "personalizations": [{"to": [{"email": e} for e in emails]}],
            "from": {"email": "load@load.example"},
            "subject": "load",
            "content": [{"type": "text/plain", "value": "load"}],
        }
        r = c.call(self.key, "POST", "/v3/mail/send", 202, json=body, headers=self.auth())
        if chosen.ok and r.status_code == 202:
            if not r.headers.get("X-Message-Id"):
                c.fail(f"sendgrid send to {emails}: no X-Message-Id")
            self.sent_to(emails)

    def listed(self, c: Client, owner: str) -> list[str]:
        out: list[str] = []
        while True:
            params = {"email": f"{owner}-", "limit": self.page, "offset": len(out)}
            rows = c.call(self.key, "GET", self.BLOCKS, 200, params=params, headers=self.auth()).json()
            out += [b["email"] for b in rows]
            if len(rows) < self.page:
                return out

    def delete(self, c: Client, owner: str, emails: list[str], live: set[str]) -> None:
        if len(emails) == 1:
            want = 204 if emails[0] in live else 404
            c.call(self.key, "DELETE", f"{self.BLOCKS}/{emails[0]}", want, headers=self.auth())
        else:
            c.call(self.key, "DELETE", self.BLOCKS, 204, json={"emails": emails}, headers=self.auth())

    def stored(self) -> list[str]:
        return [b["email"] for b in self.h.blocks()]


class CmcAdapter(SendingAdapter):
    key = "cmc"
    api_add = True
    BASE = "/transaction/v2/blocks"
    SEND = "/api/v2/emails/send.json"
    tags = ("queued", "failed", "bounced", "block")

    @staticmethod
    def tag(event: dict[str, Any]) -> tuple[str, str]:
        """A delivery's or a bounce's status, a blocks event's type."""
        return event.get("type") or event["status"], event.get("to") or event["email"]

    def add(self, c: Client, owner: str, emails: list[str]) -> None:
        """A send to addresses whose chosen outcome is a hard bounce: they are blocked."""
        chosen = c.control("POST", "cmc/outcomes", 201, json=[{"email": e, "kind": "bounce"} for e in emails])
        form = {
            **self.h.auth,
            "to": json.dumps([{"name": "", "address": e} for e in emails]),
            "from": json.dumps({"name": "load", "address": "load@load.example"}),
            "subject": "load",
            "text": "load",
        }
        r = c.call(self.key, "POST", self.SEND, 200, data=form)
        if chosen.ok and r.status_code == 200:
            self.sent_to(emails)

    def listed(self, c: Client, owner: str) -> list[str]:
        out: list[str] = []
        for p in range(10_000):
            form = {**self.h.auth, "email": f"{owner}-", "p": p, "r": self.page}
            rows = c.call(self.key, "POST", f"{self.BASE}/list.json", 200, data=form).json()["blocks"]
            out += [b["email"] for b in rows]
            if len(rows) < self.page:
                break
        return out

    def delete(self, c: Client, owner: str, emails: list[str], live: set[str]) -> None:
        (email,) = emails
        form = {**self.h.auth, "email": email}
        if email in live:
            r = c.call(self.key, "POST", f"{self.BASE}/delete.json", 200, data=form)
            if r.ok and r.json() != {"message": "success"}:
                c.fail(f"cmc delete {email}: {r.text}")
        else:
            r = c.call(self.key, "POST", f"{self.BASE}/delete.json", 404, data=form)
            if r.status_code == 404 and r.json()["errors"][0]["code"] != "12-001":
                c.fail(f"cmc delete {email}: {r.text}")

    def stored(self) -> list[str]:
        return [b["email"] for b in self.h.blocks()]

    def removed(self) -> list[str]:
        return [b["email"] for b in self.h.blocks(removed=True)]


class NcpAdapter(SendingAdapter):
    key = "ncp"
    api_add = True
    bulk_delete = True
    PATH = "/api/v1/unsubscribers"
    MAILS = "/api/v1/mails"
    #: the whole list in one page: from the epoch to 2100-01-01
    LIST = f"{PATH}?startUtc=0&endUtc=4102444800000&size=1000000"
    tags = ("sent", "unsubscribe")

    @staticmethod
    def tag(event: dict[str, Any]) -> tuple[str, str]:
        return event["event"], event["address"]

    def seed(self, c: Client, owner: str, emails: list[str]) -> None:
        r = c.control("POST", "ncp/unsubscribers", json=emails)
        if r.ok and [u["email"] for u in r.json()["added"]] != emails:
            c.fail(f"ncp seeded {r.text[:300]}")

    def add(self, c: Client, owner: str, emails: list[str]) -> None:
        """registerUnsubscribers, or (every other batch) a send whose recipients
        unsubscribe (issue 21: the ``unsubscribe`` outcome lists them as NCP does)."""
        if int(emails[0].split("@")[0].rsplit("-", 1)[1]) % 2:
            self.send(c, emails)
            return
        r = c.call(
            self.key,
            "POST",
            self.PATH,
            201,
            json={"blockedReceivers": emails},
            headers=self.h.signed_headers("POST", self.PATH),
        )
        n = len(emails)
        if r.ok and r.json() != {"count": n, "requestCount": n, "ignoreCount": 0}:
            c.fail(f"ncp add {n}: {r.text}")

    def send(self, c: Client, emails: list[str]) -> None:
        chosen = c.control("POST", "ncp/outcomes", 201, json=[{"email": e, "kind": "unsubscribe"} for e in emails])
        body = {
            "senderAddress": "load@load.example",
            "title": "load",
            "body": "load",
            "recipients": [{"address": e, "type": "R"} for e in emails],
        }
        headers = self.h.signed_headers("POST", self.MAILS)
        r = c.call(self.key, "POST", self.MAILS, 201, json=body, headers=headers)
        if chosen.ok and r.status_code == 201:
            if r.json()["count"] != len(emails):
                c.fail(f"ncp send to {emails}: {r.text}")
            self.sent_to(emails)

    def listed(self, c: Client, owner: str) -> list[str]:
        body = c.call(self.key, "GET", self.LIST, 200, headers=self.h.signed_headers("GET", self.LIST)).json()
        if not (body["first"] and body["last"] and body["numberOfElements"] == body["totalElements"]):
            c.fail(f"ncp list did not fit one page: {body['numberOfElements']} of {body['totalElements']}")
        return [u["address"] for u in body["content"] if u["address"].startswith(f"{owner}-")]

    def delete(self, c: Client, owner: str, emails: list[str], live: set[str]) -> None:
        r = c.call(
            self.key,
            "DELETE",
            self.PATH,
            200,
            json={"blockedReceivers": emails},
            headers=self.h.signed_headers("DELETE", self.PATH),
        )
        hit = len(live.intersection(emails))
        want = {"count": hit, "requestCount": len(emails), "ignoreCount": len(emails) - hit}
        if r.ok and r.json() != want:
            c.fail(f"ncp delete {emails}: {r.text}, expected {want}")

    def stored(self) -> list[str]:
        return [u["email"] for u in self.h.unsubscribers()]


class SendCloudAdapter(Adapter):
    key = "sendcloud"
    api_add = True
    EXPIRE = "2099-01-01"

    def __init__(self, server: FakeServer) -> None:
        super().__init__(server)
        self.sent: list[str] = []  # addresses sent to right after block/add (issue 21)
        self.sends = 0
        self.sent_lock = threading.Lock()

    def prepare(self, c: Client) -> None:
        with self.sent_lock:
            self.sent, self.sends = [], 0

    def auth(self) -> dict[str, str]:
        return {"apiUser": self.h.api_user, "apiKey": self.h.api_key}

    def ok(self, c: Client, path: str, form: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = c.call(self.key, "POST", f"/api/block/{path}", 200, data={**self.auth(), **form}).json()
        if body["result"] is not True or body["statusCode"] != 200:
            c.fail(f"sendcloud {path} {form}: {body}")
        info: dict[str, Any] = body["info"]
        return info

    def seed(self, c: Client, owner: str, emails: list[str]) -> None:
        rows = [{"email": e, "api_user_block": owner, "expire_time": self.EXPIRE} for e in emails]
        r = c.control("POST", "sendcloud/blocks", 201, json=rows)
        if r.ok and r.json()["seeded"] != len(emails):
            c.fail(f"sendcloud seeded {r.json()} for {len(emails)}")

    def add(self, c: Client, owner: str, emails: list[str]) -> None:
        """block/add each address (one a call), then ``mail/send`` to them all (issue 21):
        the rows are for the owner's apiUserBlock, not the sending API user, so each is
        delivered (one ``deliver`` event) while the other threads add and delete."""
        for email in emails:  # block/add takes one address (and/or one domain)
            info = self.ok(c, "add", {"email": email, "apiUserBlock": owner, "expireTime": self.EXPIRE})
            if [row["email"] for row in info.get("dataList", [])] != [email]:
                c.fail(f"sendcloud add {email}: {info}")
        form = {**self.auth(), "from": "load@load.example", "to": ";".join(emails), "subject": "load", "plain": "x"}
        body = c.call(self.key, "POST", "/api/mail/send", 200, data=form).json()
        if body.get("result") is not True or len(body["info"]["emailIdList"]) != len(emails):
            c.fail(f"sendcloud send to {emails}: {body}")
        with self.sent_lock:
            self.sent += emails
            self.sends += 1

    def verify(self) -> list[str]:
        with self.sent_lock:
            sent, sends = sorted(self.sent), self.sends
        events = self.h.events()
        delivered = sorted(e["recipient"] for e in events if e["event"] == "deliver")
        requests_ = sum(e["event"] == "request" for e in events)
        if delivered != sent or requests_ != sends or len(events) != sends + len(sent):
            return [
                f"sendcloud outbox: {len(events)} events for {sends} sends to {len(sent)}; delivered {len(delivered)}"
            ]
        return []

    def listed(self, c: Client, owner: str) -> list[str]:
        out: list[str] = []
        while True:
            form = {"days": 2, "apiUserBlock": owner, "start": len(out), "limit": self.page}
            rows = self.ok(c, "list", form).get("dataList", [])
            out += [row["email"] for row in rows]
            if len(rows) < self.page:
                return out

    def delete(self, c: Client, owner: str, emails: list[str], live: set[str]) -> None:
        (email,) = emails
        info = self.ok(c, "delete", {"email": email, "apiUserBlock": owner})
        if info.get("count") != (1 if email in live else 0):
            c.fail(f"sendcloud delete {email}: {info}")

    def stored(self) -> list[str]:
        return [row["email"] for row in self.h.blocks()]


ADAPTERS: dict[str, type[Adapter]] = {a.key: a for a in (SendGridAdapter, CmcAdapter, NcpAdapter, SendCloudAdapter)}


# -- the load ------------------------------------------------------------------------------
def worker(a: Adapter, c: Client, m: Model, rng: random.Random, ops: int) -> None:
    for _ in range(ops):
        roll = rng.random()
        if roll < 0.45:
            emails = m.fresh(rng.randint(1, 4))
            if a.api_add and rng.random() < 0.5:
                a.add(c, m.owner, emails)
            else:
                a.seed(c, m.owner, emails)
            m.live.update(emails)
        else:
            if m.live and rng.random() < 0.8:
                k = rng.randint(2, 4) if a.bulk_delete and roll > 0.8 else 1
                emails = rng.sample(sorted(m.live), min(k, len(m.live)))
            else:
                emails = [m.absent()]
            a.delete(c, m.owner, emails, m.live)
            m.delete(emails)
        check_listed(c, a.key, m.owner, a.listed(c, m.owner), m.live)


@dataclass
class Side:
    """The thread that resets, seeds and reads the other providers during the load."""

    adapters: dict[str, Adapter]
    client: Client
    rng: random.Random
    models: dict[str, Model]
    #: ``client.sent[key]`` when ``key`` was last reset
    base: dict[str, int] = field(default_factory=dict)
    cycles: int = 0
    #: resets answered while workers were still running (this round)
    during_load: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def start_round(self) -> None:
        """After a full reset: every other provider is empty, its journal too."""
        for key, m in self.models.items():
            m.clear()
            self.base[key] = self.client.sent[key]
        self.during_load = 0
        self.done.clear()

    def run(self) -> None:
        c, keys = self.client, list(self.adapters)
        while True:  # at least one cycle, then until the workers are done
            key = keys[self.cycles % len(keys)]
            a, m = self.adapters[key], self.models[key]
            self.cycles += 1
            c.control("POST", f"{key}/reset")
            if not self.done.is_set():  # the workers were started before this thread
                self.during_load += 1
            m.clear()
            self.base[key] = c.sent[key]
            a.prepare(c)
            emails = m.fresh(self.rng.randint(2, 4))
            if a.api_add and self.rng.random() < 0.5:
                a.add(c, m.owner, emails)
            else:
                a.seed(c, m.owner, emails)
            m.live.update(emails)
            a.delete(c, m.owner, emails[:1], m.live)
            m.delete(emails[:1])
            check_listed(c, key, m.owner, a.listed(c, m.owner), m.live)
            total = c.control("GET", f"{key}/requests", params={"limit": 0}).json()["total"]
            if total != c.sent[key] - self.base[key]:
                c.fail(f"{key} journal holds {total} since its reset, sent {c.sent[key] - self.base[key]}")
            if self.done.is_set():
                return


def guarded(failures: list[str], fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # surfaced through failures, never a hang
        failures.append(f"{threading.current_thread().name}: {traceback.format_exc()}")


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    """Let the interpreter switch threads every 10 us instead of every 5 ms, so that
    interleavings inside a few bytecodes actually happen: with the default interval
    this test passes even with the server lock removed; with this one it fails
    within a round for every provider (lost deletes, other owners' addresses listed,
    internal errors)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


@pytest.mark.parametrize("key", list(REGISTRY))
def test_mixed_load_keeps_exact_invariants(key):
    if key not in ADAPTERS:
        pytest.fail(
            f"provider {key!r} has no concurrency adapter: add one to ADAPTERS in {__name__} "
            "(how to add, list one owner's addresses and delete through its real API)"
        )
    failures: list[str] = []
    # the journals must hold every request of a round: no byte bound (the count bound holds)
    with FakeServer(journal_max_bytes=None) as server:
        adapter = ADAPTERS[key](server)
        others = {k: ADAPTERS[k](server) for k in REGISTRY if k != key and k in ADAPTERS}
        main = Client(server.url, failures)
        clients = [Client(server.url, failures) for _ in range(THREADS)]
        models = [Model(f"w{t}") for t in range(THREADS)]
        rngs = [random.Random(f"{key}-w{t}") for t in range(THREADS)]
        side = Side(others, Client(server.url, failures), random.Random(f"{key}-side"), {k: Model("s") for k in others})
        everyone = [main, side.client, *clients]
        ops = OPS.get(key, OPS_DEFAULT)
        resets_during_load = 0

        for rnd in range(ROUNDS):
            before = {id(c): Counter(c.sent) for c in everyone}
            main.control("POST", "reset")
            adapter.prepare(main)
            for m in models:
                m.clear()
            side.start_round()
            workers = [
                threading.Thread(
                    target=guarded,
                    args=(failures, worker, adapter, clients[t], models[t], rngs[t], ops),
                    name=f"{key}-w{t}-r{rnd}",
                )
                for t in range(THREADS)
            ]
            side_thread = threading.Thread(target=guarded, args=(failures, side.run), name=f"{key}-side-r{rnd}")
            for th in workers:
                th.start()
            side_thread.start()
            for th in workers:
                th.join(60)
            side.done.set()
            side_thread.join(60)
            assert not any(th.is_alive() for th in [*workers, side_thread]), "a thread hung"
            assert failures == [], failures[:20]

            # -- exact invariants after the round ------------------------------------
            sent = sum((c.sent - before[id(c)] for c in everyone), Counter())
            expected_journals = {key: sent[key], CONTROL: sent[CONTROL]}
            for k in others:  # since the side thread last reset it (or the full reset)
                expected_journals[k] = side.client.sent[k] - side.base[k]
            for k, want in expected_journals.items():
                journal = server.journal(k)
                entries = list(journal)
                assert journal.total == len(entries) == want, (rnd, k, journal.total, len(entries), want)
                bad = [e for e in entries if not 0 < e.status < 500]
                assert bad == [], (rnd, k, bad[:5])
            for a, owned in [(adapter, models), *((others[k], [side.models[k]]) for k in others)]:
                stored = a.stored()
                want_live = set().union(*(m.live for m in owned))
                assert len(stored) == len(set(stored)), (rnd, a.key, "duplicated")
                assert set(stored) == want_live, (rnd, a.key, want_live ^ set(stored))
                removed = a.removed()
                if removed is not None:
                    assert sorted(removed) == sorted(set().union(*(m.gone for m in owned))), (rnd, a.key)
                assert a.verify() == [], (rnd, a.key)
            assert sum(len(m.live) for m in models) > 0
            assert side.during_load > 0, "no reset of another provider happened during the load"
            resets_during_load += side.during_load
        assert not server.app.errors
        sent_total = sum((c.sent for c in everyone), Counter())
        print(
            f"{key}: {sum(sent_total.values())} requests {dict(sent_total)}; "
            f"{side.cycles} side cycles, {resets_during_load} resets of other providers during the load"
        )


# -- a reset racing a request of the same provider --------------------------------------------
CLEARS = {
    "handle reset": lambda server, s: server.sendgrid.reset(),
    "control plane provider reset": lambda server, s: s.post(server.url + "/_mailblocks/sendgrid/reset"),
    "control plane full reset": lambda server, s: s.post(server.url + "/_mailblocks/reset"),
    "journal clear": lambda server, s: s.delete(server.url + "/_mailblocks/sendgrid/requests"),
}


@pytest.mark.parametrize("clear", list(CLEARS))
def test_a_request_served_before_a_reset_is_not_journaled_after_it(monkeypatch, clear):
    """The provider answers under the server lock and the journal records afterwards,
    outside it. A reset (or journal clear) that comes in between must not leave the
    old request in the fresh journal: it is paused here between the two, exactly
    where the mixed load hit it (about once in 40 resets with a 10 us switch interval)."""
    with FakeServer() as server:
        sg = server.sendgrid
        sg.add_block("before@load.example")
        journal = server.journal("sendgrid")
        served, go = threading.Event(), threading.Event()
        record = journal.record

        def paused_record(*fields: Any, **kwargs: Any) -> None:
            served.set()
            go.wait(10)
            record(*fields, **kwargs)

        monkeypatch.setattr(journal, "record", paused_record)
        answers: list[requests.Response] = []
        headers = {"Authorization": f"Bearer {sg.api_key}"}
        old = threading.Thread(
            target=lambda: answers.append(requests.get(sg.url + "/v3/suppression/blocks", headers=headers))
        )
        old.start()
        assert served.wait(10)
        with requests.Session() as s:
            CLEARS[clear](server, s)
        monkeypatch.undo()
        go.set()
        old.join(10)
        assert "before@load.example" in answers[0].text  # it was answered from the old state
        assert (len(journal), journal.total) == (0, 0), list(journal)
        requests.get(sg.url + "/v3/suppression/blocks", headers=headers)  # a new one is journaled
        assert [e.status for e in journal] == [200]
