"""CMC's Event Webhook (issue 21, ``shared/providers/delivery/cmc.md`` section 4): set up
through the handle and the control plane (CMC has no settings API), posted for real
to a receiver on loopback as JSON or as a form with the optional ``api_key``, batched
per composition and event type (1 s of the fake clock or 100 events), retried on
non-2xx on the fake clock, never from a request's thread."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs

import pytest
import requests
from werkzeug.wrappers import Request, Response

from .conftest import SIM, mail
from .test_delivery import T0, Receiver, send


@pytest.fixture
def cmc(cmc_fake):
    cmc_fake.clock.freeze(T0)
    return cmc_fake


def test_the_json_transport_posts_the_documented_fields(cmc, httpserver):
    hook = Receiver(httpserver)
    settings = cmc.set_event_webhook(hook.url, api_key="s3cret")
    assert settings == {
        "url": hook.url,
        "events": ["deliveries", "bounces", "blocks"],
        "json": True,
        "api_key_set": True,
        "enabled": True,
        "interval": 1.0,
        "max_events": 100,
        "timezone": "+09:00",
    }
    send(cmc, **mail(f"bounce@{SIM}"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert len(hook.posts) == 3
    for headers, body in hook.posts:
        assert headers["Content-Type"] == "application/json"
        data = json.loads(body)
        assert list(data) == ["api_key", "event_type", "server_composition", "event"]
        assert (data["api_key"], data["server_composition"]) == ("s3cret", "mailblocks")
        assert list(data["event"]) == [data["event_type"]]
    by_type = {json.loads(b)["event_type"]: json.loads(b)["event"] for _, b in hook.posts}
    assert by_type["bounces"] == {"bounces": cmc.events("bounces")}


def test_without_the_json_option_the_fields_come_as_a_form(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url, json=False, events=["deliveries"])
    send(cmc, **mail("ann@example.com"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    [(headers, body)] = hook.posts
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(body.decode())
    assert list(form) == ["server_composition", "event_type", "event"]  # no api_key set: none sent
    assert (form["server_composition"], form["event_type"]) == (["mailblocks"], ["deliveries"])
    assert json.loads(form["event"][0]) == {"deliveries": cmc.events()}


def test_a_batch_waits_the_interval_and_goes_at_once_when_it_is_full(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url, events=["deliveries"])
    send(cmc, op="bulk", **mail(*({"address": f"u{i}@example.com"} for i in range(120))))  # 240 events
    cmc.flush_events()
    assert [len(b["event"]["deliveries"]) for b in hook.bodies()] == [100, 100]
    cmc.clock.advance(seconds=0.5)
    send(cmc, **mail("late@example.com"))  # joins the waiting batch
    cmc.clock.advance(seconds=0.499)
    cmc.flush_events()
    assert len(hook.posts) == 2
    cmc.clock.advance(seconds=0.001)  # 1 s after the batch's first event
    cmc.flush_events()
    assert [len(b["event"]["deliveries"]) for b in hook.bodies()] == [100, 100, 42]
    assert hook.items("deliveries") == cmc.events()


def test_the_interval_and_the_batch_size_are_settings(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url, events=["deliveries"], interval=5, max_events=3)
    send(cmc, **mail("a@example.com", "b@example.com"))  # four events: one batch of 3 now
    cmc.flush_events()
    assert [len(b["event"]["deliveries"]) for b in hook.bodies()] == [3]
    cmc.clock.advance(seconds=4)
    cmc.flush_events()
    assert len(hook.posts) == 1
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert [len(b["event"]["deliveries"]) for b in hook.bodies()] == [3, 1]


def test_batches_are_per_composition_and_event_type_and_only_the_chosen_types_go(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.add_composition("second")
    cmc.set_event_webhook(hook.url, events=["bounces", "blocks"])
    send(cmc, **mail(f"bounce@{SIM}"))
    send(cmc, server_composition="second", **mail(f"bounce@{SIM}"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    got = sorted((b["server_composition"], b["event_type"]) for b in hook.bodies())
    assert got == [("mailblocks", "blocks"), ("mailblocks", "bounces"), ("second", "blocks"), ("second", "bounces")]


def test_created_is_shown_in_the_webhooks_time_zone(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url, timezone="UTC")
    send(cmc, **mail("a@example.com"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert {i["created"] for i in hook.items("deliveries")} == {"2024-05-01 00:00:00"}


def test_nothing_is_posted_without_a_webhook_or_when_it_is_off(cmc, httpserver):
    hook = Receiver(httpserver)
    send(cmc, **mail("a@example.com"))
    cmc.set_event_webhook(hook.url, enabled=False)
    send(cmc, **mail("b@example.com"))
    cmc.clock.advance(seconds=5)
    cmc.flush_events()
    assert hook.posts == [] and len(cmc.events()) == 4


def test_another_accounts_webhook_gets_only_its_own_events(cmc, httpserver):
    ours = Receiver(httpserver)
    httpserver.expect_request("/theirs", method="POST").respond_with_data("")
    cmc.add_account("other")
    cmc.add_composition("theirs", account="other")
    cmc.add_user("them", "their-key", account="other")
    cmc.set_event_webhook(ours.url)
    theirs = cmc.set_event_webhook(httpserver.url_for("/theirs"), account="other")
    form = {"api_user": "them", "api_key": "their-key", **{k: json.dumps(v) for k, v in mail("x@example.com").items()}}
    form["to"] = "x@example.com"
    assert requests.post(cmc.url + "/api/v2/emails/send.json", data=form).status_code == 200
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert ours.posts == [] and theirs["url"].endswith("/theirs")
    assert [a["url"] for a in cmc.webhook_deliveries()["attempts"]] == [httpserver.url_for("/theirs")]


def test_a_refused_post_is_retried_on_the_fake_clock_and_then_delivered(cmc, httpserver):
    hook = Receiver(httpserver, 500, 503)
    cmc.set_event_webhook(hook.url, events=["bounces"])
    send(cmc, **mail(f"bounce@{SIM}"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert len(hook.posts) == 1
    cmc.clock.advance(seconds=9)
    cmc.flush_events()
    assert len(hook.posts) == 1
    cmc.clock.advance(seconds=1)  # the first retry: 10 s after the failure
    cmc.flush_events()
    cmc.clock.advance(seconds=30)  # the second: 30 s after that
    cmc.flush_events()
    assert len(hook.posts) == 3 and hook.posts[0][1] == hook.posts[2][1]
    attempts = cmc.webhook_deliveries()["attempts"]
    assert [(a["status"], a["result"]) for a in attempts] == [(500, "retry"), (503, "retry"), (200, "delivered")]
    assert [a["time"] for a in attempts] == [T0 + 1, T0 + 11, T0 + 41]
    assert cmc.webhook_deliveries()["pending"] == []


def test_a_receiver_that_never_answers_2xx_is_given_up_a_day_after_the_events(cmc, httpserver):
    hook = Receiver(httpserver, *[500] * 100)
    cmc.set_event_webhook(hook.url, events=["bounces"])
    send(cmc, **mail(f"bounce@{SIM}"))
    for _ in range(30):
        cmc.clock.advance(hours=1)
        cmc.flush_events()
    attempts = cmc.webhook_deliveries()["attempts"]
    assert attempts[-1]["result"] == "gave_up" and all(a["result"] == "retry" for a in attempts[:-1])
    assert attempts[-1]["time"] <= T0 + 86400 + 3600
    assert cmc.webhook_deliveries()["pending"] == []


def test_a_slow_receiver_never_holds_up_a_send(cmc, httpserver):
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(10)
        return Response("", status=200)

    httpserver.expect_request("/slow", method="POST").respond_with_handler(slow)
    cmc.set_event_webhook(httpserver.url_for("/slow"), max_events=1)
    send(cmc, **mail("a@example.com"))  # posts start at once (one event a batch)
    r = requests.post(cmc.url + "/api/v2/emails/send.json", data={**cmc.auth, **{"to": "b@example.com"}}, timeout=5)
    assert r.status_code == 400  # answered while the receiver still holds the first post
    release.set()
    cmc.flush_events()


# -- set up through the control plane ----------------------------------------------------------
def test_the_control_plane_sets_lists_and_removes_webhooks(cmc, httpserver):
    hook = Receiver(httpserver)
    base = cmc.url + "/_mailblocks/cmc/event-webhook"
    r = requests.post(base, json={"url": hook.url, "events": ["blocks"], "json": False, "api_key": "k"})
    assert r.status_code == 200 and r.json()["events"] == ["blocks"] and r.json()["api_key_set"] is True
    assert requests.get(base).json()["event_webhooks"] == {"mailblocks": cmc.event_webhook()}
    send(cmc, **mail(f"invalid@{SIM}"))
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    [(_, body)] = hook.posts
    assert parse_qs(body.decode())["api_key"] == ["k"]
    assert requests.delete(base, json={"account": "mailblocks"}).json() == {"provider": "cmc", "removed": 1}
    assert cmc.event_webhook() is None and requests.delete(base).json()["removed"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"url": "ftp://example.com/x"},
            "url must be an http:// or https:// URL with a host, got 'ftp://example.com/x'",
        ),
        ({"url": "https://h.example", "events": ["opens"]}, "unknown event(s) ['opens']"),
        ({"url": "https://h.example", "events": "deliveries"}, "events must be a list of event names"),
        ({"url": "https://h.example", "json": "yes"}, "json must be true or false"),
        ({"url": "https://h.example", "api_key": ""}, "api_key must be a non-empty string"),
        ({"url": "https://h.example", "interval": -1}, "interval must be seconds from 0 to 3600"),
        ({"url": "https://h.example", "max_events": 0}, "max_events must be an integer from 1 to 1000"),
        ({"url": "https://h.example", "timezone": "Mars/Base"}, "unknown time_zone 'Mars/Base'"),
        ({"url": "https://h.example", "account": "nobody"}, "unknown account 'nobody'"),
        ({"url": "https://h.example", "secret": "x"}, "unknown field(s) ['secret']"),
        ({"events": ["blocks"]}, 'expected {"url"'),
    ],
)
def test_bad_webhook_settings_are_refused_and_change_nothing(cmc, body, message):
    r = requests.post(cmc.url + "/_mailblocks/cmc/event-webhook", json=body)
    assert r.status_code == 400 and message in r.json()["message"], r.text
    assert cmc.event_webhook() is None
