"""What a send becomes (issue 21): one recipient per list and per simulator outcome, the
API's answers (the send, the status lookups), the events in the outbox, the lists
afterwards as the block APIs show them, and the fake clock's part (deferrals retried,
the send block's expiry after SEND_BLOCK_TIME, later unsubscribes); outcomes chosen
through the handle and the control plane."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from .conftest import MAILS, SEND_BLOCK, SIM, T0, UNSUBSCRIBERS, mail, mailer_error

HOUR_MS = 3_600_000
WEEK_MS = 168 * HOUR_MS
MS = T0 * 1000


@pytest.fixture
def ncp_fake(ncp_fake, mailblocks):
    mailblocks.clock.freeze(T0)
    return ncp_fake


def send(ncp, *to: str, **extra: Any) -> str:
    r = ncp.post(MAILS, json=mail(*to, **extra))
    assert r.status_code == 201, r.text
    return str(r.json()["requestId"])


def trail(fake, email: str) -> list[str]:
    return [e["event"] for e in fake.events(email=email)]


def history(ncp, email: str) -> dict[str, Any]:
    r = ncp.get(f"{SEND_BLOCK}?targetAddress={email}")
    assert r.status_code == 200
    return dict(r.json())


def unsubscribed(ncp) -> list[tuple[str, bool]]:
    r = ncp.get(f"{UNSUBSCRIBERS}?startUtc=0&endUtc=99999999999999")
    return [(u["address"], u["isRegByManager"]) for u in r.json()["content"]]


def test_one_recipient_per_list_and_per_simulator_outcome(ncp, ncp_fake, mailblocks):
    """The issue's "done when" for NCP: the answer, the status lookups, the outbox, the
    lists afterwards and the clock's part, in one advertising send."""
    ncp_fake.add_block("blocked@example.com", requester="OTHER_CUSTOMER")
    ncp_fake.add_unsubscriber("optout@example.com")
    recipients = [
        "blocked@example.com",
        "optout@example.com",
        f"success@{SIM}",
        f"bounce@{SIM}",
        f"block@{SIM}",
        f"defer@{SIM}",
        f"complaint@{SIM}",
        f"unsubscribe+news@{SIM}",
        f"invalid@{SIM}",
    ]
    r = ncp.post(MAILS, json=mail(*recipients, advertising=True))
    assert r.status_code == 201 and r.json()["count"] == 9
    request_id = r.json()["requestId"]

    # the decision per recipient, as the send log keeps it
    decisions = {row["address"]: row["decision"] for row in ncp_fake.sends()[-1]["recipients"]}
    assert decisions == {
        "blocked@example.com": "failed: SEND_BLOCK_ADDRESS",
        "optout@example.com": "unsubscribed",
        f"success@{SIM}": "deliver",
        f"bounce@{SIM}": "bounce",
        f"block@{SIM}": "block",
        f"defer@{SIM}": "defer",
        f"complaint@{SIM}": "complaint",
        f"unsubscribe+news@{SIM}": "unsubscribe",
        f"invalid@{SIM}": "invalid",
    }

    # the outbox
    assert trail(ncp_fake, "blocked@example.com") == ["failed"]
    assert trail(ncp_fake, "optout@example.com") == ["unsubscribed"]
    assert trail(ncp_fake, f"success@{SIM}") == ["sent"]
    assert trail(ncp_fake, f"bounce@{SIM}") == ["failed", "send_block"]
    assert trail(ncp_fake, f"block@{SIM}") == ["failed", "send_block"]
    assert trail(ncp_fake, f"defer@{SIM}") == ["deferred"]
    assert trail(ncp_fake, f"complaint@{SIM}") == ["sent"]  # NCP keeps no complaints
    assert trail(ncp_fake, f"unsubscribe+news@{SIM}") == ["sent", "unsubscribe"]
    assert trail(ncp_fake, f"invalid@{SIM}") == ["failed", "send_block"]
    [blocked] = ncp_fake.events(email="blocked@example.com")
    assert blocked == {
        "event": "failed",
        "time": MS,
        "address": "blocked@example.com",
        "requestId": request_id,
        "mailId": blocked["mailId"],
        "type": "R",
        "status": "F",
        "retryCount": 0,
        "sendResultCode": "SEND_BLOCK_ADDRESS",
        "sendResultMessage": None,
        "project": "default",
        "region": "KR",
    }
    codes = {e["address"]: e["sendResultCode"] for e in ncp_fake.events(type="failed")}
    assert codes == {
        "blocked@example.com": "SEND_BLOCK_ADDRESS",
        f"bounce@{SIM}": "RECIPIENT_ADDRESS_ERROR",
        f"block@{SIM}": "SECURITY_AND_POLICY_ERROR",
        f"invalid@{SIM}": "RECIPIENT_ADDRESS_ERROR",
    }
    [deferred] = ncp_fake.events(type="deferred")
    assert (deferred["status"], deferred["retryCount"]) == ("I", 0)
    assert deferred["sendResultMessage"].startswith("421 4.3.0 ")

    # the status lookups answer from the same data
    status = ncp.get(f"/api/v1/mails/requests/{request_id}/status").json()
    assert status == {
        "requestId": request_id,
        "readyCompleted": True,
        "allSentSuccess": False,
        "requestCount": 9,
        "sentCount": 3,
        "finishCount": 8,
        "readyCount": 9,
        "reservationDate": None,
        "countsByStatus": [
            {"status": {"label": "Failed to send", "code": "F"}, "count": 4},
            {"status": {"label": "Sending", "code": "I"}, "count": 1},
            {"status": {"label": "Sent successfully", "code": "S"}, "count": 3},
            {"status": {"label": "Unsubscribe", "code": "U"}, "count": 1},
        ],
    }
    bounce_mail = ncp_fake.events(type="failed", email=f"bounce@{SIM}")[0]["mailId"]
    detail = ncp.get(f"/api/v1/mails/{bounce_mail}").json()
    assert detail["emailStatus"] == {"label": "Failed to send", "code": "F"}
    assert detail["recipients"] == [
        {
            "address": f"bounce@{SIM}",
            "type": {"label": "Recipient", "code": "R"},
            "received": False,
            "status": {"label": "Failed to send", "code": "F"},
            "retryCount": 0,
            "sendResultMessage": f"550 5.1.1 <bounce@{SIM}>: Recipient address rejected: "
            "User unknown in local recipient table\n",
            "sendResultCode": "RECIPIENT_ADDRESS_ERROR",
            "sendResultCodeMessage": "Sending failed due to recipient address error",
        }
    ]

    # the lists afterwards, through the block APIs: three hard bounces blocked by this project
    for address in (f"bounce@{SIM}", f"block@{SIM}", f"invalid@{SIM}"):
        body = history(ncp, address)
        assert body["registerStatus"] == "Blocked"
        assert body["expectedDeleteDate"]["utc"] == MS + WEEK_MS
        [create] = body["content"]
        assert (create["actionType"]["code"], create["actionRequesterType"]["code"]) == ("C", "CUSTOMER")
    assert {b["email"] for b in ncp_fake.blocks()} == {
        "blocked@example.com",
        f"bounce@{SIM}",
        f"block@{SIM}",
        f"invalid@{SIM}",
    }
    assert unsubscribed(ncp) == [("optout@example.com", True), (f"unsubscribe+news@{SIM}", False)]

    # the clock's part: the deferral is retried, then gives up as a hard bounce ...
    mailblocks.clock.advance(hours=6)  # the five retries span 5 h 10 min
    retries = [e["retryCount"] for e in ncp_fake.events(type="deferred")]
    assert retries == [0, 1, 2, 3, 4]
    assert trail(ncp_fake, f"defer@{SIM}")[-2:] == ["failed", "send_block"]
    assert ncp.get(f"/api/v1/mails/requests/{request_id}/status").json()["finishCount"] == 9
    # ... and the blocks end SEND_BLOCK_TIME after the bounce: a SYSTEM Delete, an event
    mailblocks.clock.advance(hours=162)
    expired = ncp_fake.events(type="send_block_expired")
    assert {e["address"] for e in expired} == {f"bounce@{SIM}", f"block@{SIM}", f"invalid@{SIM}"}
    assert all(e["time"] == MS + WEEK_MS for e in expired)
    body = history(ncp, f"bounce@{SIM}")
    assert body["registerStatus"] == "Not blocked"
    assert [(e["actionType"]["code"], e["actionRequesterType"]["code"]) for e in body["content"]] == [
        ("D", "SYSTEM"),
        ("C", "CUSTOMER"),
    ]
    assert f"defer@{SIM}" in {b["email"] for b in ncp_fake.blocks()}  # its block started later


def test_a_second_send_fails_for_what_the_first_listed(ncp, ncp_fake):
    recipients = [f"bounce@{SIM}", f"unsubscribe@{SIM}", f"invalid@{SIM}"]
    send(ncp, *recipients, advertising=True)
    send(ncp, *recipients, advertising=True)
    second = [row["decision"] for row in ncp_fake.sends()[-1]["recipients"]]
    assert second == ["failed: SEND_BLOCK_ADDRESS", "unsubscribed", "failed: SEND_BLOCK_ADDRESS"]


def test_unsubscribers_are_only_skipped_for_advertising_mail(ncp, ncp_fake):
    """registerUnsubscribers: "unsubscribed from advertising emails"."""
    ncp_fake.add_unsubscriber("optout@example.com")
    send(ncp, "optout@example.com")
    send(ncp, "optout@example.com", advertising=True)
    assert [s["recipients"][0]["decision"] for s in ncp_fake.sends()] == ["deliver", "unsubscribed"]


def test_the_send_block_list_is_service_wide(ncp, ncp_fake):
    """A bounce from one project blocks the address for every project; the other one
    sees the Create as OTHER_CUSTOMER."""
    shop = ncp_fake.add_access_key(project="shop")
    keys = {"access_key": shop["access_key"], "secret_key": shop["secret_key"]}
    r = ncp.post(MAILS, json=mail(f"bounce@{SIM}"), **keys)
    assert r.status_code == 201
    send(ncp, f"bounce@{SIM}")
    assert ncp_fake.sends()[-1]["recipients"][0]["decision"] == "failed: SEND_BLOCK_ADDRESS"
    create = history(ncp, f"bounce@{SIM}")["content"][0]
    assert create["actionRequesterType"]["code"] == "OTHER_CUSTOMER"
    r = ncp.get(f"{SEND_BLOCK}?targetAddress=bounce@{SIM}", **keys)
    assert r.json()["content"][0]["actionRequesterType"]["code"] == "CUSTOMER"


def test_removing_a_block_lets_the_next_send_through(ncp, ncp_fake):
    ncp_fake.outcome("back@example.com", "bounce")
    send(ncp, "back@example.com")
    ncp_fake.clear_outcomes()
    assert ncp_fake.remove_block("back@example.com")
    send(ncp, "back@example.com")
    assert ncp_fake.sends()[-1]["recipients"][0]["decision"] == "deliver"


def test_the_configured_send_block_time_is_used_for_later_blocks(ncp, ncp_fake, mailblocks):
    send(ncp, f"bounce+early@{SIM}")
    r = ncp.post("/api/v1/config", json={"type": "SEND_BLOCK_TIME", "value": "10", "unit": "DAY"})
    assert r.status_code == 200
    send(ncp, f"bounce+late@{SIM}")
    ends = {e["address"]: (e["expectedDeleteDate"], e["hours"]) for e in ncp_fake.events(type="send_block")}
    assert ends == {f"bounce+early@{SIM}": (MS + WEEK_MS, 168), f"bounce+late@{SIM}": (MS + 240 * HOUR_MS, 240)}
    mailblocks.clock.advance(hours=168)
    assert {b["email"] for b in ncp_fake.blocks()} == {f"bounce+late@{SIM}"}
    mailblocks.clock.advance(hours=72)
    assert ncp_fake.blocks() == []


def test_an_address_twice_in_one_send_is_blocked_once(ncp, ncp_fake):
    send(ncp, f"bounce@{SIM}", f"BOUNCE@{SIM}")
    assert [r["decision"] for r in ncp_fake.sends()[-1]["recipients"]] == ["bounce", "failed: SEND_BLOCK_ADDRESS"]
    assert len(ncp_fake.events(type="send_block")) == 1


# -- chosen outcomes -------------------------------------------------------------------------------
def test_a_chosen_bounce_reply_picks_the_hard_bounce_code(ncp, ncp_fake):
    replies = {
        "a@example.com": ("550 5.1.1 user unknown", "RECIPIENT_ADDRESS_ERROR"),
        "b@example.com": ("552 5.2.2 mailbox full", "MAILBOX_ERROR"),
        "c@example.com": ("554 5.3.0 mail system offline", "RECEIVE_MAIL_SERVICE_ERROR"),
        "d@example.com": ("554 5.4.4 unable to route", "NETWORK_ERROR"),
        "e@example.com": ("554 5.5.0 protocol error", "SMTP_ERROR"),
        "f@example.com": ("554 5.6.0 content rejected", "MAIL_CONTENTS_ERROR"),
        "g@example.com": ("550 5.7.1 policy", "SECURITY_AND_POLICY_ERROR"),
        "h@example.com": ("550 no enhanced code", "RECIPIENT_ADDRESS_ERROR"),
    }
    for address, (reply, _) in replies.items():
        ncp_fake.outcome(address, "bounce", reply=reply)
    send(ncp, *replies)
    got = {e["address"]: (e["sendResultMessage"], e["sendResultCode"]) for e in ncp_fake.events(type="failed")}
    assert got == {a: (reply + "\n", code) for a, (reply, code) in replies.items()}
    blocks = {b["email"]: b["result_code"] for b in ncp_fake.blocks()}
    assert blocks == {a: code for a, (_, code) in replies.items()}


def test_a_deferral_is_retried_on_the_fake_clock_and_then_sent(ncp, ncp_fake, mailblocks):
    ncp_fake.outcome("slow@example.com", "defer", reply="451 4.7.1 greylisted", times=2)
    request_id = send(ncp, "slow@example.com")
    mail_id = ncp_fake.mail_ids(request_id)[0]
    mailblocks.clock.advance(seconds=599)
    assert trail(ncp_fake, "slow@example.com") == ["deferred"]
    assert ncp.get(f"/api/v1/mails/{mail_id}").json()["emailStatus"]["code"] == "I"
    mailblocks.clock.advance(seconds=1)  # the first retry, 10 minutes later
    mailblocks.clock.advance(minutes=20)  # the second, 20 minutes after that: sent
    events = ncp_fake.events(email="slow@example.com")
    assert [(e["event"], e["time"], e["retryCount"], e["status"]) for e in events] == [
        ("deferred", MS, 0, "I"),
        ("deferred", MS + 600_000, 1, "I"),
        ("sent", MS + 1_800_000, 2, "S"),
    ]
    detail = ncp.get(f"/api/v1/mails/{mail_id}").json()
    assert detail["emailStatus"]["code"] == "S" and detail["recipients"][0]["retryCount"] == 2
    assert detail["sendDate"]["utc"] == MS + 1_800_000
    assert ncp_fake.blocks() == []


def test_a_deferral_that_never_clears_is_a_hard_bounce_after_the_retries(ncp, ncp_fake, mailblocks):
    ncp_fake.outcome("down@example.com", "defer", reply="421 4.4.2 connection dropped")
    send(ncp, "down@example.com")
    mailblocks.clock.advance(seconds=600 + 1200 + 2400 + 4800 + 9600 - 1)
    assert trail(ncp_fake, "down@example.com") == ["deferred"] * 5
    mailblocks.clock.advance(seconds=1)
    last = ncp_fake.events(type="failed", email="down@example.com")[0]
    assert (last["time"], last["retryCount"], last["sendResultCode"]) == (MS + 18_600_000, 5, "NETWORK_ERROR")
    assert ncp_fake.block("down@example.com")["expected_delete"] == MS + 18_600_000 + WEEK_MS


def test_an_unsubscribe_may_come_later(ncp, ncp_fake, mailblocks):
    ncp_fake.outcome("leaves@example.com", "unsubscribe", after=86400)
    send(ncp, "leaves@example.com")
    assert trail(ncp_fake, "leaves@example.com") == ["sent"] and ncp_fake.unsubscribers() == []
    mailblocks.clock.advance(days=1)
    assert trail(ncp_fake, "leaves@example.com") == ["sent", "unsubscribe"]
    assert ncp_fake.unsubscribers() == [
        {
            "email": "leaves@example.com",
            "created": MS + 86_400_000,
            "by_manager": False,
            "project": "default",
            "region": "KR",
        }
    ]


def test_a_complaint_cannot_be_chosen(ncp_fake):
    from pytest_mailblocks.core.errors import ControlError

    with pytest.raises(ControlError, match="kind must be one of"):
        ncp_fake.outcome("a@example.com", "complaint")


def test_outcomes_and_events_through_the_control_plane(ncp, ncp_fake):
    base = ncp_fake.url + "/_mailblocks/ncp"
    r = requests.post(base + "/outcomes", json=[{"email": "a@example.com", "kind": "bounce"}])
    assert r.status_code == 201
    r = requests.post(base + "/outcomes", json={"email": "b@example.com", "kind": "complaint"})
    assert r.status_code == 400 and "kind must be one of" in r.json()["message"]
    send(ncp, "a@example.com", "ok@example.com")
    data = requests.get(base + "/events", params={"type": "failed"}).json()
    assert (data["count"], data["total"]) == (1, 3)
    assert data["events"] == ncp_fake.events(type="failed")
    assert requests.get(base + "/events", params={"project": "nobody"}).json()["count"] == 0
    assert requests.get(base + "/events", params={"project": "default"}).json()["count"] == 3
    sends = requests.get(base + "/sends").json()
    assert sends["count"] == 1 and sends["sends"][0]["senderAddress"] == "shop@example.com"
    listed = requests.get(base + "/mail-requests").json()
    assert listed["count"] == 1 and listed["requests"][0]["sentCount"] == 1


def test_a_reset_forgets_sends_and_scheduled_work(ncp, ncp_fake, mailblocks):
    request_id = send(ncp, f"defer@{SIM}")
    ncp_fake.reset()
    mailblocks.clock.freeze(T0)
    mailblocks.clock.advance(hours=10)
    assert ncp_fake.events() == [] and ncp_fake.blocks() == [] and ncp_fake.mail_requests() == []
    assert ncp.get(f"/api/v1/mails/requests/{request_id}/status").json() == mailer_error(
        "77103", "리소스가 존재하지 않음"
    )


# -- reservations and confirmation ------------------------------------------------------------------
def test_a_reserved_send_is_decided_at_its_reservation(ncp, ncp_fake, mailblocks):
    request_id = send(ncp, f"bounce@{SIM}", reservationDateTime="2024-05-01 11:00")  # KST: T0 + 2 h
    status = ncp.get(f"/api/v1/mails/requests/{request_id}/status").json()
    assert status["reservationDate"]["utc"] == MS + 2 * HOUR_MS
    assert status["countsByStatus"] == [{"status": {"label": "Ready to send", "code": "R"}, "count": 1}]
    assert ncp_fake.sends()[-1]["recipients"][0]["decision"] == "scheduled" and ncp_fake.events() == []
    mailblocks.clock.advance(hours=2)
    assert [(e["event"], e["time"]) for e in ncp_fake.events()] == [
        ("failed", MS + 2 * HOUR_MS),
        ("send_block", MS + 2 * HOUR_MS),
    ]
    listed = ncp.get(f"/api/v1/mails/requests/{request_id}/mails").json()["content"]
    assert listed[0]["reservationStatus"] == {"label": "Reserved", "code": "Y"}


def test_confirm_and_send_waits_for_the_confirmation(ncp, ncp_fake):
    request_id = send(ncp, "a@example.com", confirmAndSend=True)
    assert ncp_fake.events() == [] and ncp_fake.sends()[-1]["recipients"][0]["decision"] == "ready"
    assert ncp_fake.mail_requests()[0]["held"] is True
    assert ncp_fake.confirm(request_id) is True
    assert trail(ncp_fake, "a@example.com") == ["sent"]
    assert ncp_fake.confirm(request_id) is False
    r = requests.post(ncp_fake.url + "/_mailblocks/ncp/mail-requests", json={"requestId": "nope"})
    assert r.json() == {"confirmed": False}
