"""What a CMC send becomes (issue 21): one recipient per list and per simulator outcome,
the events in CMC's webhook shape (outbox and a real receiver on loopback), the blocks
and unsubscribe lists afterwards through the block API, and the fake clock's part
(deferrals retried and given up, complaints and unsubscribes later, the daily batch),
outcomes chosen through the handle and the control plane."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.wrappers import Response

from .conftest import SIM, mail

T0 = 1_714_521_600  # 2024-05-01 09:00:00 JST
JST0 = "2024-05-01 09:00:00"
BLOCKS = "/transaction/v2/blocks/list.json"


@pytest.fixture
def cmc(cmc_fake):
    cmc_fake.clock.freeze(T0)
    return cmc_fake


def send(cmc, fmt="json", op="send", **fields):
    data = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in fields.items()}
    r = requests.post(f"{cmc.url}/api/v2/emails/{op}.{fmt}", data={**cmc.auth, **data})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def trail(cmc, email):
    """What every event of an address says, in order: a delivery's or a bounce's
    status, a blocks event's type."""
    return [e.get("type") or e["status"] for e in cmc.events(email=email)]


def listed(cmc, **params):
    r = requests.post(cmc.url + BLOCKS, data={**cmc.auth, **params})
    return r.json()["blocks"]


class Receiver:
    """The user's webhook endpoint on loopback: keeps every post's JSON body."""

    def __init__(self, httpserver, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[dict[str, str], bytes]] = []
        httpserver.expect_request("/cmc", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/cmc")

    def handle(self, request) -> Response:
        self.posts.append((dict(request.headers), request.get_data()))
        return Response("", status=self.statuses.pop(0) if self.statuses else 200)

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.posts]

    def items(self, event_type: str) -> list[dict]:
        return [i for b in self.bodies() if b["event_type"] == event_type for i in b["event"][event_type]]


def test_one_recipient_per_list_and_per_simulator_outcome(cmc, httpserver):
    """The issue's "done when": the API answer, the events (outbox and a webhook
    receiver on loopback), the lists afterwards and the clock's part, in one send."""
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url)
    cmc.add_block("blocked@example.com")
    cmc.add_unsubscribe("unsubscribed@example.com")
    recipients = [
        "blocked@example.com",
        "unsubscribed@example.com",
        f"success@{SIM}",
        f"bounce@{SIM}",
        f"block@{SIM}",
        f"defer@{SIM}",
        f"complaint@{SIM}",
        f"unsubscribe+news@{SIM}",
        f"invalid@{SIM}",
    ]
    mail_id = send(cmc, **mail(*recipients))

    decisions = {r["email"]: r["decision"] for r in cmc.sends()[-1]["recipients"]}
    simulated = {f"{kind}@{SIM}": kind for kind in ("bounce", "block", "defer", "complaint", "invalid")}
    assert decisions == {
        "blocked@example.com": "failed: blocked",
        "unsubscribed@example.com": "failed: unsubscribed",
        f"success@{SIM}": "deliver",
        f"unsubscribe+news@{SIM}": "unsubscribe",
        **simulated,
    }
    assert trail(cmc, "blocked@example.com") == ["queued", "failed"]
    assert [e["reason"] for e in cmc.events(email="blocked@example.com")] == ["", "Blocked address"]
    assert cmc.events(email="unsubscribed@example.com")[-1]["reason"] == "Unsubscribed"
    assert trail(cmc, f"success@{SIM}") == ["queued", "succeeded"]
    assert trail(cmc, f"bounce@{SIM}") == ["queued", "failed", "bounced", "block"]
    assert trail(cmc, f"block@{SIM}") == ["queued", "failed", "bounced", "block"]
    assert trail(cmc, f"defer@{SIM}") == ["queued", "deferred"]
    assert trail(cmc, f"complaint@{SIM}") == ["queued", "succeeded", "block"]
    assert trail(cmc, f"unsubscribe+news@{SIM}") == ["queued", "succeeded", "unsubscribe"]
    assert trail(cmc, f"invalid@{SIM}") == ["queued", "failed", "block"]

    # every delivery in the shape of the vendor's example, one Message-ID for the mail
    for event in cmc.events("deliveries"):
        assert list(event) == [
            "reason",
            "sourceIp",
            "returnPath",
            "created",
            "subject",
            "apiData",
            "messageId",
            "from",
            "to",
            "senderIp",
            "status",
        ]
        assert (event["created"], event["messageId"], event["from"]) == (
            JST0,
            f"<{mail_id}@example.com>",
            "shop@example.com",
        )
        assert event["returnPath"] == "shop@return.mailblocks.smtps.jp" and event["subject"] == "Your order"
    [bounced] = cmc.events("bounces", f"bounce@{SIM}")
    assert bounced == {
        "reason": "550 5.1.1 User unknown",
        "returnPath": "shop@return.mailblocks.smtps.jp",
        "created": JST0,
        "subject": "Your order",
        "apiData": "",
        "messageId": f"<{mail_id}@example.com>",
        "from": "shop@example.com",
        "to": f"bounce@{SIM}",
        "status": "bounced",
    }
    assert cmc.events("deliveries", f"block@{SIM}")[-1]["reason"] == "550 5.7.1 Message rejected due to local policy"
    assert cmc.events("deliveries", f"defer@{SIM}")[-1]["reason"] == "421 4.7.0 Try again later"

    # the lists afterwards, as the block API shows them: status 2 unknown user, 4
    # rejection, 10 blocked address (the complaint), 9 address format error
    rows = {b["email"]: (b["status"], b["occurred"], b["created"]) for b in listed(cmc, r="100")}
    assert rows == {
        "blocked@example.com": ("2", "1", JST0),
        f"bounce@{SIM}": ("2", "1", JST0),
        f"block@{SIM}": ("4", "1", JST0),
        f"complaint@{SIM}": ("10", "1", JST0),
        f"invalid@{SIM}": ("9", "1", JST0),
    }
    [blocked] = cmc.events("blocks", f"bounce@{SIM}")
    assert blocked == {**cmc.block(f"bounce@{SIM}"), "type": "block"}
    assert cmc.unsubscribes() == [  # the recipient's unsubscribe waits for the daily batch
        {"created": "2024-05-01 09:00:00", "email": "unsubscribed@example.com", "filtername": "default"}
    ]

    # the receiver: nothing before the notification interval, then one post per event type
    cmc.flush_events()
    assert hook.posts == []
    cmc.clock.advance(seconds=1)
    cmc.flush_events()
    assert sorted(b["event_type"] for b in hook.bodies()) == ["blocks", "bounces", "deliveries"]
    assert {b["server_composition"] for b in hook.bodies()} == {"mailblocks"}
    for event_type in ("deliveries", "bounces", "blocks"):
        assert hook.items(event_type) == cmc.events(event_type)

    # the clock's part: the deferral is retried, then fails (3: retransmission timeout);
    # the unsubscribe joins the list at the daily batch (03:00 JST)
    cmc.clock.advance(hours=72)
    cmc.flush_events()
    assert trail(cmc, f"defer@{SIM}")[-4:] == ["deferred", "failed", "bounced", "block"]
    assert cmc.block(f"defer@{SIM}")["status"] == "3"
    assert {u["email"] for u in cmc.unsubscribes()} == {"unsubscribed@example.com", f"unsubscribe+news@{SIM}"}
    for event_type in ("deliveries", "bounces", "blocks"):
        assert hook.items(event_type) == cmc.events(event_type)


def test_a_second_send_fails_for_what_the_first_listed(cmc):
    recipients = [f"{k}@{SIM}" for k in ("bounce", "block", "complaint", "invalid", "unsubscribe")]
    send(cmc, **mail(*recipients))
    cmc.run_batch()
    send(cmc, **mail(*recipients))
    second = cmc.sends()[-1]["recipients"]
    assert [r["decision"] for r in second] == [
        "failed: blocked",
        "failed: blocked",
        "failed: blocked",
        "failed: blocked",
        "failed: unsubscribed",
    ]
    assert cmc.block(f"bounce@{SIM}")["occurred"] == "1"  # a send not attempted is no error


def test_the_status_of_a_block_follows_the_replys_enhanced_code(cmc):
    #: the refusal, the block status it gives (1 unknown host, 5 overcapacity, 8 oversized,
    #: 4 rejection, 2 unknown user: no code, 7 receiving server error: a code not in the table)
    statuses = [
        ("550 5.1.2 Host unknown", "1"),
        ("552 5.2.2 Mailbox full", "5"),
        ("552 5.3.4 Message too big", "8"),
        ("554 5.7.1 Spam", "4"),
        ("550 Requested action not taken", "2"),
        ("550 5.9.9 Something else", "7"),
    ]
    to = [f"{n}@example.com" for n in "abcdef"]
    for email, (reply, _) in zip(to, statuses):
        cmc.outcome(email, "bounce", reply=reply)
    send(cmc, **mail(*to))
    assert [(b["email"], b["status"]) for b in cmc.blocks()] == [(e, s) for e, (_, s) in zip(to, statuses)]
    assert cmc.events("bounces", "a@example.com")[0]["reason"] == "550 5.1.2 Host unknown"


def test_the_block_threshold_counts_errors_and_deleted_or_cancelled_addresses_are_kept_apart(cmc):
    cmc.configure(block_threshold=2)
    cmc.outcome("ann@example.com", "bounce")
    send(cmc, **mail("ann@example.com"))
    assert cmc.blocks() == [] and cmc.events("blocks") == []
    send(cmc, **mail("ann@example.com"))
    assert cmc.block("ann@example.com")["occurred"] == "2" and len(cmc.events("blocks")) == 1
    # deleted (blocks/delete): sendable for good, errors only counted
    form = {**cmc.auth, "email": "ann@example.com"}
    assert requests.post(cmc.url + "/transaction/v2/blocks/delete.json", data=form).status_code == 200
    send(cmc, **mail("ann@example.com"))
    send(cmc, **mail("ann@example.com"))
    assert cmc.blocks() == [] and cmc.blocks(removed=True)[0]["occurred"] == "4"
    # cancelled (blocks/cancel): blocked again when errors recur
    cmc.configure(block_threshold=1)
    cmc.outcome("bob@example.com", "bounce")
    send(cmc, **mail("bob@example.com"))
    cmc.remove_block("bob@example.com")
    cmc.clock.advance(hours=1)
    send(cmc, **mail("bob@example.com"))
    assert cmc.block("bob@example.com")["created"] == "2024-05-01 10:00:00"


def test_a_deferral_is_retried_on_the_fake_clock_and_then_delivered(cmc):
    cmc.outcome("slow@example.com", "defer", reply="450 4.2.0 Mailbox busy", times=2)
    send(cmc, **mail("slow@example.com"))
    cmc.clock.advance(seconds=299)
    assert trail(cmc, "slow@example.com") == ["queued", "deferred"]
    cmc.clock.advance(seconds=1)
    cmc.clock.advance(minutes=10)
    events = cmc.events(email="slow@example.com")
    assert [(e["status"], e["created"], e["reason"]) for e in events] == [
        ("queued", JST0, ""),
        ("deferred", JST0, "450 4.2.0 Mailbox busy"),
        ("deferred", "2024-05-01 09:05:00", "450 4.2.0 Mailbox busy"),
        ("succeeded", "2024-05-01 09:15:00", ""),
    ]
    assert cmc.blocks() == []


def test_a_deferral_that_never_clears_fails_72_hours_after_the_first_try(cmc):
    send(cmc, **mail(f"defer@{SIM}"))
    cmc.clock.advance(hours=71, minutes=59)
    assert cmc.blocks() == []
    deferred = cmc.events(status="deferred")
    assert len(deferred) > 60 and deferred[-1]["created"] < "2024-05-04 09:00:00"
    cmc.clock.advance(minutes=1)
    [block] = cmc.blocks()
    assert (block["status"], block["created"]) == ("3", "2024-05-04 09:00:00")
    assert cmc.events("bounces")[0]["created"] == "2024-05-04 09:00:00"


def test_a_complaint_and_an_unsubscribe_may_come_later(cmc):
    cmc.outcome("hates@example.com", "complaint", after=3600)
    cmc.outcome("leaves@example.com", "unsubscribe", after=7200)
    send(cmc, **mail("hates@example.com", "leaves@example.com"))
    assert trail(cmc, "hates@example.com") == ["queued", "succeeded"] and cmc.blocks() == []
    cmc.clock.advance(hours=1)
    assert cmc.block("hates@example.com")["created"] == "2024-05-01 10:00:00"
    cmc.clock.advance(hours=1)
    [event] = cmc.events("blocks", "leaves@example.com")
    assert event == {
        "created": "2024-05-01 11:00:00",
        "email": "leaves@example.com",
        "filterName": "default",
        "type": "unsubscribe",
    }
    assert cmc.unsubscribes() == []  # until the daily batch, 03:00 JST
    cmc.clock.advance(hours=16)
    assert cmc.unsubscribes() == [
        {"created": "2024-05-01 11:00:00", "email": "leaves@example.com", "filtername": "default"}
    ]


def test_a_chosen_outcome_wins_over_the_simulator_and_can_be_cleared(cmc):
    cmc.outcome(f"bounce@{SIM}", "deliver")
    send(cmc, **mail(f"bounce@{SIM}"))
    assert trail(cmc, f"bounce@{SIM}") == ["queued", "succeeded"]
    assert cmc.clear_outcomes(f"BOUNCE@{SIM}") == 1
    send(cmc, **mail(f"bounce@{SIM}"))
    assert trail(cmc, f"bounce@{SIM}")[-1] == "block"


def test_bulk_recipients_are_decided_one_by_one(cmc):
    to = [{"address": "ann@example.com"}, {"address": f"bounce+bulk@{SIM}"}, {"address": "ann@example.com"}]
    mail_id = send(cmc, op="bulk", **mail(*to))
    assert [r["decision"] for r in cmc.sends()[-1]["recipients"]] == ["deliver", "bounce", "deliver"]
    assert cmc.events("bounces")[0]["messageId"] == f"<{mail_id}.2@example.com>"


def test_the_events_filter_by_type_address_status_and_composition(cmc):
    cmc.add_composition("other")
    send(cmc, **mail("a@example.com", f"bounce@{SIM}"))
    send(cmc, server_composition="other", **mail("a@example.com"))
    assert len(cmc.events()) == 8
    assert len(cmc.events("deliveries", "A@EXAMPLE.COM")) == 4
    assert len(cmc.events(status="succeeded")) == 2
    assert len(cmc.events(email="a@example.com", server_composition="other")) == 2
    from pytest_mailblocks.core.errors import ControlError

    with pytest.raises(ControlError, match="unknown server composition 'nowhere'"):
        cmc.events(server_composition="nowhere")


def test_outcomes_and_the_outbox_through_the_control_plane(cmc):
    base = cmc.url + "/_mailblocks/cmc"
    r = requests.post(base + "/outcomes", json=[{"email": "a@example.com", "kind": "bounce"}])
    assert r.status_code == 201 and r.json()["chosen"] == 1
    send(cmc, **mail("a@example.com", "b@example.com"))
    data = requests.get(base + "/events", params={"type": "bounces"}).json()
    assert (data["count"], data["total"], data["events"]) == (1, 6, cmc.events("bounces"))
    other = requests.get(base + "/events", params={"server_composition": "elsewhere"}).json()
    assert other["count"] == 0
    assert requests.get(base + "/events", params={"email": "B@example.com"}).json()["count"] == 2
    sends = requests.get(base + "/sends").json()
    assert sends["count"] == 1 and sends["sends"][0]["from"] == "shop@example.com"
    assert requests.delete(base + "/events").json() == {"provider": "cmc", "cleared": 6}
    assert cmc.events() == []


def test_a_reset_forgets_scheduled_deliveries_and_the_webhook(cmc, httpserver):
    hook = Receiver(httpserver)
    cmc.set_event_webhook(hook.url)
    send(cmc, **mail(f"defer@{SIM}"))
    cmc.reset()
    cmc.clock.advance(hours=80)
    cmc.flush_events()
    assert cmc.events() == [] and cmc.blocks() == [] and hook.posts == [] and cmc.event_webhook() is None


# -- deliveries/list and bounces/list (inferred) ------------------------------------------------------
def test_deliveries_and_bounces_are_listed_through_the_api(cmc):
    send(cmc, **mail("ann@example.com", f"bounce@{SIM}"))
    cmc.clock.advance(days=1)
    send(cmc, **mail("ann@example.com"))
    url = cmc.url + "/transaction/v2/{}/list.{}"
    r = requests.post(url.format("deliveries", "json"), data={**cmc.auth, "date": "2024-05-01"})
    assert r.status_code == 200
    rows = r.json()["deliveries"]
    assert [(d["to"], d["status"]) for d in rows] == [
        ("ann@example.com", "queued"),
        ("ann@example.com", "succeeded"),
        (f"bounce@{SIM}", "queued"),
        (f"bounce@{SIM}", "failed"),
    ]
    form = {**cmc.auth, "date": "2024-05-02", "to": "ANN@", "status": "succeeded"}
    [row] = requests.post(url.format("deliveries", "json"), data=form).json()["deliveries"]
    assert row == cmc.events("deliveries", status="succeeded")[-1]
    page = {**cmc.auth, "date": "2024-05-01", "p": "1", "r": "3"}
    assert len(requests.post(url.format("deliveries", "json"), data=page).json()["deliveries"]) == 1
    r = requests.post(url.format("deliveries", "json"), data=cmc.auth)
    assert r.json() == {"errors": [{"code": "01-002", "field": "date", "message": "date is required."}]}
    r = requests.post(url.format("bounces", "xml"), data=cmc.auth)
    assert r.status_code == 200 and "<bounces>\n    <bounce>\n        <reason>550 5.1.1 User unknown" in r.text
    cmc.add_user("utc", "utc-key", time_zone="UTC", reference=True)
    utc = {"api_user": "utc", "api_key": "utc-key", "server_composition": "mailblocks"}
    [bounce] = requests.post(url.format("bounces", "json"), data={**utc, "start_date": "2024-05-01"}).json()["bounces"]
    assert bounce["created"] == "2024-05-01 00:00:00"
    cmc.add_user("blind", "blind-key", reference=False)
    blind = {"api_user": "blind", "api_key": "blind-key", "server_composition": "mailblocks"}
    assert requests.post(url.format("bounces", "json"), data=blind).json()["errors"][0]["code"] == "12-002"
