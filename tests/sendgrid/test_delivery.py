"""What a send becomes (issue 21): one recipient per suppression list and per simulator
outcome, the events in SendGrid's shape, the lists afterwards, the fake clock's part
(deferrals retried, the 72-hour block, complaints later), outcomes chosen through the
handle and the control plane, and the outbox's bounds."""

from __future__ import annotations

import itertools
import json
import re

import pytest
import requests
from werkzeug.wrappers import Response

from .conftest import SEND, T0, mail

SIM = "simulator.mailblocks.test"


@pytest.fixture
def sg(sendgrid_fake):
    sendgrid_fake.clock.freeze(T0)
    return sendgrid_fake


def send(sg, body, **headers):
    r = requests.post(sg.url + SEND, json=body, headers={"Authorization": f"Bearer {sg.api_key}", **headers})
    assert r.status_code == 202, r.text
    return r.headers["X-Message-Id"]


def trail(sg, email):
    """The event names an address went through, in order."""
    return [e["event"] for e in sg.events(email=email)]


def test_one_recipient_per_list_and_per_simulator_outcome(sg, httpserver):
    """The issue's "done when": the API answer, the events (outbox and a real webhook
    receiver on loopback), the lists afterwards and the clock's part, in one send."""
    posted = []
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: posted.extend(json.loads(request.get_data())) or Response("", status=200)
    )
    sg.set_event_webhook(httpserver.url_for("/hook"))
    sg.add_bounce("bounced@example.com")
    sg.add_unsubscribe("unsubscribed@example.com")
    sg.add_spam_report("reported@example.com")
    sg.add_invalid_email("invalid@example.com")
    sg.add_block("blocked@example.com")
    recipients = [
        "bounced@example.com",
        "unsubscribed@example.com",
        "reported@example.com",
        "invalid@example.com",
        "blocked@example.com",
        f"success@{SIM}",
        f"bounce@{SIM}",
        f"block@{SIM}",
        f"defer@{SIM}",
        f"complaint@{SIM}",
        f"unsubscribe+newsletter@{SIM}",
        f"invalid@{SIM}",
    ]
    message_id = send(sg, mail(*recipients, categories=["orders"], custom_args={"order": "42"}))

    # the API answered 202 for all; the send log says what was decided for each
    decisions = {r["email"]: r["decision"] for r in sg.sends()[-1]["recipients"]}
    assert decisions == {
        "bounced@example.com": "dropped: Bounced Address",
        "unsubscribed@example.com": "dropped: Unsubscribed Address",
        "reported@example.com": "dropped: Spam Reporting Address",
        "invalid@example.com": "dropped: Invalid",
        "blocked@example.com": "deliver",  # blocks do not suppress
        f"success@{SIM}": "deliver",
        f"bounce@{SIM}": "bounce",
        f"block@{SIM}": "block",
        f"defer@{SIM}": "defer",
        f"complaint@{SIM}": "complaint",
        f"unsubscribe+newsletter@{SIM}": "unsubscribe",
        f"invalid@{SIM}": "invalid",
    }
    for listed in recipients[:4]:
        assert trail(sg, listed) == ["processed", "dropped"]
    assert [e["reason"] for e in sg.events(type="dropped")][:4] == [
        "Bounced Address",
        "Unsubscribed Address",
        "Spam Reporting Address",
        "Invalid",
    ]
    assert trail(sg, "blocked@example.com") == ["processed", "delivered"]
    assert trail(sg, f"success@{SIM}") == ["processed", "delivered"]
    assert trail(sg, f"bounce@{SIM}") == ["processed", "bounce"]
    assert trail(sg, f"block@{SIM}") == ["processed", "bounce"]
    assert trail(sg, f"defer@{SIM}") == ["processed", "deferred"]
    assert trail(sg, f"complaint@{SIM}") == ["processed", "delivered", "spamreport"]
    assert trail(sg, f"unsubscribe+newsletter@{SIM}") == ["processed", "delivered", "unsubscribe"]
    assert trail(sg, f"invalid@{SIM}") == ["processed", "dropped"]

    # every event in SendGrid's shape, one X-Message-Id for the send
    for event in sg.events():
        assert list(event)[:7] == ["email", "timestamp", "smtp-id", "event", "category", "sg_event_id", "sg_message_id"]
        assert event["timestamp"] == T0 and event["category"] == ["orders"] and event["order"] == "42"
        assert event["smtp-id"] == f"<{message_id}@ismtpd-mailblocks>"
        assert re.fullmatch(re.escape(message_id) + r"\.filterdrecv-mailblocks\.[0-9A-F]+\.\d+", event["sg_message_id"])
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", event["sg_event_id"])
    assert len({e["sg_event_id"] for e in sg.events()}) == len(sg.events())
    [bounce] = sg.events(type="bounce", email=f"bounce@{SIM}")
    assert {k: bounce[k] for k in ("reason", "status", "type", "bounce_classification")} == {
        "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
        "status": "5.1.1",
        "type": "bounce",
        "bounce_classification": "Invalid Address",
    }
    [blocked] = sg.events(type="bounce", email=f"block@{SIM}")
    assert (blocked["type"], blocked["status"]) == ("blocked", "5.7.1")
    [deferred] = sg.events(type="deferred")
    assert (deferred["response"], deferred["attempt"]) == ("400 try again later", "1")
    [delivered] = sg.events(type="delivered", email=f"success@{SIM}")
    assert delivered["response"] == "250 OK"
    assert sg.events(type="dropped", email="bounced@example.com")[0]["status"] == "5.0.0"

    # the lists afterwards, as the block APIs show them
    assert [b["email"] for b in sg.bounces()] == ["bounced@example.com", f"bounce@{SIM}"]  # ties: email descending
    assert {b["email"] for b in sg.blocks()} == {f"block@{SIM}", "blocked@example.com"}
    assert {s["email"] for s in sg.spam_reports()} == {f"complaint@{SIM}", "reported@example.com"}
    assert {u["email"] for u in sg.unsubscribes()} == {f"unsubscribe+newsletter@{SIM}", "unsubscribed@example.com"}
    assert {i["email"] for i in sg.invalid_emails()} == {f"invalid@{SIM}", "invalid@example.com"}
    r = requests.get(sg.url + "/v3/suppression/bounces", headers={"Authorization": f"Bearer {sg.api_key}"})
    assert {"created": T0, "email": f"bounce@{SIM}", "reason": bounce["reason"], "status": "5.1.1"} in r.json()

    # the receiver got exactly what the outbox holds
    sg.flush_events()
    assert posted == sg.events() and len(posted) == 26  # 12 recipients: 2 events each, 3 for 2

    # the clock's part: the deferral is retried, then turns into a block
    sg.clock.advance(hours=72)
    sg.flush_events()
    assert posted == sg.events()
    assert trail(sg, f"defer@{SIM}")[-2:] == ["deferred", "bounce"]
    assert f"defer@{SIM}" in {b["email"] for b in sg.blocks()}


def test_a_second_send_is_dropped_by_what_the_first_listed(sg):
    recipients = [f"{k}@{SIM}" for k in ("bounce", "complaint", "unsubscribe", "invalid", "block")]
    send(sg, mail(*recipients))
    send(sg, mail(*recipients))
    second = sg.sends()[-1]["recipients"]
    assert [r["decision"] for r in second] == [
        "dropped: Bounced Address",
        "dropped: Spam Reporting Address",
        "dropped: Unsubscribed Address",
        "dropped: Invalid",
        "block",  # a block does not suppress: the receiving server refuses it again
    ]


def test_an_address_on_several_lists_is_dropped_for_the_first_in_order(sg):
    for add in (sg.add_invalid_email, sg.add_unsubscribe, sg.add_spam_report, sg.add_bounce):
        add("many@example.com")
    send(sg, mail("many@example.com"))
    assert [e["reason"] for e in sg.events(type="dropped")] == ["Bounced Address"]
    sg.remove("bounces", "many@example.com")
    send(sg, mail("many@example.com"))
    assert sg.events(type="dropped")[-1]["reason"] == "Spam Reporting Address"
    sg.remove("spam_reports", "many@example.com")
    send(sg, mail("many@example.com"))
    assert sg.events(type="dropped")[-1]["reason"] == "Unsubscribed Address"


def test_the_bypass_mail_settings_skip_their_lists(sg):
    sg.add_bounce("b@example.com")
    sg.add_unsubscribe("u@example.com")
    body = mail("b@example.com", "u@example.com", mail_settings={"bypass_bounce_management": {"enable": True}})
    send(sg, body)
    assert [r["decision"] for r in sg.sends()[-1]["recipients"]] == ["deliver", "dropped: Unsubscribed Address"]
    send(sg, mail("b@example.com", "u@example.com", mail_settings={"bypass_list_management": {"enable": True}}))
    assert [r["decision"] for r in sg.sends()[-1]["recipients"]] == ["deliver", "deliver"]


def test_case_does_not_matter_for_the_lists_or_the_simulator(sg):
    sg.add_bounce("Ann@Example.com")
    send(sg, mail("ann@example.COM", f"BOUNCE@{SIM.upper()}"))
    assert [r["decision"] for r in sg.sends()[-1]["recipients"]] == ["dropped: Bounced Address", "bounce"]


# -- chosen outcomes ---------------------------------------------------------------------------------
def test_a_chosen_hard_bounce_lists_the_reply_and_its_enhanced_code(sg):
    assert sg.outcome("ann@example.com", "bounce", reply="550 5.1.2 Host unknown") == {
        "email": "ann@example.com",
        "kind": "bounce",
        "reply": "550 5.1.2 Host unknown",
        "times": None,
        "after": 0.0,
    }
    send(sg, mail("ann@example.com"))
    assert sg.bounces() == [
        {"created": T0, "email": "ann@example.com", "reason": "550 5.1.2 Host unknown", "status": "5.1.2"}
    ]
    [event] = sg.events(type="bounce")
    assert (event["reason"], event["status"], event["type"]) == ("550 5.1.2 Host unknown", "5.1.2", "bounce")


def test_a_chosen_outcome_wins_over_the_simulator_and_can_be_cleared(sg):
    sg.outcome(f"bounce@{SIM}", "deliver")
    send(sg, mail(f"bounce@{SIM}"))
    assert trail(sg, f"bounce@{SIM}") == ["processed", "delivered"]
    assert sg.clear_outcomes(f"BOUNCE@{SIM}") == 1 and sg.outcomes() == []
    send(sg, mail(f"bounce@{SIM}"))
    assert trail(sg, f"bounce@{SIM}")[-1] == "bounce"


def test_a_deferral_is_retried_on_the_fake_clock_and_then_delivered(sg):
    sg.outcome("slow@example.com", "defer", reply="421 4.7.0 Try again later", times=2)
    send(sg, mail("slow@example.com"))
    assert trail(sg, "slow@example.com") == ["processed", "deferred"]
    sg.clock.advance(seconds=299)
    assert trail(sg, "slow@example.com") == ["processed", "deferred"]
    sg.clock.advance(seconds=1)  # the first retry, 5 minutes later
    sg.clock.advance(minutes=10)  # the second, 10 minutes after that: delivered
    events = sg.events(email="slow@example.com")
    assert [(e["event"], e["timestamp"], e.get("attempt"), e.get("response")) for e in events] == [
        ("processed", T0, None, None),
        ("deferred", T0, "1", "421 4.7.0 Try again later"),
        ("deferred", T0 + 300, "2", "421 4.7.0 Try again later"),
        ("delivered", T0 + 900, None, "250 OK"),
    ]
    assert sg.blocks() == []


def test_a_deferral_that_never_clears_becomes_a_block_after_72_hours(sg):
    send(sg, mail(f"defer@{SIM}"))
    sg.clock.advance(hours=71, minutes=59)
    assert sg.blocks() == []
    attempts = [int(e["attempt"]) for e in sg.events(type="deferred")]
    assert attempts == list(range(1, len(attempts) + 1)) and len(attempts) > 10
    times = [e["timestamp"] for e in sg.events(type="deferred")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == sorted(gaps) and gaps[0] == 300  # increasing intervals
    sg.clock.advance(minutes=1)
    assert sg.blocks() == [
        {"created": T0 + 72 * 3600, "email": f"defer@{SIM}", "reason": "400 try again later", "status": "4.0.0"}
    ]
    last = sg.events(email=f"defer@{SIM}")[-1]
    assert (last["event"], last["type"], last["timestamp"]) == ("bounce", "blocked", T0 + 72 * 3600)
    r = requests.get(sg.url + "/v3/suppression/blocks", headers={"Authorization": f"Bearer {sg.api_key}"})
    assert [b["email"] for b in r.json()] == [f"defer@{SIM}"]


def test_a_complaint_and_an_unsubscribe_may_come_later(sg):
    sg.outcome("hates@example.com", "complaint", after=3600)
    sg.outcome("leaves@example.com", "unsubscribe", after=86400)
    send(sg, mail("hates@example.com", "leaves@example.com"))
    assert trail(sg, "hates@example.com") == ["processed", "delivered"] and sg.spam_reports() == []
    sg.clock.advance(hours=1)
    assert trail(sg, "hates@example.com")[-1] == "spamreport"
    assert sg.spam_reports() == [{"created": T0 + 3600, "email": "hates@example.com", "ip": "10.63.202.100"}]
    assert sg.unsubscribes() == []
    sg.clock.advance(days=1)
    assert sg.unsubscribes() == [{"created": T0 + 86400, "email": "leaves@example.com"}]


def test_a_scheduled_send_is_decided_at_its_send_at(sg):
    body = mail(f"bounce@{SIM}", send_at=T0 + 7200)
    send(sg, body)
    assert sg.sends()[-1]["recipients"][0]["decision"] == "scheduled" and sg.events() == []
    sg.clock.advance(hours=2)
    assert [(e["event"], e["timestamp"]) for e in sg.events()] == [("processed", T0 + 7200), ("bounce", T0 + 7200)]
    assert sg.bounces()[0]["created"] == T0 + 7200


def test_custom_args_are_merged_and_never_override_sendgrids_own_keys(sg):
    body = mail("a@example.com", custom_args={"order": "1", "event": "mine", "tier": "gold"})
    body["personalizations"][0]["custom_args"] = {"order": "2", "email": "other@example.com"}
    send(sg, body)
    [processed] = sg.events(type="processed")
    assert (processed["event"], processed["email"]) == ("processed", "a@example.com")
    assert (processed["order"], processed["tier"]) == ("2", "gold")


def test_outcomes_through_the_control_plane(sg):
    base = sg.url + "/_mailblocks/sendgrid/outcomes"
    r = requests.post(
        base,
        json=[{"email": "a@example.com", "kind": "bounce"}, {"email": "b@example.com", "kind": "defer", "times": 1}],
    )
    assert r.status_code == 201 and r.json()["chosen"] == 2
    assert [o["kind"] for o in requests.get(base).json()["outcomes"]] == ["bounce", "defer"]
    r = requests.post(base, json={"email": "c@example.com", "kind": "bounce", "reply": "250 ok"})
    assert (r.status_code, r.json()) == (
        400,
        {"error": "bad_request", "message": "outcomes[0]: a bounce outcome takes a 5xx reply, got '250'"},
    )
    assert requests.delete(base, json={"email": "A@example.com"}).json() == {"provider": "sendgrid", "cleared": 1}
    send(sg, mail("a@example.com", "b@example.com"))
    assert [r["decision"] for r in sg.sends()[-1]["recipients"]] == ["deliver", "defer"]
    assert requests.delete(base).json()["cleared"] == 1 and sg.outcomes() == []


def test_the_outbox_through_the_control_plane(sg):
    send(sg, mail(f"bounce@{SIM}", "ok@example.com"))
    base = sg.url + "/_mailblocks/sendgrid/events"
    data = requests.get(base, params={"type": "bounce"}).json()
    assert (data["count"], data["total"], data["dropped"]) == (1, 4, 0)
    assert data["events"] == sg.events(type="bounce")
    assert requests.get(base, params={"email": "OK@example.com"}).json()["count"] == 2
    assert requests.get(base, params={"limit": "1"}).json()["events"] == sg.events()[-1:]
    since = requests.get(base, params={"limit": "2"}).json()["last_seq"]
    assert requests.get(base, params={"since": str(since - 2), "limit": "1"}).json()["events"] == [sg.events()[2]]
    assert requests.get(base, params={"subuser": "nobody"}).json()["count"] == 0
    assert requests.get(base, params={"since": "x"}).status_code == 400
    assert requests.delete(base).json() == {"provider": "sendgrid", "cleared": 4}
    assert sg.events() == []
    sends = requests.get(sg.url + "/_mailblocks/sendgrid/sends").json()
    assert sends["count"] == 1 and sends["sends"][0]["from"] == "shop@example.com"


def test_the_outbox_is_bounded_oldest_first_and_a_reset_restores_the_bounds(sg):
    sg.outbox.maxlen = 3
    send(sg, mail("a@example.com", "b@example.com"))  # four events
    assert [e["email"] + ":" + e["event"] for e in sg.events()] == [
        "a@example.com:delivered",
        "b@example.com:processed",
        "b@example.com:delivered",
    ]
    assert (sg.outbox.total, sg.outbox.dropped) == (4, 1)
    sg.reset()
    assert sg.outbox.maxlen == 10_000 and sg.events() == [] and sg.sends() == []


def test_a_reset_forgets_scheduled_deliveries(sg):
    send(sg, mail(f"defer@{SIM}"))
    sg.reset()
    sg.clock.advance(hours=80)
    assert sg.events() == [] and sg.blocks() == []


def test_a_bad_outcome_from_the_handle_says_what_is_wrong(sg):
    from pytest_mailblocks.core.errors import ControlError

    with pytest.raises(ControlError, match="outcome: kind must be one of"):
        sg.outcome("a@example.com", "vanish")
    with pytest.raises(ControlError, match="outcome: a defer outcome takes a 4xx reply"):
        sg.outcome("a@example.com", "defer", reply="550 5.1.1 no")
    with pytest.raises(ControlError, match="unknown subuser 'nobody'"):
        sg.events(subuser="nobody")
