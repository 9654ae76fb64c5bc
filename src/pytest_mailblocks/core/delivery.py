"""Delivery simulation, provider-agnostic (issue 21): what a send becomes.

A provider's send endpoint decides, per recipient, from its own lists and from the
outcome a test chose; the events that follow are kept in an outbox and, where the
provider has webhooks, posted to the URL a user configured. Everything here is the
part every provider shares; the provider supplies its lists, the shape of its events
and how they reach its webhooks. See ``docs/architecture.md`` ("Delivery").

- outcome kinds (:data:`KINDS`) and :class:`Outcome` (an SMTP reply, deferrals,
  a delay for complaints and unsubscribes), checked by :func:`parse_outcome`;
- the simulator domain :data:`SIMULATOR_DOMAIN`: ``bounce@``, ``complaint@``,
  ``defer@``, ``unsubscribe@``, ``invalid@``, ``success@`` (and ``block@``) need no
  set-up; a ``+tag`` in the local part keeps the outcome (:func:`simulated`);
- :class:`OutcomeBook`: outcomes chosen per address (the handle's ``outcome()``,
  ``POST /_mailblocks/<provider>/outcomes``), else the simulator, else delivery;
- :class:`BoundedLog`: the outbox of events (and the log of sends), bounded like
  the journal (entries and bytes, oldest dropped first, settable);
- :class:`Timeline`: work due at a time of the fake clock (a deferral retried, a
  complaint an hour after delivery), run when the clock reaches it;
- :class:`Delivery`: all of the above for one provider's state (a reset drops it),
  registered with the app's webhook dispatcher (:mod:`.webhooks`);
- :class:`DeliveryHandle`, the handle verbs, and :func:`delivery_actions`, the
  control-plane routes (``events``, ``outcomes``, ``sends``, ``webhook-deliveries``).

Time comes from the fake clock only: a task runs with its own due time as "now",
so the events of a deferral retried while the clock jumped three days carry the
times they were due at.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ControlError
from .journal import _Bound, _Bounded

if TYPE_CHECKING:
    from .app import App
    from .webhooks import Post, RetryPolicy

__all__ = [
    "BLOCK",
    "BOUNCE",
    "COMPLAINT",
    "DEFER",
    "DELIVER",
    "INVALID",
    "KINDS",
    "SIMULATOR_ADDRESSES",
    "SIMULATOR_DOMAIN",
    "UNSUBSCRIBE",
    "BoundedLog",
    "Delivery",
    "DeliveryHandle",
    "Entry",
    "Outcome",
    "OutcomeBook",
    "Timeline",
    "delivery_actions",
    "json_body",
    "parse_outcome",
    "simulated",
    "state_delivery",
]

DELIVER = "deliver"
BOUNCE = "bounce"  # a hard bounce: the address does not take mail
BLOCK = "block"  # refused for another reason (policy, content, reputation)
DEFER = "defer"  # a soft bounce: retried on the fake clock
COMPLAINT = "complaint"  # delivered, then marked as spam
UNSUBSCRIBE = "unsubscribe"  # delivered, then the recipient unsubscribed
INVALID = "invalid"  # the address is not one mail can reach
KINDS = (DELIVER, BOUNCE, BLOCK, DEFER, COMPLAINT, UNSUBSCRIBE, INVALID)

SIMULATOR_DOMAIN = "simulator.mailblocks.test"
#: the simulator's local parts and their outcomes (``block@`` beyond the names in DESIGN.md)
SIMULATOR_ADDRESSES = {
    "success": DELIVER,
    "bounce": BOUNCE,
    "block": BLOCK,
    "defer": DEFER,
    "complaint": COMPLAINT,
    "unsubscribe": UNSUBSCRIBE,
    "invalid": INVALID,
}
#: the SMTP reply class a kind's reply must have (kinds without one take no reply)
REPLY_CLASS = {DELIVER: "2", BOUNCE: "5", BLOCK: "5", DEFER: "4"}
_REPLY = re.compile(r"[245][0-9][0-9](?:[ -].*)?", re.S)
MAX_ADDRESS = 320
MAX_REPLY = 1000
MAX_TIMES = 1000
MAX_AFTER = 30 * 86400.0

#: default bounds; each is settable on the object at run time, until a reset
OUTBOX_MAXLEN = 10_000
OUTBOX_MAX_BYTES = 4 * 1024 * 1024
SENDS_MAXLEN = 1_000
SENDS_MAX_BYTES = 4 * 1024 * 1024
MAX_OUTCOMES = 10_000
MAX_SCHEDULED = 50_000


# -- outcomes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What happens to mail sent to one address.

    ``reply``: the receiving server's SMTP reply (deliver, bounce, block, defer; the
    provider's default when None). ``times``: for ``defer``, the deferrals before the
    mail is delivered (None: deferred until the provider gives up). ``after``: for
    ``complaint`` and ``unsubscribe``, seconds of the fake clock between delivery
    and the recipient's action. ``source``: ``chosen``, ``simulator`` or ``default``.
    """

    kind: str
    reply: str | None = None
    times: int | None = None
    after: float = 0.0
    source: str = "chosen"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reply": self.reply, "times": self.times, "after": self.after}


_DEFAULT = Outcome(DELIVER, source="default")
_SIMULATED = {kind: Outcome(kind, source="simulator") for kind in KINDS}
_FIELDS = ("email", "kind", "reply", "times", "after")


def simulated(email: str) -> Outcome | None:
    """The outcome the simulator domain gives ``email`` (``bounce+x@simulator.mailblocks.test``
    is a bounce), or None for any other address. Case-insensitive."""
    at = email.rfind("@")
    if at < 1 or email[at + 1 :].lower() != SIMULATOR_DOMAIN:
        return None
    kind = SIMULATOR_ADDRESSES.get(email[:at].split("+", 1)[0].lower())
    return None if kind is None else _SIMULATED[kind]


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def parse_outcome(data: Any, where: str = "", kinds: Iterable[str] = KINDS) -> tuple[str, Outcome]:
    """``{"email": ..., "kind": ..., "reply"?, "times"?, "after"?}`` checked in full.

    :raises ControlError: naming ``where`` and the field that is wrong.
    """
    kinds = tuple(kinds)
    if not isinstance(data, Mapping):
        raise ControlError('expected {"email": "...", "kind": "bounce", ...}', where=where or None)
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise ControlError(f"unknown field(s) {unknown}; an outcome has {list(_FIELDS)}", where=where or None)
    email, kind = data.get("email"), data.get("kind")
    if not isinstance(email, str) or "@" not in email or email != email.strip() or len(email) > MAX_ADDRESS:
        raise ControlError(f"email must be an address (at most {MAX_ADDRESS} characters)", where=where or None)
    if kind not in kinds:
        raise ControlError(f"kind must be one of {list(kinds)}, got {kind!r}", where=where or None)
    reply, times, after = data.get("reply"), data.get("times"), data.get("after")
    if reply is not None:
        wanted = REPLY_CLASS.get(kind)
        if wanted is None:
            raise ControlError(f"a {kind} outcome takes no reply", where=where or None)
        if not isinstance(reply, str) or not _REPLY.fullmatch(reply) or len(reply) > MAX_REPLY:
            raise ControlError(
                f'reply must be an SMTP reply such as "550 5.1.1 user unknown" (at most {MAX_REPLY} characters)',
                where=where or None,
            )
        if "\r" in reply or "\n" in reply:
            raise ControlError("reply must be one line", where=where or None)
        if reply[0] != wanted:
            raise ControlError(f"a {kind} outcome takes a {wanted}xx reply, got {reply[:3]!r}", where=where or None)
    if times is not None:
        if kind != DEFER:
            raise ControlError("times applies to defer outcomes only", where=where or None)
        if isinstance(times, bool) or not isinstance(times, int) or not 0 <= times <= MAX_TIMES:
            raise ControlError(f"times must be an integer from 0 to {MAX_TIMES} (or null)", where=where or None)
    if after is not None:
        if kind not in (COMPLAINT, UNSUBSCRIBE):
            raise ControlError("after applies to complaint and unsubscribe outcomes only", where=where or None)
        if not _number(after) or not math.isfinite(after) or not 0 <= after <= MAX_AFTER:
            raise ControlError(f"after must be seconds from 0 to {MAX_AFTER:.0f}", where=where or None)
    return email, Outcome(kind, reply, times, float(after or 0.0))


class OutcomeBook:
    """Outcomes chosen per address (case-insensitive), at most ``limit`` of them."""

    def __init__(self, limit: int = MAX_OUTCOMES) -> None:
        self.limit = limit
        self._chosen: dict[str, tuple[str, Outcome]] = {}

    def __len__(self) -> int:
        return len(self._chosen)

    def choose(self, pairs: Iterable[tuple[str, Outcome]]) -> int:
        """Choose every (address, outcome), all or none (the limit is checked first)."""
        pairs = list(pairs)
        new = {email.lower() for email, _ in pairs} - self._chosen.keys()
        if len(self._chosen) + len(new) > self.limit:
            raise ControlError(f"at most {self.limit:,} chosen outcomes are kept; clear some first")
        for email, outcome in pairs:
            self._chosen[email.lower()] = (email, outcome)
        return len(pairs)

    def clear(self, email: str | None = None) -> int:
        if email is None:
            n = len(self._chosen)
            self._chosen.clear()
            return n
        return 0 if self._chosen.pop(email.lower(), None) is None else 1

    def chosen(self) -> list[dict[str, Any]]:
        return [{"email": email, **outcome.to_dict()} for email, outcome in self._chosen.values()]

    def decide(self, email: str) -> Outcome:
        """The chosen outcome, else the simulator's, else delivery."""
        hit = self._chosen.get(email.lower()) if self._chosen else None
        if hit is not None:
            return hit[1]
        return simulated(email) or _DEFAULT


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body(text: str) -> Any:
    """A send body read as JSON, strictly: ``NaN`` and ``Infinity``, which Python's
    ``json`` alone would take, raise ``ValueError`` as any other unreadable text does."""
    return json.loads(text, parse_constant=_no_constant)


# -- the outbox ------------------------------------------------------------------------------
class Entry(NamedTuple):
    """One event (or send) kept in a :class:`BoundedLog`. ``data`` is the provider's
    own shape (what its webhook posts); ``size`` what the entry is counted as."""

    seq: int
    time: float
    type: str
    email: str
    tenant: str | None
    data: dict[str, Any]
    size: int


_ENTRY_OVERHEAD = 240
_FIELD_OVERHEAD = 48


def _estimate(data: Mapping[str, Any]) -> int:
    """About what ``data`` holds in memory (cheap: no serialisation of plain values)."""
    size = _ENTRY_OVERHEAD
    for key, value in data.items():
        size += _FIELD_OVERHEAD + len(key)
        if isinstance(value, str):
            size += len(value)
        elif isinstance(value, (list, dict)):
            size += len(json.dumps(value, default=str))
    return size


class BoundedLog(_Bounded):
    """A thread-safe, ordered log of :class:`Entry`, bounded as the journal is:
    ``maxlen`` entries and ``max_bytes`` (estimated), the oldest dropped first; both
    settable at any time (a lower bound drops at once). ``total`` counts every entry
    added since the last clear, ``dropped`` those the bounds dropped."""

    maxlen = _Bound()
    max_bytes = _Bound()

    def __init__(self, maxlen: int | None, max_bytes: int | None) -> None:
        self._records: deque[Entry] = deque()
        self._lock = threading.Lock()
        #: the ``seq`` of the next entry (never reused, a clear included)
        self.next_seq = 1
        self.total = 0
        self.nbytes = 0
        self._maxlen: int | None = None
        self._max_bytes: int | None = None
        self.maxlen, self.max_bytes = maxlen, max_bytes

    def add(self, type: str, email: str, data: dict[str, Any], *, time: float, tenant: str | None = None) -> Entry:
        size = _estimate(data)
        with self._lock:
            entry = Entry(self.next_seq, time, type, email, tenant, data, size)
            self.next_seq += 1
            self._records.append(entry)
            self.nbytes += entry.size
            self.total += 1
            self._trim()
        return entry

    def clear(self) -> int:
        with self._lock:
            n = len(self._records)
            self._records.clear()
            self.total = 0
            self.nbytes = 0
        return n

    def __len__(self) -> int:
        return len(self._records)

    def snapshot(self) -> tuple[list[Entry], int, int]:
        """(the entries, ``total``, ``next_seq``), read at once."""
        with self._lock:
            return list(self._records), self.total, self.next_seq

    def restore(self, entries: Iterable[Entry], total: int, next_seq: int) -> None:
        """Hold ``entries`` (oldest first), as :meth:`snapshot` read them; the bounds
        apply as they stand."""
        with self._lock:
            self._records = deque(entries)
            self.nbytes = sum(e.size for e in self._records)
            self.total, self.next_seq = total, next_seq
            self._trim()

    def entries(
        self,
        type: str | None = None,
        email: str | None = None,
        *,
        tenant: str | None = None,
        since: int | None = None,
    ) -> list[Entry]:
        """Entries in order; ``email`` case-insensitive, ``since`` a ``seq`` (after it)."""
        with self._lock:
            records = list(self._records)
        wanted = None if email is None else email.lower()
        return [
            e
            for e in records
            if (type is None or e.type == type)
            and (wanted is None or e.email.lower() == wanted)
            and (tenant is None or e.tenant == tenant)
            and (since is None or e.seq > since)
        ]

    def filter(self, type: str | None = None, email: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """The entries' data (the provider's shape), as :meth:`entries` selects them."""
        return [dict(e.data) for e in self.entries(type, email, **kwargs)]

    def __repr__(self) -> str:
        return f"<BoundedLog {len(self)} entries, ~{self.nbytes:,} bytes, {self.dropped} dropped>"


# -- the fake clock's work -------------------------------------------------------------------------
class Timeline:
    """Work due at instants of the fake clock, run in time order (ties: first come).

    A task is ``fn(at)``, called under the app's lock with its own due time; it may
    schedule more. At most ``limit`` tasks wait at once: beyond, a new one is not
    kept (``dropped`` counts them), so nothing a client sends grows it without bound."""

    def __init__(self, limit: int = MAX_SCHEDULED) -> None:
        self.limit = limit
        self.dropped = 0
        self._heap: list[tuple[float, int, Callable[[float], None]]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, at: float, fn: Callable[[float], None]) -> bool:
        if len(self._heap) >= self.limit:
            self.dropped += 1
            return False
        heapq.heappush(self._heap, (at, next(self._seq), fn))
        return True

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self, now: float, limit: int = 1_000_000) -> int:
        """Run every task due at or before ``now`` (those they schedule too)."""
        heap = self._heap
        done = 0
        while heap and heap[0][0] <= now and done < limit:
            at, _, fn = heapq.heappop(heap)
            fn(at)
            done += 1
        return done

    def clear(self) -> None:
        self._heap.clear()


# -- one provider's delivery state ------------------------------------------------------------
class Delivery:
    """The outbox, chosen outcomes, sends, timeline and webhook queue of one provider's
    state. The provider creates it lazily (nothing costs anything until a test sends),
    drops it with its state on reset (:meth:`close`), and supplies:

    - ``router(entries)``: called with the events one step produced (a send, or the
      tasks one clock move made due) to turn them into webhook posts (:meth:`post`),
      batched and signed as the provider does; None if the provider has no webhooks;
    - ``retry``: its webhook retry schedule (:class:`~.webhooks.RetryPolicy`).
    """

    def __init__(
        self,
        app: App,
        key: str,
        *,
        router: Callable[[list[Entry]], None] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        from .webhooks import RetryPolicy, WebhookQueue

        self.app = app
        self.key = key
        self.router = router
        self.outbox = BoundedLog(OUTBOX_MAXLEN, OUTBOX_MAX_BYTES)
        self.sends = BoundedLog(SENDS_MAXLEN, SENDS_MAX_BYTES)
        self.outcomes = OutcomeBook()
        self.timeline = Timeline()
        self.webhooks = WebhookQueue(retry or RetryPolicy())
        self.closed = False
        self._step: list[Entry] = []
        app.webhooks.register(self)

    # -- events -----------------------------------------------------------------------------
    def emit(self, type: str, email: str, data: dict[str, Any], *, time: float, tenant: str | None = None) -> Entry:
        """Keep an event in the outbox; it goes to the router at the end of the step."""
        entry = self.outbox.add(type, email, data, time=time, tenant=tenant)
        self._step.append(entry)
        return entry

    def end_step(self) -> None:
        """Hand the step's events to the router (the provider's webhooks)."""
        events, self._step = self._step, []
        if events and self.router is not None and not self.closed:
            self.router(events)

    def sent(self, sender: str, record: dict[str, Any], *, time: float, tenant: str | None = None) -> None:
        """A send decided: keep its ``record`` (the provider's shape) in the sends log and
        hand the step's events to the router."""
        self.sends.add("send", sender, record, time=time, tenant=tenant)
        self.end_step()

    # -- the clock ------------------------------------------------------------------------------
    def schedule(self, at: float, fn: Callable[[float], None]) -> bool:
        """Run ``fn(at)`` when the fake clock reaches ``at`` (under the app's lock)."""
        kept = self.timeline.add(at, fn)
        self.app.webhooks.wake()
        return kept

    def later(self, t: float, seconds: float, fn: Callable[[float], None]) -> None:
        """``fn(t)`` now when ``seconds`` is 0, else ``fn(t + seconds)`` when the clock
        gets there (a recipient's complaint or unsubscribe some time after delivery)."""
        if seconds:
            self.schedule(t + seconds, fn)
        else:
            fn(t)

    def defer(
        self,
        outcome: Outcome,
        t0: float,
        *,
        delays: tuple[float, ...],
        give_up: float,
        deferred: Callable[[float, int], None],
        delivered: Callable[[float], None],
        gave_up: Callable[[float], None],
    ) -> None:
        """A deferral as providers retry it on the fake clock: ``deferred(t, n)`` at the
        n-th try (the first at ``t0``), the next ``delays[n-1]`` seconds later (the last
        delay repeats); ``delivered(t)`` at the try after ``outcome.times`` deferrals, or
        with ``times`` None, ``gave_up(t)`` ``give_up`` seconds after the first try."""

        def attempt(t: float, n: int) -> None:
            if outcome.times is not None and n > outcome.times:
                delivered(t)
                return
            deferred(t, n)
            after = t + delays[min(n - 1, len(delays) - 1)]
            if outcome.times is None and after >= t0 + give_up:
                self.schedule(t0 + give_up, gave_up)
            else:
                self.schedule(after, lambda at: attempt(at, n + 1))

        attempt(t0, 1)

    def tick(self, now: float | None = None) -> int:
        """Run the work due by ``now`` (default: the clock's now); call under the lock."""
        if self.closed:
            return 0
        done = self.timeline.run_due(self.app.clock.time() if now is None else now)
        self.end_step()
        return done

    # -- webhooks ---------------------------------------------------------------------------
    def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: dict[str, str] | None = None,
        sign: Callable[[bytes, float], dict[str, str]] | None = None,
        events: int = 0,
        created: float | None = None,
        retry: bool = True,
    ) -> Post:
        """Queue a webhook POST of ``body`` to ``url`` (a URL the user configured).

        ``sign(body, now)`` gives the signature headers for each attempt (``now``: the
        fake clock's reading when it is made). ``retry``: retry on failure by the
        policy (else one attempt). The dispatcher thread makes the attempts."""
        from .webhooks import Post

        now = self.app.clock.time()
        post = Post(url, body, dict(headers or {}), sign, now if created is None else created, now, events, retry)
        self.webhooks.add(post)
        self.app.webhooks.wake()
        return post

    def next_due(self) -> float | None:
        due = [t for t in (self.timeline.next_due(), self.webhooks.next_due()) if t is not None]
        return min(due) if due else None

    def busy(self, now: float) -> bool:
        """Work due by ``now``: a task, a webhook attempt, or an attempt in flight."""
        due = self.timeline.next_due()
        return (due is not None and due <= now) or self.webhooks.busy(now)

    def close(self) -> None:
        """The state is gone (a reset): forget scheduled work and pending posts."""
        self.closed = True
        self.timeline.clear()
        self.webhooks.clear()
        self._step = []


def state_delivery(
    provider: Any,
    create: bool,
    *,
    retry: RetryPolicy | None = None,
    route: Callable[[Delivery], None] | None = None,
    max_pending: int | None = None,
    state: Any = None,
) -> Delivery | None:
    """A provider's ``delivery(create)``: its state's ``delivery`` (None until a send
    needs one), made on first use with the provider's webhook ``retry`` policy, its
    router (``route(delivery)`` sets ``delivery.router``; none for a provider without
    webhooks) and, for a provider that posts each event alone, a larger cap of posts
    waiting at once (``max_pending``). ``state``: another state than the live one
    (one a snapshot is building)."""
    state = provider.state if state is None else state
    if state.delivery is None and create:
        d = Delivery(provider.app, provider.key, retry=retry)
        if max_pending is not None:
            d.webhooks.max_pending = max_pending
        if route is not None:
            route(d)
        state.delivery = d
    delivery: Delivery | None = state.delivery
    return delivery


# -- the handle's verbs ------------------------------------------------------------------------
class DeliveryHandle:
    """Mixed into a provider's handle (``server.<provider>``) whose provider answers
    ``delivery(create=True)``. ``tenant_word`` names the provider's tenant keyword."""

    _provider: Any
    _owner: Any

    def _delivery(self) -> Delivery:
        with self._provider.lock:
            delivery: Delivery = self._provider.delivery(create=True)
            delivery.tick()
        return delivery

    def outcome(
        self,
        email: str,
        kind: str,
        *,
        reply: str | None = None,
        times: int | None = None,
        after: float | None = None,
    ) -> dict[str, Any]:
        """Choose what happens to mail sent to ``email``: ``deliver``, ``bounce``
        (``reply`` a 5xx SMTP reply), ``block``, ``defer`` (``reply`` a 4xx one;
        ``times`` deferrals before delivery, None: until the provider gives up),
        ``complaint`` and ``unsubscribe`` (``after`` seconds after delivery),
        ``invalid``. Replaces an earlier choice for the address; returns it."""
        fields = {"email": email, "kind": kind, "reply": reply, "times": times, "after": after}
        email, outcome = parse_outcome(fields, "outcome", self._provider.outcome_kinds)
        with self._provider.lock:
            self._delivery().outcomes.choose([(email, outcome)])
        return {"email": email, **outcome.to_dict()}

    def outcomes(self) -> list[dict[str, Any]]:
        """The chosen outcomes (the simulator domain needs none)."""
        with self._provider.lock:
            return self._delivery().outcomes.chosen()

    def clear_outcomes(self, email: str | None = None) -> int:
        """Forget the outcome chosen for ``email`` (None: every one); how many went."""
        with self._provider.lock:
            return self._delivery().outcomes.clear(email)

    def events(self, type: str | None = None, email: str | None = None) -> list[dict[str, Any]]:
        """The events, oldest first, in the provider's own shape (what its webhook
        posts); ``type`` and ``email`` (case-insensitive) select."""
        return self._delivery().outbox.filter(type, email)

    def _tenant_events(
        self, type: str | None, email: str | None, tenant: str | None, known: Callable[[str], Any]
    ) -> list[dict[str, Any]]:
        """:meth:`events` of one tenant (None: every one); ``known(tenant)`` raises a
        ControlError for a tenant the provider does not have."""
        with self._provider.lock:
            if tenant is not None:
                known(tenant)
            outbox = self._delivery().outbox
        return outbox.filter(type, email, tenant=tenant)

    @property
    def outbox(self) -> BoundedLog:
        """Every event, oldest first, bounded (``outbox.maxlen``, ``outbox.max_bytes``,
        ``outbox.total``, ``outbox.dropped``, ``outbox.clear()``)."""
        return self._delivery().outbox

    def sends(self) -> list[dict[str, Any]]:
        """The sends the fake accepted, oldest first (bounded as the outbox is)."""
        return self._delivery().sends.filter()

    def webhook_deliveries(self) -> dict[str, Any]:
        """``{"pending": [...], "attempts": [...]}``: posts waiting (or waiting for a
        retry) and every attempt made, with its status or error."""
        with self._provider.lock:
            queue = self._delivery().webhooks
            return {"pending": queue.pending_list(), "attempts": list(queue.attempts)}

    def flush_events(self, timeout: float = 5.0) -> None:
        """Wait (in real time, at most ``timeout`` seconds) until every webhook post due
        at the fake clock's now has been attempted: delivered, or failed and waiting
        for a retry at a later fake time. Nothing sleeps: the dispatcher says when.

        :raises TimeoutError: posts still in flight or due after ``timeout``.
        """
        self._delivery()
        if not self._owner.app.webhooks.wait_idle(timeout):
            raise TimeoutError(
                f"webhook deliveries still due after {timeout} s: {self.webhook_deliveries()['pending']}"
            )


# -- the control plane ------------------------------------------------------------------------
def _query_int(query: Mapping[str, str], name: str) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ControlError(f"query parameter {name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def delivery_actions(provider: Any, tenant_param: str | None = None) -> dict[str, Callable[..., Any]]:
    """The control-plane routes of a provider with delivery simulation, for its
    ``control_actions()``: ``/_mailblocks/<key>/events`` (GET ``?type=&email=`` plus
    ``<tenant_param>=``, ``since=``, ``limit=``; DELETE clears), ``/outcomes`` (GET,
    POST one or a list, DELETE one ``{"email": ...}`` or all), ``/sends`` (GET,
    DELETE) and ``/webhook-deliveries`` (GET). Actions run under the app's lock."""
    from .provider import json_response

    def delivery() -> Delivery:
        d: Delivery = provider.delivery(create=True)
        d.tick()
        return d

    def logged(name: str, log_of: Callable[[Delivery], BoundedLog], filters: bool) -> Callable[..., Any]:
        def action(method: str, payload: Any, query: dict[str, str]) -> Any:
            log = log_of(delivery())
            if method == "DELETE":
                return {"provider": provider.key, "cleared": log.clear()}
            if method != "GET":
                raise ControlError("use GET or DELETE", status=405)
            tenant = (query.get(tenant_param) or None) if tenant_param else None
            entries = log.entries(
                (query.get("type") or None) if filters else None,
                (query.get("email") or None) if filters else None,
                tenant=tenant,
                since=_query_int(query, "since"),
            )
            limit = _query_int(query, "limit")
            if limit is not None:
                entries = entries[:limit] if "since" in query else entries[len(entries) - limit :] if limit else []
            return {
                "provider": provider.key,
                "count": len(entries),
                "total": log.total,
                "dropped": log.dropped,
                "last_seq": entries[-1].seq if entries else None,
                name: [e.data for e in entries],
            }

        return action

    def outcomes(method: str, payload: Any, query: dict[str, str]) -> Any:
        book = delivery().outcomes
        if method == "GET":
            chosen = book.chosen()
            return {"provider": provider.key, "count": len(chosen), "outcomes": chosen}
        if method == "DELETE":
            if payload is not None and not (isinstance(payload, dict) and set(payload) == {"email"}):
                raise ControlError('expected no body (clear all) or {"email": "..."}')
            email = None if payload is None else payload["email"]
            if email is not None and not isinstance(email, str):
                raise ControlError("email must be a string")
            return {"provider": provider.key, "cleared": book.clear(email)}
        if method != "POST":
            raise ControlError("use GET, POST or DELETE", status=405)
        items = payload if isinstance(payload, list) else [payload]
        pairs = [parse_outcome(item, f"outcomes[{i}]", provider.outcome_kinds) for i, item in enumerate(items)]
        book.choose(pairs)
        chosen = [{"email": email, **outcome.to_dict()} for email, outcome in pairs]
        return json_response({"provider": provider.key, "chosen": len(pairs), "outcomes": chosen}, 201, compact=False)

    def deliveries(method: str, payload: Any, query: dict[str, str]) -> Any:
        if method != "GET":
            raise ControlError("use GET", status=405)
        queue = delivery().webhooks
        return {"provider": provider.key, "pending": queue.pending_list(), "attempts": list(queue.attempts)}

    return {
        "events": logged("events", lambda d: d.outbox, True),
        "outcomes": outcomes,
        "sends": logged("sends", lambda d: d.sends, False),
        "webhook-deliveries": deliveries,
    }
