"""What a send becomes (issue 21): one recipient per list and per simulator outcome, the
events in SendCloud's shape (outbox and a real webhook receiver, HMAC verified as the
docs tell users to), the lists afterwards through the block APIs, and the fake clock's
part: the bounce list's backoff schedule, complaints kept 180 days, deferrals retried."""

from __future__ import annotations

import itertools
import re

import pytest
import requests

from .conftest import SIM, T0, Receiver, as_form, mail, send, verify

DAY = 86400


@pytest.fixture
def sc(sendcloud_fake, mailblocks):
    mailblocks.clock.freeze(T0)
    return sendcloud_fake


def trail(sc, email):
    return [e["event"] for e in sc.events(email=email)]


def listed(sc, module, email, prefix="/api"):
    """``<module>/list`` for one address through the real API (rows as shown)."""
    params = {"apiUser": sc.api_user, "apiKey": sc.api_key, "email": email, "days": 1}
    body = requests.get(sc.url + f"{prefix}/{module}/list", params=params).json()
    assert body["result"] is True, body
    return body["info"]["dataList"]


def test_one_recipient_per_list_and_per_simulator_outcome(sc, httpserver):
    """The issue's "done when": the API answer, the events (outbox and a receiver on
    loopback, each signature verified), the lists afterwards, the clock's part."""
    receiver = Receiver(httpserver)
    sc.set_webhook(receiver.url)
    sc.add_complaint("complained@example.com")
    sc.add_block("blocked@example.com")
    sc.add_bounce("bounced@example.com")
    sc.add_unsubscribe("unsubscribed@example.com")
    lists = ["complained@example.com", "blocked@example.com", "bounced@example.com", "unsubscribed@example.com"]
    simulated = [f"{k}@{SIM}" for k in ("success", "bounce", "block", "defer", "complaint", "invalid")]
    simulated.insert(5, f"unsubscribe+news@{SIM}")
    recipients = lists + simulated
    info = send(sc, mail(*recipients))

    # the answer: one emailId per recipient, <messageId><n>$<recipient>
    [message_id] = {i.partition("$")[0][: -len(str(n))] for n, i in enumerate(info["emailIdList"])}
    assert re.fullmatch(r"1715745600000_\d+_\d+_\d+\.sc-127_0_0_1-inbound", message_id)
    assert info["emailIdList"] == [f"{message_id}{n}${e}" for n, e in enumerate(recipients)]
    decisions = {r["email"]: r["decision"] for r in sc.sends()[-1]["recipients"]}
    assert decisions == {
        "complained@example.com": "invalid: complaints",
        "blocked@example.com": "invalid: blocks",
        "bounced@example.com": "invalid: bounces",
        "unsubscribed@example.com": "invalid: unsubscribes",
        f"success@{SIM}": "deliver",
        f"bounce@{SIM}": "bounce",
        f"block@{SIM}": "block",
        f"defer@{SIM}": "defer",
        f"complaint@{SIM}": "complaint",
        f"unsubscribe+news@{SIM}": "unsubscribe",
        f"invalid@{SIM}": "invalid",
    }

    # the events: one request for the send, then per recipient
    [request] = sc.events(type="request")
    assert {k: request[k] for k in ("message", "messageId", "recipientArray", "emailIds", "recipientSize")} == {
        "message": "successfully request",
        "messageId": message_id,
        "recipientArray": recipients,
        "emailIds": info["emailIdList"],
        "recipientSize": 11,
    }
    invalid = {e["recipient"]: (e["substat"], e["substatdesc"], e["message"]) for e in sc.events(type="invalid")}
    assert invalid == {
        "complained@example.com": (
            401,
            "in SendCloud blocklist",
            "Blacklist:complaint (worker:address in complaint list)",
        ),
        "blocked@example.com": (401, "in SendCloud blocklist", "Blacklist: Block：(worker:address in block list)"),
        "bounced@example.com": (401, "in SendCloud blocklist", "Blacklist: Bounce(worker:address in bounce list)"),
        "unsubscribed@example.com": (402, "unsubscribe", "unsubscribe"),
        f"bounce@{SIM}": (406, "address does not exist", "550 5.1.1 recipient address does not exist"),
        f"block@{SIM}": (408, "sender / recipient rejected", "554 5.7.1 sender / recipient rejected"),
        f"invalid@{SIM}": (403, "server unreachable", "server unreachable"),
    }
    assert trail(sc, f"success@{SIM}") == ["deliver"]
    assert trail(sc, f"defer@{SIM}") == ["soft_bounce"]
    assert trail(sc, f"complaint@{SIM}") == ["deliver", "report_spam"]
    assert trail(sc, f"unsubscribe+news@{SIM}") == ["deliver", "unsubscribe"]
    [soft] = sc.events(type="soft_bounce")
    assert (soft["substat"], soft["substatdesc"], soft["cause"]) == (
        503,
        "service not available",
        "421 4.3.0 service not available, try again later",
    )
    for event in sc.events():
        assert list(event)[:5] == ["event", "message", "apiUser", "category", "labelId"]
        assert list(event)[-3:] == ["timestamp", "token", "signature"]
        assert event["apiUser"] == event["category"] == sc.api_user and event["timestamp"] == T0 * 1000
        assert re.fullmatch(r"[A-Za-z0-9]{50}", event["token"])
        if event["event"] != "request":
            assert event["emailId"] == info["emailIdList"][recipients.index(event["recipient"])]

    # the lists afterwards, through the block APIs
    [bounce] = listed(sc, "bounce", f"bounce@{SIM}")
    assert bounce == {
        "email": f"bounce@{SIM}",
        "reason": "550 5.1.1 recipient address does not exist",
        "bounceTime": "2024-05-15 12:00:00",
        "domain": SIM,
    }
    assert [u["email"] for u in listed(sc, "unsubscribe", f"unsubscribe+news@{SIM}", "/apiv2")] == [
        f"unsubscribe+news@{SIM}"
    ]
    assert [c["email"] for c in sc.complaints()] == ["complained@example.com", f"complaint@{SIM}"]
    assert [b["email"] for b in sc.blocks()] == ["blocked@example.com"]  # the block list is manual only
    assert listed(sc, "bounce", f"defer@{SIM}") == [] and listed(sc, "bounce", f"invalid@{SIM}") == []

    # the receiver got every event, one form POST each, signed as the docs verify
    sc.flush_events()
    assert receiver.forms() == [as_form(e) for e in sc.events()]
    assert {h["Content-Type"] for h, _ in receiver.posts} == {"application/x-www-form-urlencoded"}
    for form in receiver.forms():
        assert verify(sc.app_key, form["token"], form["timestamp"], form["signature"])
        assert not verify(sc.app_key, form["token"], str(int(form["timestamp"]) + 1), form["signature"])

    # the clock's part: the first bounce expires after an hour; the deferral is given up after a day
    sc.clock.advance(minutes=59)
    assert len(listed(sc, "bounce", f"bounce@{SIM}")) == 1
    sc.clock.advance(minutes=1)
    assert listed(sc, "bounce", f"bounce@{SIM}") == []
    sc.clock.advance(hours=23)
    sc.flush_events()
    assert trail(sc, f"defer@{SIM}")[-1] == "invalid"
    last = sc.events(email=f"defer@{SIM}")[-1]
    assert (last["substat"], last["timestamp"]) == (403, (T0 + DAY) * 1000)
    assert receiver.forms() == [as_form(e) for e in sc.events()]


def test_the_bounce_list_keeps_an_address_longer_at_each_bounce(sc):
    """Others: 1 h, 4 h, 8 h, 1 d, then 2^(n-1) days up to 180; each re-bounce needs the
    address off the list (while listed, a send is refused and does not count)."""
    sc.outcome("gone@example.com", "bounce")
    expected = [3600, 4 * 3600, 8 * 3600, DAY, 16 * DAY, 32 * DAY, 64 * DAY, 128 * DAY, 180 * DAY, 180 * DAY]
    for ttl in expected:
        now = int(sc.clock.time())
        send(sc, mail("gone@example.com"))
        assert sc.bounce_expiry("gone@example.com") == now + ttl
        send(sc, mail("gone@example.com"))  # listed: refused, not counted
        assert sc.events(email="gone@example.com")[-1]["substat"] == 401
        sc.clock.advance(seconds=ttl - 1)
        assert [b["email"] for b in sc.bounces()] == ["gone@example.com"]
        sc.clock.advance(seconds=1)
        assert sc.bounces() == [] and sc.bounce_expiry("gone@example.com") is None


def test_tencent_mailboxes_double_from_a_day_up_to_30(sc):
    sc.outcome("user@qq.com", "bounce")
    for ttl in [1, 2, 4, 8, 16, 30, 30]:
        now = int(sc.clock.time())
        send(sc, mail("user@qq.com"))
        assert sc.bounce_expiry("user@qq.com") == now + ttl * DAY
        sc.clock.advance(days=ttl)
        assert sc.bounces() == []


def test_a_chosen_bounce_reply_is_the_reason_and_seeded_bounces_stay(sc):
    sc.add_bounce("seeded@example.com")
    sc.outcome("ann@example.com", "bounce", reply="550 5.1.1 <ann@example.com>: user unknown")
    send(sc, mail("ann@example.com"))
    assert [b["reason"] for b in sc.bounces() if b["email"] == "ann@example.com"] == [
        "550 5.1.1 <ann@example.com>: user unknown"
    ]
    [event] = sc.events(type="invalid")
    assert event["message"] == "550 5.1.1 <ann@example.com>: user unknown"
    sc.clock.advance(days=365)
    assert [b["email"] for b in sc.bounces()] == ["seeded@example.com"]  # no expiry of its own


def test_a_complaint_lists_the_address_for_180_days(sc):
    sc.outcome("hates@example.com", "complaint", after=3600)
    send(sc, mail("hates@example.com"))
    assert trail(sc, "hates@example.com") == ["deliver"] and sc.complaints() == []
    sc.clock.advance(hours=1)
    assert trail(sc, "hates@example.com") == ["deliver", "report_spam"]
    assert sc.complaints() == [
        {
            "email": "hates@example.com",
            "domain": "example.com",
            "complaintTime": "2024-05-15 13:00:00",
            "expireTime": "2024-11-11 13:00:00",
        }
    ]
    sc.clock.advance(days=179, hours=23)
    send(sc, mail("hates@example.com"))
    assert sc.events()[-1]["message"] == "Blacklist:complaint (worker:address in complaint list)"
    sc.clock.advance(hours=1)
    assert sc.complaints() == []
    send(sc, mail("hates@example.com"))
    assert sc.events(email="hates@example.com")[-1]["event"] == "deliver"
    sc.clock.advance(hours=1)  # the chosen complaint comes again
    assert trail(sc, "hates@example.com")[-2:] == ["deliver", "report_spam"]


def test_an_unsubscribe_is_listed_with_the_sends_label_and_refuses_the_next_send(sc):
    sc.outcome("leaves@example.com", "unsubscribe")
    send(sc, mail("leaves@example.com", labelId="7"))
    [event] = sc.events(type="unsubscribe")
    assert {k: event[k] for k in ("message", "labelId", "ip", "explorerName", "oSName")} == {
        "message": "unsubscribe email",
        "labelId": 7,
        "ip": "",
        "explorerName": "",
        "oSName": "",
    }
    assert sc.unsubscribes() == [
        {
            "email": "leaves@example.com",
            "domain": "example.com",
            "labelId": 7,
            "apiUser": sc.api_user,
            "unsubscribeTime": "2024-05-15 12:00:00",
        }
    ]
    sc.clear_outcomes()
    send(sc, mail("leaves@example.com"))
    assert (sc.events()[-1]["substat"], sc.events()[-1]["message"]) == (402, "unsubscribe")


def test_a_blocked_domain_refuses_its_addresses_for_its_api_user_or_all(sc):
    sc.add_api_user("other")
    sc.add_block(domain="blocked.example", api_user_block="other")
    send(sc, mail("a@blocked.example"))
    assert sc.events()[-1]["event"] == "deliver"  # the row is for another API user
    sc.add_block(domain="Blocked.Example")
    send(sc, mail("a@blocked.example"))
    assert sc.events()[-1]["message"] == "Blacklist: Block：(worker:address in block list)"


def test_a_deferral_is_retried_on_the_fake_clock_and_then_delivered(sc):
    sc.outcome("slow@example.com", "defer", reply="450 4.2.1 mailbox busy", times=2)
    send(sc, mail("slow@example.com"))
    sc.clock.advance(seconds=299)
    assert trail(sc, "slow@example.com") == ["soft_bounce"]
    sc.clock.advance(seconds=1)
    sc.clock.advance(minutes=10)
    events = sc.events(email="slow@example.com")
    assert [(e["event"], e["timestamp"], e.get("cause")) for e in events] == [
        ("soft_bounce", T0 * 1000, "450 4.2.1 mailbox busy"),
        ("soft_bounce", (T0 + 300) * 1000, "450 4.2.1 mailbox busy"),
        ("deliver", (T0 + 900) * 1000, None),
    ]


def test_a_deferral_that_never_clears_is_given_up_a_day_later(sc):
    send(sc, mail(f"defer@{SIM}"))
    sc.clock.advance(hours=23, minutes=59)
    times = [e["timestamp"] // 1000 for e in sc.events(type="soft_bounce")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[:6] == [300, 600, 1200, 2400, 4800, 7200] and set(gaps[6:]) == {7200}
    assert sc.events(type="invalid") == []
    sc.clock.advance(minutes=1)
    [given_up] = sc.events(type="invalid")
    assert (given_up["substat"], given_up["substatdesc"], given_up["timestamp"]) == (
        403,
        "server unreachable",
        (T0 + DAY) * 1000,
    )
    assert sc.bounces() == []  # soft bounces feed no list


def test_xsmtpapi_and_templates_send_individually_with_the_same_decisions(sc):
    info = send(sc, {"from": "shop@example.com", "xsmtpapi": f'{{"to": ["a@example.com", "bounce@{SIM}"]}}',
                     "templateInvokeName": "ifaxin_bill"}, "/apiv2/mail/sendtemplate")  # fmt: skip
    assert [i.partition("$")[2] for i in info["emailIdList"]] == ["a@example.com", f"bounce@{SIM}"]
    assert [r["decision"] for r in sc.sends()[-1]["recipients"]] == ["deliver", "bounce"]
    assert sc.sends()[-1]["template"] == "ifaxin_bill"


def test_cc_and_bcc_are_recipients_too_and_respemailid_false_hides_the_ids(sc):
    info = send(sc, mail("a@example.com", cc="c@example.com", bcc="b@example.com", respEmailId="false"))
    assert info == {}
    assert [e["recipient"] for e in sc.events(type="deliver")] == ["a@example.com", "c@example.com", "b@example.com"]


def test_labels_and_sc_custom_headers_are_in_every_event(sc):
    headers = '{"SC-Custom-Order": "42", "X-Other": "no"}'
    send(sc, mail("a@example.com", labelId="12", labelName="orders", headers=headers))
    for event in sc.events():
        assert (event["labelId"], event["labelName"], event["userHeaders"]) == (
            12,
            "orders",
            '{"SC-Custom-Order":"42"}',
        )


def test_each_api_user_decides_from_its_own_lists(sc):
    other = sc.add_api_user("shop2")
    sc.add_bounce("x@example.com", api_user="shop2")
    r = requests.post(
        sc.url + "/api/mail/send", data={"apiUser": "shop2", "apiKey": other["api_key"], **mail("x@example.com")}
    )
    assert r.json()["result"] is True
    assert [e["event"] for e in sc.events(api_user="shop2")] == ["request", "invalid"]
    assert sc.events(api_user=sc.api_user) == []
    send(sc, mail("x@example.com"))
    assert sc.events(api_user=sc.api_user)[-1]["event"] == "deliver"


# -- chosen outcomes and the control plane --------------------------------------------------------------
def test_outcomes_through_the_control_plane(sc):
    base = sc.url + "/_mailblocks/sendcloud/outcomes"
    r = requests.post(
        base, json=[{"email": "a@example.com", "kind": "block"}, {"email": "b@example.com", "kind": "defer"}]
    )
    assert r.status_code == 201 and r.json()["chosen"] == 2
    assert [o["kind"] for o in requests.get(base).json()["outcomes"]] == ["block", "defer"]
    r = requests.post(base, json={"email": "c@example.com", "kind": "vanish"})
    assert r.status_code == 400 and r.json()["message"].startswith("outcomes[0]: kind must be one of")
    send(sc, mail("a@example.com", "b@example.com"))
    assert [r["decision"] for r in sc.sends()[-1]["recipients"]] == ["block", "defer"]
    assert requests.delete(base).json() == {"provider": "sendcloud", "cleared": 2}


def test_the_outbox_and_the_sends_through_the_control_plane(sc):
    sc.add_api_user("shop2")
    send(sc, mail(f"bounce@{SIM}", "ok@example.com"))
    base = sc.url + "/_mailblocks/sendcloud/events"
    data = requests.get(base, params={"type": "invalid"}).json()
    assert (data["count"], data["total"], data["dropped"]) == (1, 3, 0)
    assert data["events"] == sc.events(type="invalid")
    assert requests.get(base, params={"email": "OK@example.com"}).json()["count"] == 1
    assert requests.get(base, params={"api_user": "shop2"}).json()["count"] == 0
    assert requests.get(base, params={"api_user": sc.api_user}).json()["count"] == 3
    sends = requests.get(sc.url + "/_mailblocks/sendcloud/sends").json()
    assert sends["count"] == 1 and sends["sends"][0]["from"] == "shop@example.com"
    assert requests.delete(base).json() == {"provider": "sendcloud", "cleared": 3}


def test_a_reset_forgets_scheduled_work_and_the_outbox_is_bounded(sc, mailblocks):
    sc.outbox.maxlen = 2
    send(sc, mail("a@example.com", "b@example.com"))
    assert [e["event"] for e in sc.events()] == ["deliver", "deliver"] and sc.outbox.dropped == 1
    send(sc, mail(f"defer@{SIM}", f"complaint+late@{SIM}"))
    sc.reset()
    mailblocks.clock.advance(days=2)
    assert sc.events() == [] and sc.complaints() == [] and sc.outbox.maxlen == 10_000


# -- the status lookup ---------------------------------------------------------------------------------
def status(sc, **params):
    r = requests.post(sc.url + "/apiv2/data/emailStatus", data={"apiUser": sc.api_user, "apiKey": sc.api_key, **params})
    assert r.status_code == 200
    return r.json()


def test_email_status_shows_each_recipient_of_the_window(sc):
    ids = send(sc, mail("a@example.com", f"bounce@{SIM}", f"defer@{SIM}"))["emailIdList"]
    sc.clock.advance(minutes=5)
    body = status(sc, days=1)
    assert body["message"] == "请求成功"
    assert body["info"] == {
        "total": "3",
        "voListSize": 3,
        "voList": [
            {
                "status": "投递成功",
                "apiUser": sc.api_user,
                "recipients": "a@example.com",
                "requestTime": "2024-05-15 12:00:00",
                "modifiedTime": "2024-05-15 12:00:00",
                "sendLog": "successfully delivered",
            },
            {
                "status": "无效邮件",
                "apiUser": sc.api_user,
                "recipients": f"bounce@{SIM}",
                "requestTime": "2024-05-15 12:00:00",
                "modifiedTime": "2024-05-15 12:00:00",
                "sendLog": "550 5.1.1 recipient address does not exist",
            },
            {
                "status": "软退信",
                "apiUser": sc.api_user,
                "recipients": f"defer@{SIM}",
                "requestTime": "2024-05-15 12:00:00",
                "modifiedTime": "2024-05-15 12:05:00",
                "sendLog": "421 4.3.0 service not available, try again later",
            },
        ],
    }
    assert status(sc, days=1, emailIds=f"{ids[1]};{ids[0]}")["info"]["total"] == "2"
    assert status(sc, days=1, email=f"DEFER@{SIM}")["info"]["voList"][0]["status"] == "软退信"
    assert status(sc, days=1, start=1, limit=1)["info"]["voList"][0]["recipients"] == f"bounce@{SIM}"
    assert status(sc, startDate="2024-05-01", endDate="2024-05-14")["info"]["total"] == "0"
    assert status(sc, days=1, apiUserList="someone_else")["info"]["total"] == "0"


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({}, 40007, "startDate格式错误,应该类似'2013-03-19'"),
        ({"days": "31"}, 40022, "时间区间不能超过30天"),
        ({"startDate": "2024-04-01", "endDate": "2024-05-02"}, 40022, "时间区间不能超过30天"),
        ({"startDate": "2024-01-01", "endDate": "2024-05-02"}, 40022, "时间区间不能超过30天"),
        ({"days": "0"}, 40006, "days格式非法,必须是大于0的正整数"),
        ({"days": "1", "limit": "101"}, 40004, "limit非法"),
    ],
)
def test_email_status_refuses_a_bad_window(sc, params, code, message):
    assert status(sc, **params) == {"result": False, "statusCode": code, "message": message, "info": {}}


def test_email_status_is_served_on_the_mainland_host_only(sc):
    r = requests.post(sc.url + "/api/data/emailStatus", data={"apiUser": sc.api_user, "apiKey": sc.api_key, "days": 1})
    assert r.json()["statusCode"] == 404


def test_complaints_seed_and_list_through_the_control_plane(sc):
    seed = {"complaints": ["a@example.com", {"email": "b@example.com", "complaint_time": "2024-05-01 10:00:00"}]}
    r = requests.post(sc.url + "/_mailblocks/seed", json={"sendcloud": seed})
    assert r.status_code in (200, 201), r.text
    rows = requests.get(sc.url + "/_mailblocks/sendcloud/blocks", params={"list": "complaints"}).json()
    assert [(c["email"], c["complaintTime"], c["expireTime"]) for c in rows["blocks"]] == [
        ("b@example.com", "2024-05-01 10:00:00", "2024-10-28 10:00:00"),
        ("a@example.com", "2024-05-15 12:00:00", "2024-11-11 12:00:00"),
    ]
    r = requests.post(sc.url + "/_mailblocks/seed", json={"sendcloud": {"complaints": [{"email": "c@x.io", "why": 1}]}})
    assert r.status_code == 400 and "unknown field(s) ['why']" in r.json()["message"]
    sc.clock.advance(days=166)  # b's 180 days end on 2024-10-28
    assert [c["email"] for c in sc.complaints()] == ["a@example.com"]
