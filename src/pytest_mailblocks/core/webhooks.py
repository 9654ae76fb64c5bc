"""Webhook posts, provider-agnostic (issue 21): queued per provider state, retried
on the fake clock, made by one background thread per app that never blocks a
request.

- :class:`RetryPolicy`: a provider's retry schedule (increasing delays after each
  failed attempt, given up ``max_age`` seconds after the events);
- :class:`Post`: one batch to deliver (the body, the URL a user configured, a signer
  called for each attempt with the fake clock's reading);
- :class:`WebhookQueue`: one provider state's posts waiting, in flight or waiting to
  be retried, bounded (oldest dropped first), and a log of every attempt;
- :class:`WebhookDispatcher` (``app.webhooks``, ``server.webhooks``): the thread,
  started when work appears, ended when none waits, and stopped with the server. What is due is decided by the
  fake clock: with the clock frozen, a retry waits until the clock is moved, and a
  move wakes the thread (the app subscribes to the clock). The thread waits in real
  time only for work or, with the clock running, for the next due instant.
  :meth:`WebhookDispatcher.wait_idle` lets a test wait for deliveries without sleeping.

Posts go only to the URL a provider's settings (or its test endpoint) were given:
plain ``http://`` or ``https://`` (certificates verified), ``user:password@`` in
the URL sent as basic auth, no redirects followed, no proxy from the environment.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time as _time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import ControlError

if TYPE_CHECKING:
    from .app import App
    from .delivery import Delivery

__all__ = ["Post", "RetryPolicy", "WebhookDispatcher", "WebhookQueue", "chosen_events", "http_post", "valid_url"]

#: bytes of a receiver's answer read (the rest is dropped with the connection)
MAX_ANSWER = 64 * 1024
MAX_PENDING = 1_000
MAX_PENDING_BYTES = 32 * 1024 * 1024
MAX_ATTEMPTS_LOG = 1_000


@dataclass(frozen=True)
class RetryPolicy:
    """``delays[i]``: seconds of the fake clock after the (i+1)-th failed attempt
    (the last repeats); no attempt later than ``max_age`` seconds after the post's
    events; ``timeout``: real seconds an attempt may take."""

    delays: tuple[float, ...] = (60, 120, 300, 600, 1200, 2400, 3600, 7200, 14400, 28800)
    max_age: float = 86400.0
    timeout: float = 10.0


@dataclass(eq=False)
class Post:
    """One webhook POST to make (and retry)."""

    url: str
    body: bytes
    headers: dict[str, str]
    sign: Callable[[bytes, float], dict[str, str]] | None
    created: float  # fake time of the events it carries
    due: float  # fake time of the next attempt
    events: int = 0
    retry: bool = True
    #: numbered by the queue it joins (1, 2 ... per provider state)
    id: int = 0
    attempts: int = 0
    in_flight: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": self.events,
            "bytes": len(self.body),
            "created": self.created,
            "due": self.due,
            "attempts": self.attempts,
            "in_flight": self.in_flight,
        }


class WebhookQueue:
    """One provider state's webhook posts. Call under the app's lock."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        max_pending: int = MAX_PENDING,
        max_bytes: int = MAX_PENDING_BYTES,
        log: int = MAX_ATTEMPTS_LOG,
    ) -> None:
        self.policy = policy
        self.max_pending = max_pending
        self.max_bytes = max_bytes
        #: by id, oldest first: removing a post costs the same with one or ten thousand
        #: waiting (a provider that posts each event alone queues one per recipient)
        self._pending: dict[int, Post] = {}
        self.nbytes = 0
        self.dropped = 0  # posts the bounds dropped before they were delivered
        self.delivered = 0
        self.attempts: deque[dict[str, Any]] = deque(maxlen=log)
        self._ids = itertools.count(1)

    @property
    def pending(self) -> list[Post]:
        """The posts waiting (or in flight), oldest first."""
        return list(self._pending.values())

    def add(self, post: Post) -> None:
        if not post.id:
            post.id = next(self._ids)
        self._pending[post.id] = post
        self.nbytes += len(post.body)
        while len(self._pending) > self.max_pending or self.nbytes > self.max_bytes:
            oldest = next((p for p in self._pending.values() if not p.in_flight), None)
            if oldest is None:
                break
            self._remove(oldest)
            self.dropped += 1

    def _remove(self, post: Post) -> None:
        del self._pending[post.id]
        self.nbytes -= len(post.body)

    def take_due(self, now: float) -> list[Post]:
        """The posts due by ``now``, marked in flight (one attempt each)."""
        due = [p for p in self._pending.values() if not p.in_flight and p.due <= now]
        for post in due:
            post.in_flight = True
            post.attempts += 1
        return due

    def finish(self, post: Post, status: int | None, error: str | None, now: float) -> None:
        """Record an attempt: a 2xx delivers, anything else is retried by the policy."""
        post.in_flight = False
        entry: dict[str, Any] = {
            "post": post.id,
            "url": post.url,
            "attempt": post.attempts,
            "time": now,
            "status": status,
            "error": error,
            "events": post.events,
        }
        if self._pending.get(post.id) is not post:  # cleared meanwhile (a reset)
            return
        if status is not None and 200 <= status < 300:
            self._remove(post)
            self.delivered += 1
            entry["result"] = "delivered"
        else:
            delays = self.policy.delays or (60.0,)
            after = now + delays[min(post.attempts - 1, len(delays) - 1)]
            if post.retry and after <= post.created + self.policy.max_age:
                post.due = after
                entry["result"] = "retry"
                entry["next"] = after
            else:
                self._remove(post)
                entry["result"] = "gave_up"
        self.attempts.append(entry)

    def next_due(self) -> float | None:
        return min((p.due for p in self._pending.values() if not p.in_flight), default=None)

    def busy(self, now: float) -> bool:
        return any(p.in_flight or p.due <= now for p in self._pending.values())

    def pending_list(self) -> list[dict[str, Any]]:
        return [p.describe() for p in self._pending.values()]

    def clear(self) -> None:
        self._pending = {}
        self.nbytes = 0


def valid_url(url: str) -> bool:
    """A URL a webhook may be set to: ``http://`` or ``https://``, a host, a valid port,
    no blanks (what the providers' settings APIs take)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


def chosen_events(events: Any, known: Mapping[str, str], every: Iterable[str], *, empty: bool = True) -> frozenset[str]:
    """The events a webhook set up from Python or the control plane takes: ``events``
    a list of names, each a key of ``known`` (the spellings a user may write, mapped to
    the provider's own); None for ``every`` event; an empty list only where ``empty``.

    :raises ControlError: a name not known, or ``events`` not a list of names.
    """
    if events is None:
        return frozenset(every)
    if not isinstance(events, (list, tuple, set, frozenset)) or not all(isinstance(e, str) for e in events):
        raise ControlError("events must be a list of event names (or null for every event)")
    unknown = sorted(e for e in events if e not in known)
    if unknown:
        raise ControlError(f"unknown event(s) {unknown}; known: {sorted(known)}")
    if not events and not empty:
        raise ControlError("events must name at least one event (or be null for every event)")
    return frozenset(known[e] for e in events)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """POST ``body`` to ``url``: (status, None), or (None, what went wrong)."""
    import http.client  # here: a provider that never posts does not pay for it (issue 18)

    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, f"not an http(s) URL: {url!r}"
        port = parts.port
    except ValueError as exc:
        return None, f"bad URL: {exc}"
    headers = dict(headers)
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = cls(parts.hostname, port, timeout=timeout)
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_ANSWER)
        return response.status, None
    except (OSError, http.client.HTTPException, ValueError, UnicodeError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


class WebhookDispatcher:
    """The app's webhook thread (``app.webhooks``). See the module docstring.

    ``transport(url, body, headers, timeout) -> (status, error)`` makes one attempt
    (:func:`http_post`); a test may replace it to record instead of posting."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.transport: Callable[[str, bytes, dict[str, str], float], tuple[int | None, str | None]] = http_post
        self._deliveries: weakref.WeakSet[Delivery] = weakref.WeakSet()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._dirty = False
        self._rounds = 0
        self.attempts = 0

    def register(self, delivery: Delivery) -> None:
        with self._cond:
            self._deliveries.add(delivery)

    def _live(self) -> list[Delivery]:
        with self._cond:
            return [d for d in self._deliveries if not d.closed]

    # -- waking ------------------------------------------------------------------------------
    def wake(self) -> None:
        """New work, or the clock moved: the thread looks again (started if needed).
        Safe to call holding the app's lock."""
        with self._cond:
            self._dirty = True
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="mailblocks-webhooks", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def clock_moved(self) -> None:
        """Run the work the move made due, here and now (so state read right after
        the move shows it), then let the thread post what it produced."""
        live = self._live()
        if not live:
            return
        with self.app.lock:
            now = self.app.clock.time()
            for delivery in live:
                delivery.tick(now)
        self.wake()

    # -- waiting -----------------------------------------------------------------------------
    def busy(self) -> bool:
        """Whether any work is due at the fake clock's now (or an attempt in flight)."""
        with self.app.lock:
            now = self.app.clock.time()
            live = self._live()
            for delivery in live:
                delivery.tick(now)
            return any(d.busy(now) for d in live)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is due at the fake clock's now and no attempt is in
        flight (at most ``timeout`` real seconds); whether that happened. A post that
        failed waits for its retry at a later fake time, so it does not count."""
        deadline = _time.monotonic() + timeout
        while True:
            with self._cond:
                seen = self._rounds
            if not self.busy():
                return True
            self.wake()
            remaining = deadline - _time.monotonic()
            if remaining <= 0:
                return False
            with self._cond:
                if self._rounds == seen:
                    self._cond.wait(min(remaining, 0.05))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (an attempt in flight finishes first); a later wake
        starts it again."""
        with self._cond:
            thread = self._thread
            self._stopping = True
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._cond:
            if self._thread is thread:
                self._thread = None

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                self._dirty = False
            try:
                worked, next_due = self._round()
            except Exception as exc:  # a bug in the fake: recorded, and the thread goes on
                exc.__traceback__ = None
                self.app.errors.append(exc)
                traceback.print_exc()
                worked, next_due = False, None
            with self._cond:
                self._rounds += 1
                self._cond.notify_all()
                if self._stopping:
                    return
                if worked or self._dirty:
                    continue
                if next_due is None:  # nothing waits: the thread ends, a wake starts another
                    self._thread = None
                    return
                self._cond.wait(self._wait_for(next_due))

    def _wait_for(self, next_due: float) -> float | None:
        """Real seconds to wait: until woken if the clock is frozen, else until the
        next due instant (the running clock keeps real pace)."""
        clock = self.app.clock
        if clock.frozen:
            return None
        return min(max(0.0, next_due - clock.time()), 3600.0)

    def _round(self) -> tuple[bool, float | None]:
        """Run due work, make the due attempts (outside the lock), record them."""
        app = self.app
        with app.lock:
            now = app.clock.time()
            live = self._live()
            for delivery in live:
                delivery.tick(now)
            work = [(d, p) for d in live for p in d.webhooks.take_due(now)]
        for delivery, post in work:
            attempted = app.clock.time()
            try:
                headers = dict(post.headers)
                if post.sign is not None:
                    headers.update(post.sign(post.body, attempted))
                status, error = self.transport(post.url, post.body, headers, delivery.webhooks.policy.timeout)
            except Exception as exc:  # a signer or transport that failed: a failed attempt
                status, error = None, f"{type(exc).__name__}: {exc}"
            self.attempts += 1
            with app.lock:
                delivery.webhooks.finish(post, status, error, app.clock.time())
        with app.lock:
            due = [t for d in self._live() if (t := d.next_due()) is not None]
        return bool(work), min(due, default=None)

    def __repr__(self) -> str:
        running = self._thread is not None and self._thread.is_alive()
        return f"<WebhookDispatcher {'running' if running else 'idle'} {len(self._live())} providers>"
