"""The send paths in snapshots (issues 20 and 21): after a send with chosen outcomes and
webhooks set up, the exported snapshot PUT into a fresh fake answers the same (the
events, sends, outcomes, webhook settings, the status lookups) and carries on (a later
send takes the outcome and posts to the webhook; ids follow on); a bad part of the send
path's state is a 400 naming its JSON path and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from pytest_mailblocks import FakeServer

from .core.test_snapshot import _mutated

CP = "/_mailblocks"
T0 = 1_714_521_600  # 2024-05-01T00:00:00Z
CHOSEN = "chosen@example.com"
SIM_BOUNCE = "bounce@simulator.mailblocks.test"


# -- each provider: a send with a webhook, what it answers, a later send ----------------------------
def _cmc_send(fake: FakeServer, *to: str) -> None:
    cmc = fake.cmc
    fields = {"to": json.dumps(list(to)), "from": json.dumps({"name": "Shop", "address": "shop@example.com"})}
    r = requests.post(
        cmc.url + "/api/v2/emails/send.json", data={**cmc.auth, **fields, "subject": "Hi", "text": "x"}, timeout=10
    )
    assert r.status_code == 200, r.text


def _cmc_arrange(fake: FakeServer, hook: str) -> None:
    fake.cmc.set_event_webhook(hook, events=["bounces"], api_key="s3cret", max_events=5)
    fake.cmc.outcome(CHOSEN, "bounce", reply="550 5.1.1 <chosen@example.com>: no such user")
    _cmc_send(fake, CHOSEN, SIM_BOUNCE, "ok@example.com")


def _cmc_answers(fake: FakeServer) -> dict[str, Any]:
    cmc = fake.cmc
    r = requests.post(cmc.url + "/transaction/v2/blocks/list.json", data=cmc.auth, timeout=10)
    return {"webhook": cmc.event_webhook(), "blocks": r.json()}


def _cmc_again(fake: FakeServer) -> None:
    fake.cmc.outcome("later@example.com", "bounce")
    _cmc_send(fake, "later@example.com")
    fake.clock.advance(seconds=1)  # the batch waits a second


def _sendcloud_send(fake: FakeServer, *to: str, request_id: str) -> dict[str, Any]:
    sc = fake.sendcloud
    data = {"apiUser": sc.api_user, "apiKey": sc.api_key, "from": "shop@example.com", "subject": "Hi", "html": "x"}
    r = requests.post(
        sc.url + "/api/mail/send", data={**data, "to": ";".join(to), "sendRequestId": request_id}, timeout=10
    )
    out: dict[str, Any] = r.json()
    return out


def _sendcloud_arrange(fake: FakeServer, hook: str) -> None:
    fake.sendcloud.set_webhook(hook, events=["invalid"], body="json")
    fake.sendcloud.set_app_key("app-key-1")
    fake.sendcloud.outcome(CHOSEN, "bounce")
    assert _sendcloud_send(fake, CHOSEN, SIM_BOUNCE, "ok@example.com", request_id="r1")["result"] is True


def _sendcloud_answers(fake: FakeServer) -> dict[str, Any]:
    sc = fake.sendcloud
    auth = {"apiUser": sc.api_user, "apiKey": sc.api_key}
    status = requests.post(sc.url + "/apiv2/data/emailStatus", data={**auth, "days": "1"}, timeout=10).json()
    bounces = requests.post(sc.url + "/api/bounce/list", data={**auth, "days": "1"}, timeout=10).json()
    return {"webhooks": sc.webhooks(), "app_key": sc.app_key, "status": status, "bounces": bounces}


def _sendcloud_again(fake: FakeServer) -> None:
    again = _sendcloud_send(fake, "later@example.com", request_id="r1")
    assert again["statusCode"] == 40000, "sendRequestId r1 was seen within the hour"
    fake.sendcloud.outcome("later@example.com", "bounce")
    assert _sendcloud_send(fake, "later@example.com", request_id="r2")["result"] is True


MAILS = "/api/v1/mails"


def _ncp_get(fake: FakeServer, target: str) -> Any:
    r = requests.get(fake.ncp.url + target, headers=fake.ncp.signed_headers("GET", target), timeout=10)
    return r.status_code, r.json()


def _ncp_send(fake: FakeServer, *to: str, **extra: Any) -> str:
    body = {"senderAddress": "shop@example.com", "title": "Hi ${name}", "body": "x", "parameters": {"name": "Ann"}}
    body["recipients"] = [{"address": a, "type": "R"} for a in to]
    ncp = fake.ncp
    r = requests.post(ncp.url + MAILS, json={**body, **extra}, headers=ncp.signed_headers("POST", MAILS), timeout=10)
    assert r.status_code == 201, r.text
    request_id: str = r.json()["requestId"]
    return request_id


def _ncp_arrange(fake: FakeServer, hook: str) -> None:
    fake.ncp.set_block_duration(240)
    fake.ncp.outcome(CHOSEN, "bounce")
    fake.ncp.outcome("slow@example.com", "defer")
    _ncp_send(fake, CHOSEN, SIM_BOUNCE, "ok@example.com", "slow@example.com")
    _ncp_send(fake, "held@example.com", confirmAndSend=True)


def _ncp_answers(fake: FakeServer) -> dict[str, Any]:
    ncp = fake.ncp
    out: dict[str, Any] = {
        "requests": ncp.mail_requests(),
        "config": _ncp_get(fake, "/api/v1/config?type=SEND_BLOCK_TIME"),
    }
    for request in out["requests"]:
        rid = request["requestId"]
        out[rid] = [_ncp_get(fake, f"{MAILS}/requests/{rid}/status"), _ncp_get(fake, f"{MAILS}/requests/{rid}/mails")]
        out[rid] += [_ncp_get(fake, f"{MAILS}/{mail_id}") for mail_id in ncp.mail_ids(rid)]
    out["blocks"] = ncp.blocks()
    return out


def _ncp_again(fake: FakeServer) -> None:
    held = fake.ncp.mail_requests()[-1]
    assert held["held"] is True and fake.ncp.confirm(held["requestId"]) is True
    assert fake.ncp.mail_requests()[-1]["sentCount"] == 1
    assert _ncp_send(fake, "next@example.com").endswith("000000000003"), "ids follow on"


PROVIDERS = {
    "cmc": (_cmc_arrange, _cmc_answers, _cmc_again),
    "ncp": (_ncp_arrange, _ncp_answers, _ncp_again),
    "sendcloud": (_sendcloud_arrange, _sendcloud_answers, _sendcloud_again),
}


@pytest.fixture(scope="module")
def servers():
    with FakeServer() as source, FakeServer() as fresh:
        yield source, fresh


def _said(fake: FakeServer, key: str) -> dict[str, Any]:
    handle = fake.handle(key)
    return {
        "outcomes": handle.outcomes(),
        "events": handle.events(),
        "sends": handle.sends(),
        **PROVIDERS[key][1](fake),
    }


@pytest.mark.parametrize("key", PROVIDERS)
def test_a_send_answers_the_same_after_a_put_into_a_fresh_fake_and_carries_on(servers, key, httpserver):
    source, fresh = servers
    source.reset()
    fresh.reset()
    source.clock.freeze(T0)
    arrange, _, again = PROVIDERS[key]
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    arrange(source, httpserver.url_for("/hook"))
    source.clock.advance(seconds=1)
    source.handle(key).flush_events()
    said = _said(source, key)
    assert said["events"] and said["sends"] and said["outcomes"]
    snapshot = requests.get(source.url + CP + "/state", timeout=10).content

    r = requests.put(fresh.url + CP + "/state", data=snapshot, timeout=10)
    assert r.status_code == 200, r.text
    assert _said(fresh, key) == said
    assert requests.get(fresh.url + CP + "/state", timeout=10).content == snapshot

    httpserver.clear_log()
    again(fresh)
    fresh.handle(key).flush_events()
    assert len(fresh.handle(key).events()) > len(said["events"])
    if key != "ncp":  # NCP has no webhooks
        posts = [req.get_data(as_text=True) for req, _ in httpserver.log]
        assert any("later@example.com" in body for body in posts), "the webhook set up before the export posts"


BAD = [
    ("cmc/event_webhooks/mailblocks/max_events", 0, "cmc.event_webhooks.mailblocks: max_events must be an integer"),
    ("cmc/event_webhooks/ghost", {}, "cmc.event_webhooks.ghost: missing"),
    ("cmc/delivery/outcomes/0/kind", "explode", "$.providers.cmc.delivery.outcomes[0]"),
    ("cmc/delivery/events/entries/0/seq", 0, "$.providers.cmc.delivery.events.entries[0].seq: must be"),
    ("ncp/mail_store/requests/0/project", "ghost", "ncp.mail_store.requests[0].project: unknown project 'ghost'"),
    (
        "ncp/mail_store/requests/0/mails/1/recipients/0/code",
        "OOPS",
        "$.providers.ncp.mail_store.requests[0].mails[1].recipients[0].code: must be one of",
    ),
    ("ncp/mail_store/requests/0/mails/0/recipients", [], "ncp.mail_store.requests[0].mails[0].recipients: must be"),
    ("ncp/mail_store/request_seq", 1, "$.providers.ncp.mail_store.requests[1].request_id: its number must be"),
    ("ncp/mail_store/total", 1, "$.providers.ncp.mail_store.total: total must count every request"),
    ("ncp/delivery/sends/next_seq", 1, "$.providers.ncp.delivery.sends: total must count every entry"),
    ("sendcloud/webhooks/0/categoryName", "ghost", "$.providers.sendcloud.webhooks[0]: unknown api_user 'ghost'"),
    ("sendcloud/webhooks/0/events", [], "$.providers.sendcloud.webhooks[0]: events must name at least one"),
    ("sendcloud/app_key", "", "$.providers.sendcloud.app_key: the APP KEY must be"),
    (
        "sendcloud/api_users/mailblocks_default/bounce_counts/0/count",
        0,
        "$.providers.sendcloud.api_users.mailblocks_default.bounce_counts[0].count: must be an integer >= 1",
    ),
    ("sendcloud/statuses/1/email_id", None, "$.providers.sendcloud.statuses[1].email_id: must be"),
    ("sendcloud/request_ids/0/time", "soon", "$.providers.sendcloud.request_ids[0].time: must be unix seconds"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_send_path_part_is_a_400_naming_its_json_path_and_changes_nothing(servers, path, value, message):
    source, fresh = servers
    source.reset()
    fresh.reset()
    source.clock.freeze(T0)
    key = path.split("/")[0]
    PROVIDERS[key][0](source, "http://127.0.0.1:9/hook")
    good = source.export_state()
    fresh.handle(key).outcome("kept@example.com", "bounce")  # the state the refused import must leave
    before = fresh.export_state()
    r = requests.put(fresh.url + CP + "/state", data=json.dumps(_mutated(good, f"providers/{path}", value)), timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "bad_request", r.text
    assert message in r.json()["message"]
    assert fresh.export_state() == before
