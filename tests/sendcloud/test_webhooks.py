"""SendCloud's webhooks (issue 21): the Webhook API (``webhook/list|add|update|delete``),
events POSTed for real to a receiver on loopback, one event a POST, signed with the APP
KEY as the docs verify it, retried on non-2xx on the fake clock, sent only to the URLs
configured, and the control plane's way of setting them up."""

from __future__ import annotations

import itertools
import json

import pytest
import requests

from .conftest import SIM, T0, Receiver, as_form, error, mail, send, verify


@pytest.fixture
def fake(sendcloud_fake, mailblocks):
    mailblocks.clock.freeze(T0)
    return sendcloud_fake


def api(fake, action, prefix="/api", **params):
    r = requests.post(
        f"{fake.url}{prefix}/webhook/{action}", data={"apiUser": fake.api_user, "apiKey": fake.api_key, **params}
    )
    assert r.status_code == 200
    return r.json()


# -- the Webhook API -------------------------------------------------------------------------------------
def test_add_list_update_delete(fake):
    assert api(fake, "list")["info"] == {"dataList": [], "count": 0}
    added = api(fake, "add", url="https://hooks.example.com/sc", categoryName="all", event="deliver,invalid")
    assert added == {"result": True, "statusCode": 200, "message": "request was successful", "info": {}}
    api(fake, "add", url="https://hooks.example.com/other", categoryName=fake.api_user)
    rows = api(fake, "list")["info"]
    assert rows == {
        "dataList": [
            {
                "webhookUrl": "https://hooks.example.com/sc",
                "eventTypeMap": {"1": "deliver", "7": "invalid"},
                "categoryName": "all",
            },
            {
                "webhookUrl": "https://hooks.example.com/other",
                "eventTypeMap": {str(i): name for i, name in enumerate(
                    ["deliver", "request", "open", "click", "unsubscribe", "report_spam", "invalid", "soft_bounce",
                     "route"], 1)},
                "categoryName": fake.api_user,
            },
        ],
        "count": 2,
    }  # fmt: skip
    assert api(fake, "list", url="other")["info"]["count"] == 1
    assert api(fake, "list", event="7")["info"]["count"] == 2
    assert api(fake, "list", categoryName="all")["info"]["count"] == 1
    updated = api(fake, "update", categoryName="all", event="invalid,1", newEvent="delivered,spam-report")
    assert updated["info"] == {"count": 1}
    assert api(fake, "list", categoryName="all")["info"]["dataList"][0]["eventTypeMap"] == {
        "1": "deliver",
        "6": "report_spam",
    }
    assert api(fake, "update", categoryName="all", event="request", newUrl="https://x.example.com")["info"] == {
        "count": 0
    }
    assert api(fake, "delete", categoryName="all", event="1,6", url="https://hooks.example.com/sc")["info"] == {
        "count": 1
    }
    assert [h["url"] for h in fake.webhooks()] == ["https://hooks.example.com/other"]


@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("add", {"categoryName": "all"}, 40705),
        ("add", {"url": "ftp://x.example.com", "categoryName": "all"}, 40706),
        ("add", {"url": "not a url", "categoryName": "all"}, 40706),
        ("add", {"url": "https://x.example.com"}, 40301),
        ("add", {"url": "https://x.example.com", "categoryName": "nobody"}, 40301),
        ("add", {"url": "https://x.example.com", "categoryName": "all", "event": "deliver,opened"}, 40704),
        ("add", {"url": "https://x.example.com", "categoryName": "all", "event": "99"}, 40704),
        ("update", {"categoryName": "all"}, 40703),
        ("delete", {"categoryName": "all", "event": ","}, 40704),
        ("list", {"categoryName": "nobody"}, 40301),
    ],
)
def test_bad_parameters_are_answered_with_their_code(fake, prefix, action, params, code):
    assert api(fake, action, prefix, **params) == error(code, prefix)
    assert fake.webhooks() == []


def test_a_url_is_taken_once_per_api_user(fake):
    api(fake, "add", url="https://x.example.com", categoryName="all")
    assert api(fake, "add", url="https://x.example.com", categoryName="all", event="1") == error(40708)
    api(fake, "add", url="https://y.example.com", categoryName="all", event="2")
    moved = api(fake, "update", categoryName="all", event="2", newUrl="https://x.example.com")
    assert moved == error(40708)
    assert api(fake, "add", url="https://x.example.com", categoryName=fake.api_user)["result"] is True


def test_the_webhook_api_checks_auth(fake):
    r = requests.post(fake.url + "/apiv2/webhook/list", data={"apiUser": fake.api_user, "apiKey": "wrong"})
    assert r.json() == error(40005, "/apiv2")


def test_an_account_holds_at_most_100_webhooks(fake):
    for i in range(100):
        assert api(fake, "add", url=f"https://h{i}.example.com", categoryName="all")["result"] is True
    assert api(fake, "add", url="https://one-more.example.com", categoryName="all") == error(40710)


# -- events to a receiver -----------------------------------------------------------------------------------
def test_each_event_is_one_signed_form_post_of_its_fields(fake, httpserver):
    receiver = Receiver(httpserver)
    api(fake, "add", url=receiver.url, categoryName="all")
    send(fake, mail("ann@example.com", f"bounce@{SIM}"))
    fake.flush_events()
    forms = receiver.forms()
    assert [f["event"] for f in forms] == ["request", "deliver", "invalid"]
    assert forms == [as_form(e) for e in fake.events()]
    assert forms[0]["recipientArray"] == f'["ann@example.com","bounce@{SIM}"]'  # a list as JSON text
    assert forms[2]["substat"] == "406" and forms[0]["labelId"] == ""
    for form in forms:
        assert form["timestamp"] == str(T0 * 1000)  # milliseconds, as the docs' examples
        assert verify(fake.app_key, form["token"], form["timestamp"], form["signature"])


def test_a_json_webhook_with_the_overview_names(fake, httpserver):
    receiver = Receiver(httpserver)
    fake.set_webhook(receiver.url, body="json", names="overview", events=["delivered", "invalid", "report_spam"])
    send(fake, mail("a@example.com", f"invalid@{SIM}", f"complaint@{SIM}"))
    fake.flush_events()
    assert {h["Content-Type"] for h, _ in receiver.posts} == {"application/json"}
    posted = [json.loads(body) for _, body in receiver.posts]
    assert [p["event"] for p in posted] == ["delivered", "invalid_email", "delivered", "spam-report"]
    outbox = [e for e in fake.events() if e["event"] != "request"]
    assert [{**p, "event": e["event"]} for p, e in zip(posted, outbox)] == outbox  # only the names differ


def test_a_new_app_key_signs_what_follows(fake, httpserver):
    receiver = Receiver(httpserver)
    fake.set_webhook(receiver.url, events=["deliver"])
    fake.set_app_key("my-app-key")
    assert fake.app_key == "my-app-key"
    send(fake, mail("a@example.com"))
    fake.flush_events()
    [form] = receiver.forms()
    assert verify("my-app-key", form["token"], form["timestamp"], form["signature"])


def test_events_go_only_to_the_webhooks_of_their_api_user_and_type(fake, httpserver):
    mine, others = Receiver(httpserver, path="/mine"), Receiver(httpserver, path="/others")
    other = fake.add_api_user("shop2")
    fake.set_webhook(mine.url, api_user=fake.api_user, events=["deliver"])
    fake.set_webhook(others.url, api_user="shop2")
    send(fake, mail("a@example.com", f"bounce@{SIM}"))
    r = requests.post(
        fake.url + "/api/mail/send", data={"apiUser": "shop2", "apiKey": other["api_key"], **mail("b@example.com")}
    )
    assert r.json()["result"] is True
    fake.flush_events()
    assert [(f["event"], f["recipient"]) for f in mine.forms()] == [("deliver", "a@example.com")]
    assert [f["event"] for f in others.forms()] == ["request", "deliver"]


def test_nothing_is_posted_without_a_webhook(fake, httpserver):
    receiver = Receiver(httpserver)
    send(fake, mail("a@example.com"))
    fake.flush_events()
    assert receiver.posts == [] and fake.webhook_deliveries() == {"pending": [], "attempts": []}


def test_a_receiver_that_answers_500_gets_the_event_again_when_the_clock_reaches_the_retry(fake, httpserver):
    receiver = Receiver(httpserver, 500, 503)
    fake.set_webhook(receiver.url, events=["deliver"])
    send(fake, mail("a@example.com"))
    fake.flush_events()
    assert len(receiver.posts) == 1
    assert [(p["attempts"], p["due"]) for p in fake.webhook_deliveries()["pending"]] == [(1, T0 + 60)]
    fake.flush_events()
    assert len(receiver.posts) == 1  # the clock is frozen: the retry waits for it
    fake.clock.advance(minutes=1)
    fake.flush_events()
    fake.clock.advance(minutes=5)
    fake.flush_events()
    assert len(receiver.posts) == 3 and len({body for _, body in receiver.posts}) == 1  # the same event
    [form] = receiver.forms()[:1]
    assert verify(fake.app_key, form["token"], form["timestamp"], form["signature"])
    attempts = fake.webhook_deliveries()["attempts"]
    assert [(a["attempt"], a["status"], a["result"], a["time"]) for a in attempts] == [
        (1, 500, "retry", T0),
        (2, 503, "retry", T0 + 60),
        (3, 200, "delivered", T0 + 360),
    ]
    assert fake.webhook_deliveries()["pending"] == []


def test_a_receiver_that_never_answers_2xx_is_tried_six_times(fake, httpserver):
    receiver = Receiver(httpserver, *([500] * 10))
    fake.set_webhook(receiver.url, events=["deliver"])
    send(fake, mail("a@example.com"))
    fake.flush_events()
    while pending := fake.webhook_deliveries()["pending"]:
        fake.clock.freeze(pending[0]["due"])
        fake.flush_events()
    attempts = fake.webhook_deliveries()["attempts"]
    assert [b["time"] - a["time"] for a, b in itertools.pairwise(attempts)] == [60, 300, 900, 3600, 10800]
    assert [a["result"] for a in attempts] == ["retry"] * 5 + ["gave_up"] and len(receiver.posts) == 6


def test_clock_driven_events_are_posted_when_the_clock_moves(fake, httpserver):
    receiver = Receiver(httpserver)
    fake.set_webhook(receiver.url, events=["soft_bounce", "deliver", "report_spam"])
    fake.outcome("slow@example.com", "defer", times=1)
    fake.outcome("angry@example.com", "complaint", after=600)
    send(fake, mail("slow@example.com", "angry@example.com"))
    fake.flush_events()
    assert [f["event"] for f in receiver.forms()] == ["soft_bounce", "deliver"]
    fake.clock.advance(minutes=5)
    fake.flush_events()
    fake.clock.advance(minutes=5)
    fake.flush_events()
    assert [(f["event"], f["recipient"], f["timestamp"]) for f in receiver.forms()[2:]] == [
        ("deliver", "slow@example.com", str((T0 + 300) * 1000)),
        ("report_spam", "angry@example.com", str((T0 + 600) * 1000)),
    ]


# -- the control plane ---------------------------------------------------------------------------------------
def test_the_control_plane_sets_up_and_lists_webhooks_and_the_app_key(fake, httpserver):
    receiver = Receiver(httpserver)
    base = fake.url + "/_mailblocks/sendcloud/webhooks"
    r = requests.post(base, json={"url": receiver.url, "events": ["deliver"], "body": "json"})
    assert r.status_code == 200
    assert r.json()["webhooks"] == [
        {"url": receiver.url, "categoryName": "all", "events": ["deliver"], "body": "json", "names": "format"}
    ]
    assert requests.post(base, json={"app_key": "k1"}).json()["app_key"] == "k1"
    for bad, message in [
        ({"url": receiver.url, "events": ["nope"]}, "unknown event(s) ['nope']"),
        ({"url": receiver.url, "events": []}, "events must name at least one event"),
        ({"url": "ftp://x"}, "'ftp://x' is not a valid url"),
        ({"url": receiver.url, "api_user": "nobody"}, "unknown api_user 'nobody'"),
        ({"url": receiver.url, "body": "xml"}, "body must be one of ['form', 'json']"),
        ({"app_key": ""}, "the APP KEY must be a non-empty printable string"),
        ({"nope": 1}, 'expected {"url": "http://..."'),
    ]:
        r = requests.post(base, json=bad)
        assert r.status_code == 400 and message in r.json()["message"], (bad, r.text)
    send(fake, mail("a@example.com"))
    fake.flush_events()
    [(_, body)] = receiver.posts
    event = json.loads(body)
    assert verify("k1", event["token"], str(event["timestamp"]), event["signature"])
    attempts = requests.get(fake.url + "/_mailblocks/sendcloud/webhook-deliveries").json()["attempts"]
    assert [(a["status"], a["result"]) for a in attempts] == [(200, "delivered")]
    assert requests.delete(base).json()["webhooks"] == [] and fake.webhooks() == []


def test_a_burst_of_events_waits_whole_for_a_receiver_that_is_down(fake, mailblocks, monkeypatch):
    """One POST an event: 1,111 events (11 sends of 100) wait for their retry together,
    none dropped (the core's default bound is 1,000 posts, sized for batches)."""
    seen: set[bytes] = set()
    delivered: list[bytes] = []

    def transport(url, body, headers, timeout):
        if body not in seen:  # every first attempt fails
            seen.add(body)
            return 500, None
        delivered.append(body)
        return 200, None

    monkeypatch.setattr(mailblocks.webhooks, "transport", transport)
    fake.set_webhook("http://127.0.0.1:9/down")
    for n in range(11):
        send(fake, mail(*(f"u{n}-{i}@example.com" for i in range(100))))
    fake.flush_events(timeout=30)
    assert len(fake.webhook_deliveries()["pending"]) == 1111 and delivered == []
    fake.clock.advance(minutes=1)
    fake.flush_events(timeout=30)
    assert len(set(delivered)) == len(delivered) == 1111 and fake.webhook_deliveries()["pending"] == []
