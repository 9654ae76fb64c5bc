"""The provider-agnostic delivery machinery (issue 21): outcomes, the simulator domain,
the bounded outbox, the fake clock's timeline, webhook posts and their dispatcher.

A ``Delivery`` here belongs to no provider: the tests build one on an ``App`` and
replace the dispatcher's transport, so nothing leaves the process; the SendGrid tests
(tests/sendgrid/test_webhooks.py) post to a real receiver on loopback."""

from __future__ import annotations

import threading

import pytest

from pytest_mailblocks import App
from pytest_mailblocks.core.delivery import (
    KINDS,
    SIMULATOR_DOMAIN,
    BoundedLog,
    Delivery,
    Outcome,
    OutcomeBook,
    Timeline,
    parse_outcome,
    simulated,
    state_delivery,
)
from pytest_mailblocks.core.errors import ControlError
from pytest_mailblocks.core.webhooks import RetryPolicy, WebhookQueue, chosen_events, http_post

T0 = 1_714_521_600.0  # 2024-05-01T00:00:00Z


# -- the simulator domain -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("success@simulator.mailblocks.test", "deliver"),
        ("bounce@simulator.mailblocks.test", "bounce"),
        ("block@simulator.mailblocks.test", "block"),
        ("defer@simulator.mailblocks.test", "defer"),
        ("complaint@simulator.mailblocks.test", "complaint"),
        ("unsubscribe@simulator.mailblocks.test", "unsubscribe"),
        ("invalid@simulator.mailblocks.test", "invalid"),
        ("bounce+order-42@simulator.mailblocks.test", "bounce"),
        ("Complaint+X@Simulator.Mailblocks.Test", "complaint"),
        ("defer+a+b@simulator.mailblocks.test", "defer"),
    ],
)
def test_the_simulator_domain_needs_no_set_up_and_a_tag_keeps_the_outcome(address, kind):
    outcome = simulated(address)
    assert outcome is not None and (outcome.kind, outcome.source) == (kind, "simulator")


@pytest.mark.parametrize(
    "address",
    ["bounce@example.com", "nobody@simulator.mailblocks.test", "bounce@sub.simulator.mailblocks.test", "bounce", "@x"],
)
def test_other_addresses_are_not_simulated(address):
    assert simulated(address) is None


def test_a_chosen_outcome_wins_over_the_simulator_and_delivery_is_the_default():
    book = OutcomeBook()
    assert book.decide("a@example.com") == Outcome("deliver", source="default")
    book.choose([("Bounce@Simulator.Mailblocks.Test", Outcome("deliver"))])
    assert book.decide("bounce@simulator.mailblocks.test").kind == "deliver"  # case-insensitive
    assert book.decide("bounce+x@simulator.mailblocks.test").kind == "bounce"
    assert book.chosen() == [
        {"email": "Bounce@Simulator.Mailblocks.Test", "kind": "deliver", "reply": None, "times": None, "after": 0.0}
    ]
    assert book.clear("BOUNCE@simulator.mailblocks.test") == 1 and book.clear() == 0


def test_the_outcome_book_is_bounded_and_a_choice_over_the_bound_changes_nothing():
    book = OutcomeBook(limit=2)
    book.choose([("a@x.io", Outcome("bounce")), ("b@x.io", Outcome("bounce"))])
    with pytest.raises(ControlError, match="at most 2 chosen outcomes are kept; clear some first"):
        book.choose([("a@x.io", Outcome("defer")), ("c@x.io", Outcome("bounce"))])
    assert [o["kind"] for o in book.chosen()] == ["bounce", "bounce"]
    book.choose([("A@X.IO", Outcome("defer"))])  # replacing one is no new entry
    assert len(book) == 2


# -- outcomes checked ---------------------------------------------------------------------------
def test_an_outcome_is_parsed_with_its_parameters():
    email, outcome = parse_outcome({"email": "a@x.io", "kind": "defer", "reply": "421 4.7.0 busy", "times": 2})
    assert (email, outcome) == ("a@x.io", Outcome("defer", "421 4.7.0 busy", 2, 0.0))
    assert parse_outcome({"email": "a@x.io", "kind": "complaint", "after": 3600})[1].after == 3600.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("bounce", 'where: expected {"email": "...", "kind": "bounce", ...}'),
        ({"email": "a@x.io", "kind": "bounce", "x": 1}, "where: unknown field(s) ['x']; an outcome has "),
        ({"email": "nope", "kind": "bounce"}, "where: email must be an address (at most 320 characters)"),
        ({"email": " a@x.io", "kind": "bounce"}, "where: email must be an address"),
        ({"email": "a@x.io", "kind": "explode"}, "where: kind must be one of ['deliver', 'bounce', 'block', "),
        ({"email": "a@x.io", "kind": "bounce", "reply": "451 4.0.0 x"}, "where: a bounce outcome takes a 5xx reply"),
        ({"email": "a@x.io", "kind": "defer", "reply": "550 5.1.1 x"}, "where: a defer outcome takes a 4xx reply"),
        ({"email": "a@x.io", "kind": "bounce", "reply": "gone"}, "where: reply must be an SMTP reply such as"),
        ({"email": "a@x.io", "kind": "bounce", "reply": "550 a\r\nb"}, "where: reply must be one line"),
        ({"email": "a@x.io", "kind": "complaint", "reply": "250 ok"}, "where: a complaint outcome takes no reply"),
        ({"email": "a@x.io", "kind": "bounce", "times": 2}, "where: times applies to defer outcomes only"),
        ({"email": "a@x.io", "kind": "defer", "times": -1}, "where: times must be an integer from 0 to 1000"),
        ({"email": "a@x.io", "kind": "defer", "times": True}, "where: times must be an integer from 0 to 1000"),
        ({"email": "a@x.io", "kind": "bounce", "after": 5}, "where: after applies to complaint and unsubscribe"),
        ({"email": "a@x.io", "kind": "complaint", "after": float("nan")}, "where: after must be seconds from 0"),
        ({"email": "a@x.io", "kind": "complaint", "after": 10**9}, "where: after must be seconds from 0 to 2592000"),
    ],
)
def test_a_bad_outcome_is_refused_with_a_message_naming_the_field(data, message):
    with pytest.raises(ControlError) as err:
        parse_outcome(data, "where")
    assert str(err.value).startswith(message)


def test_a_provider_may_take_fewer_kinds():
    with pytest.raises(ControlError, match=r"kind must be one of \['deliver', 'bounce'\], got 'defer'"):
        parse_outcome({"email": "a@x.io", "kind": "defer"}, kinds=("deliver", "bounce"))
    assert set(KINDS) == {"deliver", "bounce", "block", "defer", "complaint", "unsubscribe", "invalid"}
    assert SIMULATOR_DOMAIN == "simulator.mailblocks.test"


# -- the outbox -------------------------------------------------------------------------------------
def test_the_outbox_filters_by_type_address_tenant_and_seq():
    log = BoundedLog(100, None)
    log.add("processed", "A@x.io", {"n": 1}, time=T0, tenant="parent")
    log.add("delivered", "a@x.io", {"n": 2}, time=T0, tenant="parent")
    log.add("processed", "b@x.io", {"n": 3}, time=T0, tenant="sub")
    assert [d["n"] for d in log.filter("processed")] == [1, 3]
    assert [d["n"] for d in log.filter(email="a@X.io")] == [1, 2]
    assert [d["n"] for d in log.filter(tenant="sub")] == [3]
    assert [e.seq for e in log.entries(since=1)] == [2, 3]


def test_the_outbox_is_bounded_like_the_journal_oldest_dropped_first_and_settable():
    log = BoundedLog(3, None)
    for i in range(5):
        log.add("processed", f"{i}@x.io", {"i": i}, time=T0)
    assert [d["i"] for d in log.filter()] == [2, 3, 4]
    assert (log.total, log.dropped) == (5, 2)
    log.maxlen = 1  # a lower bound drops at once
    assert [d["i"] for d in log.filter()] == [4]
    log.maxlen, log.max_bytes = None, 600
    for i in range(10):
        log.add("processed", f"{i}@x.io", {"blob": "x" * 100}, time=T0)
    assert 0 < log.nbytes <= 600 and len(log) < 10
    with pytest.raises(ValueError, match="max_bytes must be a non-negative integer or None"):
        log.max_bytes = -1
    kept = len(log)
    assert log.clear() == kept
    assert (len(log), log.total, log.dropped) == (0, 0, 0)


# -- the timeline -------------------------------------------------------------------------------------
def test_the_timeline_runs_due_work_in_time_order_with_its_own_due_time():
    line = Timeline()
    ran: list[tuple[str, float]] = []
    line.add(T0 + 60, lambda at: ran.append(("b", at)))
    line.add(T0 + 10, lambda at: (ran.append(("a", at)), line.add(at + 20, lambda at2: ran.append(("c", at2)))))
    line.add(T0 + 999, lambda at: ran.append(("late", at)))
    assert line.run_due(T0 + 100) == 3
    assert ran == [("a", T0 + 10), ("c", T0 + 30), ("b", T0 + 60)]
    assert line.next_due() == T0 + 999 and len(line) == 1


def test_the_timeline_is_bounded_and_counts_what_it_could_not_keep():
    line = Timeline(limit=2)
    assert line.add(T0, lambda at: None) and line.add(T0, lambda at: None)
    assert not line.add(T0, lambda at: None)
    assert (len(line), line.dropped) == (2, 1)


# -- webhook queue and retries ---------------------------------------------------------------------
def test_a_failed_post_is_retried_at_increasing_intervals_until_its_events_are_a_day_old():
    queue = WebhookQueue(RetryPolicy(delays=(60, 600, 3600), max_age=4000))
    from pytest_mailblocks.core.webhooks import Post

    post = Post("http://127.0.0.1:9/h", b"[]", {}, None, T0, T0, events=2)
    queue.add(post)
    results = []
    now = T0
    while queue.pending:
        [taken] = queue.take_due(now)
        queue.finish(taken, 500, None, now)
        results.append((queue.attempts[-1]["result"], queue.attempts[-1].get("next")))
        now = post.due
    # the third retry would be 4,260 s after the events, past max_age: given up
    assert results == [("retry", T0 + 60), ("retry", T0 + 660), ("gave_up", None)]
    assert [(a["attempt"], a["time"], a["status"]) for a in queue.attempts] == [
        (1, T0, 500),
        (2, T0 + 60, 500),
        (3, T0 + 660, 500),
    ]


def test_a_2xx_delivers_and_the_queue_is_bounded_oldest_first():
    from pytest_mailblocks.core.webhooks import Post

    queue = WebhookQueue(RetryPolicy(), max_pending=2)
    posts = [Post("http://h/", b"[1]", {}, None, T0, T0) for _ in range(3)]
    for p in posts:
        queue.add(p)
    assert queue.pending == posts[1:] and queue.dropped == 1
    [first, second] = queue.take_due(T0)
    queue.finish(first, 204, None, T0)
    assert queue.pending == [second] and queue.delivered == 1 and queue.busy(T0)
    queue.finish(second, None, "ConnectionRefusedError: nope", T0)
    assert not queue.busy(T0) and queue.next_due() == T0 + 60


def test_http_post_names_what_went_wrong_and_never_raises():
    assert http_post("ftp://x/", b"", {}, 1) == (None, "not an http(s) URL: 'ftp://x/'")
    assert http_post("http://127.0.0.1:99999/", b"", {}, 1)[1].startswith("bad URL")
    status, error = http_post("http://127.0.0.1:9/", b"[]", {}, 1)  # nothing listens on port 9
    assert status is None and error.startswith("ConnectionRefusedError")


# -- the dispatcher, on an app, with the clock -------------------------------------------------------
class Recorder:
    """A transport that answers from a script and records what it was given."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []
        self.lock = threading.Condition()

    def __call__(self, url, body, headers, timeout):
        with self.lock:
            self.calls.append((url, body, headers))
            self.lock.notify_all()
            return (self.statuses.pop(0) if self.statuses else 200), None

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        """Until ``n`` attempts were made (the dispatcher's own pace, no sleeping)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.calls) >= n, timeout)


@pytest.fixture
def app():
    app = App(providers=["sendgrid"])
    app.clock.freeze(T0)
    yield app
    app.close()


def test_posts_are_made_by_the_dispatcher_thread_and_wait_idle_says_when(app):
    recorder = Recorder()
    app.webhooks.transport = recorder
    d = Delivery(app, "x")
    with app.lock:
        d.post("http://127.0.0.1/h", b"[1]", headers={"Content-Type": "application/json"}, events=1)
    assert app.webhooks.wait_idle(5)
    assert recorder.calls == [("http://127.0.0.1/h", b"[1]", {"Content-Type": "application/json"})]
    assert d.webhooks.attempts[-1]["result"] == "delivered"


def test_with_the_clock_frozen_a_retry_waits_until_the_clock_is_moved(app):
    recorder = Recorder(500, 503)
    app.webhooks.transport = recorder
    d = Delivery(app, "x")
    signed_at = []
    with app.lock:
        d.post("http://h/", b"[]", sign=lambda body, now: signed_at.append(now) or {"X-Sig": str(int(now))})
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 1
    assert app.webhooks.wait_idle(0.2) and len(recorder.calls) == 1  # nothing due: no attempt
    app.clock.advance(seconds=59)
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 1
    app.clock.advance(seconds=1)  # the first retry is due 60 s after the failure
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 2
    app.clock.advance(seconds=120)
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 3
    assert [h["X-Sig"] for _, _, h in recorder.calls] == [str(int(T0)), str(int(T0 + 60)), str(int(T0 + 180))]
    assert [a["result"] for a in d.webhooks.attempts] == ["retry", "retry", "delivered"]


def test_moving_the_clock_runs_due_work_before_the_move_returns(app):
    d = Delivery(app, "x")
    seen = []
    with app.lock:
        d.schedule(T0 + 3600, lambda at: seen.append(at))
    app.clock.advance(minutes=59)
    assert seen == []
    app.clock.advance(minutes=1)
    assert seen == [T0 + 3600]  # no waiting: done by the move


def test_a_routed_step_turns_events_into_posts(app):
    recorder = Recorder()
    app.webhooks.transport = recorder
    d = Delivery(app, "x")

    def router(entries):
        d.post("http://h/", ",".join(e.type for e in entries).encode(), events=len(entries))

    d.router = router
    with app.lock:
        d.emit("processed", "a@x.io", {}, time=T0)
        d.emit("delivered", "a@x.io", {}, time=T0)
        d.end_step()
        d.schedule(T0 + 10, lambda at: d.emit("open", "a@x.io", {}, time=at))
    app.clock.advance(seconds=10)
    assert app.webhooks.wait_idle(5)
    assert [body for _, body, _ in recorder.calls] == [b"processed,delivered", b"open"]
    assert [(e.type, e.time) for e in d.outbox.entries()] == [
        ("processed", T0),
        ("delivered", T0),
        ("open", T0 + 10),
    ]


def test_a_closed_delivery_forgets_its_work(app):
    recorder = Recorder()
    app.webhooks.transport = recorder
    d = Delivery(app, "x")
    with app.lock:
        d.schedule(T0 + 1, lambda at: d.post("http://h/", b"[]"))
        d.post("http://h/", b"[late]")
    d.close()
    assert d.closed and len(d.timeline) == 0 and d.webhooks.pending == []
    app.clock.advance(seconds=5)
    assert app.webhooks.wait_idle(5) and recorder.calls == []


def test_a_provider_reset_closes_a_state_that_can_be_closed(app):
    class State:
        closed = False

        def close(self):
            self.closed = True

    provider = app.providers["sendgrid"]
    state = provider.__dict__["state"] = State()
    provider.reset()
    assert state.closed and "state" not in provider.__dict__


def test_the_thread_stops_with_the_app_and_starts_again_on_need(app):
    recorder = Recorder()
    app.webhooks.transport = recorder
    d = Delivery(app, "x")
    with app.lock:
        d.post("http://h/", b"[]")
    assert app.webhooks.wait_idle(5)
    app.close()
    assert app.webhooks._thread is None
    with app.lock:
        d.post("http://h/", b"[2]")
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 2


def test_the_thread_ends_when_nothing_waits_and_holds_none_while_idle(app):
    recorder = Recorder(500)
    app.webhooks.transport = recorder
    d = Delivery(app, "x")
    with app.lock:
        d.post("http://h/", b"[]")
    assert app.webhooks.wait_idle(5)
    assert app.webhooks._thread is not None  # a retry waits for the clock
    app.clock.advance(minutes=1)
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 2
    assert recorder.wait_for(2) and _ended(app)


def _ended(app, timeout: float = 5.0) -> bool:
    """Whether the dispatcher's thread has ended (it does once nothing waits)."""
    with app.webhooks._cond:
        return app.webhooks._cond.wait_for(lambda: app.webhooks._thread is None, timeout)


def test_a_signer_that_fails_is_a_failed_attempt_not_a_dead_thread(app):
    recorder = Recorder()
    app.webhooks.transport = recorder
    d = Delivery(app, "x")

    def broken(body, now):
        raise RuntimeError("no key")

    with app.lock:
        d.post("http://h/", b"[]", sign=broken)
        d.post("http://h/", b"[ok]")
    assert app.webhooks.wait_idle(5)
    assert [a["error"] for a in d.webhooks.attempts] == ["RuntimeError: no key", None]
    assert recorder.calls[0][1] == b"[ok]"


def test_with_the_clock_running_a_retry_comes_due_in_real_time(app):
    recorder = Recorder(500)
    app.webhooks.transport = recorder
    app.clock.set(T0)
    d = Delivery(app, "x", retry=RetryPolicy(delays=(0.05,)))
    with app.lock:
        d.post("http://h/", b"[]")
    assert app.webhooks.wait_idle(5) and len(recorder.calls) == 1  # the retry is not due yet
    assert recorder.wait_for(2)  # the dispatcher waits for the due instant itself


# -- what providers share: deferrals, delays, sends, the lazy delivery, event names ----------------
def _deferral(app, outcome):
    d = Delivery(app, "x")
    seen = []
    with app.lock:
        d.defer(
            outcome,
            T0,
            delays=(10, 20),
            give_up=45,
            deferred=lambda t, n: seen.append(("deferred", t - T0, n)),
            delivered=lambda t: seen.append(("delivered", t - T0)),
            gave_up=lambda t: seen.append(("gave_up", t - T0)),
        )
    app.clock.advance(seconds=100)
    return seen


def test_a_deferral_is_retried_on_the_delays_then_delivered_after_its_times(app):
    assert _deferral(app, Outcome("defer", times=2)) == [("deferred", 0, 1), ("deferred", 10, 2), ("delivered", 30)]


def test_a_deferral_without_times_is_given_up_when_the_next_try_is_past_the_limit(app):
    # tries at 0, 10, 30 (the last delay repeats: next at 50, past 45): given up at 45
    assert _deferral(app, Outcome("defer")) == [
        ("deferred", 0, 1),
        ("deferred", 10, 2),
        ("deferred", 30, 3),
        ("gave_up", 45),
    ]


def test_later_runs_at_once_without_a_delay_and_on_the_clock_with_one(app):
    d = Delivery(app, "x")
    seen = []
    with app.lock:
        d.later(T0, 0, seen.append)
        d.later(T0, 3600, seen.append)
    assert seen == [T0]
    app.clock.advance(hours=1)
    assert seen == [T0, T0 + 3600]


def test_a_send_is_logged_and_its_steps_events_routed(app):
    d = Delivery(app, "x")
    routed = []
    d.router = lambda entries: routed.append([e.type for e in entries])
    with app.lock:
        d.emit("request", "", {}, time=T0, tenant="t")
        d.sent("shop@example.com", {"id": 1}, time=T0, tenant="t")
    assert routed == [["request"]]
    assert [(e.type, e.email, e.tenant, e.data) for e in d.sends.entries()] == [
        ("send", "shop@example.com", "t", {"id": 1})
    ]


def test_a_states_delivery_is_made_on_first_use_with_the_providers_settings(app):
    class Provider:
        key = "x"

        def __init__(self):
            self.app = app
            self.state = type("State", (), {"delivery": None})()

    provider = Provider()
    routed = []
    policy = RetryPolicy(delays=(1,), max_age=5)
    assert state_delivery(provider, False, retry=policy, route=routed.append) is None
    d = state_delivery(provider, True, retry=policy, route=routed.append, max_pending=7)
    assert d is provider.state.delivery and routed == [d]
    assert (d.key, d.webhooks.policy, d.webhooks.max_pending) == ("x", policy, 7)
    assert state_delivery(provider, True, retry=policy, route=routed.append) is d and routed == [d]


def test_catching_up_runs_the_work_due_and_is_nothing_without_a_delivery(app):
    provider = app.providers["sendgrid"]
    with app.lock:
        provider.catch_up()  # no send yet: no delivery made
        assert provider.delivery() is None
        seen = []
        provider.delivery(create=True).timeline.add(T0, seen.append)
        provider.catch_up()
    assert seen == [T0]


@pytest.mark.parametrize(
    ("events", "empty", "wanted"),
    [
        (None, True, {"deliver", "report_spam", "invalid"}),
        (["deliver", "spam-report"], True, {"deliver", "report_spam"}),
        ((), True, set()),
    ],
)
def test_chosen_events_maps_the_names_a_user_writes(events, empty, wanted):
    known = {"deliver": "deliver", "spam-report": "report_spam", "report_spam": "report_spam", "invalid": "invalid"}
    assert chosen_events(events, known, ("deliver", "report_spam", "invalid"), empty=empty) == wanted


@pytest.mark.parametrize(
    ("events", "empty", "message"),
    [
        (["deliver", "nope", "also"], True, "unknown event(s) ['also', 'nope']; known: ['deliver']"),
        ("deliver", True, "events must be a list of event names (or null for every event)"),
        ([1], True, "events must be a list of event names (or null for every event)"),
        ([], False, "events must name at least one event (or be null for every event)"),
    ],
)
def test_chosen_events_refuses_what_is_not_a_list_of_known_names(events, empty, message):
    with pytest.raises(ControlError) as err:
        chosen_events(events, {"deliver": "deliver"}, ("deliver",), empty=empty)
    assert str(err.value) == message
